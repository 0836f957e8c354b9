"""Who does the work (catalog/who.py): the hand-over of a lower desk, outside agencies, appointments.

- `hand_over`: the lower level's desk (a commune) that took the dossier in hands it to the implementing
  unit above (the province's land registration office): its hand-over step is done, the deciding unit's
  steps open. The legal time runs from the desk's receipt; the hand-over's days are within it.
- `record_answer`: the answer of an outside agency (the tax authority), received on paper, recorded by
  the step's holder; `answer_from_agency` is the same for an answer the agency sent back itself
  (integrations/outside.py). Either completes the step; with `clock: stops` the working days waited
  do not count (the due dates move by them, as after a supplement: supplements.resume_clock).
- `set_appointment` and `record_visit`: the date, time and place of a visit (the applicant is told),
  then what was found; recording the visit completes the step.

A team step (`team:`) is worked by the members of the unit's team (dossiers/workflow.workable_tasks).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import AwareDatetime, Field

from motcua.catalog import who
from motcua.dossiers import workflow
from motcua.dossiers.actions import history
from motcua.dossiers.actions.context import Ctx
from motcua.dossiers.actions.inputs import ActionInput, StepInput, Text
from motcua.dossiers.actions.supplements import resume_clock
from motcua.dossiers.models import Appointment, Dossier, OutsideRequest, Status, Task, TaskStatus
from motcua.lib.errors import Conflict, Invalid

STEP_STATUSES = frozenset({Status.RECEIVED, Status.PROCESSING})


class AnswerInput(StepInput):
    """record_answer: the outside agency's answer, as received (its reference: a notice's or receipt's number)."""

    # Optional in the model, required by the action: an empty body is refused after the dossier's lookup
    # (404 for one the caller may not see), as every action's input is (inputs.py).
    reference: Text | None = Field(None, min_length=1, max_length=100, pattern=r"^[\w ./-]+$",
                                   description="the number of the agency's answer (a tax notice, a contract); required")
    answer: Text = Field("", max_length=2000, description="what the answer says, in words")


class AppointmentInput(StepInput):
    """set_appointment: when and where the visit takes place (the applicant is told)."""

    # pydantic's own type (bound when pydantic is imported): not the `datetime` a frozen test clock swaps.
    at: AwareDatetime | None = Field(None, description="the date and time of the visit (ISO 8601 with a time zone); required")
    place: Text | None = Field(None, min_length=1, max_length=300,
                               description="where: the premises' address, or the office; required")
    note: Text = Field("", max_length=1000, description="what the applicant should prepare")


class VisitInput(StepInput):
    """record_visit: the visit took place; what was found."""

    findings: Text | None = Field(None, min_length=1, max_length=4000,
                                  description="the record of the visit (biên bản); required")


def _task(ctx: Ctx, kind: str, p: StepInput) -> Task:
    for task in ctx.workable(kind):
        if p.task in (None, task.step):
            return task
    raise Invalid(_("Không có bước “%(step)s” đang chờ bạn xử lý.") % {"step": p.task}, code="unknown_task")


def _complete(ctx: Ctx, task: Task) -> list[Task]:
    return workflow.complete(task, ctx.user, ctx.now, ctx.tasks)


# --- hand-over ---------------------------------------------------------------------------------------


def hand_over(ctx: Ctx, p: StepInput) -> tuple[None, dict]:
    task = _task(ctx, "hand_over", p)
    opened = _complete(ctx, task)
    ctx.dossier.handed_over_at = ctx.now
    return None, {"step": task.step, "from_unit": task.unit.code, "to_unit": ctx.dossier.unit.code,
                  "opened": [{"step": t.step, "unit": t.unit.code} for t in opened]}


# --- outside agencies --------------------------------------------------------------------------------


def _answered(ctx: Ctx, task: Task, answer: dict) -> dict:
    request = OutsideRequest.objects.select_for_update().filter(task=task).first()
    if request is None or request.state == OutsideRequest.State.ANSWERED:
        raise Conflict(_("Câu trả lời của cơ quan ngoài đã được ghi nhận."), code="already_answered")
    waited = 0
    if request.clock_stops and ctx.dossier.paused_at is not None and not _other_waits(ctx, task):
        waited = resume_clock(ctx)
    request.state, request.answer, request.answered_at = OutsideRequest.State.ANSWERED, answer, ctx.now
    request.save(update_fields=["state", "answer", "answered_at"])
    opened = _complete(ctx, task)
    return {"step": task.step, "agency": request.agency, "paused_days": waited,
            "opened": [{"step": t.step, "unit": t.unit.code} for t in opened]}


def _other_waits(ctx: Ctx, task: Task) -> bool:
    """Another outside step whose time does not count is still awaited (parallel branches): the clock stays stopped."""
    return OutsideRequest.objects.filter(
        task__dossier=ctx.dossier, clock_stops=True, task__status=TaskStatus.OPEN
    ).exclude(task=task).exclude(state=OutsideRequest.State.ANSWERED).exists()


def record_answer(ctx: Ctx, p: AnswerInput) -> tuple[None, dict]:
    task = _task(ctx, "outside", p)
    if not p.reference:
        raise Invalid(_("Cần ghi số văn bản trả lời của cơ quan ngoài."), code="reference_required")
    answer = {"reference": p.reference, "text": p.answer, "recorded_by": ctx.user.get_username(), "on_paper": True}
    return None, {**_answered(ctx, task, answer), "reference": p.reference}


