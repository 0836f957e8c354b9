"""Citizen pages: the procedure catalog, the submit form, "my dossiers" and one dossier.

Views only parse input, call `motcua.dossiers.actions` and present the outcome;
every dossier query starts from `motcua.dossiers.access`.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from motcua.catalog import derived, vocab
from motcua.catalog.fees import standard_amount
from motcua.catalog.forms import validate_form
from motcua.catalog.models import Procedure, localized
from motcua.catalog.search import Filters, search
from motcua.dossiers import actions, rating
from motcua.dossiers.access import page_not_found, visible_dossiers
from motcua.dossiers.models import Dossier, Status
from motcua.lib.errors import ActionError
from motcua.lib.ratelimit import rate_limited
from motcua.portal import apply, steps
from motcua.portal.supplied import check_supplied, stored
from motcua.units.models import Unit
from motcua.units.scope import request_grants
from motcua.vault import upload_checks
from motcua.vault.prefill import prefill
from motcua.web import components
from motcua.web.dossier_page import dossier_context
from motcua.web.files import (
    apology_response,
    component_response,
    receipt_response,
    result_document_response,
    result_response,
)
from motcua.web.presentation import money, service_mode_label, unit_name
from motcua.web.schema_form import (
    SummaryError,
    build_fields,
    mark_derived,
    mark_prefilled,
    parse_post,
    row_action,
)

PAGE_SIZE = 50
_CODE_SLOT = "CODE"  # stands for a dossier code in a reversed address
URL_SAFE = RFC3986_SUBDELIMS + "~:@"  # what reverse() leaves unquoted in a <str:> argument
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
        level=level if level in vocab.current().levels else "",
        unit=unit,
        full_only=params.get("full") == "1",
        programme=params.get("programme", "") if params.get("programme", "") in vocab.current().programmes else "",
    )
    page = Paginator(search(filters).select_related("current"), 30).get_page(params.get("page"))
    # The distinct fields only, not every procedure's row: the page read (and decoded the field of) all
    # 2,000 procedures of a province's catalogue at every view (bench/catalogue_scale.py).
    distinct_fields = _active_procedures().order_by().values_list("field_code", "field").distinct()
    fields = sorted(
        {code: Procedure(field=field).field_name for code, field in distinct_fields}.items(),
        key=lambda item: item[1],
    )
    return render(
        request,
        "portal/home.html",
        {
            "procedures": page.object_list, "page": page, "query": filters.q, "filters": filters,
            "fields": fields, "levels": sorted(vocab.current().levels), "searching": filters != Filters(),
            "programmes": [(key, localized(entry["name"])) for key, entry in sorted(vocab.current().programmes.items())],
        },
    )


def _procedure_facts(procedure: Procedure) -> dict:
    definition = procedure.current.definition
    return {
        "mode": service_mode_label(procedure.service_mode),
        "fee": money(procedure.fee),
        "fee_note": localized(definition.get("fees", {}).get("note")),
        # Format v2: the other times (17 days online…) and each of several charges, with their standard amount.
        "times": [{"label": localized(t["label"]), "days": t["days"]}
                  for t in definition.get("processing_times", []) if t.get("label")],
        "charges": [{"name": localized(c["name"]), "fee": money(standard_amount({"charges": [c]}))}
                    for c in (definition.get("fees") or {}).get("charges", [])],
        "components": components.rows(definition.get("components", []), procedure.current.form_schema),
        "legal_basis": definition.get("legal_basis", []),
        # The national programmes it belongs to (Project 06), by their names in the catalog.
        "programmes": [localized(vocab.current().programmes.get(key, {}).get("name")) or key
                       for key in definition.get("programmes", [])],
        "result_title": localized(definition.get("result", {}).get("title")),
    }


def _procedure_page(
    request: HttpRequest,
    procedure: Procedure,
    posted: QueryDict | None = None,
    error: ActionError | None = None,
    *,
    form_errors: list[dict] | None = None,
    upload_errors: dict[str, str] | None = None,
) -> HttpResponse:
    version = procedure.current
    if form_errors is None:
        form_errors = error.extra.get("errors", []) if error is not None and error.code == "invalid_form" else []
    fields, summary = build_fields(version.form_schema, posted, form_errors)
    # Once-only: what the registries know is filled in (each read is logged for the citizen).
    prefilled = prefill(
        request.user, version, purpose=procedure.code,
        data=parse_post(version.form_schema, posted) if posted is not None else None,
    )
    mark_prefilled(fields, prefilled, version.form_schema, posted)
    mark_derived(fields, derived.specs(version.definition), {}, version.form_schema)
    rows = components.rows(version.components, version.form_schema, errors=upload_errors)
    components.with_vault(rows, request.user, posted)
    # The files come after the fields in the form, and so in the summary.
    summary += [SummaryError(row.error, row.input_id) for row in rows if row.error]
    # Once the core has named the units that may receive this dossier, keep offering them.
    unit_codes: list[str] = []
    unit_error = ""
    if error is not None and error.code in UNIT_ERRORS:
        unit_codes = [str(c) for c in error.extra.get("choices", [])]
        unit_error = error.message
    elif posted is not None:
        unit_codes = posted.getlist("unit_choices")
    units = [(u.code, unit_name(u)) for u in Unit.objects.filter(code__in=unit_codes)] if unit_codes else []
    failed = error is not None or bool(summary)
    context = {
        # A whole form posted in one request (scripts, the former single-page form) is
        # answered with that form and its errors; the pages otherwise lead through the steps.
        "one_shot": posted is not None,
        "step_count": len(steps.plan(version)),
        "drafts": apply.drafts_for_procedure(request.user, procedure),
        "procedure": procedure,
        "facts": _procedure_facts(procedure),
        "fields": fields,
        "summary": summary,
        "components": rows,
        "uploads": [r for r in rows if r.suppliable],
        "registry_only": [r for r in rows if not r.suppliable],
        "registries_unavailable": prefilled.unavailable_labels,
        # A browser never keeps chosen files across a page that reports errors.
        "choose_again": failed and posted is not None,
        "units": units,
        "unit_error": unit_error,
        "selected_unit": posted.get("unit", "") if posted is not None else "",
        # Errors that belong to no field (not a citizen, unknown procedure) are shown above the form.
        "error": error if error is not None and not form_errors and not unit_error else None,
    }
    status = error.status if error is not None else (422 if summary else 200)
    return render(request, "portal/procedure.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def procedure(request: HttpRequest, code: str) -> HttpResponse:
    procedure = get_object_or_404(_active_procedures().select_related("current"), code=code)
    if request.method != "POST":
        return _procedure_page(request, procedure)
    if not request.user.is_authenticated:
        # Reading the form is public; filing it needs the applicant's identity.
        return redirect_to_login(request.get_full_path())
    version = procedure.current
    rows_changed = row_action(version.form_schema, request.POST)
    if rows_changed is not None:
        # A repeating group's "Add another" / "Remove" on the whole form: drawn again, nothing filed.
        return _procedure_page(request, procedure, rows_changed)
    # Derived fields are worked out (the core does it again at submission), never taken from the post.
    data = derived.derive(version.definition, parse_post(version.form_schema, request.POST), timezone.localdate())
    # Every file is checked before any is stored: a refused request leaves nothing behind.
    picks = components.vault_picks(request.POST, version.components)
    checked, upload_errors = check_supplied(request.FILES, version.components, picks)
    if upload_errors:
        # Show the form's own errors too, so that one round trip fixes everything.
        form_errors = [e.as_dict() for e in validate_form(version.form_schema, data)]
        return _procedure_page(request, procedure, request.POST, form_errors=form_errors, upload_errors=upload_errors)
    try:
        with stored(checked) as records:
            # Registry-held components are looked up by the submission itself (vault.submission).
            references = [{"key": key, "vault_document": doc} for key, doc in picks.items()]
            dossier = actions.submit(
                request.user, procedure.code, data, unit_code=request.POST.get("unit") or None,
                components=records + references,
            )
    except ActionError as exc:
        if exc.extra.get("component") in {c["key"] for c in version.components}:
            # A refused vault document: the error goes next to its component.
            form_errors = [e.as_dict() for e in validate_form(version.form_schema, data)]
            return _procedure_page(
                request, procedure, request.POST, form_errors=form_errors,
                upload_errors={str(exc.extra["component"]): exc.message},
            )
        return _procedure_page(request, procedure, request.POST, exc)
    messages.success(request, _("Đã nộp hồ sơ. Mã hồ sơ của bạn: %(code)s.") % {"code": dossier.code})
    return redirect("portal:dossier", code=dossier.code)


@require_safe
@login_required
def my_dossiers(request: HttpRequest) -> HttpResponse:
    # Only the user's own applications: staff see their units' dossiers in the back office.
    # Only what the list shows: each dossier's form data and the procedure's search text and
    # definition-sized JSON were read and decoded for 50 rows a page (bench/run.py read_list).
    dossiers = (
        Dossier.objects.filter(applicant=request.user).select_related("procedure")
        .only("code", "status", "submitted_at", "due_at", "procedure__names")
        .order_by("-submitted_at", "-id")
    )
    page = FirstPagePaginator(dossiers, PAGE_SIZE).get_page(request.GET.get("page"))
    # One reverse() for the page, not one a row: the rows' addresses differ only by the code.
    link = reverse("portal:dossier", args=[_CODE_SLOT])
    for d in page.object_list:
        d.url = link.replace(_CODE_SLOT, quote(d.code, safe=URL_SAFE))
    return render(request, "portal/my_dossiers.html", {"page": page})


class FirstPagePaginator(Paginator):
    """A paginator that counts only when it must.

    Most citizens have a handful of dossiers: when the first page is not full, its rows
    are all there is, and the COUNT(*) over the citizen's dossiers is not needed.
    """

    def get_page(self, number):
        if number not in (None, "", "1", 1):
            return super().get_page(number)
        rows = list(self.object_list[: self.per_page])
        if len(rows) < self.per_page:
            self.count = len(rows)  # a cached_property: set, it is never computed
        return self._get_page(rows, 1, self)


def _with_details(dossiers: QuerySet[Dossier]) -> QuerySet[Dossier]:
    return dossiers.select_related("procedure", "procedure_version", "unit", "applicant__citizen", "result")


def _visible_or_404(request: HttpRequest, code: str, *, page: bool = False) -> Dossier:
    """Someone else's dossier looks exactly like one that does not exist.

    `page`: only what the dossier page shows, in one query: not the applicant (the reader
    is the applicant, or an officer who has the back office), nor the YAML source of the
    procedure version, but its rating (a returned dossier shows it).
    """
    visible = visible_dossiers(request.user, request_grants(request))
    if page:
        visible = visible.select_related("procedure", "procedure_version", "unit", "result", "rating").defer(
            "procedure_version__source_text"
        )
    else:
        visible = _with_details(visible)
    dossier = visible.filter(code=code).first()
    if dossier is None:
        raise page_not_found(code)
    return dossier


def _supplement_rows(dossier: Dossier, context: dict, errors: dict[str, str] | None = None) -> list:
    """One file input per component the open supplement request asks for, with the officer's reason."""
    request_ = context["open_supplement"]
    if request_ is None:
        return []
    version = dossier.procedure_version
    asked = {key: reason for key, _name, reason in request_.items}
    rows = components.rows(
        [c for c in version.components if c["key"] in asked], version.form_schema, errors=errors
    )
    for row in rows:
        row.reason = asked.get(row.key, "")
        # An officer may ask for anything: without a declared upload source the defaults apply.
        row.rule = row.rule or upload_checks.rule_for({})
    return rows


