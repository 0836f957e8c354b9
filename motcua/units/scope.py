"""Which units a staff member may act on, in which role. The one place for this check."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from django.db.models import Q, QuerySet

from motcua.lib.compiled import Compiled
from motcua.units.models import CATALOG_ROLES, Membership, Role, Unit, UnitKind
from motcua.units.teams import teams_of


def units_for(user, role: str | None = None) -> QuerySet[Unit]:
    """Every unit inside the subtrees the user serves (optionally in one role)."""
    memberships = Membership.objects.filter(user=user).select_related("unit__parent")
    if role is not None:
        memberships = memberships.filter(role=role)
    return units_under({m.unit.scope_root.path for m in memberships})


class Grant(NamedTuple):
    """One role the user holds over a subtree."""

    path: str  # the subtree's root (a one-stop desk's parent: Unit.scope_root)
    role: str
    sector: str  # the agency of the unit the role is held on (`sector()`)
    level: str  # the administrative level of the subtree's root (Unit.level): ministry, province or commune


Grants = tuple[Grant, ...]

# Roles that follow the whole subtree whatever the agency: the one-stop desk receives
# for every agency it serves, administrators and monitors oversee everything below them.
CROSS_AGENCY_ROLES = frozenset({Role.ONE_STOP_OFFICER, Role.UNIT_ADMIN, Role.MONITOR})


def sector(unit: Unit) -> str:
    return sector_of(unit.agency)


def sector_of(agency: str) -> str:
    """The sector of a unit of this agency: a unit under no agency is the people's committee's."""
    return agency or "people_committee"


# Read by every officer's request: compiled once per process (lib/compiled.py).
# The columns only, no instances (a membership, its unit and the unit's parent each): `_grant` reads them.
_MEMBERSHIPS: Compiled[tuple] = Compiled(
    lambda user_id: Membership.objects.filter(user_id=user_id).values_list(
        "role", "unit__kind", "unit__agency", "unit__path", "unit__level", "unit__parent__path", "unit__parent__level"
    )
)


def _grant(role: str, kind: str, agency: str, path: str, level: str, parent_path: str | None,
           parent_level: str | None) -> Grant:
    """A membership's grant, from `_MEMBERSHIPS`'s columns: what `Grant(m.unit.scope_root.path, m.role,
    sector(m.unit), m.unit.scope_root.level)` reads of the instances (Unit.scope_root: a one-stop desk's parent)."""
    if kind == UnitKind.ONE_STOP and parent_path is not None:
        path, level = parent_path, parent_level
    return Grant(path, role, sector_of(agency), level)


def grants_of(user) -> Grants:
    """Every (subtree path, role, sector) the user holds: read once, then checked against many units."""
    if not getattr(user, "is_authenticated", False):
        return ()
    # Kept on the user object for its life (a request's user is read for that request): the officers'
    # pages scope several queries (the queues' counts in the navigation), each asking for the grants.
    # A membership saved or deleted clears it on the instance that changed it (units/models.py).
    cached = getattr(user, "_motcua_grants", None)
    if cached is not None:
        return cached
    # Only the columns the grants are made of: read on every signed-in page. The catalogue's roles
    # (CATALOG_ROLES) give no grant over dossiers or petitions: authoring reads them with `units_for`.
    # Read in the same query, kept aside: the header's catalogue link asks for them (catalog_roles_of).
    memberships = _MEMBERSHIPS(user.pk)
    grants = tuple(_grant(*m) for m in memberships if m[0] not in CATALOG_ROLES)
    try:
        user._motcua_grants = grants
        user._motcua_catalog_roles = frozenset(m[0] for m in memberships if m[0] in CATALOG_ROLES)
    except AttributeError:  # an object that takes no attributes: read again next time
        pass
    # The teams and councils one sits on widen the dossiers one reads (dossiers/access.team_steps): read
    # with the grants, so that the scope built from them afterwards (a page's queues, counted in one
    # statement) reads nothing more. Nothing is read for the many who sit on none (identity's `on_teams`).
    teams_of(user)
    return grants


def catalog_roles_of(user) -> frozenset[str]:
    """The catalogue's roles (editor, approver) the user holds anywhere: read with the grants, not again."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    grants_of(user)
    held = getattr(user, "_motcua_catalog_roles", None)
    if held is None:  # an object that takes no attributes
        held = frozenset(Membership.objects.filter(user=user, role__in=CATALOG_ROLES).values_list("role", flat=True))
    return held


# Roles that read and never change anything: a monitor follows the work (dashboards, dossiers), it does not
# act, write notes or digitize (docs/security.md, "Scopes").
READ_ONLY_ROLES = frozenset({Role.MONITOR})


def works_on(grants: Grants, units: Iterable[Unit]) -> bool:
    """Whether the grants give a role that may change something (not only read) over any of `units`."""
    return any(roles_in(grants, unit) - READ_ONLY_ROLES for unit in units)


def roles_in(grants: Grants, unit: Unit) -> set[str]:
    """The roles the grants give over `unit`.

    A specialist or approver works only for their own agency: the commune's
    civil-status officer has the commune police in the commune's subtree, but
    does not process the police's dossiers.
    """
    return {g.role for g in grants if _covers(g, unit)}


def _covers(grant: Grant, unit: Unit) -> bool:
    return unit.path.startswith(grant.path) and (grant.role in CROSS_AGENCY_ROLES or sector(unit) == grant.sector)


def desk_across_levels(grants: Grants, unit: Unit) -> bool:
    """Whether the user's one-stop role over `unit` comes only from a desk of a higher administrative level.

    The province's public administration service centre serves the whole province, so its one-stop
    role reaches a commune's units; but a dossier is received and handled at the level that decides it
    (docs/security.md, "Scopes"): the higher desk reads the commune's dossiers (supervision) and acts on
    them only for procedures received regardless of administrative boundary (`receive_anywhere`).
    A desk of the unit's own level (the commune's, or the province's centre for a province department)
    is not across levels.
    """
    desks = [g for g in grants if g.role == Role.ONE_STOP_OFFICER and _covers(g, unit)]
    return bool(desks) and all(g.level != unit.level for g in desks)


def roles_on(user, unit: Unit) -> set[str]:
    """The roles the user holds over `unit` (through any ancestor membership)."""
    return roles_in(grants_of(user), unit)


def request_grants(request) -> Grants:
    """The grants of the request's user, read once per request.

    The citizen's dossier page needs them three times (which dossiers are visible,
    which actions are allowed, whether the menu shows the back office): one query,
    not three. Kept on the request, so a membership changed by another request is
    seen by the next one.
    """
    grants = getattr(request, "_motcua_grants", None)
    if grants is None:
        user = getattr(request, "user", None)
        # The login backend (identity.backends) read with the user whether they serve any unit.
        grants = () if getattr(user, "serves_units", None) is False else grants_of(user)
        request._motcua_grants = grants
    return grants


def sector_q(grant_sector: str) -> Q:
    """Units of a sector (`sector()` as a query): a unit without an agency is the people's committee's."""
    if grant_sector == "people_committee":
        return Q(agency__in=("", "people_committee"))
    return Q(agency=grant_sector)


def units_served(grants: Grants) -> QuerySet[Unit]:
    """The units whose dossiers the grants let a member of staff read (docs/security.md, "Scopes").

    A one-stop officer, administrator or monitor: every unit of the subtree. A specialist or approver:
    only the units of their own sector in it (the commune's civil-status officer does not read the
    commune police's dossiers, unless a step of the dossier is theirs: dossiers.access).
    """
    condition = Q()
    for g in grants:
        if g.role in CROSS_AGENCY_ROLES:
            condition |= Q(path__startswith=g.path)
        else:
            condition |= Q(path__startswith=g.path) & sector_q(g.sector)
    return Unit.objects.filter(condition) if condition else Unit.objects.none()


def paths_of(grants: Grants) -> set[str]:
    """The subtree roots the grants cover (what `units_for` reads from memberships)."""
    return {g.path for g in grants}


def units_granted(grants: Grants, role: str) -> QuerySet[Unit]:
    """`units_for(user, role)` from grants already read: the same units, without reading the memberships again
    (a lazy query, so it can sit inside another one: the queues' counts, backoffice/queues.py)."""
    return units_under({g.path for g in grants if g.role == role})


def units_under(paths: set[str]) -> QuerySet[Unit]:
    if not paths:
        return Unit.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return Unit.objects.filter(condition)
