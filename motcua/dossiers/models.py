"""Dossiers and their history. Only the actions layer (dossiers/actions/) changes these rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.IntegerChoices):
    """National dossier status codes (sync to the national portal, Decision 766 formulas)."""

    SUBMITTED = 1, _("Mới nộp")
    RECEIVED = 2, _("Đã tiếp nhận")
    REFUSED = 3, _("Từ chối tiếp nhận")
    PROCESSING = 4, _("Đang xử lý")
    SUPPLEMENT_REQUESTED = 5, _("Yêu cầu bổ sung")
    PAYMENT_REQUESTED = 6, _("Yêu cầu thanh toán")
    WITHDRAWN = 7, _("Công dân rút hồ sơ")
    STOPPED = 8, _("Dừng xử lý")
    PROCESSED = 9, _("Đã xử lý xong")
    RETURNED = 10, _("Đã trả kết quả")


class Channel(models.IntegerChoices):
    IN_PERSON = 1, _("Trực tiếp")
    ONLINE = 2, _("Trực tuyến")
    POST = 3, _("Bưu chính công ích")


class DeadlineState(models.TextChoices):
    ON_TIME = "on_time", _("Trong hạn")
    AT_RISK = "at_risk", _("Sắp đến hạn")
    LATE = "late", _("Quá hạn")


class Dossier(models.Model):
    code = models.CharField(_("mã hồ sơ"), max_length=48, unique=True)
    procedure = models.ForeignKey("catalog.Procedure", on_delete=models.PROTECT, related_name="dossiers")
    procedure_version = models.ForeignKey("catalog.ProcedureVersion", on_delete=models.PROTECT, related_name="dossiers")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="dossiers")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="dossiers")
    channel = models.PositiveSmallIntegerField(choices=Channel.choices, default=Channel.ONLINE)
    status = models.PositiveSmallIntegerField(choices=Status.choices, default=Status.SUBMITTED)
    data = models.JSONField(default=dict)
    components = models.JSONField(default=list)
    fee = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField()
    received_at = models.DateTimeField(null=True, blank=True)
    # The date promised to the applicant: the legal due date, or the new date of the latest apology letter.
    # The officers' deadline flags and the apology rule read it; the KPI never does (legal_due_at).
    due_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()
    # The legal due date (KPI-766.md §5.1): set at receipt, moved only by clock pauses (supplement
    # rounds), never by an apology letter. The on-time test of the indicators (2.1, 5.4) compares with it.
    legal_due_at = models.DateTimeField(null=True, blank=True)
    # While waiting for the applicant (status 5) the clock stops.
    paused_at = models.DateTimeField(null=True, blank=True)
    status_before_pause = models.PositiveSmallIntegerField(null=True, blank=True, choices=Status.choices)
    paused_days = models.PositiveIntegerField(default=0)
    # A lower level's one-stop desk that took the dossier in for the implementing unit above it (a commune
    # receiving a provincial land procedure: the procedure's `hand_over`), and when it handed it over.
    desk = models.ForeignKey("units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    handed_over_at = models.DateTimeField(null=True, blank=True)
    supplement_count = models.PositiveSmallIntegerField(default=0)
    apology_count = models.PositiveSmallIntegerField(default=0)
    payment_due = models.PositiveIntegerField(default=0)  # đồng asked for in status 6
    deadline_state = models.CharField(max_length=8, choices=DeadlineState.choices, default=DeadlineState.ON_TIME)
    # Facts the Decision 766 indicators need (monitoring/): where the components and prefilled data
    # came from (bits of dossiers/facts.py), whether the applicant's account is verified with the
    # national e-ID, and how the fee was paid online (0 not online, 1 national payment
    # platform, 2 local gateway — DuocThanhToanTrucTuyen).
    component_sources = models.PositiveSmallIntegerField(default=0)
    vneid_auth = models.BooleanField(default=False)
    paid_online = models.PositiveSmallIntegerField(default=0)
    # The applicant's rating gave "dissatisfied" overall (dossiers/rating.py): indicator 5.4 counts it a failure.
    disliked = models.BooleanField(default=False)
    # A complaint (a petition of kind "complaint", petitions/) is linked to it: indicator 5.4 counts it a failure.
    complained = models.BooleanField(default=False)
    # What officers decided and recorded while processing (dossiers/actions/decisions.py): {"choices": {step:
    # choice}, "rounds": {step: times sent back}, "values": {key: value}, "refusal": {step, choice, reasons}}.
    decisions = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["applicant", "-submitted_at"]),
            models.Index(fields=["unit", "status", "-submitted_at"]),
            models.Index(fields=["status", "due_at"]),
            # The officers' search by procedure and status without a name or code (dossiers/search.py):
            # without it PostgreSQL intersects the status and procedure indexes (100k+ entries) each time.
            # Read in page order (newest first) with LIMIT by a province's officers, whose units hold a
            # share of every procedure: the unit and channel it filters by, and the id it returns, are in
            # the index, so the rows of other units are skipped without reading the table (PostgreSQL's
            # index-only scan; SQLite builds it on the key columns).
            models.Index(
                fields=["procedure", "status", "-submitted_at"], name="dossier_procedure_status",
                include=["unit", "channel", "id"],
            ),
            # The same search by a commune's officers (a few units): each unit's rows of the procedure and
            # status, newest first, without the table (a bitmap of two indexes read 28,000 pages at 10 M).
            models.Index(
                fields=["unit", "procedure", "status", "-submitted_at"], name="dossier_unit_procedure_status",
                include=["channel", "id"],
            ),
            # Every column the KPI rebuild reads (monitoring/rebuild.py): on PostgreSQL it groups ten
            # million dossiers from this index alone, without reading the rows and their JSON.
            models.Index(
                fields=["unit", "procedure"], name="dossier_kpi_facts", condition=models.Q(received_at__isnull=False),
                include=[
                    "received_at", "status", "channel", "procedure_version", "fee", "paid_online", "component_sources",
                    "vneid_auth", "disliked", "apology_count", "finished_at", "updated_at", "legal_due_at",
                    "complained",
                ],
            ),
            # The insights' incremental build (insights/sqlbuild.py, `recent`): the dossiers ended since its
            # latest month traced, a range of the last weeks instead of a scan of every dossier.
            models.Index(fields=["finished_at"], name="dossier_finished", condition=models.Q(finished_at__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__gte=1, status__lte=10), name="dossier_status_national_code"),
            models.CheckConstraint(condition=models.Q(channel__in=[1, 2, 3]), name="dossier_channel_known"),
            models.CheckConstraint(
                condition=models.Q(due_at__isnull=True) | models.Q(received_at__isnull=False, due_at__gte=models.F("received_at")),
                name="dossier_due_after_receipt",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class DossierEvent(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    from_status = models.PositiveSmallIntegerField(null=True, choices=Status.choices)
    to_status = models.PositiveSmallIntegerField(choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["dossier", "id"]


class DailySequence(models.Model):
    """The last dossier number given by a unit on a (local) day."""

    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "day"], name="unique_daily_sequence")]


class TaskStatus(models.TextChoices):
    WAITING = "waiting", _("Chờ bước trước")
    OPEN = "open", _("Đang chờ xử lý")
    DONE = "done", _("Đã xong")
    SKIPPED = "skipped", _("Bỏ qua")
    CANCELLED = "cancelled", _("Đã hủy")


class Task(models.Model):
    """One step of a dossier's workflow, for one unit and role (copied from the version's definition)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="tasks")
    step = models.CharField(max_length=64)
    name = models.JSONField(default=dict)
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="tasks")
    role = models.CharField(max_length=32)
    after = models.JSONField(default=list)
    days = models.FloatField()
    is_end = models.BooleanField(default=False)
    may_request_supplement = models.BooleanField(default=False)
    # A legal inner deadline in calendar days from the step's opening (an inspection within 15 days):
    # the step's due date is the earlier of it and the step's share of the working days.
    calendar_days = models.PositiveSmallIntegerField(null=True, blank=True)
    # The step's `team` (a kind of the catalog's teams; "" for none): the unit's team of that kind works
    # it, and its members read the dossier while the step is open or done (dossiers/access.py), whatever
    # their own unit. Kept here so that the scope is a query, not a read of every definition.
    team = models.CharField(max_length=32, blank=True, default="")
    # At another unit than its dossier's (an inter-agency step, a lower desk's hand-over): both units are
    # fixed when the steps are made (workflow.create_tasks), so this never goes stale.
    elsewhere = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=TaskStatus.choices, default=TaskStatus.WAITING)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks")
    opened_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["dossier", "id"]
        constraints = [models.UniqueConstraint(fields=["dossier", "step"], name="unique_task_step")]
        indexes = [
            models.Index(fields=["unit", "status", "role"]),
            # The officers' filtered search reads "dossiers with a step at my units" from these rows only
            # (dossiers/search.for_officer): a step at the dossier's own unit is found by its unit already.
            models.Index(fields=["unit", "dossier"], name="task_elsewhere", condition=models.Q(elsewhere=True)),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}:{self.step}"

    @property
    def done_late(self) -> bool:
        """Done after its due date (its share of the time, or the law's calendar days)."""
        return self.done_at is not None and self.due_at is not None and self.done_at > self.due_at


