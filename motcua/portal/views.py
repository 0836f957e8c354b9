"""Citizen pages: the procedure catalog, the submit form, "my dossiers" and one dossier.

Views only parse input, call `motcua.dossiers.actions` and present the outcome;
every dossier query starts from `motcua.dossiers.access`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from motcua.catalog.models import Procedure, localized
from motcua.catalog.search import Filters, search
from motcua.catalog.vocab import LEVELS
from motcua.dossiers import actions
from motcua.dossiers.access import visible_dossiers
from motcua.dossiers.errors import ActionError
from motcua.dossiers.models import Dossier
from motcua.portal.presentation import money, service_mode_label, unit_name
from motcua.portal.schema_form import build_fields, describe, parse_post
from motcua.units.models import Unit

PAGE_SIZE = 50
# Errors about the receiving unit: the page then offers the units the core named.
UNIT_ERRORS = frozenset({"unit_required", "unknown_unit"})


def _active_procedures():
    return Procedure.objects.filter(active=True, current__isnull=False)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The catalog: search in any language without diacritics, filter by field, level, unit, mode."""
    params = request.GET
    unit = Unit.objects.filter(code=params.get("unit", "")).first() if params.get("unit") else None
    level = params.get("level", "")
    filters = Filters(
        q=params.get("q", "").strip()[:200],
        field=params.get("field", "")[:64],
        level=level if level in LEVELS else "",
        unit=unit,
        full_only=params.get("full") == "1",
    )
    page = Paginator(search(filters).select_related("current"), 30).get_page(params.get("page"))
    fields = sorted(
        {p.field_code: p.field_name for p in _active_procedures().only("field", "field_code")}.items(),
        key=lambda item: item[1],
    )
    return render(
        request,
        "portal/home.html",
        {
            "procedures": page.object_list, "page": page, "query": filters.q, "filters": filters,
            "fields": fields, "levels": sorted(LEVELS), "searching": filters != Filters(),
        },
    )


def _procedure_facts(procedure: Procedure) -> dict:
    definition = procedure.current.definition
    return {
        "mode": service_mode_label(procedure.service_mode),
        "fee": money(procedure.fee),
        "fee_note": localized(definition.get("fees", {}).get("note")),
        "components": [
            {"name": localized(c["name"]), "required": c.get("required", True)}
            for c in definition.get("components", [])
        ],
        "legal_basis": definition.get("legal_basis", []),
        "result_title": localized(definition.get("result", {}).get("title")),
    }


def _procedure_page(
    request: HttpRequest,
    procedure: Procedure,
    posted: QueryDict | None = None,
    error: ActionError | None = None,
) -> HttpResponse:
    field_errors = error.extra.get("errors", []) if error is not None and error.code == "invalid_form" else []
    fields, summary = build_fields(procedure.current.form_schema, posted, field_errors)
    # Once the core has named the units that may receive this dossier, keep offering them.
    unit_codes: list[str] = []
    unit_error = ""
    if error is not None and error.code in UNIT_ERRORS:
        unit_codes = [str(c) for c in error.extra.get("choices", [])]
        unit_error = error.message
    elif posted is not None:
        unit_codes = posted.getlist("unit_choices")
    units = [(u.code, unit_name(u)) for u in Unit.objects.filter(code__in=unit_codes)] if unit_codes else []
    context = {
        "procedure": procedure,
        "facts": _procedure_facts(procedure),
        "fields": fields,
        "summary": summary,
        "units": units,
        "unit_error": unit_error,
        "selected_unit": posted.get("unit", "") if posted is not None else "",
        # Errors that belong to no field (not a citizen, unknown procedure) are shown above the form.
        "error": error if error is not None and not field_errors and not unit_error else None,
    }
    return render(request, "portal/procedure.html", context, status=error.status if error is not None else 200)


@require_http_methods(["GET", "HEAD", "POST"])
def procedure(request: HttpRequest, code: str) -> HttpResponse:
    procedure = get_object_or_404(_active_procedures().select_related("current"), code=code)
    if request.method != "POST":
        return _procedure_page(request, procedure)
    if not request.user.is_authenticated:
        # Reading the form is public; filing it needs the applicant's identity.
        return redirect_to_login(request.get_full_path())
    data = parse_post(procedure.current.form_schema, request.POST)
    try:
        dossier = actions.submit(request.user, procedure.code, data, unit_code=request.POST.get("unit") or None)
    except ActionError as exc:
        return _procedure_page(request, procedure, request.POST, exc)
    messages.success(request, _("Đã nộp hồ sơ. Mã hồ sơ của bạn: %(code)s.") % {"code": dossier.code})
    return redirect("portal:dossier", code=dossier.code)


@require_safe
@login_required
def my_dossiers(request: HttpRequest) -> HttpResponse:
    # Only the user's own applications: staff see their units' dossiers in the back office.
    dossiers = (
        Dossier.objects.filter(applicant=request.user).select_related("procedure").order_by("-submitted_at", "-id")
    )
    page = Paginator(dossiers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/my_dossiers.html", {"page": page})


def _visible_or_404(request: HttpRequest, code: str) -> Dossier:
    """Someone else's dossier looks exactly like one that does not exist."""
    dossier = (
        visible_dossiers(request.user)
        .select_related("procedure", "procedure_version", "unit", "applicant", "result")
        .filter(code=code)
        .first()
    )
    if dossier is None:
        raise Http404(_("Không tìm thấy hồ sơ %(code)s.") % {"code": code})
    return dossier


def dossier_context(dossier: Dossier, user) -> dict:
    """What both the citizen's and the officer's dossier pages show."""
    return {
        "dossier": dossier,
        "procedure_name": dossier.procedure.name,
        "answers": describe(dossier.procedure_version.form_schema, dossier.data or {}),
        "events": list(dossier.events.select_related("actor").order_by("at", "id")),
        "has_result": hasattr(dossier, "result"),
        "allowed": actions.allowed_actions(dossier, user),
    }


@require_safe
@login_required
def dossier(request: HttpRequest, code: str) -> HttpResponse:
    found = _visible_or_404(request, code)
    return render(request, "portal/dossier.html", dossier_context(found, request.user))


@require_safe
@login_required
def result_pdf(request: HttpRequest, code: str) -> FileResponse:
    found = _visible_or_404(request, code)
    if not hasattr(found, "result"):
        raise Http404(_("Hồ sơ chưa có kết quả."))
    return FileResponse(found.result.file.open("rb"), content_type="application/pdf", filename=f"{found.code}.pdf")


@require_POST
@login_required
def withdraw(request: HttpRequest, code: str) -> HttpResponse:
    found = _visible_or_404(request, code)
    try:
        actions.perform(found.code, "withdraw", request.user, reason=request.POST.get("reason", ""))
    except ActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã rút hồ sơ %(code)s.") % {"code": found.code})
    return redirect("portal:dossier", code=found.code)
