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


Grants = tuple[tuple[str, str], ...]  # (subtree path, role) pairs


def grants_of(user) -> Grants:
    """Every (subtree path, role) the user holds: read once, then checked against many units."""
    if not getattr(user, "is_authenticated", False):
        return ()
    return tuple(
        (m.unit.scope_root.path, m.role) for m in Membership.objects.filter(user=user).select_related("unit__parent")
    )


def roles_in(grants: Grants, unit: Unit) -> set[str]:
    return {role for path, role in grants if unit.path.startswith(path)}


def roles_on(user, unit: Unit) -> set[str]:
    """The roles the user holds over `unit` (through any ancestor membership)."""
    return roles_in(grants_of(user), unit)


def is_staff_member(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and Membership.objects.filter(user=user).exists()
