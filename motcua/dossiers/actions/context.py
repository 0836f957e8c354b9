"""One actor looking at one dossier at one moment (`Ctx`), and the clock of a dossier."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from motcua.dossiers import deadlines, workflow
from motcua.dossiers.models import DeadlineState, Dossier, Status, Task, TaskStatus
from motcua.lib.compiled import Compiled
from motcua.lib.workdays import working_time
from motcua.units.models import Role, Unit
from motcua.units.scope import Grants, desk_across_levels, grants_of, roles_in
from motcua.units.teams import teams_of

STAFF = frozenset({Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.APPROVER})
# Statuses in which the legal clock runs (5 waits for the applicant: the clock stops).
CLOCK_RUNS = frozenset({Status.RECEIVED, Status.PROCESSING, Status.PAYMENT_REQUESTED})
OPEN_STATUSES = frozenset({*CLOCK_RUNS, Status.SUBMITTED, Status.SUPPLEMENT_REQUESTED})


# Every action reads its dossier's tasks: compiled once per process (lib/compiled.py). Most procedures
# have every step at the receiving unit: their steps are read without it (`_TASKS_HERE`), and given
# the dossier's unit, in hand, rather than a copy of it built from each row.
_TASKS: Compiled[Task] = Compiled(lambda dossier_id: Task.objects.filter(dossier_id=dossier_id).select_related("unit", "assignee"))
_TASKS_HERE: Compiled[Task] = Compiled(lambda dossier_id: Task.objects.filter(dossier_id=dossier_id).select_related("assignee"))


def _all_steps_here(dossier: Dossier) -> bool:
    """Whether every step is at the dossier's unit: no step of the version names a unit (workflow.step_unit),
    and no lower desk took it in (its receiving steps are the desk's: workflow._with_hand_over)."""
    return dossier.desk_id is None and not any(
        s.get("unit") for s in dossier.procedure_version.definition["workflow"]["steps"])


def _tasks_of(dossier: Dossier) -> list[Task]:
    """`dossier.tasks.select_related("unit", "assignee")`: each task knows its dossier, as the related manager does."""
    if _all_steps_here(dossier):
        tasks = _TASKS_HERE(dossier.pk)
        unit_field = Task._meta.get_field("unit")
        strays = []
        for task in tasks:
            if task.unit_id == dossier.unit_id:
                unit_field.set_cached_value(task, dossier.unit)
            else:
                strays.append(task)
        if strays:  # never, if the version says so; read as the related manager would
            units = Unit.objects.in_bulk({t.unit_id for t in strays})
            for task in strays:
                unit_field.set_cached_value(task, units[task.unit_id])
    else:
        tasks = _TASKS(dossier.pk)
    field = Task._meta.get_field("dossier")
    for task in tasks:
        field.set_cached_value(task, dossier)
    return tasks


class Ctx:
    """One actor looking at one dossier at one moment; caches roles and open tasks."""

    def __init__(
        self, dossier: Dossier, user, now: datetime, grants: Grants | None = None, tasks: list[Task] | None = None
    ) -> None:
        self.dossier, self.user, self.now = dossier, user, now
        self.grants = grants_of(user) if grants is None else grants
        self._tasks = tasks
        self._open: list[Task] | None = None
        self._roles: dict[int, frozenset[str]] = {}  # roles_at, per unit id (the grants are the ctx's)
        self._deadline: tuple[tuple, str] | None = None  # deadline_state: what it was computed from, and it

    def roles_at(self, unit: Unit) -> set[str]:
        """The roles the actor ACTS in at `unit` (what they read by is `roles_in`: `sees`).

        A one-stop desk of a higher level (the province's centre over a commune's dossier) reads but does
        not receive or act, unless the procedure is received regardless of administrative boundary
        (`receive_anywhere`; units.scope.desk_across_levels, docs/security.md "Scopes").
        """
        found = self._roles.get(unit.pk)
        if found is None:
            # The same for a unit throughout the context: its grants and its dossier's procedure are fixed.
            roles = roles_in(self.grants, unit)
            if Role.ONE_STOP_OFFICER in roles and desk_across_levels(self.grants, unit) and not self.receive_anywhere:
                roles.discard(Role.ONE_STOP_OFFICER)
            found = self._roles[unit.pk] = frozenset(roles)
        return set(found)

    @property
    def receive_anywhere(self) -> bool:
        return bool(self.dossier.procedure_version.definition.get("receive_anywhere", False))

    @property
    def unit_roles(self) -> set[str]:
        roles = self.roles_at(self.dossier.unit)
        if self.dossier.desk_id is not None and Role.ONE_STOP_OFFICER in self.roles_at(self.dossier.desk):
            # The lower desk that took it in (a procedure's `hand_over`) receives it and returns its result.
            roles.add(Role.ONE_STOP_OFFICER)
        return roles

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
            self._tasks = list(prefetched) if prefetched is not None else _tasks_of(self.dossier)
        return self._tasks

    @property
    def open_tasks(self) -> list[Task]:
        # Taken once: the tasks open when the action started (steps it opens are not among them).
        if self._open is None:
            self._open = [t for t in self.tasks if t.status == TaskStatus.OPEN]
        return self._open

    def workable(self, kind: str) -> list[Task]:
        """Open tasks of a kind this user may work now (workflow.workable_tasks), their own first."""
        return workflow.workable_tasks(self.open_tasks, kind, self.user, self.roles_at)

    def assignable(self) -> list[Task]:
        return workflow.assignable_tasks(self.open_tasks, self.roles_at)

    def deadline_state(self) -> str:
        """`deadline_state_at(dossier, now)`, computed again only when the dossier's clock changed since.

        `allowed_actions` asks for it once per rule that needs an apology when late, and `perform` before
        and after the action: one count on the calendar, not five.
        """
        d = self.dossier
        key = (d.status, d.due_at, d.paused_at, d.unit_id)
        known = self._deadline
        if known is None or known[0] != key:
            known = self._deadline = (key, deadline_state_at(d, self.now))
        return known[1]

    def sees(self) -> bool:
        # Reading, not acting: a higher level's desk sees the dossier it may not act on (a 403, not a 404).
        return (self.is_applicant or bool(roles_in(self.grants, self.dossier.unit))
                or any(roles_in(self.grants, t.unit) for t in self.tasks) or self._on_a_team())

    def _on_a_team(self) -> bool:
        """A member of the team of one of its steps, open or done (a council gathers people of several units;
        the same rule as the lists: dossiers.access.team_steps)."""
        mine = teams_of(self.user)
        return bool(mine) and any(
            t.team and (t.unit_id, t.team) in mine and t.status in (TaskStatus.OPEN, TaskStatus.DONE) for t in self.tasks)


def deadline_state_at(dossier: Dossier, now: datetime) -> str:
    """What `Dossier.deadline_state` is at `now`, from the due date on the unit's calendar.

    on_time, at_risk (less than one working day left) or late, for a dossier whose clock runs;
    on_time otherwise. (The pages' badge, which also says "paused", is computed elsewhere.)
    """
    if dossier.due_at is None or dossier.status not in CLOCK_RUNS or dossier.paused_at is not None:
        # paused_at in status 6: the applicant fulfils an obligation, the clock stands still.
        return DeadlineState.ON_TIME
    if now > dossier.due_at:
        return DeadlineState.LATE
    # Whether one working day is left: counted up to one day, not to the due date weeks away.
    left = working_time(deadlines.calendar(dossier.unit), now, dossier.due_at, ZoneInfo(settings.TIME_ZONE), at_least=1.0)
    return DeadlineState.AT_RISK if left < 1.0 else DeadlineState.ON_TIME


def is_late(ctx: Ctx) -> bool:
    return ctx.deadline_state() == DeadlineState.LATE
