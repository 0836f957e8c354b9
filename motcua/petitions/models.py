"""Feedback and petitions (phản ánh, kiến nghị — PAKN). Only petitions/actions/ changes these rows.

A petition is filed by a citizen (signed in, or anonymous with a contact verified by a
one-time code) or registered by an officer from a call, a letter or a visit (its origin).
It is handled by the competent unit on legal deadlines in working days (KPI-766 §3 G5):
refuse ≤ 2, ask for information ≤ 5 (the clock stops while waiting), answer ≤ 15,
publish the answer ≤ 2. Forwarding keeps the first-received time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    FEEDBACK = "feedback", _("Phản ánh")
    PETITION = "petition", _("Kiến nghị")
    COMPLAINT = "complaint", _("Khiếu nại về hồ sơ")


class Topic(models.TextChoices):
    PROCEDURE = "procedure", _("Thủ tục hành chính")
    UNIT = "unit", _("Cơ quan, đơn vị")
    OFFICER = "officer", _("Hành vi, thái độ của cán bộ")
    DOSSIER = "dossier", _("Hồ sơ của tôi")
    RULES = "rules", _("Quy định, chính sách")
    OTHER = "other", _("Khác")


class Origin(models.TextChoices):
    ONLINE = "online", _("Trực tuyến")
    PHONE = "phone", _("Điện thoại")
    LETTER = "letter", _("Thư, văn bản")
    IN_PERSON = "in_person", _("Trực tiếp")


class PetitionStatus(models.TextChoices):
    RECEIVED = "received", _("Đang xử lý")
    WAITING = "waiting", _("Chờ bổ sung thông tin")
    ANSWERED = "answered", _("Đã trả lời, chờ công khai")
    PUBLISHED = "published", _("Đã công khai trả lời")
    REFUSED = "refused", _("Từ chối xử lý")


OPEN_STATUSES = frozenset({PetitionStatus.RECEIVED, PetitionStatus.WAITING, PetitionStatus.ANSWERED})
ENDED_STATUSES = frozenset({PetitionStatus.PUBLISHED, PetitionStatus.REFUSED})


class Petition(models.Model):
    code = models.CharField(_("mã phản ánh"), max_length=32, unique=True)
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    topic = models.CharField(_("chủ đề"), max_length=16, choices=Topic.choices, default=Topic.OTHER)
    subject = models.CharField(_("tiêu đề"), max_length=200)
    body = models.TextField(_("nội dung"))
    # Who filed it: a signed-in citizen, or a verified contact (anonymous), or a person an officer registered.
    filer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="petitions")
    contact_name = models.CharField(_("họ và tên"), max_length=255, blank=True)
    contact = models.CharField(_("liên hệ"), max_length=254, blank=True, help_text=_("thư điện tử hoặc số điện thoại"))
    origin = models.CharField(_("nguồn tiếp nhận"), max_length=16, choices=Origin.choices, default=Origin.ONLINE)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    # What it is about (each optional).
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="petitions")
    first_unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    procedure = models.ForeignKey("catalog.Procedure", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    dossier = models.ForeignKey("dossiers.Dossier", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="petitions")
    attachments = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=PetitionStatus.choices, default=PetitionStatus.RECEIVED)
    # KPI-766 §1.4: the first-received time (kept when forwarded), direct or forwarded.
    first_received_at = models.DateTimeField()
    received_at = models.DateTimeField()  # at the unit it is now with
    forwarded = models.BooleanField(default=False)
    # Legal deadlines (working days on the unit's calendar), each set when its clock starts.
    refuse_due_at = models.DateTimeField()
    info_due_at = models.DateTimeField()
    due_at = models.DateTimeField()  # the answer; moves by the working days waited for information
    publish_due_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_days = models.PositiveIntegerField(default=0)
    info_requested_at = models.DateTimeField(null=True, blank=True)  # the first request (its deadline is judged)
    info_request = models.TextField(blank=True)
    refused_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    # The public version, as the officer published it (redact.py proposes it masked; they may edit it):
    # the public page and API show these, never the texts above.
    public_subject = models.CharField(_("tiêu đề công khai"), max_length=200, blank=True)
    public_body = models.TextField(_("nội dung công khai"), blank=True)
    public_answer = models.TextField(_("trả lời công khai"), blank=True)
    # The filer's verdict on the answer (one vote, which may change) and a new complaint.
    likes = models.PositiveSmallIntegerField(default=0)
    dislikes = models.PositiveSmallIntegerField(default=0)
    complained_again = models.BooleanField(default=False)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField()
    # A client's Idempotency-Key for the filing (per filer): a retried POST gets the same petition.
    idempotency_key = models.CharField(max_length=128, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["unit", "status", "due_at"]),
            models.Index(fields=["filer", "-first_received_at"]),
            models.Index(fields=["status", "-published_at"]),
            models.Index(fields=["contact", "first_received_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(due_at__gte=models.F("first_received_at")),
                                   name="petition_due_after_receipt"),
            models.UniqueConstraint(fields=["filer", "contact", "idempotency_key"], name="petition_idempotency",
                                    condition=~models.Q(idempotency_key="")),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class PetitionEvent(models.Model):
    """The petition's history: one row per action."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["petition", "id"]


class PetitionSequence(models.Model):
    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)


class ContactCode(models.Model):
    """A one-time code sent to an anonymous filer's contact; its hash only is kept."""

    contact = models.CharField(max_length=254, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    # Handed to the client once verified: filing presents it instead of the code (hash kept).
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
