"""GET /api/v1/insights/steps: where the time goes, for a unit's subtree, a period and a procedure.

Scoped as GET /api/v1/kpi (monitoring/api.py `resolve`): a unit outside the user's subtree, or the
whole country for anyone but a superuser, is refused (403 kpi_forbidden).
"""

from __future__ import annotations

from datetime import date

from ninja import Query, Router, Schema

from motcua.insights import summary
from motcua.insights.views import default_start
from motcua.monitoring import period, query
from motcua.monitoring.api import resolve

router = Router(tags=["insights"])


class SpreadOut(Schema):
    n: int
    median: float | None
    p90: float | None


class StepOut(Schema):
    procedure: str
    step: str
    name: str
    unit: str
    spread: SpreadOut
    allowed: float
    over_share: float
    waiting: SpreadOut


class UnitOut(Schema):
    unit: str
    name: str
    spread: SpreadOut


class PathOut(Schema):
    path: str
    count: int
    share: float


class LateOut(Schema):
    procedure: str
    step: str
    name: str
    unit: str
    count: int
    share: float


class StepsOut(Schema):
    unit: str | None
    procedure: str | None
    start: date
    end: date
    dossiers: int
    late: int
    too_little_history: bool
    total: SpreadOut
    steps: list[StepOut]
    units: list[UnitOut]
    waiting_for_applicant: SpreadOut
    waiting_for_payment: SpreadOut
    between_agencies: SpreadOut
    paths: list[PathOut]
    late_makers: list[LateOut]


@router.get("/steps", response=StepsOut, summary="Working days per workflow step and unit (median, p90), waits, paths")
def steps(
    request,
    unit: str | None = Query(None, max_length=48, description="unit code, or `national` (default)"),
    from_: str | None = Query(None, alias="from", max_length=10, description="YYYY-MM-DD, default the first of the month two months back"),
    to: str | None = Query(None, max_length=10, description="YYYY-MM-DD, default today"),
    procedure: str | None = Query(None, max_length=32),
):
    today = query.today()
    start, end = period.check(period.parse(from_, default_start(today)), period.parse(to, today), today)
    target, proc = resolve(request.user, unit, procedure)
    s = summary.summarize(target, start, end, proc)
    return {
        "unit": target.code if target else None, "procedure": proc.code if proc else None, "start": start, "end": end,
        "dossiers": s.dossiers, "late": s.late, "too_little_history": s.empty, "total": vars(s.total),
        "steps": [{**vars(x), "spread": vars(x.spread), "waiting": vars(x.waiting)} for x in s.steps],
        "units": [{**u, "spread": vars(u["spread"])} for u in s.units],
        "waiting_for_applicant": vars(s.applicant), "waiting_for_payment": vars(s.payment),
        "between_agencies": vars(s.transfer), "paths": s.paths, "late_makers": s.late_makers,
    }
