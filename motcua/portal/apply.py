"""Applying in steps: start a draft, fill each step, attach documents, review, submit, see the confirmation.

Every step is a plain form posted to the server (no JavaScript needed); each
post saves the draft, so the citizen can stop at any point and resume later on
any device (the draft belongs to the account, not to the browser). The pages
only convert and present: form data is judged by the procedure's schema
(`catalog.forms.validate_form`), files by `vault.upload_checks`, and filing by
`dossiers.actions.submit` (through `drafts.submit`).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from motcua.catalog import derived, timing
from motcua.catalog.display import describe
from motcua.catalog.forms import validate_form
from motcua.catalog.models import localized
from motcua.dossiers import deadlines, pricing
from motcua.dossiers.access import page_not_found, visible_dossiers
from motcua.dossiers.models import Channel, Status
from motcua.drafts import store as drafts
from motcua.drafts.models import Draft
from motcua.lib.errors import ActionError, NotFound
from motcua.lib.ratelimit import rate_limited
from motcua.portal import steps
from motcua.portal.supplied import check_supplied, stored
from motcua.units.models import Unit
from motcua.vault.prefill import PrefillResult, hints, keyed_people, people, prefill
from motcua.vault.prefill import apply as apply_prefill
from motcua.vault.store import get_for
from motcua.vault.submission import vault_types
from motcua.web import components
from motcua.web.presentation import money, unit_name
from motcua.web.schema_form import (
    FormField,
    SummaryError,
    build_fields,
    mark_derived,
    mark_prefilled,
    parse_post,
    row_action,
)

UNIT_ERRORS = frozenset({"unit_required", "unknown_unit"})


# --- helpers --------------------------------------------------------------------


def _missing_page(request: HttpRequest, error: ActionError) -> HttpResponse:
    """Another citizen's draft, a deleted or a submitted one: a clear 404, nothing changed."""
    return render(request, "portal/draft_missing.html", {"error": error}, status=error.status)


def _load(request: HttpRequest, draft_id: str) -> tuple[Draft | None, HttpResponse | None]:
    """The user's draft moved to the current version (with a notice if that changed it), or a 404 page."""
    try:
        draft = drafts.owned(request.user, draft_id)
    except NotFound as exc:
        return None, _missing_page(request, exc)
    change = drafts.refresh(draft)
    if change.closed:
        return None, render(request, "portal/draft_closed.html", {"draft": draft}, status=409)
    if change.moved:
        notice = _("Thủ tục đã được cập nhật sang phiên bản mới. Bản nháp đã chuyển sang biểu mẫu mới; hãy kiểm tra lại các mục.")
        if change.dropped_fields or change.dropped_components:
            dropped = ", ".join([*change.dropped_fields, *change.dropped_components])
            notice += " " + _("Những mục không còn trong biểu mẫu mới đã được bỏ: %(items)s.") % {"items": dropped}
        messages.warning(request, notice)
    return draft, None


def _step_url(draft: Draft, step_id: str) -> str:
    return reverse("portal:draft_step", args=[draft.public_id, step_id])


def _prefill_for(request: HttpRequest, draft: Draft, names: set[str] | None, data: Mapping | None = None) -> PrefillResult:
    """Once-only: what the registries know for these fields (each read is logged for the citizen).

    The registries are asked only for a step that has such fields, not on every page. `data`
    (the draft's answers by default) says the applicant's relation for the `people` blocks.
    """
    version = draft.procedure_version
    if names is not None and not any(h.field in names for h in hints(version)):
        return PrefillResult()
    return prefill(
        request.user, version, purpose=draft.procedure.code, draft=str(draft.public_id),
        data=draft.data if data is None else data,
    )


def _derived(draft: Draft, data: Mapping) -> dict:
    """The answers with the derived fields computed as the core will at submission (today's date)."""
    return dict(derived.derive(draft.procedure_version.definition, data, timezone.localdate()))


def _registry_values(found: PrefillResult, names: set[str] | None = None) -> dict:
    """The verified (read-only) registry values: they replace whatever was posted for their fields."""
    return {
        name: item.value for name, item in found.items() if item.read_only and (names is None or name in names)
    }


