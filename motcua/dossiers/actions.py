"""The one actions layer: the only code that changes a dossier.

Each action checks the actor's right and the dossier's status, applies the
change, and writes the history event, the audit entry and the outbox event in
the same transaction as the change. Views and the API only parse input, call
an action and present the outcome or the error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks_db.backend import DatabaseBackend

from motcua.audit.log import record as audit
from motcua.catalog.fees import quote
from motcua.catalog.forms import validate_form
from motcua.catalog.models import Procedure
from motcua.catalog.search import implementing_units
from motcua.dossiers import deadlines, rating, workflow
from motcua.dossiers.codes import format_code, next_sequence
from motcua.lib.errors import Conflict, Forbidden, Invalid, NotFound
from motcua.dossiers.facts import sources_mask
from motcua.dossiers.models import (
    Channel,
    DeadlineState,
    Dossier,
    DossierEvent,
    Rating,
    Status,
    SupplementRequest,
    Task,
    TaskStatus,
)
from motcua.identity.models import User
from motcua.lib.conditions import evaluate
from motcua.lib.workdays import working_time
from motcua.monitoring import counters as kpi
from motcua.notifications.outbox import emit
from motcua.notifications.tasks import deliver_outbox
from motcua.results.apology import issue_apology_letter
from motcua.results.issue import issue_result
from motcua.units.models import Role, Unit
from motcua.units.scope import Grants, grants_of, roles_in, roles_on
from motcua.vault import submission as vault_submission

log = logging.getLogger(__name__)
APPLICANT = "applicant"
STAFF = frozenset({Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.APPROVER})
# Statuses in which the legal clock runs (5 waits for the applicant: the clock stops).
CLOCK_RUNS = frozenset({Status.RECEIVED, Status.PROCESSING, Status.PAYMENT_REQUESTED})
OPEN_STATUSES = frozenset({*CLOCK_RUNS, Status.SUBMITTED, Status.SUPPLEMENT_REQUESTED})
WITHDRAW_UNTIL = {
    "received": frozenset({Status.SUBMITTED, Status.RECEIVED}),
    "processing": frozenset({Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING,
                             Status.SUPPLEMENT_REQUESTED, Status.PAYMENT_REQUESTED}),
}


@dataclass
class Payload:
    """What an actor may send with an action (each action reads the parts it needs)."""

    reason: str = ""
    task: str | None = None  # a step id
    assignee: str | None = None  # a username
    items: list[dict] | None = None  # supplement request: [{"key": component, "reason": …}]
    components: list[dict] | None = None  # supplement answer: [{"key": component, …}]
    data: dict | None = None  # supplement answer: corrected form data
    amount: int | None = None  # payment request, đồng
    new_due_date: date | None = None  # apology letter
    paid_online: int = 0  # confirm_payment: 1 national payment platform, 2 local gateway, 0 not online
    rating: dict | None = None  # rate: {"answers": {criterion: level}, "comment": "…"}


class Ctx:
    """One actor looking at one dossier at one moment; caches roles and open tasks."""

    def __init__(
        self, dossier: Dossier, user, now: datetime, grants: Grants | None = None, tasks: list[Task] | None = None
    ) -> None:
        self.dossier, self.user, self.now = dossier, user, now
        self.grants = grants_of(user) if grants is None else grants
        self._tasks = tasks
        self._open: list[Task] | None = None

    def roles_at(self, unit: Unit) -> set[str]:
        return roles_in(self.grants, unit)

    @property
    def unit_roles(self) -> set[str]:
        return self.roles_at(self.dossier.unit)

    @property
    def is_applicant(self) -> bool:
        return self.dossier.applicant_id == getattr(self.user, "pk", None)

    @property
    def tasks(self) -> list[Task]:
        """Every task of the dossier, with units and assignees: one query, and the list the action changes.

        Completing a step hands this list to the workflow, which opens the next steps from it
        instead of reading the tasks again.
        """
        if self._tasks is None:
            prefetched = getattr(self.dossier, "_prefetched_objects_cache", {}).get("tasks")
            # A list page prefetches every dossier's tasks: no query per row.
            self._tasks = (
                list(prefetched) if prefetched is not None
                else list(self.dossier.tasks.select_related("unit", "assignee"))
            )
        return self._tasks

    @property
    def open_tasks(self) -> list[Task]:
        # Taken once: the tasks open when the action started (steps it opens are not among them).
        if self._open is None:
            self._open = [t for t in self.tasks if t.status == TaskStatus.OPEN]
        return self._open

    def workable(self, kind: str, step: str | None = None) -> list[Task]:
        """Open tasks of a kind this user may work now (assigned to them, or to nobody)."""
        found = []
        for t in self.open_tasks:
            if step and t.step != step:
                continue
            if t.assignee_id not in (None, self.user.pk) or t.role not in self.roles_at(t.unit):
                continue
            if kind == "work" and (t.is_end or t.role == Role.APPROVER):
                continue
            if kind == "approve" and (t.is_end or t.role != Role.APPROVER):
                continue
            if kind == "supplement" and not t.may_request_supplement:
                continue
            if kind == "unclaimed" and t.assignee_id is not None:
                continue
            found.append(t)
        # The actor's own claimed tasks first.
        return sorted(found, key=lambda t: t.assignee_id is None)

    def sees(self) -> bool:
        return self.is_applicant or bool(self.unit_roles) or any(self.roles_at(t.unit) for t in self.tasks)


def _always(ctx: Ctx) -> bool:
    return True


@dataclass(frozen=True)
class Rule:
    """When an action may run (status, state), who may run it, and what it does."""

    statuses: frozenset[int]
    can: Callable[[Ctx], bool]
    apply: Callable[[Ctx, Payload], tuple[int | None, dict]]  # (new status or None, event data)
    state: Callable[[Ctx], bool] = _always
    needs_reason: bool = False
    # Refused while the dossier is past its due date without an apology letter.
    needs_apology_when_late: bool = False
    # Why the action is not possible now, in words and as a code, when "not in this status" says too little.
    refusal: Callable[[Ctx], tuple[str, str]] | None = None


def deadline_state(dossier: Dossier, now: datetime) -> str:
    """on_time, at_risk (less than one working day left) or late, for a dossier whose clock runs."""
    if dossier.due_at is None or dossier.status not in CLOCK_RUNS:
        return DeadlineState.ON_TIME
    if now > dossier.due_at:
        return DeadlineState.LATE
    left = working_time(deadlines.calendar(dossier.unit), now, dossier.due_at, ZoneInfo(settings.TIME_ZONE))
    return DeadlineState.AT_RISK if left < 1.0 else DeadlineState.ON_TIME


def _late(ctx: Ctx) -> bool:
    return deadline_state(ctx.dossier, ctx.now) == DeadlineState.LATE


# --- what each action does ------------------------------------------------------


def _required_components(dossier: Dossier, data: dict | None = None) -> list[str]:
    context = {"channel": dossier.channel}
    return [
        c["key"]
        for c in dossier.procedure_version.components
        if c.get("required", True) and evaluate(c.get("when"), data if data is not None else dossier.data, context)
    ]


def _merge_components(current: list, supplied: list) -> list:
    by_key = {c["key"]: c for c in current if isinstance(c, dict) and "key" in c}
    by_key.update({c["key"]: c for c in supplied})
    return list(by_key.values())


def _check_components(dossier: Dossier, supplied: list | None) -> list[dict]:
    known = {c["key"] for c in dossier.procedure_version.components}
    supplied = supplied or []
    bad = [c.get("key") if isinstance(c, dict) else c for c in supplied if not isinstance(c, dict) or c.get("key") not in known]
    if bad:
        raise Invalid(_("Thành phần hồ sơ không có trong thủ tục."), code="unknown_component", components=bad)
    return supplied


def _receive(ctx: Ctx, p: Payload) -> tuple[int, dict]:
    d = ctx.dossier
    have = {c.get("key") for c in d.components if isinstance(c, dict)}
    missing = [k for k in _required_components(d) if k not in have]
    if missing:
        raise Invalid(
            _("Hồ sơ chưa đủ thành phần; hãy yêu cầu bổ sung hoặc từ chối tiếp nhận."),
            code="incomplete", missing=missing,
        )
    d.received_at = ctx.now
    d.due_at = d.legal_due_at = deadlines.due_at(ctx.now, d.procedure_version.processing_days, d.unit)
    done = [t.step for t in ctx.open_tasks if t.role == Role.ONE_STOP_OFFICER and not t.is_end]
    for task in ctx.open_tasks:
        if task.step in done:
            workflow.complete(task, ctx.user, ctx.now, ctx.tasks)
    return Status.RECEIVED, {"due_at": d.due_at.isoformat(), "steps": done}


def _end_everything(status: int) -> Callable[[Ctx, Payload], tuple[int, dict]]:
    def apply(ctx: Ctx, p: Payload) -> tuple[int, dict]:
        workflow.cancel_all(ctx.dossier, ctx.tasks)
        ctx.dossier.paused_at = None
        if status == Status.STOPPED:
            ctx.dossier.finished_at = ctx.now
        return status, {}

    return apply


def _request_supplement(ctx: Ctx, p: Payload) -> tuple[int, dict]:
    d = ctx.dossier
    items = p.items or []
    known = {c["key"] for c in d.procedure_version.components}
    bad = [i.get("key") if isinstance(i, dict) else i for i in items if not isinstance(i, dict) or i.get("key") not in known]
    if not items or bad:
        raise Invalid(
            _("Cần nêu từng thành phần hồ sơ phải bổ sung và lý do."),
            code="supplement_items_required", components=bad, known=sorted(known),
        )
    number = d.supplement_count + 1
    SupplementRequest.objects.create(
        dossier=d, number=number, reason=p.reason,
        items=[{"key": i["key"], "reason": str(i.get("reason", ""))[:500]} for i in items],
        requested_by=ctx.user, requested_at=ctx.now,
    )
    d.supplement_count = number
    d.paused_at = ctx.now
    d.status_before_pause = d.status
    return Status.SUPPLEMENT_REQUESTED, {"number": number, "items": [i["key"] for i in items]}


def _may_ask_now(ctx: Ctx) -> bool:
    # The workflow state: in processing, an open step must be one that may ask. Without this a
    # holder whose step had just been handed on (by themselves, from another device) was told
    # 403 "not your right" instead of 409 "no longer possible", with the same `allowed` list.
    if ctx.dossier.status in (Status.SUBMITTED, Status.RECEIVED):
        return True
    return any(t.may_request_supplement for t in ctx.open_tasks)


def _can_request_supplement(ctx: Ctx) -> bool:
    if ctx.dossier.status in (Status.SUBMITTED, Status.RECEIVED):
        return Role.ONE_STOP_OFFICER in ctx.unit_roles
    return bool(ctx.workable("supplement"))


def _submit_supplement(ctx: Ctx, p: Payload) -> tuple[int, dict]:
    d = ctx.dossier
    request = d.supplements.filter(answered_at__isnull=True).order_by("-number").first()
    supplied = _check_components(d, p.components)
    # Vault references become the documents' records (their reads logged); uploads are kept in the vault.
    supplied = vault_submission.supplement(ctx.user, d, supplied, ctx.now)
    data = d.data
    if p.data is not None:
        data = {**d.data, **p.data}
        errors = validate_form(d.procedure_version.form_schema, data)
        if errors:
            raise Invalid(_("Biểu mẫu có lỗi."), code="invalid_form", errors=[e.as_dict() for e in errors])
    asked = [i["key"] for i in request.items] if request else []
    given = {c["key"] for c in supplied}
    missing = [k for k in asked if k not in given]
    if missing:
        raise Invalid(
            _("Chưa bổ sung đủ các thành phần được yêu cầu."), code="supplement_incomplete", missing=missing
        )
    calendar = deadlines.calendar(d.unit)
    paused = calendar.working_days_between(timezone.localdate(d.paused_at), timezone.localdate(ctx.now))
    back_to = d.status_before_pause or Status.SUBMITTED
    if d.due_at is not None and paused:
        # The clock stood still while the applicant was asked: the promise moves by as many working days.
        local = timezone.localtime(d.due_at)
        new_day = calendar.add_working_days(local.date(), paused)
        d.due_at = local.replace(year=new_day.year, month=new_day.month, day=new_day.day)
        workflow.shift_due_dates(d, paused, ctx.tasks)
    counted = paused if d.received_at is not None else 0
    d.paused_days += counted
    d.data = data
    d.components = _merge_components(d.components, supplied)
    d.paused_at = None
    d.status_before_pause = None
    if request:
        request.answered_at = ctx.now
        request.answer = supplied
        request.paused_days = counted
        request.save(update_fields=["answered_at", "answer", "paused_days"])
    return back_to, {"paused_days": counted, "components": sorted(given)}


def _request_payment(ctx: Ctx, p: Payload) -> tuple[int, dict]:
    amount = p.amount if p.amount is not None else ctx.dossier.fee
    if not isinstance(amount, int) or amount <= 0:
        raise Invalid(_("Số tiền phải là số nguyên dương (đồng)."), code="invalid_amount")
    ctx.dossier.payment_due = amount
    return Status.PAYMENT_REQUESTED, {"amount": amount}


def _confirm_payment(ctx: Ctx, p: Payload) -> tuple[int, dict]:
    paid = ctx.dossier.payment_due
    ctx.dossier.payment_due = 0
    if p.paid_online in (1, 2):
        ctx.dossier.paid_online = p.paid_online
    return Status.PROCESSING, {"amount": paid}


def _task_or_error(tasks: list[Task], p: Payload) -> Task:
    for task in tasks:
        if p.task in (None, task.step):
            return task
    raise Invalid(_("Không có bước “%(step)s” đang chờ bạn xử lý.") % {"step": p.task}, code="unknown_task")


def _claim(ctx: Ctx, p: Payload) -> tuple[None, dict]:
    task = _task_or_error(ctx.workable("unclaimed"), p)
    task.assignee, task.claimed_at = ctx.user, ctx.now
    task.save(update_fields=["assignee", "claimed_at"])
    return None, {"step": task.step, "unit": task.unit.code}


def _assignable(ctx: Ctx) -> list[Task]:
    return [t for t in ctx.open_tasks if ctx.roles_at(t.unit) & {Role.APPROVER, Role.UNIT_ADMIN}]


def _assign(ctx: Ctx, p: Payload) -> tuple[None, dict]:
    task = _task_or_error(_assignable(ctx), p)
    person = User.objects.filter(username=p.assignee or "", is_active=True).first()
    if person is None or task.role not in roles_on(person, task.unit):
        raise Invalid(
            _("Người được giao phải có vai trò “%(role)s” tại %(unit)s.") % {"role": task.role, "unit": task.unit.code},
            code="invalid_assignee",
        )
    task.assignee, task.claimed_at = person, ctx.now
    task.save(update_fields=["assignee", "claimed_at"])
    return None, {"step": task.step, "assignee": person.get_username()}


def _start_processing(ctx: Ctx, p: Payload) -> tuple[int, dict]:
    task = _task_or_error(ctx.workable("any"), p)
    if task.assignee_id is None:
        task.assignee, task.claimed_at = ctx.user, ctx.now
        task.save(update_fields=["assignee", "claimed_at"])
    return Status.PROCESSING, {"step": task.step}


def _transfer(ctx: Ctx, p: Payload) -> tuple[None, dict]:
    task = _task_or_error(ctx.workable("work"), p)
    opened = workflow.complete(task, ctx.user, ctx.now, ctx.tasks)
    # Handing a step to another unit is the inter-agency transfer (liên thông).
    return None, {
        "step": task.step,
        "opened": [{"step": t.step, "unit": t.unit.code} for t in opened],
        "to_units": sorted({t.unit.code for t in opened if t.unit_id != task.unit_id}),
    }


def _approve(ctx: Ctx, p: Payload) -> tuple[None, dict]:
    task = _task_or_error(ctx.workable("approve"), p)
    workflow.complete(task, ctx.user, ctx.now, ctx.tasks)
    # ctx.tasks holds what complete() changed and opened: no need to ask the database.
    if not any(t.role == Role.APPROVER and not t.is_end and t.status in workflow.LIVE for t in ctx.tasks):
        ctx.dossier.approved_at = ctx.now
    return None, {"step": task.step}


def _issue_result(ctx: Ctx, p: Payload) -> tuple[int, dict]:
    result = issue_result(ctx.dossier, ctx.user, ctx.now)
    ctx.dossier.finished_at = ctx.now
    return Status.PROCESSED, {"result": result.number, "sha256": result.sha256}


def _return_result(ctx: Ctx, p: Payload) -> tuple[int, dict]:
    steps = []
    for task in ctx.open_tasks:
        if task.is_end:
            workflow.complete(task, ctx.user, ctx.now, ctx.tasks)
            steps.append(task.step)
    ctx.dossier.returned_at = ctx.now
    return Status.RETURNED, {"steps": steps}


def _rated(ctx: Ctx) -> bool:
    return Rating.objects.filter(dossier=ctx.dossier).exists()


def _rate(ctx: Ctx, p: Payload) -> tuple[None, dict]:
    # Rating changes no status: it is recorded (one per dossier) with its event and audit entry.
    given = p.rating or {}
    answers, comment = rating.clean(given.get("answers"), given.get("comment"))
    Rating.objects.create(
        dossier=ctx.dossier, applicant=ctx.user, answers=answers, overall=answers["overall"], comment=comment,
        rated_at=ctx.now,
    )
    ctx.dossier.disliked = answers["overall"] not in rating.SATISFIED  # a fact the 5.4 counter reads
    return None, {"overall": answers["overall"], "answers": answers}


def _rate_refusal(ctx: Ctx) -> tuple[str, str]:
    if ctx.dossier.status == Status.RETURNED:
        return _("Hồ sơ này đã được đánh giá; mỗi hồ sơ chỉ đánh giá một lần."), "already_rated"
    return _("Chỉ đánh giá được sau khi hồ sơ đã trả kết quả."), "not_returned"


def _can_apologise(ctx: Ctx) -> bool:
    return bool(ctx.unit_roles & STAFF) or any(ctx.roles_at(t.unit) & STAFF for t in ctx.open_tasks)


def _issue_apology(ctx: Ctx, p: Payload) -> tuple[None, dict]:
    d = ctx.dossier
    calendar = deadlines.calendar(d.unit)
    current = timezone.localdate(d.due_at)
    new_day = p.new_due_date
    if new_day is None or new_day <= max(current, timezone.localdate(ctx.now)) or not calendar.is_working_day(new_day):
        raise Invalid(
            _("Ngày hẹn mới phải là một ngày làm việc sau ngày hẹn hiện tại và sau hôm nay."),
            code="invalid_new_due_date",
        )
    previous = d.due_at
    d.due_at = timezone.localtime(previous).replace(year=new_day.year, month=new_day.month, day=new_day.day)
    d.apology_count += 1
    letter = issue_apology_letter(d, ctx.user, ctx.now, reason=p.reason, previous_due_at=previous)
    return None, {"letter": letter.number, "previous_due_at": previous.isoformat(), "new_due_at": d.due_at.isoformat()}


def _signer(ctx: Ctx) -> bool:
    return ctx.dossier.procedure_version.definition["result"].get("signer_role", Role.APPROVER) in ctx.unit_roles


def _nothing_left_but_the_end(ctx: Ctx) -> bool:
    return not workflow.unfinished_before_end(ctx.dossier, ctx.tasks)


def _withdrawable(ctx: Ctx) -> bool:
    until = ctx.dossier.procedure_version.definition.get("withdraw_until", "received")
    return ctx.dossier.status in WITHDRAW_UNTIL[until]


_S = Status
RULES: dict[str, Rule] = {
    "receive": Rule(frozenset({_S.SUBMITTED}), lambda c: Role.ONE_STOP_OFFICER in c.unit_roles, _receive),
    "refuse": Rule(frozenset({_S.SUBMITTED}), lambda c: Role.ONE_STOP_OFFICER in c.unit_roles,
                   _end_everything(_S.REFUSED), needs_reason=True),
    "request_supplement": Rule(frozenset({_S.SUBMITTED, _S.RECEIVED, _S.PROCESSING}), _can_request_supplement,
                               _request_supplement, state=_may_ask_now, needs_reason=True,
                               needs_apology_when_late=True),
    "submit_supplement": Rule(frozenset({_S.SUPPLEMENT_REQUESTED}), lambda c: c.is_applicant, _submit_supplement),
    "request_payment": Rule(frozenset({_S.PROCESSING}),
                            lambda c: bool(c.unit_roles & {Role.ONE_STOP_OFFICER, Role.SPECIALIST}),
                            _request_payment, needs_apology_when_late=True),
    "confirm_payment": Rule(frozenset({_S.PAYMENT_REQUESTED}), lambda c: Role.ONE_STOP_OFFICER in c.unit_roles,
                            _confirm_payment),
    "claim": Rule(frozenset({_S.RECEIVED, _S.PROCESSING}), lambda c: bool(c.workable("unclaimed")), _claim,
                  state=lambda c: any(t.assignee_id is None for t in c.open_tasks), needs_apology_when_late=True),
    "assign": Rule(frozenset({_S.RECEIVED, _S.PROCESSING}), lambda c: bool(_assignable(c)), _assign,
                   state=lambda c: bool(c.open_tasks), needs_apology_when_late=True),
    "start_processing": Rule(frozenset({_S.RECEIVED}), lambda c: bool(c.workable("any")), _start_processing,
                             state=lambda c: bool(c.open_tasks), needs_apology_when_late=True),
    "transfer": Rule(frozenset({_S.PROCESSING}), lambda c: bool(c.workable("work")), _transfer,
                     state=lambda c: any(not t.is_end and t.role != Role.APPROVER for t in c.open_tasks),
                     needs_apology_when_late=True),
    "approve": Rule(frozenset({_S.PROCESSING}), lambda c: bool(c.workable("approve")), _approve,
                    state=lambda c: any(not t.is_end and t.role == Role.APPROVER for t in c.open_tasks),
                    needs_apology_when_late=True),
    "issue_result": Rule(frozenset({_S.PROCESSING}), _signer, _issue_result, state=_nothing_left_but_the_end,
                         needs_apology_when_late=True),
    "return_result": Rule(frozenset({_S.PROCESSED}), lambda c: Role.ONE_STOP_OFFICER in c.unit_roles, _return_result),
    "stop": Rule(frozenset({_S.RECEIVED, _S.PROCESSING, _S.SUPPLEMENT_REQUESTED, _S.PAYMENT_REQUESTED}),
                 lambda c: Role.APPROVER in c.unit_roles, _end_everything(_S.STOPPED), needs_reason=True),
    "withdraw": Rule(frozenset(OPEN_STATUSES), lambda c: c.is_applicant, _end_everything(_S.WITHDRAWN),
                     state=_withdrawable),
    "issue_apology": Rule(frozenset(CLOCK_RUNS), _can_apologise, _issue_apology, needs_reason=True,
                          state=lambda c: deadline_state(c.dossier, c.now) != DeadlineState.ON_TIME),
    "rate": Rule(frozenset({_S.RETURNED}), lambda c: c.is_applicant, _rate, state=lambda c: not _rated(c),
                 refusal=_rate_refusal),
}
ACTIONS = ("submit", *RULES)


def _state_allows(name: str, ctx: Ctx) -> bool:
    rule = RULES[name]
    if ctx.dossier.status not in rule.statuses or not rule.state(ctx):
        return False
    return not (rule.needs_apology_when_late and _late(ctx))


def allowed_actions(
    dossier: Dossier, user, *, now: datetime | None = None, grants: Grants | None = None, tasks: list[Task] | None = None
) -> list[str]:
    """The actions this user may take on the dossier now.

    Pass `grants` when listing many dossiers, `tasks` (every task of the dossier) when already read.
    """
    ctx = Ctx(dossier, user, now or timezone.now(), grants, tasks)
    return [name for name, rule in RULES.items() if _state_allows(name, ctx) and rule.can(ctx)]


def _write_history(
    dossier: Dossier, action: str, from_status: int | None, actor, at: datetime, reason: str = "", data: dict | None = None,
    before: kpi.Contribution | None = None, first: bool = False,
) -> DossierEvent:
    event = DossierEvent.objects.create(
        dossier=dossier, action=action, from_status=from_status, to_status=dossier.status,
        actor=actor, at=at, reason=reason, data=data or {},
    )
    audit(
        actor=actor, action=f"dossier.{action}", object_type="dossier", object_id=dossier.code, at=at,
        data={"from": from_status, "to": dossier.status, "reason": reason, **(data or {})}, first=first,
    )
    emit(
        f"dossier.{action}", dossier.code,
        {
            "code": dossier.code, "status": dossier.status, "from_status": from_status, "at": at.isoformat(),
            "reason": reason, **(data or {}),
        },
        at,
    )
    _schedule_delivery()
    # The KPI counters move with the event (monitoring/counters.py), last: their rows (the
    # nation's, the province's…) are shared by every action of the day, and a row stays locked
    # from its upsert to the commit, so nothing else of this transaction runs while holding them.
    kpi.on_event(dossier, event, before)
    return event


def _schedule_delivery() -> None:
    if isinstance(deliver_outbox.get_backend(), DatabaseBackend):
        # The task is a row of this same database: written in the action's transaction it
        # commits (or vanishes) with the outbox event, and no worker sees it before the event.
        # One commit per action instead of two (an INSERT after the commit is a transaction
        # and a WAL flush of its own).
        deliver_outbox.enqueue()
    else:
        # A broker outside the database: woken only once the event is committed.
        transaction.on_commit(_wake_delivery)


def _wake_delivery() -> None:
    # Best effort: the outbox row is already committed, and `motcua scheduler`
    # sweeps it anyway, so a broker that is down delays the mail but loses nothing.
    try:
        deliver_outbox.enqueue()
    except Exception:  # any backend error; the user's action has succeeded
        log.warning("could not enqueue outbox delivery", exc_info=True)


# --- submit -----------------------------------------------------------------


def _resolve_unit(procedure: Procedure, applicant, unit_code: str | None) -> Unit:
    candidates = implementing_units(procedure)
    if unit_code:
        unit = candidates.filter(code=unit_code).first()
        if unit is None:
            raise Invalid(
                _("Đơn vị %(unit)s không thực hiện thủ tục này.") % {"unit": unit_code},
                code="unknown_unit", choices=list(candidates.values_list("code", flat=True)[:50]),
            )
        return unit
    home = getattr(getattr(applicant, "citizen", None), "home_unit", None)
    if home is not None:
        # The unit over the applicant's registered residence: the administration itself,
        # or the agency directly under it (the police of the commune, of the province…);
        # the nearest one wins.
        ancestors = [int(pk) for pk in home.path.strip("/").split("/") if pk]
        depth = {pk: i for i, pk in enumerate(ancestors)}

        def anchor_depth(unit: Unit) -> int:
            # How deep the ancestor of home that the unit is, or hangs under, lies.
            return depth[unit.pk] if unit.pk in depth else depth[unit.parent_id]

        near = candidates.filter(Q(pk__in=ancestors) | Q(parent_id__in=ancestors))
        best = max(near, key=anchor_depth, default=None)
        if best is not None:
            return best
    units = list(candidates[:2])
    if len(units) == 1:
        return units[0]
    raise Invalid(
        _("Hãy chọn đơn vị tiếp nhận hồ sơ."), code="unit_required",
        choices=list(candidates.values_list("code", flat=True)[:50]),
    )


def submit(
    applicant,
    procedure_code: str,
    data: object,
    *,
    unit_code: str | None = None,
    channel: int = Channel.ONLINE,
    components: list | None = None,
    procedure: Procedure | None = None,
) -> Dossier:
    """File a new dossier (status 1) under the procedure's current version; its workflow starts.

    `procedure`: the active procedure `procedure_code` names, with its current version, when the
    caller has just read it (the API does, to check the components first): not read twice.
    The dossier returned carries its tasks and its one event (prefetched): showing it reads nothing back.
    """
    if not hasattr(applicant, "citizen"):
        raise Forbidden(_("Chỉ công dân đã định danh mới nộp được hồ sơ."), code="not_a_citizen")
    if procedure is None or procedure.code != procedure_code or not procedure.active:
        procedure = Procedure.objects.select_related("current").filter(code=procedure_code, active=True).first()
    if procedure is None or procedure.current is None:
        raise Invalid(_("Không có thủ tục mã %(code)s.") % {"code": procedure_code}, code="unknown_procedure")
    if channel not in Channel.values:
        raise Invalid(_("Kênh nộp hồ sơ không hợp lệ."), code="invalid_channel")
    version = procedure.current
    needed, own = version.definition.get("min_assurance_level", 1), applicant.citizen.assurance_level
    if own < needed:  # the e-ID level the procedure asks for (docs/identity.md)
        raise Forbidden(_("Thủ tục này cần tài khoản định danh điện tử mức %(needed)s; tài khoản của bạn đang ở mức %(own)s.")
                        % {"needed": needed, "own": own}, code="assurance_too_low", required_level=needed)
    known = {c["key"] for c in version.components}
    unknown = [c.get("key") if isinstance(c, dict) else c for c in components or [] if not isinstance(c, dict) or c.get("key") not in known]
    if unknown:
        raise Invalid(_("Thành phần hồ sơ không có trong thủ tục."), code="unknown_component", components=unknown)
    now = timezone.now()
    # Once-only: registry values replace whatever was posted for those fields, vault
    # references become records of the documents, registry-held components are looked up.
    prepared = vault_submission.prepare(applicant, version, data, components, channel=channel, now=now)
    data, components = prepared.data, prepared.components
    errors = validate_form(version.form_schema, data)
    if errors:
        raise Invalid(_("Biểu mẫu có lỗi."), code="invalid_form", errors=[e.as_dict() for e in errors])
    unit = _resolve_unit(procedure, applicant, unit_code)
    with transaction.atomic():
        day = timezone.localdate(now)
        code = format_code(unit.code, day, next_sequence(unit.pk, day))
        dossier = Dossier.objects.create(
            code=code, procedure=procedure, procedure_version=version, unit=unit, applicant=applicant,
            channel=channel, status=Status.SUBMITTED, data=data, components=components or [],
            fee=quote(version.definition.get("fees"), data, {"channel": channel}).total, submitted_at=now, updated_at=now,
            component_sources=sources_mask(components or []), vneid_auth=applicant.citizen.assurance_level >= 2,
        )
        tasks = workflow.create_tasks(dossier, now)
        vault_submission.record(applicant, dossier, prepared, now)
        # first=True: the code was just taken from the unit's daily sequence (and is unique), so no
        # audit entry can exist for it yet: the chain starts here without reading its head.
        event = _write_history(
            dossier, "submit", None, applicant, now, data={"version": version.number, **prepared.event_data()}, first=True,
        )
    # What was just written is what the dossier's page or the API's answer shows: no reading back.
    dossier._prefetched_objects_cache = {"tasks": tasks, "events": [event]}
    return dossier


# --- transitions --------------------------------------------------------------


def _load_for_update(code: str, actor, now: datetime, grants: Grants | None = None) -> Ctx:
    # `of=("self",)`: lock the dossier row only. A bare FOR UPDATE also locked the joined unit
    # and procedure-version rows on PostgreSQL, so every action on any dossier of the same
    # procedure (or unit) waited for the one in progress — a result's PDF rendering included.
    dossier = (
        Dossier.objects.select_for_update(of=("self",)).select_related("unit", "procedure", "procedure_version")
        .filter(code=code).first()
    )
    ctx = Ctx(dossier, actor, now, grants) if dossier is not None else None
    if ctx is None or not ctx.sees():
        # Someone else's dossier looks exactly like one that does not exist.
        raise NotFound(_("Không tìm thấy hồ sơ %(code)s.") % {"code": code}, code="dossier_not_found")
    return ctx


def perform(
    code: str, action: str, actor, *, reason: str = "", payload: Payload | None = None, grants: Grants | None = None
) -> Dossier:
    """Run a named action (receive, transfer, …) on the dossier `code`, all or nothing.

    `grants`: the actor's, when the caller has them already (the API shows the dossier afterwards).
    """
    rule = RULES.get(action)
    if rule is None:
        raise NotFound(
            _("Không có thao tác “%(action)s”.") % {"action": action}, code="unknown_action", actions=sorted(RULES)
        )
    payload = payload or Payload()
    payload.reason = (reason or payload.reason or "").strip()
    with transaction.atomic():
        ctx = _load_for_update(code, actor, timezone.now(), grants)
        dossier = ctx.dossier
        before = kpi.snapshot(dossier)

        def allowed() -> list[str]:
            # Only a refusal lists them: an action that goes ahead does not weigh every rule first.
            return [name for name, r in RULES.items() if _state_allows(name, ctx) and r.can(ctx)]

        if dossier.status in rule.statuses and rule.needs_apology_when_late and _late(ctx):
            raise Conflict(
                _("Hồ sơ đã quá hạn: cần lập phiếu xin lỗi và hẹn lại ngày trả kết quả trước."),
                code="apology_required", status=dossier.status, allowed=allowed(),
            )
        if not _state_allows(action, ctx):
            if rule.refusal is not None:
                message, code = rule.refusal(ctx)
                raise Conflict(message, code=code, status=dossier.status, allowed=allowed())
            raise Conflict(
                _("Không thể “%(action)s” khi hồ sơ đang ở trạng thái “%(status)s”.")
                % {"action": action, "status": Status(dossier.status).label},
                status=dossier.status, allowed=allowed(),
            )
        if not rule.can(ctx):
            raise Forbidden(_("Bạn không có quyền “%(action)s” hồ sơ này.") % {"action": action}, allowed=allowed())
        if rule.needs_reason and not payload.reason:
            raise Invalid(_("Cần ghi rõ lý do."), code="reason_required")
        from_status = dossier.status
        new_status, extra = rule.apply(ctx, payload)
        if new_status is not None:
            dossier.status = new_status
        dossier.deadline_state = deadline_state(dossier, ctx.now)
        dossier.updated_at = ctx.now
        dossier.component_sources = sources_mask(dossier.components)
        dossier.save()
        _write_history(dossier, action, from_status, actor, ctx.now, reason=payload.reason, data=extra, before=before)
    # The tasks as the action left them (every change of a task goes through ctx.tasks): what the
    # caller shows next needs not read them back.
    if ctx._tasks is not None:
        known = getattr(dossier, "_prefetched_objects_cache", {})
        dossier._prefetched_objects_cache = {**known, "tasks": ctx._tasks}
    return dossier


def mark_deadlines(now: datetime | None = None) -> dict[str, int]:
    """Flag dossiers whose promised date is near (at_risk) or past (late); the periodic task calls this.

    Each change of flag is a history event (by the system), so the officers'
    queues, the applicant and the monitoring see the same moment.
    """
    now = now or timezone.now()
    horizon = now + timedelta(days=7)  # at most a week of days off lies between "1 working day left" and now
    counts = {DeadlineState.AT_RISK: 0, DeadlineState.LATE: 0}
    candidates = Dossier.objects.filter(status__in=CLOCK_RUNS, due_at__lte=horizon).exclude(
        deadline_state=DeadlineState.LATE
    )
    # The codes are read first: writing to the rows a still-open cursor is reading is
    # undefined on SQLite (one connection, no isolation between its statements).
    for code in list(candidates.values_list("code", flat=True)):
        with transaction.atomic():
            dossier = Dossier.objects.select_for_update().filter(code=code).first()
            if dossier is None or dossier.status not in CLOCK_RUNS:
                continue
            state = deadline_state(dossier, now)
            if state == dossier.deadline_state or state == DeadlineState.ON_TIME:
                continue
            before = kpi.snapshot(dossier)
            dossier.deadline_state = state
            dossier.updated_at = now
            dossier.save(update_fields=["deadline_state", "updated_at"])
            _write_history(dossier, f"deadline_{state}", dossier.status, None, now, data={"due_at": dossier.due_at.isoformat()},
                           before=before)
            counts[state] += 1
    return {str(k): v for k, v in counts.items()}