def _citizen_page(
    request: HttpRequest, dossier: Dossier, *, error: ActionError | None = None, upload_errors: dict | None = None,
    rating_errors: dict[str, str] | None = None, rating_posted: QueryDict | None = None,
) -> HttpResponse:
    context = dossier_context(dossier, request.user, grants=request_grants(request))
    context.update(
        rating=getattr(dossier, "rating", None) if dossier.status == Status.RETURNED else None,
        rating_questions=_rating_form(dossier, rating_posted, rating_errors),
        rating_summary=[SummaryError(m, f"rating-{k}") for k, m in (rating_errors or {}).items()],
        rating_comment=rating_posted.get("comment", "") if rating_posted is not None else "",
    )
    errors = dict(upload_errors or {})
    missing: list[str] = []
    if error is not None:
        names = {r.key: r.name for r in context["components"]}
        missing = [names.get(k, k) for k in error.extra.get("missing", [])]
        for key in error.extra.get("missing", []):
            errors.setdefault(key, _("Chưa có tệp cho thành phần này."))
    rows = _supplement_rows(dossier, context, errors)
    components.with_vault(rows, request.user, request.POST if request.method == "POST" else None)
    context.update(
        supplement_rows=rows,
        supplement_summary=[SummaryError(r.error, r.input_id) for r in rows if r.error],
        supplement_error=error, supplement_missing=missing,
    )
    failed = error is not None or bool(upload_errors) or bool(rating_errors)
    status = (error.status if error is not None else 422) if failed else 200
    return render(request, "portal/dossier.html", context, status=status)