def _apply_widgets(fields: list[FormField], widgets: Mapping[str, str]) -> None:
    # form_ui may ask for radio buttons (a short enum) or a text area (a long text).
    for f in fields:
        if f.read_only:  # a verified registry value is shown as text, whatever the widget
            continue
        wanted = widgets.get(f.name)
        if wanted == "radio" and f.kind == "select":
            f.kind = "radio"
        elif wanted == "textarea" and f.kind == "text":
            f.kind = "textarea"


def _field_errors(version, data: Mapping, names: set[str] | None = None) -> list[dict]:
    """The schema's errors about the given fields (all fields when None)."""
    errors = derived.without_derived(
        [e.as_dict() for e in validate_form(version.form_schema, dict(data))], version.definition
    )
    if names is None:
        return errors
    return [e for e in errors if str(e.get("field", "")).split(".")[0] in names]


def _progress(draft: Draft, plan: list[steps.Step], current: int) -> list[dict]:
    return [
        {"step": s, "url": _step_url(draft, s.id), "number": i + 1, "current": i == current, "done": i < current}
        for i, s in enumerate(plan)
    ]


def _base_context(draft: Draft, plan: list[steps.Step], index: int) -> dict:
    return {
        "draft": draft,
        "procedure": draft.procedure,
        "plan": plan,
        "step": plan[index],
        "index": index,
        "number": index + 1,
        "total": len(plan),
        "progress": _progress(draft, plan, index),
        "previous_url": _step_url(draft, plan[index - 1].id) if index > 0 else "",
    }


# --- start, list, delete -----------------------------------------------------------


@require_POST
@login_required
def start(request: HttpRequest, code: str) -> HttpResponse:
    try:
        draft = drafts.start(request.user, code)
        registry = _registry_values(_prefill_for(request, draft, None))
        if registry:
            drafts.save(draft, data={**draft.data, **registry})
    except ActionError as exc:
        messages.error(request, exc.message)
        return redirect("portal:procedure", code=code) if exc.code != "unknown_procedure" else redirect("portal:home")
    plan = steps.plan(draft.procedure_version)
    drafts.save(draft, step=plan[0].id)
    return redirect(_step_url(draft, plan[0].id))


@require_safe
@login_required
def my_drafts(request: HttpRequest) -> HttpResponse:
    rows = []
    for draft in drafts.drafts_of(request.user).order_by("-updated_at"):
        procedure = draft.procedure
        rows.append(
            {
                "draft": draft,
                "name": procedure.name,
                "open": procedure.active and procedure.current_id is not None,
                "superseded": procedure.current_id not in (None, draft.procedure_version_id),
                "url": _step_url(draft, draft.step or "review") if draft.step else reverse("portal:draft", args=[draft.public_id]),
            }
        )
    return render(request, "portal/my_drafts.html", {"rows": rows})


@require_http_methods(["GET", "HEAD"])
@login_required
def resume(request: HttpRequest, draft_id: str) -> HttpResponse:
    draft, refused = _load(request, draft_id)
    if refused is not None:
        return refused
    plan = steps.plan(draft.procedure_version)
    index = steps.find(plan, draft.step)
    return redirect(_step_url(draft, plan[index or 0].id))


@require_POST
@login_required
def delete(request: HttpRequest, draft_id: str) -> HttpResponse:
    try:
        draft = drafts.owned(request.user, draft_id)
    except NotFound as exc:
        return _missing_page(request, exc)
    name = draft.procedure.name
    drafts.delete(draft)
    messages.success(request, _("Đã xóa bản nháp “%(name)s”.") % {"name": name})
    return redirect("portal:my_drafts")


# --- one step ------------------------------------------------------------------------


def _fields_page(request, draft: Draft, plan, index: int, posted=None, errors: list[dict] | None = None) -> HttpResponse:
    version = draft.procedure_version
    step = plan[index]
    schema = steps.sub_schema(version, step)
    values = posted if posted is not None else steps.as_posted(schema, draft.data)
    fields, summary = build_fields(schema, values, errors or [])
    found = _prefill_for(request, draft, set(step.fields))
    mark_prefilled(fields, found, schema, posted)
    mark_derived(fields, derived.specs(version.definition), draft.data, version.form_schema)
    _apply_widgets(fields, steps.widgets(version))
    context = _base_context(draft, plan, index) | {
        "fields": fields, "summary": summary, "registries_unavailable": found.unavailable_labels,
    }
    return render(request, "portal/draft_step.html", context, status=422 if summary else 200)