class SupplementRequest(models.Model):
    """A request for more documents; the clock stops until the applicant answers."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="supplements")
    number = models.PositiveSmallIntegerField()
    reason = models.TextField()
    items = models.JSONField(default=list)  # [{"key": component key, "reason": "…"}]
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.JSONField(default=list)  # the components supplied
    paused_days = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["dossier", "number"]
        constraints = [models.UniqueConstraint(fields=["dossier", "number"], name="unique_supplement_number")]


class ApologyLetter(models.Model):
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả, for a dossier that cannot be done in time."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="apologies")
    number = models.CharField(max_length=64, unique=True)
    reason = models.TextField()
    previous_due_at = models.DateTimeField()
    new_due_at = models.DateTimeField()
    file = models.FileField(upload_to="apologies/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["dossier", "issued_at"]


class Rating(models.Model):
    """Đánh giá mức độ hài lòng: the applicant's rating of a returned dossier (see dossiers/rating.py)."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="rating")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(default=dict)  # {criterion: level}
    overall = models.CharField(max_length=16)  # the level given to the "overall" criterion
    comment = models.TextField(blank=True, default="")
    rated_at = models.DateTimeField()


class OutsideRequest(models.Model):
    """A step done by an agency that is not a motcua user (the tax authority): what was sent, and its answer.

    Written when the step opens (dossiers/workflow.py), in the action's transaction; sent by
    `motcua scheduler` (integrations/outside.py) to the agency's endpoint, or, without one, answered
    by an officer from the paper received (`record_answer`). The answer completes the step.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        SENT = "sent", _("Đã gửi, chờ trả lời")
        PAPER = "paper", _("Chờ văn bản trả lời")
        ANSWERED = "answered", _("Đã trả lời")
        CANCELLED = "cancelled", _("Đã hủy")
        DEAD = "dead", _("Gửi không được")

    task = models.OneToOneField(Task, on_delete=models.CASCADE, related_name="outside_request")
    agency = models.CharField(max_length=32)
    body = models.JSONField(default=dict)  # exactly what is POSTed
    clock_stops = models.BooleanField(default=False)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    answer = models.JSONField(default=dict)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]


class Appointment(models.Model):
    """An appointment or on-site visit of a step (an inspection of the premises): set, then recorded."""

    task = models.OneToOneField(Task, on_delete=models.CASCADE, related_name="appointment")
    at = models.DateTimeField()
    place = models.CharField(max_length=300)
    note = models.TextField(blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()
    visited_at = models.DateTimeField(null=True, blank=True)
    visited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    findings = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
