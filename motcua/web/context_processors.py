"""What every page's header needs, computed only when the header asks."""

from __future__ import annotations

from django.http import HttpRequest

from motcua.units.scope import request_grants


def staff(request: HttpRequest) -> dict:
    # Called by the template only when rendered (a callable context value): pages without
    # the header pay nothing, and the dossier page reuses the grants its view already read.
    return {
        "staff_member": lambda: bool(request_grants(request)),
        # The unit-administration link (backoffice/unit_admin.py) for those holding the role somewhere.
        "unit_admin_member": lambda: any(g.role == "unit_admin" for g in request_grants(request)),
    }