def _documents_page(
    request, draft: Draft, plan, index: int, upload_errors: dict[str, str] | None = None, posted=None
) -> HttpResponse:
    version = draft.procedure_version
    rows = components.rows(
        version.components, version.form_schema, data=_derived(draft, draft.data), supplied=draft.components,
        errors=upload_errors,
    )
    # Documents of the citizen's vault that can stand in for an upload; the one picked stays picked.
    components.with_vault(rows, request.user, posted)
    if posted is None:
        for row in rows:
            if row.supplied is not None and row.supplied.get("vault_document") is not None:
                row.vault_selected = str(row.supplied["vault_document"])
        components.preselect_vault(rows)
    summary = [SummaryError(r.error, r.input_id) for r in rows if r.error]
    # A component whose condition does not hold with the answers (proof of residence when the
    # child lives with a parent) is not asked for: it is listed as not needed, with why.
    asked = [r for r in rows if r.applies is not False or r.supplied is not None]
    context = _base_context(draft, plan, index) | {
        "uploads": [r for r in asked if r.suppliable],
        "registry_only": [r for r in asked if not r.suppliable],
        "not_needed": [r for r in rows if r.applies is False and r.supplied is None],
        "summary": summary,
    }
    return render(request, "portal/draft_documents.html", context, status=422 if summary else 200)


def _after_save(request: HttpRequest, draft: Draft, plan, index: int) -> HttpResponse:
    """Where the citizen goes once a step is saved: on, back, or to their drafts."""
    choice = request.POST.get("go", "next")
    if choice == "later":
        messages.success(
            request,
            _("Đã lưu bản nháp “%(name)s”. Bạn có thể tiếp tục bất cứ lúc nào, trên bất kỳ thiết bị nào, tại mục Bản nháp của tôi.")
            % {"name": draft.procedure.name},
        )
        return redirect("portal:my_drafts")
    target = index - 1 if choice == "back" and index > 0 else min(index + 1, len(plan) - 1)
    drafts.save(draft, step=plan[target].id)
    return redirect(_step_url(draft, plan[target].id))


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
@rate_limited("upload", methods=("POST",))
def step(request: HttpRequest, draft_id: str, step_id: str) -> HttpResponse:
    draft, refused = _load(request, draft_id)
    if refused is not None:
        return refused
    plan = steps.plan(draft.procedure_version)
    index = steps.find(plan, step_id)
    if index is None:
        # A step of a form that has since changed, or a typed-in URL: back to where the draft was.
        return redirect(_step_url(draft, plan[steps.find(plan, draft.step) or 0].id))
    current = plan[index]
    if current.kind == "review":
        return review(request, draft, plan, index)
    if request.method != "POST":
        if draft.step != current.id:
            drafts.save(draft, step=current.id)
        if current.kind == "documents":
            return _documents_page(request, draft, plan, index)
        return _fields_page(request, draft, plan, index)
    if current.kind == "documents":
        return _post_documents(request, draft, plan, index)
    return _post_fields(request, draft, plan, index)


def _post_fields(request: HttpRequest, draft: Draft, plan, index: int) -> HttpResponse:
    version = draft.procedure_version
    current = plan[index]
    schema = steps.sub_schema(version, current)
    # "Add another" / "Remove" of a repeating group: the row is added or removed, what was typed is
    # kept and saved in the draft, and the same step is drawn again (nothing is judged yet).
    rows_changed = row_action(schema, request.POST)
    posted = rows_changed if rows_changed is not None else request.POST
    answers = parse_post(schema, posted)
    # The step's answers replace its fields (an emptied field is removed); the other steps stay.
    data = {k: v for k, v in draft.data.items() if k not in current.fields} | answers
    relation, by_relation = people(version)
    if relation in current.fields and answers.get(relation) != draft.data.get(relation):
        # Another relation: the people blocks were filled for the old one (the applicant's own
        # name as the mother's…); they are filled again, for the new one, on their step.
        data = {k: v for k, v in data.items() if k not in by_relation}
    for key, filled_by_key in keyed_people(version).items():
        if key in current.fields and answers.get(key) != draft.data.get(key):
            # Another person named (the deceased's ID changed): their block is looked up again.
            data = {k: v for k, v in data.items() if k not in filled_by_key}
    # Registry values replace what was posted, as the core will at submission: the verified ones
    # always, a conditional one (a suggestion) when its condition holds on the answers.
    found = _prefill_for(request, draft, set(current.fields), data)
    filled, used = apply_prefill(data, found, {"channel": Channel.ONLINE})
    data |= {name: filled[name] for name in used if name in current.fields}
    data = _derived(draft, data)
    drafts.save(draft, data=data, step=current.id)
    if rows_changed is not None:
        return _fields_page(request, draft, plan, index, posted=rows_changed)
    going = request.POST.get("go", "next")
    if going == "next":
        errors = _field_errors(version, data, set(current.fields))
        if errors:
            return _fields_page(request, draft, plan, index, posted=request.POST, errors=errors)
    return _after_save(request, draft, plan, index)


