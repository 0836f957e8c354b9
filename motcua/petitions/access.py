"""Who may see which petitions. Every petition query of the API and pages starts here.

The filer (signed in, or the verified contact of an anonymous filing) and the staff of
the unit it is with — and of the unit that first received it, which forwarded it. Staff of
any other unit get "not found", exactly like a code that does not exist.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from motcua.lib.errors import NotFound
from motcua.petitions.models import Petition
from motcua.units.scope import Grants, grants_of, paths_of, roles_in, units_under


def served_q(grants: Grants) -> Q:
    units = units_under(paths_of(grants)).values("pk")
    return Q(unit__in=units) | Q(first_unit__in=units)


def visible_petitions(user, grants: Grants | None = None, contact: str = "") -> QuerySet[Petition]:
    condition = Q(pk__in=[])
    if getattr(user, "is_authenticated", False):
        grants = grants_of(user) if grants is None else grants
        condition |= Q(filer=user)
        if grants:
            condition |= served_q(grants)
    if contact:
        condition |= Q(filer__isnull=True, contact=contact, origin="online")
    return Petition.objects.filter(condition)


def staff_petitions(grants: Grants) -> QuerySet[Petition]:
    if not grants:
        return Petition.objects.none()
    return Petition.objects.filter(served_q(grants))


def sees(petition: Petition, user, grants: Grants, contact: str = "") -> bool:
    if is_filer(petition, user, contact):
        return True
    return bool(roles_in(grants, petition.unit) or roles_in(grants, petition.first_unit))


def is_filer(petition: Petition, user, contact: str = "") -> bool:
    if petition.filer_id is not None:
        return petition.filer_id == getattr(user, "pk", None)
    return bool(contact) and petition.origin == "online" and petition.contact == contact


def not_found(code: str) -> NotFound:
    return NotFound(_("Không tìm thấy phản ánh, kiến nghị %(code)s.") % {"code": code}, code="petition_not_found")


def page_not_found(code: str) -> Http404:
    return Http404(not_found(code).message)
