"""The queues of an officer's day, each a short address to bookmark (/office/q/<slug>/).

A queue is a filter over the dossiers the officer may see (`access.staff_dossiers`), read in
SQL and sorted by due date (earliest first, then the oldest filed): new at the counter, mine,
to claim, waiting for the applicant, waiting for payment, due soon, late, done today. Which
queues an officer sees follows their roles (only a one-stop officer receives at the counter).
Rows are built only for the page shown; the navigation's counts stop at COUNT_CAP and are read
together, in one query (`counts`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from motcua.dossiers import actions
from motcua.dossiers.access import staff_dossiers
from motcua.dossiers.models import DeadlineState, Dossier, Status, Task, TaskStatus
from motcua.identity.models import User
from motcua.units.models import Role
from motcua.units.scope import Grants, grants_of, units_for, units_granted
from motcua.units.teams import teams_of

PAGE_SIZE = 50
COUNT_CAP = 99  # the navigation counts up to here, then says "99+": a count never reads a whole subtree
DUE_SOON = timedelta(days=2)  # "due soon": marked at risk by the deadline check, or due within two days

# A queue's filter: (the officer's dossiers, the officer, their grants, now) → the queue's dossiers. Built from
# the grants already read, never by reading the memberships again: the narrowed query stays one lazy
# query, so the navigation can count every queue in a single statement.
Narrow = Callable[[QuerySet[Dossier], User, Grants, datetime], QuerySet[Dossier]]


def _open_steps_of(grants: Grants) -> Q:
    """Open steps nobody holds, of a role the user has, at a unit where they have it."""
    condition = Q(pk__in=[])
    for role in sorted({g.role for g in grants}):
        condition |= Q(role=role, unit__in=units_granted(grants, role).values("pk"))
    return condition


def _open_tasks() -> QuerySet[Task]:
    return Task.objects.filter(dossier=OuterRef("pk"), status=TaskStatus.OPEN)


def _new(dossiers, user, grants, now):
    # Filed and not yet received, at a unit whose counter this officer staffs.
    return dossiers.filter(status=Status.SUBMITTED, unit__in=units_granted(grants, Role.ONE_STOP_OFFICER).values("pk"))


def _mine(dossiers, user, grants, now):
    return dossiers.filter(Exists(_open_tasks().filter(assignee=user)))


def _to_claim(dossiers, user, grants, now):
    # A team's step is its members' to claim (whatever their role or unit), not the role's at the unit.
    steps = _open_steps_of(grants) & Q(team="")
    for unit_id, key in sorted(teams_of(user)):
        steps |= Q(unit_id=unit_id, team=key)
    return dossiers.filter(Exists(_open_tasks().filter(steps, assignee__isnull=True)))


def _waiting_applicant(dossiers, user, grants, now):
    return dossiers.filter(status=Status.SUPPLEMENT_REQUESTED)


def _waiting_payment(dossiers, user, grants, now):
    return dossiers.filter(status=Status.PAYMENT_REQUESTED)


def _due_soon(dossiers, user, grants, now):
    # paused_at: waiting for the applicant's obligation (status 6), the clock stands still.
    return dossiers.filter(status__in=actions.CLOCK_RUNS, due_at__gte=now, paused_at__isnull=True).filter(
        Q(deadline_state=DeadlineState.AT_RISK) | Q(due_at__lt=now + DUE_SOON)
    )


def _late(dossiers, user, grants, now):
    return dossiers.filter(status__in=actions.CLOCK_RUNS, paused_at__isnull=True).filter(
        Q(due_at__lt=now) | Q(deadline_state=DeadlineState.LATE))


def _done_today(dossiers, user, grants, now):
    start = timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))
    done = Task.objects.filter(dossier=OuterRef("pk"), done_by=user, done_at__gte=start)
    return dossiers.filter(Exists(done))


@dataclass(frozen=True)
class Queue:
    slug: str
    label: Promise
    narrow: Narrow
    roles: frozenset[str] | None = None  # shown to officers holding one of these roles; None: every officer


QUEUES: dict[str, Queue] = {
    q.slug: q
    for q in (
        Queue("new", gettext_lazy("Mới nộp, chờ tiếp nhận"), _new, frozenset({Role.ONE_STOP_OFFICER})),
        Queue("mine", gettext_lazy("Việc của tôi"), _mine),
        Queue("claim", gettext_lazy("Chờ nhận xử lý"), _to_claim),
        Queue("applicant", gettext_lazy("Chờ người nộp bổ sung"), _waiting_applicant),
        Queue("payment", gettext_lazy("Chờ thanh toán"), _waiting_payment),
        Queue("soon", gettext_lazy("Sắp đến hạn"), _due_soon),
        Queue("late", gettext_lazy("Quá hạn"), _late),
        Queue("today", gettext_lazy("Đã xử lý hôm nay"), _done_today),
    )
}


def queues_for(grants: Grants) -> list[Queue]:
    roles = {g.role for g in grants}
    return [q for q in QUEUES.values() if q.roles is None or q.roles & roles]


def by_due_date(dossiers: QuerySet[Dossier]) -> QuerySet[Dossier]:
    return dossiers.order_by(F("due_at").asc(nulls_last=True), "submitted_at", "id")


def members(queue: Queue, user: User, now: datetime | None = None, grants: Grants | None = None) -> QuerySet[Dossier]:
    """The queue's dossiers for this officer, by due date."""
    grants = grants_of(user) if grants is None else grants
    return by_due_date(queue.narrow(staff_dossiers(user, grants), user, grants, now or timezone.now()))


