"""Which units a staff member may act on, in which role. The one place for this check."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from motcua.units.models import Membership, Unit


def units_for(user, role: str | None = None) -> QuerySet[Unit]:
    """Every unit inside the subtrees the user serves (optionally in one role)."""
    memberships = Membership.objects.filter(user=user).select_related("unit__parent")
    if role is not None:
        memberships = memberships.filter(role=role)
    paths = {m.unit.scope_root.path for m in memberships}
    if not paths:
        return Unit.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return Unit.objects.filter(condition)


def roles_on(user, unit: Unit) -> set[str]:
    """The roles the user holds over `unit` (through any ancestor membership)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    roles: set[str] = set()
    for m in Membership.objects.filter(user=user).select_related("unit__parent"):
        if unit.path.startswith(m.unit.scope_root.path):
            roles.add(m.role)
    return roles


def is_staff_member(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and Membership.objects.filter(user=user).exists()
