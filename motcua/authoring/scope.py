"""Who may write and publish which procedures: the catalogue's roles over a unit's subtree.

A catalogue editor (approver) holds `catalog_editor` (`catalog_approver`) on a unit and acts on the
catalogue of every unit in its subtree. A procedure belongs to the unit of the draft that first
published it; a procedure loaded from files (the country's shipped catalogue) belongs to nobody and is
edited by the holders of the role on a root of the tree (a ministry, a province). A draft, unit or
procedure outside one's scope answers "not found", exactly like one that does not exist.
"""

from __future__ import annotations

from django.db.models import QuerySet

from motcua.authoring.models import DraftStatus, ProcedureDraft
from motcua.units.models import CATALOG_ROLES, Membership, Role, Unit
from motcua.units.scope import units_for

EDITOR = Role.CATALOG_EDITOR
APPROVER = Role.CATALOG_APPROVER


def units_of(user, role: str) -> QuerySet[Unit]:
    return units_for(user, role)


def catalog_roles(user) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(Membership.objects.filter(user=user, role__in=CATALOG_ROLES).values_list("role", flat=True))


def covers(user, role: str, unit: Unit | None) -> bool:
    """Whether the user holds `role` over `unit`; None (a procedure of the shipped catalogue): over a root."""
    if unit is None:
        return Membership.objects.filter(user=user, role=role, unit__parent__isnull=True).exists()
    return units_of(user, role).filter(pk=unit.pk).exists()


def home_unit(user, role: str = EDITOR) -> Unit | None:
    """The unit a new draft belongs to when none is named: the top of the user's first subtree."""
    membership = Membership.objects.filter(user=user, role=role).select_related("unit").order_by("unit__path").first()
    return membership.unit if membership else None


def owner_of(code: str) -> Unit | None:
    """The unit whose catalogue the procedure belongs to (None: the shipped catalogue)."""
    first = (ProcedureDraft.objects.filter(code=code, status=DraftStatus.PUBLISHED).select_related("unit")
             .order_by("updated_at", "pk").first())
    return first.unit if first else None


def visible_drafts(user) -> QuerySet[ProcedureDraft]:
    """The drafts of the units the user edits or approves for."""
    units = Unit.objects.none()
    for role in CATALOG_ROLES:
        units = units | units_of(user, role)
    return ProcedureDraft.objects.filter(unit__in=units.values("pk"))
