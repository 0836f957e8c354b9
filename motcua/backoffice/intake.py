"""The one-stop counter: filing a walk-in or postal dossier, its receipt, and digitizing paper (issue 17).

`/office/intake/` asks who the applicant is (a personal ID, looked up in the
population registry; or a foreigner's passport, or a company's tax code) and
which procedure; the same page then shows the procedure's own form (the same
JSON Schema drawing, prefill and validation as the citizen's form) with a scan
input and a "held on paper only" reason for each component. Registering calls
`actions.file_at_counter`, which files and receives the dossier in one
transaction; the receipt page prints on A4 and links its PDF. No JavaScript.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from motcua.backoffice.views import _staff_dossier_or_404, _working_dossier_or_403, staff_required
from motcua.catalog import derived
from motcua.catalog.forms import validate_form
from motcua.catalog.models import Procedure, localized
from motcua.dossiers import actions
from motcua.dossiers.actions import counter
from motcua.dossiers.applicants import Applicant, resolve
from motcua.dossiers.models import Channel, Dossier
from motcua.lib.errors import ActionError
from motcua.results import receipt as receipt_drawing
from motcua.units.models import Role
from motcua.units.scope import request_grants, units_for
from motcua.vault import upload_checks
from motcua.vault.prefill import log_reads, lookup
from motcua.web import components
from motcua.web.schema_form import (
    SummaryError,
    build_fields,
    mark_derived,
    mark_prefilled,
    parse_post,
    row_action,
)

PAPER_PREFIX = "paper-"  # the "held on paper only" reason of a component
APPLICANT_FIELDS = ("kind", "personal_id", "full_name", "passport", "nationality", "tax_code")
KIND_FIELDS = {
    "citizen": ("personal_id", "full_name"),
    "foreigner": ("passport", "full_name", "nationality"),
    "company": ("tax_code", "full_name"),
}


def _one_stop(view):
    """A one-stop officer's page (other staff: 403)."""

    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not any(g.role == Role.ONE_STOP_OFFICER for g in request_grants(request)):
            raise PermissionDenied(_("Trang này dành cho cán bộ bộ phận một cửa."))
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return staff_required(wrapper)


def offered_procedures(officer) -> list[Procedure]:
    """The active procedures that a unit the officer's one-stop desk receives for implements."""
    mine = set(units_for(officer, Role.ONE_STOP_OFFICER).values_list("pk", flat=True))
    found = []
    for procedure in Procedure.objects.filter(active=True, current__isnull=False).select_related("current").order_by("code"):
        if counter.counter_units(officer, procedure).filter(pk__in=mine).exists():
            found.append(procedure)
    return found


def _spec(source: Mapping) -> dict:
    """The applicant the officer named, as `applicants.resolve` takes it (only the kind's fields)."""
    kind = source.get("kind", "citizen")
    kind = kind if kind in KIND_FIELDS else "citizen"
    spec = {name: str(source.get(name, "")).strip() for name in KIND_FIELDS[kind]}
    spec = {k: v for k, v in spec.items() if v}
    # The kind says which identity is asked: an empty number still names it (and is refused as such).
    spec.setdefault({"citizen": "personal_id", "foreigner": "passport", "company": "tax_code"}[kind], "")
    return spec


def _channel(raw: object) -> int:
    try:
        value = int(str(raw))
    except ValueError:
        return Channel.IN_PERSON
    return value if value in counter.COUNTER_CHANNELS else Channel.IN_PERSON


@dataclass
class Chosen:
    applicant: Applicant
    procedure: Procedure
    channel: int
    hidden: dict  # what the form carries on (applicant, procedure, channel)


def _choose(request: HttpRequest, source: QueryDict, procedures: list[Procedure]) -> tuple[Chosen | None, dict]:
    """The applicant and procedure the first step named; or None and the errors by field."""
    errors: dict[str, str] = {}
    code = source.get("procedure", "")
    procedure = next((p for p in procedures if p.code == code), None)
    if procedure is None:
        errors["procedure"] = _("Hãy chọn một thủ tục mà đơn vị của bạn tiếp nhận.")
    applicant = None
    try:
        applicant = resolve(_spec(source))
    except ActionError as exc:
        errors["applicant"] = exc.message
    if errors or applicant is None or procedure is None:
        return None, errors
    hidden = {name: source.get(name, "") for name in APPLICANT_FIELDS if source.get(name)}
    hidden.update(procedure=procedure.code, channel=str(_channel(source.get("channel"))))
    return Chosen(applicant, procedure, _channel(source.get("channel")), hidden), {}


