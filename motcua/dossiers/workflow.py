"""The workflow of a dossier: the steps of its procedure version, as tasks.

Called only from the actions layer (dossiers/actions/), inside the action's transaction. A step
becomes a Task for one unit and one role. A task opens when every step it
comes `after` is done or skipped; steps sharing a predecessor run in
parallel; a step naming several predecessors waits for all of them (a join);
a step whose `when` does not hold is skipped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from motcua.catalog import timing, who
from motcua.dossiers import deadlines
from motcua.dossiers.models import Dossier, OutsideRequest, Task, TaskStatus
from motcua.lib.compiled import bulk_insert, update
from motcua.lib.conditions import evaluate
from motcua.lib.errors import Invalid
from motcua.units.models import Role, Unit, UnitKind
from motcua.units.teams import is_member

LIVE = (TaskStatus.WAITING, TaskStatus.OPEN)


def step_unit(dossier: Dossier, where: dict | None) -> Unit:
    """The unit that does a step: the receiving unit, or the nearest unit of the agency/kind asked.

    "Nearest" walks up from the receiving unit: its own subtree first (the
    police under the commune), then its parent's (the province's social
    insurance), and so on.
    """
    if not where:
        return dossier.unit
    candidates = Unit.objects.exclude(kind=UnitKind.ONE_STOP)
    if where.get("agency"):
        candidates = candidates.filter(agency=where["agency"])
    if where.get("kind"):
        candidates = candidates.filter(kind=where["kind"])
    ancestors = dossier.unit.ancestor_ids
    for pk in reversed(ancestors):
        prefix = Unit.objects.filter(pk=pk).values_list("path", flat=True).first()
        found = candidates.filter(path__startswith=prefix).order_by("path").first()
        if found is not None:
            return found
    raise Invalid(
        _("Không có đơn vị thực hiện bước “%(step)s” của thủ tục.") % {"step": where},
        code="no_unit_for_step",
    )


def create_tasks(dossier: Dossier, now: datetime) -> list[Task]:
    """Turn the version's steps into tasks and open the first ones."""
    definition = dossier.procedure_version.definition
    steps = definition["workflow"]["steps"]
    context = {"channel": dossier.channel}
    # A shorter alternative time (4 days instead of 8) gives each step its share of it.
    scale = timing.step_scale(definition, timing.processing_days(definition, dossier.data, context))
    tasks = [
        Task(
            dossier=dossier, step=s["id"], name=s["name"], unit=step_unit(dossier, s.get("unit")),
            role=s["role"], after=s.get("after", []), days=float(s["days"]) * scale, is_end=bool(s.get("end")),
            may_request_supplement=bool(s.get("may_request_supplement")), calendar_days=s.get("calendar_days"),
            team=s.get("team", ""),
            status=TaskStatus.WAITING if evaluate(s.get("when"), dossier.data, context) else TaskStatus.SKIPPED,
        )
        for s in steps
    ]
    if dossier.desk_id is not None:
        # A lower level's desk took it in (the procedure's `hand_over`): it receives, then hands over.
        tasks = _with_hand_over(dossier, definition, tasks, scale)
    # The first steps are opened before the rows are written: one INSERT, not an UPDATE per opened step.
    _open_ready(tasks, now)
    for task in tasks:
        task.elsewhere = task.unit_id != dossier.unit_id
    bulk_insert(tasks)  # Task.objects.bulk_create(tasks), the INSERT compiled once per number of steps (lib/compiled.py)
    return tasks


HAND_OVER_NAME = {"vi": "Chuyển hồ sơ đến đơn vị giải quyết", "en": "Hand the dossier over to the deciding unit",
                  "bn": "সিদ্ধান্তকারী ইউনিটের কাছে নথি হস্তান্তর"}