@require_safe
@login_required
def dossier(request: HttpRequest, code: str) -> HttpResponse:
    return _citizen_page(request, _visible_or_404(request, code, page=True))


@require_POST
@login_required
@rate_limited("upload")
def supplement(request: HttpRequest, code: str) -> HttpResponse:
    """The applicant answers a supplement request with the documents asked for."""
    found = _visible_or_404(request, code)
    request_ = found.supplements.filter(answered_at__isnull=True).order_by("-number").first()
    asked = {i.get("key") for i in request_.items} if request_ is not None else set()
    wanted = [c for c in found.procedure_version.components if c["key"] in asked]
    picks = components.vault_picks(request.POST, wanted)
    checked, upload_errors = check_supplied(request.FILES, wanted, picks)
    if upload_errors:
        return _citizen_page(request, found, upload_errors=upload_errors)
    try:
        with stored(checked) as records:
            references = [{"key": key, "vault_document": doc} for key, doc in picks.items()]
            actions.perform(
                found.code, "submit_supplement", request.user, payload=actions.Payload(components=records + references)
            )
    except ActionError as exc:
        if exc.extra.get("component") in asked:
            return _citizen_page(request, found, upload_errors={str(exc.extra["component"]): exc.message})
        if exc.status == 422:
            return _citizen_page(request, found, error=exc)
        messages.error(request, exc.message)
        return redirect("portal:dossier", code=found.code)
    messages.success(request, _("Đã gửi hồ sơ bổ sung cho hồ sơ %(code)s.") % {"code": found.code})
    return redirect("portal:dossier", code=found.code)


