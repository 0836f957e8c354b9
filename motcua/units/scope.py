"""Which units a staff member may act on, in which role. The one place for this check."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from motcua.units.models import Membership, Role, Unit


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


Grants = tuple[tuple[str, str, str], ...]  # (subtree path, role, sector) triples

# Roles that follow the whole subtree whatever the agency: the one-stop desk receives
# for every agency it serves, administrators and monitors oversee everything below them.
CROSS_AGENCY_ROLES = frozenset({Role.ONE_STOP_OFFICER, Role.UNIT_ADMIN, Role.MONITOR})


def sector(unit: Unit) -> str:
    return unit.agency or "people_committee"


def grants_of(user) -> Grants:
    """Every (subtree path, role, sector) the user holds: read once, then checked against many units."""
    if not getattr(user, "is_authenticated", False):
        return ()
    return tuple(
        (m.unit.scope_root.path, m.role, sector(m.unit))
        for m in Membership.objects.filter(user=user).select_related("unit__parent")
    )


def roles_in(grants: Grants, unit: Unit) -> set[str]:
    """The roles the grants give over `unit`.

    A specialist or approver works only for their own agency: the commune's
    civil-status officer has the commune police in the commune's subtree, but
    does not process the police's dossiers.
    """
    return {
        role
        for path, role, grant_sector in grants
        if unit.path.startswith(path) and (role in CROSS_AGENCY_ROLES or sector(unit) == grant_sector)
    }


def roles_on(user, unit: Unit) -> set[str]:
    """The roles the user holds over `unit` (through any ancestor membership)."""
    return roles_in(grants_of(user), unit)


def is_staff_member(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and Membership.objects.filter(user=user).exists()