def _with_hand_over(dossier: Dossier, definition: dict, tasks: list[Task], scale: float) -> list[Task]:
    """The receiving steps are the desk's, then its hand-over step, then the rest as written (catalog/who.py)."""
    spec = who.hand_over(definition) or {}
    receiving = [t.step for t in tasks if t.role == Role.ONE_STOP_OFFICER and not t.after and not t.is_end
                 and not who.step(definition, t.step).get("unit")]
    for task in tasks:
        if task.step in receiving:
            task.unit = dossier.desk
        elif not task.after:
            task.after = [who.HAND_OVER_STEP]
        else:
            task.after = list(dict.fromkeys(who.HAND_OVER_STEP if a in receiving else a for a in task.after))
    hand = Task(
        dossier=dossier, step=who.HAND_OVER_STEP, name=spec.get("name", HAND_OVER_NAME), unit=dossier.desk,
        role=Role.ONE_STOP_OFFICER, after=receiving, days=float(spec.get("days", who.HAND_OVER_DAYS)) * scale,
        status=TaskStatus.WAITING,
    )
    return [*tasks, hand]


def _start_outside(dossier: Dossier, opened: list[Task], now: datetime) -> None:
    """An opened step of an outside agency: its request is written (sent by the scheduler, or awaited on paper),
    and, when the law says the time does not count (`clock: stops`), the dossier's clock stops."""
    definition = dossier.procedure_version.definition
    for task in opened:
        spec = who.step(definition, task.step).get("outside")
        if spec is None:
            continue
        endpoint = who.endpoint(spec["agency"])
        body = {
            "protocol": "motcua.outside/1", "request": f"{dossier.code}/{task.step}", "dossier": dossier.code,
            "procedure": dossier.procedure.code, "step": task.step, "agency": spec["agency"], "unit": task.unit.code,
            "data": {name: dossier.data[name] for name in spec.get("send", []) if name in dossier.data},
            "sent_at": now.isoformat(),
        }
        stops = spec.get("clock") == "stops"
        OutsideRequest.objects.create(
            task=task, agency=spec["agency"], body=body, clock_stops=stops, created_at=now, next_attempt_at=now,
            state=OutsideRequest.State.PENDING if endpoint else OutsideRequest.State.PAPER,
        )
        if stops and dossier.paused_at is None:
            dossier.paused_at = now


def _step_due(task: Task, opened: datetime) -> datetime:
    # Fractions of a day are due by the end of the office day they fall in.
    days = math.ceil(task.days) if task.days >= 1 else 0
    due = deadlines.due_at(opened, days, task.unit)
    if task.calendar_days:
        # The law's "within N days" of this step, when it comes before the step's share.
        due = min(due, timing.inner_due(opened, task.calendar_days, ZoneInfo(settings.TIME_ZONE)))
    return due


def open_ready(dossier: Dossier, now: datetime, known: list[Task] | None = None) -> list[Task]:
    """Open every waiting task whose predecessors are all finished; return those opened.

    `known`: every task of the dossier, already in hand and up to date (the action's own list,
    whose changes so far are in it); else they are read.
    """
    # With their units: a step's due date is counted on its unit's calendar (one query, not one per task).
    tasks = known if known is not None else list(dossier.tasks.select_related("unit"))
    opened = _open_ready(tasks, now)
    for task in opened:
        update(task, ["status", "opened_at", "due_at"])  # the UPDATE compiled once (lib/compiled.py)
    _start_outside(dossier, opened, now)
    return opened


def _open_ready(tasks: list[Task], now: datetime) -> list[Task]:
    """Mark (in memory) the waiting tasks whose predecessors are all finished as open."""
    by_step = {t.step: t for t in tasks}

    def finished(step: str) -> bool:
        # A skipped step is passed through: it is finished once the steps before it are.
        task = by_step[step]
        if task.status == TaskStatus.SKIPPED:
            return all(finished(b) for b in task.after)
        return task.status == TaskStatus.DONE

    # Opening finishes nothing, so one pass is enough.
    opened = []
    for task in by_step.values():
        if task.status == TaskStatus.WAITING and all(finished(b) for b in task.after):
            task.status = TaskStatus.OPEN
            task.opened_at = now
            task.due_at = _step_due(task, now)
            opened.append(task)
    return opened


