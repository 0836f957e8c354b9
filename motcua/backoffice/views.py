"""Officer pages: the dossiers of the units one serves, and the buttons that move them.

Who may see what comes from `motcua.dossiers.access`; who may do what from
`motcua.dossiers.actions.allowed_actions`; every change goes through
`motcua.dossiers.actions.perform`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from motcua.dossiers import actions
from motcua.dossiers.access import staff_dossiers
from motcua.dossiers.errors import ActionError
from motcua.dossiers.models import Dossier, Status
from motcua.portal.presentation import REASON_ACTIONS, action_label
from motcua.portal.views import dossier_context
from motcua.units.scope import is_staff_member

PAGE_SIZE = 50

View = Callable[..., HttpResponse]


def staff_required(view: View) -> View:
    """Logged in (else the login page) and serving some unit (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not is_staff_member(request.user):
            raise PermissionDenied(_("Trang này chỉ dành cho cán bộ xử lý hồ sơ."))
        return view(request, *args, **kwargs)

    return wrapper


def _status_filter(raw: str | None) -> int | None:
    """A national status code from the query string; anything else means "all"."""
    try:
        status = int(raw or "")
    except ValueError:
        return None
    return status if status in Status.values else None


@require_safe
@staff_required
def dossier_list(request: HttpRequest) -> HttpResponse:
    dossiers = staff_dossiers(request.user)
    counts = dict(dossiers.order_by().values_list("status").annotate(n=Count("id")))
    status = _status_filter(request.GET.get("status"))
    if status is not None:
        dossiers = dossiers.filter(status=status)
    dossiers = dossiers.select_related("procedure", "unit", "applicant__citizen").order_by("-submitted_at", "-id")
    page = Paginator(dossiers, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"dossier": d, "actions": actions.allowed_actions(d, request.user)} for d in page]
    statuses = [(value, label, counts.get(value, 0)) for value, label in Status.choices]
    return render(
        request,
        "backoffice/list.html",
        {
            "page": page, "rows": rows, "statuses": statuses, "status": status,
            "total": sum(counts.values()), "reason_actions": REASON_ACTIONS,
        },
    )


def _staff_dossier_or_404(request: HttpRequest, code: str) -> Dossier:
    dossier = (
        staff_dossiers(request.user)
        .select_related("procedure", "procedure_version", "unit", "applicant__citizen", "result")
        .filter(code=code)
        .first()
    )
    if dossier is None:
        raise Http404(_("Không tìm thấy hồ sơ %(code)s.") % {"code": code})
    return dossier


@require_safe
@staff_required
def dossier_detail(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _staff_dossier_or_404(request, code)
    context = {**dossier_context(dossier, request.user), "reason_actions": REASON_ACTIONS}
    return render(request, "backoffice/dossier.html", context)


def _back(request: HttpRequest, code: str) -> str:
    """Where the officer came from (list page with its filters), if it is on this site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("backoffice:dossier", kwargs={"code": code})


@require_POST
@staff_required
def act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    try:
        dossier = actions.perform(code, action, request.user, reason=request.POST.get("reason", ""))
    except ActionError as exc:
        messages.error(request, _("Hồ sơ %(code)s: %(message)s") % {"code": code, "message": exc.message})
    else:
        messages.success(
            request,
            _("Hồ sơ %(code)s: đã thực hiện “%(action)s”; trạng thái hiện tại: %(status)s.")
            % {"code": dossier.code, "action": action_label(action), "status": dossier.get_status_display()},
        )
    return redirect(_back(request, code))
