"""Work on the workflow's steps: claim, assign, start processing, transfer (liên thông), approve."""

from __future__ import annotations

from django.utils.translation import gettext as _

from motcua.dossiers import workflow
from motcua.dossiers.actions.context import Ctx
from motcua.dossiers.actions.decisions import finish
from motcua.dossiers.actions.inputs import AssignInput, StepDoneInput, StepInput
from motcua.dossiers.models import Status, Task
from motcua.identity.models import User
from motcua.lib.errors import Invalid
from motcua.units.models import Role, Team
from motcua.units.scope import roles_on
from motcua.units.teams import is_member


def _task_or_error(tasks: list[Task], p: StepInput) -> Task:
    for task in tasks:
        if p.task in (None, task.step):
            return task
    raise Invalid(_("Không có bước “%(step)s” đang chờ bạn xử lý.") % {"step": p.task}, code="unknown_task")


def claim(ctx: Ctx, p: StepInput) -> tuple[None, dict]:
    task = _task_or_error(ctx.workable("unclaimed"), p)
    task.assignee, task.claimed_at = ctx.user, ctx.now
    task.save(update_fields=["assignee", "claimed_at"])
    return None, {"step": task.step, "unit": task.unit.code}


def assign(ctx: Ctx, p: AssignInput) -> tuple[None, dict]:
    task = _task_or_error(ctx.assignable(), p)
    person = User.objects.filter(username=p.assignee or "", is_active=True).first()
    if person is not None and task.team:
        # A team's step goes to one of its members, whatever their role or unit, and to nobody else.
        if not is_member(person, task.unit_id, task.team):
            raise Invalid(
                _("Người được giao phải là thành viên của tổ “%(team)s” tại %(unit)s.") % {
                    "team": Team.objects.filter(unit_id=task.unit_id, key=task.team).values_list("name", flat=True).first()
                    or task.team, "unit": task.unit.code},
                code="invalid_assignee",
            )
    elif person is None or task.role not in roles_on(person, task.unit):
        raise Invalid(
            _("Người được giao phải có vai trò “%(role)s” tại %(unit)s.") % {"role": task.role, "unit": task.unit.code},
            code="invalid_assignee",
        )
    task.assignee, task.claimed_at = person, ctx.now
    task.save(update_fields=["assignee", "claimed_at"])
    return None, {"step": task.step, "assignee": person.get_username()}


def start_processing(ctx: Ctx, p: StepInput) -> tuple[int, dict]:
    task = _task_or_error(ctx.workable("any"), p)
    if task.assignee_id is None:
        task.assignee, task.claimed_at = ctx.user, ctx.now
        task.save(update_fields=["assignee", "claimed_at"])
    return Status.PROCESSING, {"step": task.step}


def transfer(ctx: Ctx, p: StepDoneInput) -> tuple[None, dict]:
    task = _task_or_error(ctx.workable("work"), p)
    # Handing a step to another unit is the inter-agency transfer (liên thông); the officer's
    # choice and recorded values, when the step asks for them, steer what opens (decisions.py).
    return None, finish(ctx, task, p)


def approve(ctx: Ctx, p: StepDoneInput) -> tuple[None, dict]:
    task = _task_or_error(ctx.workable("approve"), p)
    extra = finish(ctx, task, p)
    # ctx.tasks holds what complete() changed and opened: no need to ask the database.
    if not any(t.role == Role.APPROVER and not t.is_end and t.status in workflow.LIVE for t in ctx.tasks):
        ctx.dossier.approved_at = ctx.now
    return None, {key: value for key, value in extra.items() if key not in ("opened", "to_units")}