def complete(task: Task, actor, now: datetime, known: list[Task] | None = None) -> list[Task]:
    """Finish a task and open what it unblocks (`known`: every task of the dossier, `task` among them)."""
    task.status = TaskStatus.DONE
    task.done_at = now
    task.done_by = actor
    if task.assignee_id is None:
        task.assignee = actor
        task.claimed_at = now
    update(task, ["status", "done_at", "done_by", "assignee", "claimed_at"])
    return open_ready(task.dossier, now, known)


def cancel_all(dossier: Dossier, known: list[Task] | None = None) -> None:
    """Cancel every live task (`known`: the tasks in hand, changed alike so they stay true)."""
    dossier.tasks.filter(status__in=LIVE).update(status=TaskStatus.CANCELLED)
    for task in known or []:
        if task.status in LIVE:
            task.status = TaskStatus.CANCELLED


def open_tasks(dossier: Dossier) -> QuerySet[Task]:
    return dossier.tasks.filter(status=TaskStatus.OPEN).select_related("unit", "assignee")


def workable_tasks(open_tasks: Iterable[Task], kind: str, user, roles_at: Callable[[Unit], set[str]]) -> list[Task]:
    """The open steps `user` may take up now for a kind of work: the one rule of who works a step.

    A step is workable by a user with its role at its unit (`roles_at`), unless someone
    else holds it (is assigned it). The kinds narrow it: "any" step; "work" (a
    processing step: not the approver's, not the end); "approve"; "supplement" (a step that
    may ask for a supplement); "unclaimed" (nobody holds it yet: claim). The actions layer
    (`Ctx.workable`) and the officer's forms (`backoffice/forms.py`) both ask this.
    The user's own claimed steps come first.
    """
    found = []
    for t in open_tasks:
        if t.assignee_id not in (None, user.pk) or not _holds(t, user, roles_at):
            continue
        if kind == "work" and (t.is_end or t.role == Role.APPROVER or _special(t)):
            continue
        if kind in who.SPECIAL_KINDS and _special(t) != who.SPECIAL_KINDS[kind]:
            continue
        if kind == "approve" and (t.is_end or t.role != Role.APPROVER):
            continue
        if kind == "supplement" and not t.may_request_supplement:
            continue
        if kind == "unclaimed" and t.assignee_id is not None:
            continue
        found.append(t)
    return sorted(found, key=lambda t: t.assignee_id is None)


def _holds(task: Task, user, roles_at: Callable[[Unit], set[str]]) -> bool:
    """A step of a team is held by its members (whatever their role); any other by its role at its unit."""
    if task.team:
        return is_member(user, task.unit_id, task.team)
    return task.role in roles_at(task.unit)


def _special(task: Task) -> str | None:
    # outside, appointment, hand_over: steps with actions of their own (dossiers/actions/who.py), not `transfer`.
    return who.special(task.dossier.procedure_version.definition, task.step)


def assignable_tasks(open_tasks: Iterable[Task], roles_at: Callable[[Unit], set[str]]) -> list[Task]:
    """The open steps a user may hand to someone: those at a unit where they approve or administer."""
    return [t for t in open_tasks if roles_at(t.unit) & {Role.APPROVER, Role.UNIT_ADMIN}]


def unfinished_before_end(dossier: Dossier, known: list[Task] | None = None) -> bool:
    if known is not None:
        return any(not t.is_end and t.status in LIVE for t in known)
    return dossier.tasks.filter(is_end=False, status__in=LIVE).exists()


def shift_due_dates(dossier: Dossier, days: int, known: list[Task] | None = None) -> None:
    """Move the open tasks' deadlines by the working days the dossier waited (`known`: every task, in hand)."""
    if days <= 0:
        return
    calendar = deadlines.calendar(dossier.unit)
    tz = ZoneInfo(settings.TIME_ZONE)
    tasks = (
        [t for t in known if t.status == TaskStatus.OPEN and t.due_at is not None] if known is not None
        else dossier.tasks.filter(status=TaskStatus.OPEN, due_at__isnull=False)
    )
    for task in tasks:
        local = task.due_at.astimezone(tz)
        task.due_at = local.replace(
            year=(d := calendar.add_working_days(local.date(), days)).year, month=d.month, day=d.day
        )
        task.save(update_fields=["due_at"])