@require_safe
@login_required
def result_pdf(request: HttpRequest, code: str) -> FileResponse:
    return result_response(_visible_or_404(request, code))


@require_safe
@login_required
def result_document_pdf(request: HttpRequest, code: str, number: str) -> FileResponse:
    """A document another agency issued with the result (the police's residence notice…)."""
    return result_document_response(_visible_or_404(request, code), number)


@require_safe
@login_required
def receipt_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The receipt with the return date, once the one-stop desk has received the dossier."""
    return receipt_response(_visible_or_404(request, code))


@require_safe
@login_required
def apology_pdf(request: HttpRequest, code: str, number: str) -> FileResponse:
    return apology_response(_visible_or_404(request, code), number)


@require_safe
@login_required
def component_file(request: HttpRequest, code: str, key: str) -> FileResponse:
    return component_response(_visible_or_404(request, code), key)


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


def _rating_form(dossier: Dossier, posted: QueryDict | None = None, errors: dict[str, str] | None = None) -> list[dict]:
    """The rating questions with their options, the chosen level and any error.

    Each option comes with its input's id and whether it is checked: the form is on every
    returned dossier's page (25 radio buttons), cheaper made here than in the template.
    The first option's id is the question's own, the target of the error summary's link.
    """
    errors = errors or {}
    levels = [(level, str(text)) for level, text in rating.LEVELS.items()]
    questions = []
    for key, label in rating.CRITERIA.items():
        chosen = posted.get(f"rating-{key}", "") if posted is not None else ""
        questions.append({
            "key": key, "label": str(label), "error": errors.get(key, ""),
            "options": [
                {"id": f"rating-{key}" if i == 0 else f"rating-{key}-{level}", "level": level, "text": text,
                 "checked": chosen == level}
                for i, (level, text) in enumerate(levels)
            ],
        })
    return questions


@require_POST
@login_required
def rate(request: HttpRequest, code: str) -> HttpResponse:
    """The applicant rates a returned dossier, once (đánh giá mức độ hài lòng)."""
    found = _visible_or_404(request, code)
    answers = {key: request.POST.get(f"rating-{key}", "") for key in rating.CRITERIA}
    given = {"answers": answers, "comment": request.POST.get("comment", "")}
    try:
        actions.perform(found.code, "rate", request.user, payload=actions.Payload(rating=given))
    except ActionError as exc:
        if exc.code == "invalid_rating":
            errors = {str(e["field"]): str(e["message"]) for e in exc.extra.get("errors", [])}
            return _citizen_page(request, found, rating_errors=errors, rating_posted=request.POST)
        messages.error(request, exc.message)
        return redirect("portal:dossier", code=found.code)
    messages.success(request, _("Cảm ơn bạn đã đánh giá việc giải quyết hồ sơ %(code)s.") % {"code": found.code})
    return redirect("portal:dossier", code=found.code)
