"""Who may see which unit's indicators: the one place for this check."""

from __future__ import annotations

from django.db.models import Q

from motcua.units.models import Membership, Role, Unit
from motcua.units.scope import grants_of, roles_in

# Leaders and those who watch: the unit's approvers (lãnh đạo), administrators and monitors.
LEADERS = frozenset({Role.APPROVER, Role.UNIT_ADMIN, Role.MONITOR})


def can_view(user, unit: Unit | None) -> bool:
    """`unit` None is the whole country: superusers only (no unit grants it)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return unit is not None and bool(roles_in(grants_of(user), unit) & LEADERS)


def home_units(user) -> list[Unit]:
    """The highest units the user leads or monitors (where the dashboard opens)."""
    if getattr(user, "is_superuser", False):
        return list(Unit.objects.filter(parent__isnull=True))
    memberships = Membership.objects.filter(Q(user=user) & Q(role__in=LEADERS)).select_related("unit__parent")
    units = {m.unit.scope_root for m in memberships}
    return sorted((u for u in units if not any(u.path.startswith(o.path) and u != o for o in units)), key=lambda u: u.path)
