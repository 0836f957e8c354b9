"""The queues of an officer's day, each a short address to bookmark (/office/q/<slug>/).

A queue is a filter over the dossiers the officer may see (`access.staff_dossiers`), read in
SQL and sorted by due date (earliest first, then the oldest filed): new at the counter, mine,
to claim, waiting for the applicant, waiting for payment, due soon, late, done today. Which
queues an officer sees follows their roles (only a one-stop officer receives at the counter).
Rows are built only for the page shown; the navigation's counts stop at COUNT_CAP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from motcua.dossiers import actions
from motcua.dossiers.access import staff_dossiers
from motcua.dossiers.models import DeadlineState, Dossier, Status, Task, TaskStatus
from motcua.identity.models import User
from motcua.units.models import Membership, Role
from motcua.units.scope import Grants, units_for

PAGE_SIZE = 50
COUNT_CAP = 99  # the navigation counts up to here, then says "99+": a count never reads a whole subtree
DUE_SOON = timedelta(days=2)  # "due soon": marked at risk by the deadline check, or due within two days

Narrow = Callable[[QuerySet[Dossier], User, datetime], QuerySet[Dossier]]


def _open_steps_of(user: User) -> Q:
    """Open steps nobody holds, of a role the user has, at a unit where they have it."""
    condition = Q(pk__in=[])
    for role in set(Membership.objects.filter(user=user).values_list("role", flat=True)):
        condition |= Q(role=role, unit__in=units_for(user, role).values("pk"))
    return condition


def _open_tasks() -> QuerySet[Task]:
    return Task.objects.filter(dossier=OuterRef("pk"), status=TaskStatus.OPEN)


def _new(dossiers, user, now):
    # Filed and not yet received, at a unit whose counter this officer staffs.
    return dossiers.filter(status=Status.SUBMITTED, unit__in=units_for(user, Role.ONE_STOP_OFFICER).values("pk"))


def _mine(dossiers, user, now):
    return dossiers.filter(Exists(_open_tasks().filter(assignee=user)))


def _to_claim(dossiers, user, now):
    return dossiers.filter(Exists(_open_tasks().filter(_open_steps_of(user), assignee__isnull=True)))


def _waiting_applicant(dossiers, user, now):
    return dossiers.filter(status=Status.SUPPLEMENT_REQUESTED)


def _waiting_payment(dossiers, user, now):
    return dossiers.filter(status=Status.PAYMENT_REQUESTED)


def _due_soon(dossiers, user, now):
    return dossiers.filter(status__in=actions.CLOCK_RUNS, due_at__gte=now).filter(
        Q(deadline_state=DeadlineState.AT_RISK) | Q(due_at__lt=now + DUE_SOON)
    )


def _late(dossiers, user, now):
    return dossiers.filter(status__in=actions.CLOCK_RUNS).filter(Q(due_at__lt=now) | Q(deadline_state=DeadlineState.LATE))


def _done_today(dossiers, user, now):
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


def members(queue: Queue, user: User, now: datetime | None = None) -> QuerySet[Dossier]:
    """The queue's dossiers for this officer, by due date."""
    return by_due_date(queue.narrow(staff_dossiers(user), user, now or timezone.now()))


@dataclass(frozen=True)
class NavItem:
    slug: str
    label: Promise
    url: str
    count: int
    more: bool  # more than COUNT_CAP
    current: bool


def navigation(user: User, grants: Grants, current: str = "", now: datetime | None = None) -> list[NavItem]:
    """The queues this officer has, each with its count (bounded: COUNT_CAP, then "more")."""
    now = now or timezone.now()
    items = []
    for q in queues_for(grants):
        n = q.narrow(staff_dossiers(user), user, now).order_by().values("pk")[: COUNT_CAP + 1].count()
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