def _start(request: HttpRequest, procedures: list[Procedure], errors: dict | None = None, status: int = 200) -> HttpResponse:
    values = {name: request.GET.get(name, "") for name in (*APPLICANT_FIELDS, "procedure", "channel")}
    values["kind"] = values["kind"] if values["kind"] in KIND_FIELDS else "citizen"
    values["channel"] = str(_channel(values["channel"] or Channel.IN_PERSON))
    summary = [SummaryError(message, f"intake-{field}") for field, message in (errors or {}).items()]
    return render(
        request, "backoffice/intake_start.html",
        {"procedures": [(p.code, localized(p.current.definition["name"])) for p in procedures], "values": values,
         "errors": errors or {}, "summary": summary, "channels": [(c, Channel(c).label) for c in counter.COUNTER_CHANNELS]},
        status=status,
    )


def _form(
    request: HttpRequest, chosen: Chosen, *, posted: QueryDict | None = None, error: ActionError | None = None,
    form_errors: list[dict] | None = None, upload_errors: dict[str, str] | None = None,
) -> HttpResponse:
    version = chosen.procedure.current
    if form_errors is None:
        form_errors = error.extra.get("errors", []) if error is not None and error.code == "invalid_form" else []
    fields, summary = build_fields(version.form_schema, posted, form_errors)
    # The same once-only prefill as the citizen's form, for the applicant the officer named (the reads the
    # dossier uses are logged against it when it is filed, vault.submission.record).
    found = lookup(chosen.applicant.user, version, data=parse_post(version.form_schema, posted) if posted else None,
                   context={"channel": chosen.channel})
    if chosen.applicant.user.pk is not None and posted is None:
        # An officer reading a known person's registry record: logged for them to see ("Who read my data").
        log_reads(chosen.applicant.user, found, actor=request.user, purpose=chosen.procedure.code)
    mark_prefilled(fields, found, version.form_schema, posted)
    mark_derived(fields, derived.specs(version.definition), {}, version.form_schema)
    data = parse_post(version.form_schema, posted) if posted is not None else {}
    rows = components.rows(version.components, version.form_schema, data=data or None, channel=chosen.channel,
                           errors=upload_errors)
    summary += [SummaryError(row.error, row.input_id) for row in rows if row.error]
    units = list(counter.counter_units(request.user, chosen.procedure))
    unit_error = error.message if error is not None and error.code in ("unit_required", "unknown_unit") else ""
    if unit_error:
        summary.append(SummaryError(unit_error, "intake-unit"))
    other = error if error is not None and not form_errors and not unit_error else None
    if other is not None:
        summary.insert(0, SummaryError(other.message))
    papers = {r.key: (posted.get(PAPER_PREFIX + r.key, "") if posted is not None else "") for r in rows}
    context = {
        "chosen": chosen, "procedure_name": localized(version.definition["name"]), "fields": fields, "summary": summary,
        "rows": [(r, papers[r.key]) for r in rows], "units": units, "unit_error": unit_error,
        "selected_unit": (posted.get("unit", "") if posted is not None else ""),
        "registries_unavailable": found.unavailable_labels, "channel_label": Channel(chosen.channel).label,
        "pays_at_filing": (version.definition.get("fees") or {}).get("pay") == "at_submission",
        "payment_receipt": posted.get("payment_receipt", "") if posted is not None else "",
        "choose_again": posted is not None,
    }
    status = error.status if error is not None else (422 if summary else 200)
    return render(request, "backoffice/intake_form.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@_one_stop
def intake(request: HttpRequest) -> HttpResponse:
    procedures = offered_procedures(request.user)
    if request.method != "POST":
        if not request.GET.get("procedure") and not request.GET.get("kind"):
            return _start(request, procedures)
        chosen, errors = _choose(request, request.GET, procedures)
        if chosen is None:
            return _start(request, procedures, errors, status=422)
        return _form(request, chosen)
    chosen, errors = _choose(request, request.POST, procedures)
    if chosen is None:
        return _start(request, procedures, errors, status=422)
    rows_changed = row_action(chosen.procedure.current.form_schema, request.POST)
    if rows_changed is not None:
        # A repeating group's "Add another" / "Remove": the form again with what was typed, nothing registered.
        return _form(request, chosen, posted=rows_changed)
    return _register(request, chosen)


def _register(request: HttpRequest, chosen: Chosen) -> HttpResponse:
    version = chosen.procedure.current
    data = derived.derive(version.definition, parse_post(version.form_schema, request.POST), timezone.localdate())
    # Every scan is checked before any is stored (PDF, JPEG or PNG by content): a refusal stores nothing.
    checked, upload_errors = upload_checks.check_all(request.FILES, version.components)
    papers = {}
    for c in version.components:
        reason = request.POST.get(PAPER_PREFIX + c["key"], "").strip()
        if not reason:
            continue
        if any(item.key == c["key"] for item in checked):
            upload_errors[c["key"]] = _("Đã có bản quét: bỏ lý do “chỉ lưu bản giấy”, hoặc bỏ tệp quét.")
        elif len(reason) > 500 or "\x00" in reason:
            upload_errors[c["key"]] = _("Lý do tối đa 500 ký tự.")
        else:
            papers[c["key"]] = reason
    if upload_errors:
        form_errors = [e.as_dict() for e in validate_form(version.form_schema, data)]
        return _form(request, chosen, posted=request.POST, form_errors=form_errors, upload_errors=upload_errors)
    now = timezone.now()
    records = upload_checks.store(checked)
    try:
        filed = [counter.scanned(r, request.user, now) for r in records]
        filed += [counter.on_paper(key, reason, request.user, now) for key, reason in papers.items()]
        dossier = actions.file_at_counter(
            request.user, _spec(chosen.hidden), chosen.procedure.code, data,
            channel=chosen.channel, unit_code=request.POST.get("unit") or None, components=filed,
            procedure=chosen.procedure, payment_receipt=request.POST.get("payment_receipt", "").strip() or None,
        )
    except ActionError as exc:
        upload_checks.discard(records)
        if exc.status == 403:
            raise PermissionDenied(exc.message) from exc
        return _form(request, chosen, posted=request.POST, error=exc)
    except BaseException:
        upload_checks.discard(records)
        raise
    if dossier.received_at is not None:
        # The receipt handed over, in the applicant's vault (drawn once: the PDF link serves the stored copy).
        receipt_drawing.keep_in_vault(_staff_dossier_or_404(request, dossier.code))
    messages.success(request, _("Đã tiếp nhận hồ sơ %(code)s.") % {"code": dossier.code})
    return redirect("backoffice:print", code=dossier.code, kind="receipt")


# --- digitization of a dossier's paper (số hóa) ---------------------------------------------------


def _digitize_page(request: HttpRequest, dossier: Dossier, error: str = "", error_key: str = "", status: int = 200) -> HttpResponse:
    allowed = actions.allowed_actions(dossier, request.user, grants=request_grants(request))
    version = dossier.procedure_version
    rows = components.rows(version.components, version.form_schema, data=dossier.data or {}, channel=dossier.channel,
                           supplied=dossier.components or [])
    scans = list(dossier.events.filter(action="digitize_result").select_related("actor").order_by("id"))
    return render(request, "backoffice/digitize.html", {
        "dossier": dossier, "rows": rows, "may": "digitize" in allowed, "may_paper": "keep_on_paper" in allowed,
        "may_result": "digitize_result" in allowed,
        "error": error, "error_key": error_key, "result_scans": scans,
        "procedure_name": localized(version.definition["name"]),
    }, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def digitize(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _working_dossier_or_403(request, code)  # a read-only monitor: 403, even to look
    if request.method != "POST":
        return _digitize_page(request, dossier)
    action = request.POST.get("action", "")
    key = request.POST.get("key", "")
    if action not in actions.DIGITIZATION:
        raise Http404(_("Không có thao tác này."))
    payload: dict = {"reason": request.POST.get("reason", "")}
    records: list[dict] = []
    if action in ("digitize", "digitize_result"):
        component = next((c for c in dossier.procedure_version.components if c["key"] == key), {}) if action == "digitize" else {}
        file = request.FILES.get("scan")
        if file is None:
            return _digitize_page(request, dossier, _("Hãy chọn tệp bản quét (PDF hoặc ảnh)."), key or "result", 422)
        try:
            kind = upload_checks.check(file, upload_checks.rule_for(component))
        except ValueError as exc:
            return _digitize_page(request, dossier, str(exc), key or "result", 422)
        records = upload_checks.store([upload_checks.Checked(key or "result", file, kind)])
        payload["scan"] = records[0]
    if action != "digitize_result":
        payload["key"] = key
    try:
        actions.perform(dossier.code, action, request.user, payload=payload)
    except ActionError as exc:
        upload_checks.discard(records)
        if exc.status == 404:
            raise Http404(exc.message) from exc
        return _digitize_page(request, dossier, exc.message, key or "result", exc.status)
    except BaseException:
        upload_checks.discard(records)
        raise
    messages.success(request, _("Hồ sơ %(code)s: đã ghi nhận việc số hóa.") % {"code": dossier.code})
    return redirect("backoffice:digitize", code=dossier.code)

