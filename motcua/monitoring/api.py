"""GET /api/v1/kpi: every indicator of a unit for a period, with numerator, denominator and score."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from motcua.catalog.models import Procedure
from motcua.lib.errors import Forbidden, NotFound
from motcua.monitoring import period, query
from motcua.monitoring.access import can_view
from motcua.units.models import Unit

router = Router(tags=["monitoring"])


class IndicatorOut(Schema):
    code: str
    group: str
    ref: str
    name: str
    numerator: int | None
    denominator: int | None
    ratio: float | None
    score: float | None
    max_points: float
    threshold: float
    no_data: bool


class GroupOut(Schema):
    code: str
    name: str
    score: float | None
    max_points: float


class HeadlineOut(Schema):
    numerator: int
    denominator: int
    rate: float | None
    no_data: bool
    unit_class: str | None
    year: int
    target: float | None
    met: bool | None


class RankOut(Schema):
    rank: int | None
    of: int
    peers: int


class KpiOut(Schema):
    unit: str | None
    unit_name: str
    start: date
    end: date
    procedure: str | None
    no_data: bool
    includes_open: bool
    indicators: list[IndicatorOut]
    groups: list[GroupOut]
    total: float | None
    rank: RankOut | None
    headline: HeadlineOut


def resolve(user, unit_code: str | None, procedure_code: str | None) -> tuple[Unit | None, Procedure | None]:
    unit = None
    if unit_code and unit_code != "national":
        unit = Unit.objects.filter(code=unit_code).first()
        if unit is None:
            raise NotFound(_("Không có đơn vị mã %(unit)s.") % {"unit": unit_code[:64]}, code="unknown_unit")
    if not can_view(user, unit):
        raise Forbidden(_("Bạn không được xem chỉ số của đơn vị này."), code="kpi_forbidden")
    procedure = None
    if procedure_code:
        procedure = Procedure.objects.filter(code=procedure_code).first()
        if procedure is None:
            raise NotFound(_("Không có thủ tục mã %(code)s.") % {"code": procedure_code[:64]}, code="unknown_procedure")
    return unit, procedure


def as_dict(r: query.Report, procedure: Procedure | None) -> dict:
    return {
        "unit": r.unit.code if r.unit else None,
        "unit_name": r.unit.display_name if r.unit else _("Toàn quốc"),
        "start": r.start, "end": r.end, "procedure": procedure.code if procedure else None,
        "no_data": r.no_data, "includes_open": r.includes_open,
        "indicators": [vars(i) for i in r.indicators], "groups": r.groups, "total": r.total,
        "rank": r.rank, "headline": r.headline,
    }


@router.get("", response=KpiOut, summary="Decision 766 indicators of a unit (pooled over its subtree) for a period")
def kpi(
    request,
    unit: str | None = Query(None, max_length=48, description="unit code, or `national` (default)"),
    from_: str | None = Query(None, alias="from", max_length=10, description="YYYY-MM-DD, default 1 January"),
    to: str | None = Query(None, max_length=10, description="YYYY-MM-DD, default today"),
    procedure: str | None = Query(None, max_length=32),
):
    today = query.today()
    start, end = period.check(period.parse(from_, date(today.year, 1, 1)), period.parse(to, today), today)
    target, proc = resolve(request.user, unit, procedure)
    return as_dict(query.report(target, start, end, proc.pk if proc else None), proc)
