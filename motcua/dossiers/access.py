"""Who may see which dossiers. Every dossier query of the API and pages starts here."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from motcua.dossiers.models import Dossier, Task
from motcua.lib.errors import NotFound
from motcua.units.scope import Grants, grants_of, units_served


def _served(user, grants: Grants | None = None) -> Q:
    # A dossier is the business of the unit that received it and of every unit
    # that has a step of it (inter-agency work).
    # Sibling agencies do not read each other's dossiers (units.scope.units_served; docs/security.md).
    units = units_served(grants_of(user) if grants is None else grants).values("pk")
    return Q(unit__in=units) | Q(Exists(Task.objects.filter(dossier=OuterRef("pk"), unit__in=units)))


def visible_dossiers(user, grants: Grants | None = None) -> QuerySet[Dossier]:
    """The applicant's own dossiers plus those of every unit the user serves.

    `grants` (units.scope.grants_of, already read for this request) saves reading the
    memberships again; a user without any sees only their own dossiers.
    """
    if not getattr(user, "is_authenticated", False):
        return Dossier.objects.none()
    if grants is not None and not grants:
        return Dossier.objects.filter(applicant=user)
    return Dossier.objects.filter(Q(applicant=user) | _served(user, grants))


def staff_dossiers(user, grants: Grants | None = None) -> QuerySet[Dossier]:
    """The dossiers of every unit the user serves (`grants`, when already read, saves reading them again)."""
    if not getattr(user, "is_authenticated", False):
        return Dossier.objects.none()
    return Dossier.objects.filter(_served(user, grants))


def not_found(code: str) -> NotFound:
    """The answer for a dossier that does not exist or that the reader may not see: the two look alike."""
    return NotFound(_("Không tìm thấy hồ sơ %(code)s.") % {"code": code}, code="dossier_not_found")


def page_not_found(code: str) -> Http404:
    """The same, for a page: Django's 404 with the same message."""
    return Http404(not_found(code).message)