def _post_documents(request: HttpRequest, draft: Draft, plan, index: int) -> HttpResponse:
    version = draft.procedure_version
    remove = request.POST.get("remove", "")
    if remove:
        drafts.remove_component(draft, remove)
        messages.success(request, _("Đã bỏ tệp đã tải lên."))
        return redirect(_step_url(draft, plan[index].id))
    # Every file and every vault pick is checked before anything is stored: a refused post leaves nothing behind.
    references, pick_errors = _vault_references(request, draft)
    checked, upload_errors = check_supplied(request.FILES, version.components, references)
    upload_errors |= pick_errors
    if upload_errors:
        return _documents_page(request, draft, plan, index, upload_errors=upload_errors, posted=request.POST)
    # A pick cleared ("do not use") drops the earlier pick of that component.
    unpicked = {
        r.get("key") for r in draft.components
        if isinstance(r, Mapping) and r.get("vault_document") is not None
        and components.VAULT_PREFIX + str(r.get("key")) in request.POST and r.get("key") not in references
    }
    for key in unpicked:
        drafts.remove_component(draft, str(key))
    with stored(checked) as records:
        if records or references:
            drafts.replace_components(draft, records + list(references.values()))
    if records and request.POST.get("go", "next") == "stay":
        return redirect(_step_url(draft, plan[index].id))
    return _after_save(request, draft, plan, index)


def _vault_references(request: HttpRequest, draft: Draft) -> tuple[dict[str, dict], dict[str, str]]:
    """The vault documents picked on the documents step, checked now: ({key: reference}, {key: error}).

    Another citizen's document is refused exactly like one that does not exist;
    the core checks the references again at submission (expiry, type).
    """
    version = draft.procedure_version
    by_key = {c["key"]: c for c in version.components}
    references: dict[str, dict] = {}
    errors: dict[str, str] = {}
    for key, doc_id in components.vault_picks(request.POST, version.components).items():
        accepted = vault_types(by_key[key])
        try:
            document = get_for(request.user, doc_id)
        except NotFound as exc:
            errors[key] = exc.message
            continue
        if document.document_type not in accepted:
            errors[key] = _("Giấy tờ này không dùng được cho thành phần này.")
            continue
        references[key] = {"key": key, "vault_document": document.pk, "source": "vault", "name": document.title}
    return references, errors


# --- review and submit ------------------------------------------------------------


def _review_context(draft: Draft, plan, index: int) -> dict:
    version = draft.procedure_version
    schema = version.form_schema
    data = _derived(draft, draft.data)
    errors = _field_errors(version, data)
    by_field: dict[str, list[str]] = {}
    for e in errors:
        by_field.setdefault(str(e.get("field", "")).split(".")[0], []).append(str(e.get("message", "")))
    sections = []
    summary: list[SummaryError] = []
    for s in plan:
        if s.kind != "fields":
            continue
        sub = {"properties": {n: schema["properties"][n] for n in s.fields}}
        answered = describe(sub, {n: data[n] for n in s.fields if n in data})
        problems = [(n, m) for n in s.fields for m in by_field.get(n, [])]
        summary += [SummaryError(m, f"{_step_url(draft, s.id)}#field-{n}") for n, m in problems]
        sections.append({"step": s, "url": _step_url(draft, s.id), "answers": answered, "problems": problems})
    rows = components.rows(version.components, schema, data=data, supplied=draft.components)
    unit = Unit.objects.filter(code=draft.unit_code).first() if draft.unit_code else None
    fee = (pricing.quote_for(version.definition, data, unit, Channel.ONLINE, timezone.localdate())
           if not errors else None)
    return _base_context(draft, plan, index) | {
        "sections": sections,
        "components": rows,
        "missing": components.missing(rows),
        "review_summary": summary,
        "fee": money(fee.total) if fee is not None else "",
        "processing_days": timing.processing_days(version.definition, data, {"channel": Channel.ONLINE}),
        "documents_url": _step_url(draft, steps.DOCUMENTS) if version.components else "",
    }


