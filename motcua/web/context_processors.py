"""What every page's header needs, computed only when the header asks."""

from __future__ import annotations

from django.http import HttpRequest

from motcua.units.scope import catalog_roles_of, request_grants


def staff(request: HttpRequest) -> dict:
    # Called by the template only when rendered (a callable context value): pages without
    # the header pay nothing, and the dossier page reuses the grants its view already read.
    return {
        "staff_member": lambda: bool(request_grants(request)),
        # The unit-administration link (backoffice/unit_admin.py) for those holding the role somewhere.
        "unit_admin_member": lambda: any(g.role == "unit_admin" for g in request_grants(request)),
        # The catalogue's link (authoring/views.py) for its editors and approvers, who hold no grant over dossiers.
        "catalog_member": lambda: _catalog_member(request),
    }


def _catalog_member(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False) or getattr(user, "serves_units", None) is False:
        return False
    request_grants(request)  # the memberships, read once for the request (units/scope.grants_of)
    return bool(catalog_roles_of(user))
