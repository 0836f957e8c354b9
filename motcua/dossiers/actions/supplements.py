"""Asking the applicant for a supplement (the clock stops) and their answer (it runs again)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.forms import check_declared, validate_form
from motcua.dossiers import deadlines, workflow
from motcua.dossiers.actions.components import check_components, merge_components, unknown_components
from motcua.dossiers.actions.context import Ctx
from motcua.dossiers.actions.inputs import ITEMS_REFUSED, SupplementAnswerInput, SupplementRequestInput
from motcua.dossiers.models import Status, SupplementRequest
from motcua.lib.errors import Invalid
from motcua.vault import submission as vault_submission


def request_supplement(ctx: Ctx, p: SupplementRequestInput) -> tuple[int, dict]:
    d = ctx.dossier
    items = p.items or []
    version_components = d.procedure_version.components
    bad = unknown_components(version_components, [i.model_dump() for i in items])
    if not items or bad:
        raise Invalid(
            str(ITEMS_REFUSED), code="supplement_items_required", components=bad,
            known=sorted(c["key"] for c in version_components),
        )
    number = d.supplement_count + 1
    SupplementRequest.objects.create(
        dossier=d, number=number, reason=p.reason,
        items=[{"key": i.key, "reason": i.reason} for i in items],  # reason: at most 500 (its model)
        requested_by=ctx.user, requested_at=ctx.now,
    )
    d.supplement_count = number
    d.paused_at = ctx.now
    d.status_before_pause = d.status
    return Status.SUPPLEMENT_REQUESTED, {"number": number, "items": [i.key for i in items]}


def resume_clock(ctx: Ctx) -> int:
    """The applicant has done what was asked (a supplement, an obligation): the clock runs again.

    The working days it stood still are counted (0 before receipt) and every due date moves by them.
    """
    d = ctx.dossier
    calendar = deadlines.calendar(d.unit)
    paused = calendar.working_days_between(timezone.localdate(d.paused_at), timezone.localdate(ctx.now))
    if d.due_at is not None and paused:
        # The clock stood still while the applicant was asked: the promise moves by as many working days,
        # and so does the legal due date (the one the KPI judges by; an apology letter never moves it).
        d.due_at = deadlines.shift(d.due_at, paused, calendar)
        if d.legal_due_at is not None:
            d.legal_due_at = deadlines.shift(d.legal_due_at, paused, calendar)
        workflow.shift_due_dates(d, paused, ctx.tasks)
    counted = paused if d.received_at is not None else 0
    d.paused_days += counted
    d.paused_at = None
    d.status_before_pause = None
    return counted


def submit_supplement(ctx: Ctx, p: SupplementAnswerInput) -> tuple[int, dict]:
    d = ctx.dossier
    request = d.supplements.filter(answered_at__isnull=True).order_by("-number").first()
    supplied = check_components(d.procedure_version.components, p.components)
    # Vault references become the documents' records (their reads logged); uploads are kept in the vault.
    supplied = vault_submission.supplement(ctx.user, d, supplied, ctx.now)
    data = d.data
    if p.data is not None:
        check_declared(d.procedure_version.form_schema, p.data)
        data = {**d.data, **p.data}
        errors = validate_form(d.procedure_version.form_schema, data)
        if errors:
            raise Invalid(_("Biểu mẫu có lỗi."), code="invalid_form", errors=[e.as_dict() for e in errors])
    asked = [i["key"] for i in request.items] if request else []
    given = {c["key"] for c in supplied}
    missing = [k for k in asked if k not in given]
    if missing:
        raise Invalid(
            _("Chưa bổ sung đủ các thành phần được yêu cầu."), code="supplement_incomplete", missing=missing
        )
    back_to = d.status_before_pause or Status.SUBMITTED
    counted = resume_clock(ctx)
    d.data = data
    d.components = merge_components(d.components, supplied)
    if request:
        request.answered_at = ctx.now
        request.answer = supplied
        request.paused_days = counted
        request.save(update_fields=["answered_at", "answer", "paused_days"])
    return back_to, {"paused_days": counted, "components": sorted(given)}