def review(request: HttpRequest, draft: Draft, plan, index: int, *, error: ActionError | None = None) -> HttpResponse:
    if request.method == "POST" and error is None:
        return redirect(_step_url(draft, plan[index].id))
    if draft.step != plan[index].id:
        drafts.save(draft, step=plan[index].id)
    context = _review_context(draft, plan, index)
    unit_codes: list[str] = []
    unit_error = ""
    if error is not None and error.code in UNIT_ERRORS:
        unit_codes = [str(c) for c in error.extra.get("choices", [])]
        unit_error = error.message
    context |= {
        "units": [(u.code, unit_name(u)) for u in Unit.objects.filter(code__in=unit_codes)] if unit_codes else [],
        "unit_error": unit_error,
        "selected_unit": request.POST.get("unit", "") if request.method == "POST" else "",
        "error": error if error is not None and not unit_error else None,
    }
    status = error.status if error is not None else 200
    return render(request, "portal/draft_review.html", context, status=status)


@require_POST
@login_required
@rate_limited("submit")
def submit(request: HttpRequest, draft_id: str) -> HttpResponse:
    draft, refused = _load(request, draft_id)
    if refused is not None:
        return refused
    plan = steps.plan(draft.procedure_version)
    index = len(plan) - 1
    version = draft.procedure_version
    if str(version.pk) != request.POST.get("version", str(version.pk)):
        # The page reviewed was of an older version (the draft has just moved): review again.
        return redirect(_step_url(draft, steps.REVIEW))
    unit = request.POST.get("unit", "")
    if unit:
        drafts.save(draft, unit_code=unit[:48])
    try:
        # Registry values and registry-held components are applied by the core (vault.submission).
        dossier = drafts.submit(request.user, draft.public_id, unit_code=unit or None)
    except NotFound as exc:
        return _missing_page(request, exc)
    except ActionError as exc:
        if exc.code == "draft_version_changed":
            messages.warning(request, exc.message)
            return redirect(_step_url(draft, steps.REVIEW))
        if exc.extra.get("component") in {c["key"] for c in version.components}:
            # A vault document refused at submission (expired since it was picked…): fix it on its step.
            messages.error(request, exc.message)
            return redirect(_step_url(draft, steps.DOCUMENTS))
        return review(request, draft, plan, index, error=exc)
    return redirect("portal:submitted", code=dossier.code)


@require_safe
@login_required
def submitted(request: HttpRequest, code: str) -> HttpResponse:
    """The confirmation: the dossier code, when to expect the result, the fee and what happens next."""
    dossier = (
        visible_dossiers(request.user).filter(code=code, applicant=request.user)
        .select_related("procedure", "procedure_version", "unit").first()
    )
    if dossier is None:
        raise page_not_found(code)
    version = dossier.procedure_version
    expected = None
    if dossier.due_at is None and dossier.status == Status.SUBMITTED:
        # The legal clock starts at receipt; this is the date if the desk receives it today.
        expected = deadlines.due_at(timezone.now(), pricing.processing_days(dossier), dossier.unit)
    return render(
        request, "portal/submitted.html",
        {
            "dossier": dossier, "procedure_name": dossier.procedure.name, "expected_due": expected,
            "processing_days": pricing.processing_days(dossier), "fee": money(dossier.fee),
            "result_title": localized(version.definition.get("result", {}).get("title")),
        },
    )


def drafts_for_procedure(user, procedure) -> list[Draft]:
    """The user's drafts of a procedure, newest first, for its page ("continue where you left off")."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(drafts.drafts_of(user).filter(procedure=procedure).order_by("-updated_at")[:10])