def counts(user: User, grants: Grants, shown: list[Queue], now: datetime) -> dict[str, int]:
    """How many dossiers each queue holds, up to COUNT_CAP + 1, read in ONE query.

    Each queue is a scalar subquery counting a LIMITed subquery (`SELECT COUNT(*) FROM (… LIMIT 100)`):
    the database stops reading a queue at COUNT_CAP + 1 rows, so a subtree of millions of dossiers
    costs no more than a small one, and the navigation is one round trip, not one per queue. The
    subqueries are the queues' own querysets compiled, so the counts are the lists' rows by construction.
    """
    if not shown:
        return {}
    scope = staff_dossiers(user, grants)
    connection = connections[scope.db]
    columns: list[str] = []
    params: list[object] = []
    for i, queue in enumerate(shown):
        capped = queue.narrow(scope, user, grants, now).order_by().values("pk")[: COUNT_CAP + 1]
        try:
            sql, sql_params = capped.query.get_compiler(connection=connection).as_sql()
        except EmptyResultSet:  # a filter that can match nothing (no unit in scope): Django sends no query
            columns.append("0")
            continue
        columns.append(f"(SELECT COUNT(*) FROM ({sql}) AS queue_{i})")  # noqa: S608 - compiled querysets; values are params
        params.extend(sql_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(columns), params)
        row = cursor.fetchone()
    return {queue.slug: int(n) for queue, n in zip(shown, row, strict=True)}


@dataclass(frozen=True)
class NavItem:
    slug: str
    label: Promise
    url: str
    count: int
    more: bool  # more than COUNT_CAP
    current: bool


def navigation(user: User, grants: Grants, current: str = "", now: datetime | None = None) -> list[NavItem]:
    """The queues this officer has, each with its count (bounded: COUNT_CAP, then "more"), in one query."""
    now = now or timezone.now()
    shown = queues_for(grants)
    sizes = counts(user, grants, shown, now)
    items = []
    for q in shown:
        n = sizes[q.slug]
        items.append(NavItem(q.slug, q.label, reverse("backoffice:queue", args=[q.slug]), min(n, COUNT_CAP),
                             n > COUNT_CAP, q.slug == current))
    return items


@dataclass
class QueueRow:
    dossier: Dossier
    deadline: str  # on_time, at_risk, late, paused or ""
    steps: list[Task]  # open steps at the officer's units


def assignees(user: User, grants: Grants) -> list[User]:
    """Whom a leader may hand steps to in bulk: the staff of the units where they approve or administer."""
    if not {g.role for g in grants} & {Role.APPROVER, Role.UNIT_ADMIN}:
        return []
    led = units_for(user, Role.APPROVER) | units_for(user, Role.UNIT_ADMIN)
    return list(
        User.objects.filter(memberships__unit__in=led.values("pk"), is_active=True).distinct()
        .select_related("citizen").order_by("full_name", "username")[:200]
    )