def answer_from_agency(request_id: int, answer: dict, via: dict | None = None) -> Dossier | None:
    """The agency answered by itself (integrations/outside.py): the step is done, as `record_answer` does.

    Nothing happens for a request whose step is no longer open (the dossier ended meanwhile) or already
    answered. The history event has no actor: the agency is not a motcua user; its answer is in the event,
    with `via` (how it came: the later answer's message id, integrations/outside_api.py). The step's clock
    rule applies as for a paper answer: a stopped clock runs again and the due dates move by the days waited.
    """
    now = timezone.now()
    with transaction.atomic():
        request = OutsideRequest.objects.select_related("task").filter(pk=request_id).first()
        if request is None:
            return None
        dossier = (Dossier.objects.select_for_update(of=("self",))
                   .select_related("unit", "procedure", "procedure_version").get(pk=request.task.dossier_id))
        tasks = list(dossier.tasks.select_related("unit", "assignee"))
        task = next((t for t in tasks if t.pk == request.task_id), None)
        if task is None or task.status != TaskStatus.OPEN or request.state == OutsideRequest.State.ANSWERED:
            return None
        before = history.look_before(dossier)
        # The workflow opens the next steps from the list the answered task is in: given another copy of the
        # tasks, it saw the step still open and left a working step after it waiting for ever.
        ctx = Ctx(dossier, None, now, grants=(), tasks=tasks)
        from_status = dossier.status
        data = _answered(ctx, task, {**answer, "on_paper": False})
        dossier.updated_at = now
        dossier.save()
        history.write_history(dossier, "record_answer", from_status, None, now,
                              data={**data, "reference": str(answer.get("reference", ""))[:100], **(via or {})},
                              before=before)
    return dossier


# --- appointments and visits -------------------------------------------------------------------------


def set_appointment(ctx: Ctx, p: AppointmentInput) -> tuple[None, dict]:
    task = _task(ctx, "appointment", p)
    if p.at is None or not (p.place or "").strip():
        raise Invalid(_("Cần ghi thời điểm và địa điểm hẹn."), code="invalid_appointment")
    if p.at.tzinfo is None:
        raise Invalid(_("Thời điểm hẹn cần có múi giờ."), code="invalid_appointment")
    if p.at <= ctx.now:
        raise Invalid(_("Thời điểm hẹn phải sau lúc này."), code="invalid_appointment")
    kept = Appointment.objects.filter(task=task).first()
    if kept is not None and kept.visited_at is not None:
        raise Conflict(_("Buổi làm việc đã được ghi nhận."), code="already_visited")
    Appointment.objects.update_or_create(task=task, defaults={
        "at": p.at, "place": p.place, "note": p.note, "set_by": ctx.user, "set_at": ctx.now})
    # Not taken by whoever set it: any holder (any member of a team) may record the visit.
    kind = who.step(ctx.dossier.procedure_version.definition, task.step)["appointment"]["kind"]
    return None, {"step": task.step, "appointment_at": p.at.isoformat(), "place": p.place, "kind": kind,
                  "moved": kept is not None}


def record_visit(ctx: Ctx, p: VisitInput) -> tuple[None, dict]:
    task = _task(ctx, "appointment", p)
    if not (p.findings or "").strip():
        raise Invalid(_("Cần ghi biên bản buổi làm việc."), code="findings_required")
    appointment = Appointment.objects.filter(task=task).first()
    if appointment is None:
        raise Conflict(_("Chưa hẹn ngày làm việc: hãy hẹn trước."), code="no_appointment")
    if appointment.at > ctx.now:
        raise Conflict(_("Chưa đến giờ hẹn: chỉ ghi nhận sau buổi làm việc."), code="appointment_not_yet")
    appointment.visited_at, appointment.visited_by, appointment.findings = ctx.now, ctx.user, p.findings
    appointment.save(update_fields=["visited_at", "visited_by", "findings"])
    opened = _complete(ctx, task)
    return None, {"step": task.step, "opened": [{"step": t.step, "unit": t.unit.code} for t in opened]}


# --- the rules (merged into rules.RULES) -------------------------------------------------------------


# The kind of open step each action works (workflow.workable_tasks), as rules.STEP_KIND says for the others.
STEP_KIND = {"hand_over": "hand_over", "record_answer": "outside", "set_appointment": "appointment",
             "record_visit": "appointment"}


def _may(kind: str):
    def can(ctx: Ctx) -> bool:
        return bool(ctx.workable(kind))

    return can


def _open_of(kind: str):
    def state(ctx: Ctx) -> bool:
        return any(who.special(ctx.dossier.procedure_version.definition, t.step) == who.SPECIAL_KINDS[kind]
                   for t in ctx.open_tasks)

    return state


def rules(rule_class) -> dict:
    """The actions of this module as rules (`rule_class` is rules.Rule: passed in, not imported, no cycle)."""
    return {
        "hand_over": rule_class(STEP_STATUSES, _may(STEP_KIND["hand_over"]), hand_over, StepInput, state=_open_of("hand_over"),
                                needs_apology_when_late=True),
        "record_answer": rule_class(STEP_STATUSES, _may(STEP_KIND["record_answer"]), record_answer, AnswerInput,
                                    state=_open_of("outside")),
        "set_appointment": rule_class(STEP_STATUSES, _may(STEP_KIND["set_appointment"]), set_appointment, AppointmentInput,
                                      state=_open_of("appointment"), needs_apology_when_late=True),
        "record_visit": rule_class(STEP_STATUSES, _may(STEP_KIND["record_visit"]), record_visit, VisitInput,
                                   state=_open_of("appointment")),
    }


__all__ = ["STEP_KIND", "ActionInput", "answer_from_agency", "rules"]
