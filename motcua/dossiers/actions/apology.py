"""The apology letter for a late dossier, with a new return date (phiếu xin lỗi và hẹn lại ngày trả kết quả)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from motcua.dossiers import deadlines
from motcua.dossiers.actions.context import STAFF, Ctx
from motcua.dossiers.actions.inputs import NEW_DUE_DATE_REFUSED, ApologyInput
from motcua.dossiers.models import ApologyLetter, Dossier
from motcua.lib.errors import Invalid
from motcua.results.apology import render_apology_letter


def may_apologise(ctx: Ctx) -> bool:
    return bool(ctx.unit_roles & STAFF) or any(ctx.roles_at(t.unit) & STAFF for t in ctx.open_tasks)


def issue_apology(ctx: Ctx, p: ApologyInput) -> tuple[None, dict]:
    d = ctx.dossier
    calendar = deadlines.calendar(d.unit)
    current = timezone.localdate(d.due_at)
    new_day = p.new_due_date
    if new_day is None or new_day <= max(current, timezone.localdate(ctx.now)) or not calendar.is_working_day(new_day):
        raise Invalid(str(NEW_DUE_DATE_REFUSED), code="invalid_new_due_date")
    previous = d.due_at
    d.due_at = timezone.localtime(previous).replace(year=new_day.year, month=new_day.month, day=new_day.day)
    d.apology_count += 1
    letter = _store_letter(d, ctx.user, ctx.now, reason=p.reason, previous_due_at=previous)
    return None, {"letter": letter.number, "previous_due_at": previous.isoformat(), "new_due_at": d.due_at.isoformat()}


def _store_letter(dossier: Dossier, officer, at: datetime, *, reason: str, previous_due_at: datetime) -> ApologyLetter:
    number = f"XL-{dossier.code}-{dossier.apology_count}"
    pdf = render_apology_letter(dossier, number, officer, at, reason=reason, previous_due_at=previous_due_at)
    letter = ApologyLetter(
        dossier=dossier, number=number, reason=reason, previous_due_at=previous_due_at, new_due_at=dossier.due_at,
        sha256=hashlib.sha256(pdf).hexdigest(), issued_by=officer, issued_at=at,
    )
    letter.file.save(f"{number}.pdf", ContentFile(pdf), save=False)
    letter.save()
    return letter
