"""The leader's insight page: where a procedure's time goes in a unit's subtree, and the open dossiers at risk.

Reached from the /kpi/ dashboard (a unit, a procedure, a period). Scoped like the KPI's explain
view: a unit outside the user's subtree, or the whole country for anyone but a superuser, is 404.
"""

from __future__ import annotations

import csv
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from motcua.catalog.models import Procedure, localized
from motcua.insights import diagram, risk, summary
from motcua.insights.models import DossierRisk
from motcua.monitoring.access import can_view
from motcua.monitoring.views import NATIONAL_CODE, _period, _procedure, _query
from motcua.units.models import Unit

DEFAULT_DAYS = 91  # "the last quarter", at most (default_start: whole months)


def default_start(today):
    """The default period's first day: the first of the month two months back (the current month and the two
    before it, to today). Whole months are read from the monthly rollups only (insights/rollup.py): a period
    cutting a month reads that month's days from the step rows, which costs more on a large subtree."""
    first = today.replace(day=1)
    for _month in range(2):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def _default_days() -> int:
    from motcua.monitoring import query

    today = query.today()
    return (today - default_start(today)).days
RISK_LIST = 20


def _scoped_unit(request: HttpRequest, code: str) -> Unit | None:
    unit = None if code == NATIONAL_CODE else Unit.objects.filter(code=code).first()
    if (unit is None and code != NATIONAL_CODE) or not can_view(request.user, unit):
        raise Http404(_("Không có đơn vị mã %(unit)s.") % {"unit": code[:64]})
    return unit


def at_risk(unit: Unit | None, procedure: Procedure | None, limit: int = RISK_LIST) -> tuple[list[dict], int]:
    """The open dossiers of the subtree most at risk (past due last: they are late already), and how many lack history."""
    qs = DossierRisk.objects.all()
    # By the risk's own copy of the dossier's unit and procedure (indexed): no join with the dossiers to choose.
    if unit is not None:
        qs = qs.filter(unit__in=Unit.objects.filter(path__startswith=unit.path).values("pk"))
    if procedure is not None:
        qs = qs.filter(procedure=procedure)
    unknown = qs.filter(risk__isnull=True).count()
    found = (qs.filter(risk__isnull=False).select_related("dossier__procedure_version", "dossier__unit", "step_unit", "holder")
             .order_by("-risk", "available")[:limit])
    rows = []
    for r in found:
        steps = {s["id"]: s for s in r.dossier.procedure_version.definition.get("workflow", {}).get("steps", [])}
        rows.append({
            "code": r.dossier.code, "risk": r.risk, "level": risk.level(r.risk), "past_due": r.basis == "past_due",
            "step": localized(steps.get(r.step, {}).get("name")) or r.step or _("toàn bộ hồ sơ"),
            "unit": (r.step_unit or r.dossier.unit).display_name,
            "holder": (r.holder.full_name or r.holder.get_username()) if r.holder else "",
            "available": r.available, "reason": risk.reason(r.basis, r.similar, r.late_similar, r.elapsed, r.available),
        })
    return rows, unknown


@require_safe
@login_required
def steps_page(request: HttpRequest, code: str) -> HttpResponse:
    unit = _scoped_unit(request, code)
    start, end, error = _period(request, _default_days())
    procedure = _procedure(request)
    context = {
        "unit": unit, "code": code, "start": start, "end": end, "procedure": procedure, "error": error,
        "qs": _query(start, end, procedure),
        "back": reverse("monitoring:unit", kwargs={"code": code}) + "?" + _query(start, end, procedure),
        "base": reverse("insights:steps", kwargs={"code": code}),
    }
    if error is None:
        if procedure is None:
            context["procedures"] = summary.procedures_in(unit, start, end)
        else:
            s = summary.summarize(unit, start, end, procedure)
            context["summary"] = s
            title = _("Quy trình %(code)s: thời gian từng bước (ngày làm việc)") % {"code": procedure.code}
            context["flow_svg"] = mark_safe(diagram.svg(s.flow, title))  # noqa: S308 - built with every text escaped
        context["risks"], context["risk_unknown"] = at_risk(unit, procedure)
        context["min_history"] = risk.MIN_HISTORY
    return render(request, "insights/steps.html", context, status=400 if error else 200)


@require_safe
@login_required
def steps_csv(request: HttpRequest, code: str) -> HttpResponse:
    unit = _scoped_unit(request, code)
    start, end, error = _period(request, _default_days())
    if error is not None:
        return HttpResponse(f"{error.code}: {error.message}", status=400, content_type="text/plain; charset=utf-8")
    procedure = _procedure(request)
    s = summary.summarize(unit, start, end, procedure)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="insights-{code}-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
    response.write("\ufeff")  # spreadsheet programs read the Vietnamese text as UTF-8
    w = csv.writer(response)
    w.writerow([_("Loại"), _("Thủ tục"), _("Bước"), _("Tên"), _("Đơn vị"), _("Số hồ sơ"), _("Trung vị (ngày)"),
                _("P90 (ngày)"), _("Định mức (ngày)"), _("Tỷ lệ vượt định mức")])
    for line in s.steps:
        w.writerow(["step", line.procedure, line.step, line.name, line.unit, line.spread.n, line.spread.median,
                    line.spread.p90, line.allowed, line.over_share])
    for u in s.units:
        w.writerow(["unit", "", "", u["name"], u["unit"], u["spread"].n, u["spread"].median, u["spread"].p90, "", ""])
    for kind, spread in (("applicant", s.applicant), ("payment", s.payment), ("transfer", s.transfer), ("total", s.total)):
        w.writerow([kind, "", "", "", "", spread.n, spread.median, spread.p90, "", ""])
    for p in s.paths:
        w.writerow(["path", "", "", p["path"], "", p["count"], "", "", "", p["share"]])
    for m in s.late_makers:
        w.writerow(["late", m["procedure"], m["step"], m["name"], m["unit"], m["count"], "", "", "", m["share"]])
    return response
