"""Dashboards: national → ministry/province → agency → procedure, the dossiers behind every number, exports.

Leaders and monitors see their subtree (monitoring/access.py); the public page
shows the published indicators of the top units for the finished months.
Tables carry every figure; the chart (charts.py) only pictures them.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from io import BytesIO

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from motcua.catalog.models import Procedure, localized
from motcua.lib.errors import ActionError
from motcua.monitoring import config, explain, period, query
from motcua.monitoring.access import can_view, home_units
from motcua.monitoring.catalog_facts import facts
from motcua.monitoring.charts import trend_svg
from motcua.monitoring.drill import DRILL_COLUMNS, dossiers_behind
from motcua.monitoring.models import IndicatorSetting
from motcua.units.models import Unit

NATIONAL_CODE = "national"


def _unit(code: str) -> Unit | None:
    if code == NATIONAL_CODE:
        return None
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise Http404(_("Không có đơn vị mã %(unit)s.") % {"unit": code[:64]})
    return unit


def _allowed(request: HttpRequest, unit: Unit | None) -> None:
    if not can_view(request.user, unit):
        raise PermissionDenied(_("Bạn không được xem chỉ số của đơn vị này."))


def _period(request: HttpRequest, days: int | None = None) -> tuple[date, date, ActionError | None]:
    """The period asked (`from`, `to`), else the year to date (or the last `days`), and the error if it is refused."""
    today = query.today()
    default = period.year_to_date(today) if days is None else (today - timedelta(days=days), today)
    try:
        start = period.parse(request.GET.get("from"), default[0])
        end = period.parse(request.GET.get("to"), default[1])
        return (*period.check(start, end, today), None)
    except ActionError as err:
        return default[0], default[1], err


def _procedure(request: HttpRequest) -> Procedure | None:
    code = request.GET.get("procedure")
    if not code:
        return None
    procedure = Procedure.objects.filter(code=code[:32]).first()
    if procedure is None:
        raise Http404(_("Không có thủ tục mã %(code)s.") % {"code": code[:32]})
    return procedure


def _query(start: date, end: date, procedure: Procedure | None = None, **more) -> str:
    params = {"from": start.isoformat(), "to": end.isoformat(), **more}
    if procedure is not None:
        params["procedure"] = procedure.code
    return urlencode(params)


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    units = home_units(request.user)
    if request.user.is_superuser:
        return redirect("monitoring:unit", code=NATIONAL_CODE)
    if not units:
        raise PermissionDenied(_("Trang này dành cho lãnh đạo và cán bộ theo dõi, giám sát."))
    return redirect("monitoring:unit", code=units[0].code)


@require_safe
@login_required
def dashboard(request: HttpRequest, code: str) -> HttpResponse:
    unit = _unit(code)
    _allowed(request, unit)
    start, end, error = _period(request)
    procedure = _procedure(request)
    cfg = config.load()
    pid = procedure.pk if procedure else None
    r = query.report(unit, start, end, pid, cfg=cfg)
    children = list(Unit.objects.filter(parent=unit) if unit else Unit.objects.filter(parent__isnull=True))
    child_reports = query.reports(children, start, end, pid, cfg=cfg)
    names = facts(cfg.certified_copy_codes).names
    unit_id = unit.pk if unit else 0
    procedures = [
        {**row, "code": names.get(row["procedure_id"], ("?", {}))[0],
         "name": localized(names.get(row["procedure_id"], ("", {}))[1])}
        for row in ([] if procedure else query.by_procedure(unit_id, start, end))
    ]
    series = query.monthly_series(unit_id, max(start, end.replace(day=1) - timedelta(days=365)).replace(day=1), end, pid)
    base = reverse("monitoring:unit", kwargs={"code": code})
    context = {
        "unit": unit, "code": code, "report": r, "error": error, "start": start, "end": end, "procedure": procedure,
        "children": child_reports, "procedures": procedures, "series": series,
        "chart": mark_safe(trend_svg(series, r.headline["target"])),  # noqa: S308 - pygal's own SVG, text escaped by it
        "qs": _query(start, end, procedure), "base": base,
        "ancestors": _ancestors(unit), "drill_columns": DRILL_COLUMNS,
        "today": query.today(),
    }
    return render(request, "monitoring/dashboard.html", context, status=400 if error else 200)


def _ancestors(unit: Unit | None) -> list[Unit]:
    if unit is None:
        return []
    ids = unit.ancestor_ids[:-1]  # the unit itself is the page's heading, not a breadcrumb
    by_id = Unit.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


@require_safe
@login_required
def dossiers(request: HttpRequest, code: str) -> HttpResponse:
    unit = _unit(code)
    _allowed(request, unit)
    start, end, error = _period(request)
    if error is not None:
        return render(request, "monitoring/dossiers.html", {"error": error, "unit": unit, "code": code}, status=400)
    column = request.GET.get("column", "received")
    if column not in DRILL_COLUMNS:
        raise Http404(_("Không có số liệu “%(column)s”.") % {"column": column[:32]})
    procedure = _procedure(request)
    qs = dossiers_behind(unit, start, end, column, procedure.pk if procedure else None)
    page = Paginator(qs.select_related("procedure", "unit").order_by("-received_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(request, "monitoring/dossiers.html", {
        "unit": unit, "code": code, "column": column, "start": start, "end": end, "procedure": procedure, "page": page,
        "qs": _query(start, end, procedure, column=column),
        "back": reverse("monitoring:unit", kwargs={"code": code}) + "?" + _query(start, end, procedure),
    })


def _explained(request: HttpRequest, code: str):
    """The unit (404 outside the user's subtree: the page must not tell which units exist), the indicator and the period."""
    unit = _unit(code)
    if not can_view(request.user, unit):
        raise Http404(_("Không có đơn vị mã %(unit)s.") % {"unit": code[:64]})
    ind = explain.EXPLAINED.get(request.GET.get("indicator", "PROGRESS_ON_TIME"))
    if ind is None:
        raise Http404(_("Chỉ số này không tính từ hồ sơ: không có danh sách hồ sơ để giải thích."))
    return unit, ind


@require_safe
@login_required
def explain_page(request: HttpRequest, code: str) -> HttpResponse:
    unit, ind = _explained(request, code)
    start, end, error = _period(request)
    if error is not None:
        return render(request, "monitoring/explain.html", {"error": error, "unit": unit, "code": code, "indicator": ind},
                      status=400)
    procedure = _procedure(request)
    pid = procedure.pk if procedure else None
    cfg = config.load()
    today = query.today()
    report = query.report(unit, start, end, pid, with_rank=False, cfg=cfg)
    if ind.source == "procedures":
        unit_id = unit.pk if unit else 0
        sums = query.collect([unit_id], start, end, pid, today)[unit_id]
        procedures = explain.procedure_lines(ind, unit_id, sums, facts(cfg.certified_copy_codes), pid)
        page = Paginator(procedures, 50).get_page(request.GET.get("page"))
        rows = list(page.object_list)
    else:
        qs = explain.denominator(ind, unit, start, end, pid)
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        rows = list(explain.lines(ind, page.object_list, start, end, today, cfg.by_date))
    figure = next((i for i in report.indicators if i.code == ind.code), None)
    if figure is None:  # the headline
        h = report.headline
        figure = {"numerator": h["numerator"], "denominator": h["denominator"], "name": str(ind.name), "ref": ""}
    return render(request, "monitoring/explain.html", {
        "unit": unit, "code": code, "indicator": ind, "figure": figure, "start": start, "end": end,
        "procedure": procedure, "page": page, "rows": rows, "includes_open": end >= today,
        "by_procedure": ind.source == "procedures",
        "qs": _query(start, end, procedure, indicator=ind.code),
        "back": reverse("monitoring:unit", kwargs={"code": code}) + "?" + _query(start, end, procedure),
    })


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_safe
@login_required
def explain_csv(request: HttpRequest, code: str) -> HttpResponse:
    unit, ind = _explained(request, code)
    start, end, error = _period(request)
    if error is not None:
        return HttpResponse(f"{error.code}: {error.message}", status=400, content_type="text/plain; charset=utf-8")
    procedure = _procedure(request)
    pid = procedure.pk if procedure else None
    by_date, today = config.deadline_by_date(), query.today()
    writer = csv.writer(_Echo())
    name = f"kpi-explain-{ind.code}-{code}-{start:%Y%m%d}-{end:%Y%m%d}"
    if ind.source == "procedures":
        unit_id = unit.pk if unit else 0
        sums = query.collect([unit_id], start, end, pid, today)[unit_id]
        found = explain.procedure_lines(ind, unit_id, sums, facts(config.load().certified_copy_codes), pid)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        response.write("\ufeff")
        table = csv.writer(response)
        table.writerow([_("Mã thủ tục"), _("Thủ tục"), _("Thuộc tử số"), _("Lý do")])
        table.writerows([line.code, line.name, 1 if line.counts else 0, line.reason] for line in found)
        return response
    qs = explain.denominator(ind, unit, start, end, pid)

    def rows():
        yield "\ufeff"  # spreadsheet programs read the Vietnamese text as UTF-8
        yield writer.writerow([_("Mã hồ sơ"), _("Thủ tục"), _("Đơn vị"), _("Trạng thái"), _("Tiếp nhận"),
                               _("Hạn theo quy định"), _("Ngày hẹn trả"), _("Thuộc tử số"), _("Lý do")])
        for line in explain.lines(ind, qs.iterator(chunk_size=2000), start, end, today, by_date):
            d = line.dossier
            yield writer.writerow([
                d.code, d.procedure.code, d.unit.code, d.status,
                d.received_at.isoformat() if d.received_at else "", d.legal_due_at.isoformat() if d.legal_due_at else "",
                d.due_at.isoformat() if d.due_at else "", 1 if line.counts else 0, line.reason,
            ])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _export_rows(r: query.Report, children: list[query.Report]) -> tuple[list[list], list[list]]:
    indicators = [[_("Mã"), _("Nhóm"), _("Chỉ số"), _("Tử số"), _("Mẫu số"), _("Tỷ lệ"), _("Điểm"), _("Điểm tối đa")]]
    for i in r.indicators:
        indicators.append([i.code, i.group, i.name, i.numerator, i.denominator,
                           None if i.ratio is None else round(i.ratio, 4),
                           None if i.score is None else round(i.score, 2), i.max_points])
    indicators.append(["TOTAL", "", _("Tổng điểm"), None, None, None, None if r.total is None else round(r.total, 2), 100])
    h = r.headline
    indicators.append(["FULL_PROCESS_ONLINE_RATE", "", _("Tỷ lệ hồ sơ trực tuyến toàn trình"), h["numerator"],
                       h["denominator"], None if h["rate"] is None else round(h["rate"] / 100, 4), None, h["target"]])
    units = [[_("Mã đơn vị"), _("Đơn vị"), _("Tổng điểm"), _("Hạng"), _("Tỷ lệ toàn trình (%)"), _("Chỉ tiêu (%)")]]
    for c in children:
        units.append([c.unit.code, c.unit.display_name, None if c.total is None else round(c.total, 2), c.rank["rank"],
                      None if c.headline["rate"] is None else round(c.headline["rate"], 2), c.headline["target"]])
    return indicators, units


@require_safe
@login_required
def export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404(_("Chỉ xuất được CSV hoặc XLSX."))
    unit = _unit(code)
    _allowed(request, unit)
    start, end, error = _period(request)
    if error is not None:
        return HttpResponse(f"{error.code}: {error.message}", status=400, content_type="text/plain; charset=utf-8")
    procedure = _procedure(request)
    pid = procedure.pk if procedure else None
    r = query.report(unit, start, end, pid)
    children = list(Unit.objects.filter(parent=unit) if unit else Unit.objects.filter(parent__isnull=True))
    indicators, units = _export_rows(r, query.reports(children, start, end, pid))
    name = f"kpi-{code}-{start:%Y%m%d}-{end:%Y%m%d}"
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        response.write("\ufeff")  # spreadsheet programs read the Vietnamese text as UTF-8
        writer = csv.writer(response)
        writer.writerows(indicators)
        writer.writerow([])
        writer.writerows(units)
        return response
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = _("Chỉ số")[:31]
    for row in indicators:
        sheet.append(row)
    children_sheet = book.create_sheet(_("Đơn vị trực thuộc")[:31])
    for row in units:
        children_sheet.append(row)
    out = BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@require_safe
def public(request: HttpRequest) -> HttpResponse:
    """The published indicators of the ministries and provinces, over the finished months of this year (§5)."""
    today = query.today()
    end = today.replace(day=1) - timedelta(days=1)
    start = date(end.year, 1, 1)
    published = set(IndicatorSetting.objects.filter(published=True).values_list("code", flat=True))
    roots = list(Unit.objects.filter(parent__isnull=True).order_by("code"))
    rows = query.reports(roots, start, end)
    for r in rows:
        r.indicators = [i for i in r.indicators if i.code in published]
    return render(request, "monitoring/public.html", {"rows": rows, "start": start, "end": end,
                                                     "codes": [i for i in (rows[0].indicators if rows else [])]})
