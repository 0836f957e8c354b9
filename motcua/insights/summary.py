"""Where the time goes, for a unit's subtree, a period (dossiers ended in it) and optionally a procedure.

Reads the materialized tables (`build.py`), never the dossiers: an indexed range of step rows and
one of traces. On PostgreSQL the figures are aggregates computed there (`percentile_cont`, grouping
sets: a few dozen rows come back, whatever the number of dossiers); on SQLite the rows are read and
the quantiles taken in Python with the same linear interpolation. A test compares the two.
"""

# ruff: noqa: S608 - the SQL is built from this module's table and column names; values go as parameters

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from motcua.catalog.models import Procedure, localized
from motcua.insights.models import DossierTrace, StepTime
from motcua.units.models import Unit

TOP_PATHS = 5
TOP_LATE = 5


def quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


@dataclass
class Spread:
    n: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        return cls(len(values), _r(quantile(values, 0.5)), _r(quantile(values, 0.9)))


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


@dataclass
class StepLine:
    procedure: str
    step: str
    name: str
    unit: str
    unit_name: str
    spread: Spread
    allowed: float
    over_share: float  # share of the dossiers in which it took more than its share of the deadline
    waiting: Spread  # handed over from another unit, not yet taken (liên thông)
    after: list[str] = field(default_factory=list)


@dataclass
class Summary:
    dossiers: int
    late: int
    total: Spread
    steps: list[StepLine]
    units: list[dict]  # unit, name, spread of the days its steps took per dossier
    applicant: Spread  # over the dossiers that waited for the applicant at all
    payment: Spread
    transfer: Spread
    paths: list[dict]  # path, count, share
    late_makers: list[dict]  # step, name, unit, unit_name, count, share (of the late dossiers)
    flow: list[StepLine] = field(default_factory=list)  # one procedure: each step over every unit, in workflow order

    @property
    def empty(self) -> bool:
        return self.dossiers == 0


def _scoped(qs, unit_field: str, unit: Unit | None, procedure: Procedure | None, start: date, end: date):
    qs = qs.filter(ended_on__gte=start, ended_on__lte=end)
    if unit is not None:
        qs = qs.filter(**{f"{unit_field}__path__startswith": unit.path})
    if procedure is not None:
        qs = qs.filter(procedure=procedure)
    return qs


def step_definitions(procedures: dict[int, Procedure]) -> dict[tuple[int, str], dict]:
    """(procedure id, step id) → its definition in the procedure's current version (names, order, `after`)."""
    found = {}
    for pid, p in procedures.items():
        version = p.current
        for i, s in enumerate((version.definition.get("workflow") or {}).get("steps", []) if version else []):
            found[pid, s["id"]] = {**s, "order": i}
    return found


@dataclass
class Figures:
    """What a summary is made of, computed in SQL (PostgreSQL) or in Python (SQLite): same figures either way."""

    dossiers: int
    late: int
    total: Spread
    applicant: Spread
    payment: Spread
    transfer: Spread
    paths: list[tuple[str, int]]  # the TOP_PATHS most common, by count then path
    makers: list[tuple[tuple[int, str, int], int]]  # (procedure id, step, unit id) → late dossiers it made late
    steps: dict[tuple[int, str, int], tuple[Spread, float, float, Spread]]  # days, allowed, over share, waiting
    merged: dict[str, tuple[Spread, float, Spread]]  # one procedure: step over every unit → days, over share, waiting
    unit_days: dict[int, Spread]  # the days a unit's steps took per dossier


def _figures_python(unit: Unit | None, start: date, end: date, procedure: Procedure | None) -> Figures:
    traces = list(_scoped(DossierTrace.objects, "unit", unit, procedure, start, end).values_list(
        "procedure_id", "late", "total_days", "applicant_days", "payment_days", "transfer_days", "path",
        "late_step", "late_unit_id"))
    rows = list(_scoped(StepTime.objects, "dossier_unit", unit, procedure, start, end).values_list(
        "dossier_id", "procedure_id", "step", "unit_id", "days", "allowed", "waiting"))
    by_step: dict[tuple, list] = defaultdict(list)
    merged: dict[str, list] = defaultdict(list)
    per_unit: dict[tuple[int, int], float] = defaultdict(float)
    for dossier_id, pid, step, unit_id, days, allowed, waiting in rows:
        by_step[pid, step, unit_id].append((days, allowed, waiting))
        merged[step].append((days, allowed, waiting))
        per_unit[dossier_id, unit_id] += days
    unit_days: dict[int, list[float]] = defaultdict(list)
    for (_dossier, unit_id), days in per_unit.items():
        unit_days[unit_id].append(days)

    def over(rs: list) -> float:
        return round(sum(r[0] > r[1] for r in rs) / len(rs), 4) if rs else 0.0

    late = [t for t in traces if t[1]]
    return Figures(
        dossiers=len(traces), late=len(late), total=Spread.of([t[2] for t in traces]),
        applicant=Spread.of([t[3] for t in traces if t[3] > 0]), payment=Spread.of([t[4] for t in traces if t[4] > 0]),
        transfer=Spread.of([t[5] for t in traces if t[5] > 0]),
        paths=sorted(Counter(t[6] for t in traces).items(), key=lambda x: (-x[1], x[0]))[:TOP_PATHS],
        makers=sorted(Counter((t[0], t[7], t[8]) for t in late if t[7]).items(),
                      key=lambda x: (-x[1], x[0][0], x[0][1], x[0][2] or 0))[:TOP_LATE],
        steps={k: (Spread.of([r[0] for r in v]), max(r[1] for r in v), over(v), Spread.of([r[2] for r in v if r[2] > 0]))
               for k, v in by_step.items()},
        merged={k: (Spread.of([r[0] for r in v]), over(v), Spread.of([r[2] for r in v if r[2] > 0]))
                for k, v in merged.items()} if procedure is not None else {},
        unit_days={u: Spread.of(v) for u, v in unit_days.items()},
    )


def _spread_sql(column: str, where: str = "") -> str:
    f = f" FILTER (WHERE {where})" if where else ""
    return (f"count(*){f}, percentile_cont(0.5) WITHIN GROUP (ORDER BY {column}){f}, "
            f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {column}){f}")


def _spread_row(row, i: int) -> Spread:
    return Spread(int(row[i] or 0), _r(row[i + 1]), _r(row[i + 2]))


def _figures_sql(unit: Unit | None, start: date, end: date, procedure: Procedure | None) -> Figures:
    """The same figures as aggregates in PostgreSQL (percentile_cont: the same interpolation), a few rows back."""
    from django.db import connection

    def scoped(model, unit_column: str) -> tuple[str, list]:
        where, params = ["x.ended_on >= %s", "x.ended_on <= %s"], [start, end]
        if unit is not None:
            where.append(f"x.{unit_column} IN (SELECT id FROM {Unit._meta.db_table} WHERE path LIKE %s)")
            params.append(unit.path + "%")
        if procedure is not None:
            where.append("x.procedure_id = %s")
            params.append(procedure.pk)
        return f"{model._meta.db_table} x WHERE " + " AND ".join(where), params

    traces, tp = scoped(DossierTrace, "unit_id")
    steps, sp = scoped(StepTime, "dossier_unit_id")
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT count(*), count(*) FILTER (WHERE x.late), {_spread_sql('x.total_days')}, "
            f"{_spread_sql('x.applicant_days', 'x.applicant_days > 0')}, "
            f"{_spread_sql('x.payment_days', 'x.payment_days > 0')}, "
            f"{_spread_sql('x.transfer_days', 'x.transfer_days > 0')} FROM {traces}", tp)
        t = cur.fetchone()
        if not t[0]:
            return Figures(0, 0, Spread(0, None, None), Spread(0, None, None), Spread(0, None, None),
                           Spread(0, None, None), [], [], {}, {}, {})
        cur.execute(f"SELECT x.path, count(*) AS n FROM {traces} GROUP BY x.path ORDER BY n DESC, x.path COLLATE \"C\" LIMIT %s",
                    [*tp, TOP_PATHS])
        paths = [(p, n) for p, n in cur.fetchall()]
        cur.execute(f"SELECT x.procedure_id, x.late_step, x.late_unit_id, count(*) AS n FROM {traces} "
                    f"AND x.late AND x.late_step <> '' GROUP BY 1, 2, 3 ORDER BY n DESC, 1, x.late_step COLLATE \"C\", COALESCE(x.late_unit_id, 0) "
                    f"LIMIT %s", [*tp, TOP_LATE])
        makers = [((p, st, u), n) for p, st, u, n in cur.fetchall()]
        # Per step and unit, and (one procedure) per step over every unit: one scan, two grouping sets.
        cur.execute(
            f"SELECT x.procedure_id, x.step, x.unit_id, GROUPING(x.unit_id), {_spread_sql('x.days')}, max(x.allowed), "
            f"avg((x.days > x.allowed)::int), {_spread_sql('x.waiting', 'x.waiting > 0')} FROM {steps} "
            f"GROUP BY GROUPING SETS ((x.procedure_id, x.step, x.unit_id), (x.procedure_id, x.step))", sp)
        by_step, merged = {}, {}
        for row in cur.fetchall():
            over = round(float(row[8]), 4)
            if row[3]:
                merged[row[1]] = (_spread_row(row, 4), over, _spread_row(row, 9))
            else:
                by_step[row[0], row[1], row[2]] = (_spread_row(row, 4), row[7], over, _spread_row(row, 9))
        cur.execute(
            f"SELECT y.unit_id, {_spread_sql('y.days')} FROM (SELECT x.dossier_id, x.unit_id, sum(x.days) AS days "
            f"FROM {steps} GROUP BY 1, 2) y GROUP BY 1", sp)
        unit_days = {row[0]: _spread_row(row, 1) for row in cur.fetchall()}
    return Figures(
        dossiers=t[0], late=t[1], total=_spread_row(t, 2), applicant=_spread_row(t, 5), payment=_spread_row(t, 8),
        transfer=_spread_row(t, 11), paths=paths, makers=makers, steps=by_step,
        merged=merged if procedure is not None else {}, unit_days=unit_days,
    )


def figures(unit: Unit | None, start: date, end: date, procedure: Procedure | None = None, sql: bool | None = None) -> Figures:
    """The page's figures: from the monthly rollups (`rollup.py`: counts exact, quantiles to half a bucket's
    width) unless `sql` asks for the exact ones read from every step row (True: in PostgreSQL, False: in Python)."""
    if sql is None:
        from motcua.insights import rollup
        from motcua.monitoring import query

        return rollup.figures(unit, start, end, procedure, query.today())
    return (_figures_sql if sql else _figures_python)(unit, start, end, procedure)


def summarize(unit: Unit | None, start: date, end: date, procedure: Procedure | None = None,
              sql: bool | None = None) -> Summary:
    f = figures(unit, start, end, procedure, sql)
    pids = {k[0] for k in f.steps} | {k[0][0] for k in f.makers} | ({procedure.pk} if procedure else set())
    procedures = Procedure.objects.select_related("current").in_bulk(pids)
    units = Unit.objects.in_bulk({k[2] for k in f.steps} | set(f.unit_days) | {k[0][2] for k in f.makers if k[0][2]})
    defs = step_definitions(procedures)
    lines = []
    for (pid, step, unit_id), (spread, allowed, over, waiting) in f.steps.items():
        d = defs.get((pid, step), {})
        u = units.get(unit_id)
        lines.append(StepLine(
            procedures[pid].code, step, localized(d.get("name")) or step, u.code if u else "", u.display_name if u else "",
            spread, allowed, over, waiting, list(d.get("after", [])),
        ))
    lines.sort(key=lambda s: (s.procedure, defs.get((_pid(procedures, s.procedure), s.step), {}).get("order", 999), s.unit))
    flow = []
    if procedure is not None:
        order = {sid: d for (pid, sid), d in defs.items() if pid == procedure.pk}
        for sid, d in sorted(order.items(), key=lambda x: x[1]["order"]):
            spread, over, waiting = f.merged.get(sid, (Spread(0, None, None), 0.0, Spread(0, None, None)))
            flow.append(StepLine(
                procedure.code, sid, localized(d.get("name")) or sid, "", "", spread, float(d.get("days", 0)), over,
                waiting, list(d.get("after", [])),
            ))
    unit_lines = sorted(
        ({"unit": units[u].code, "name": units[u].display_name, "spread": v} for u, v in f.unit_days.items()),
        key=lambda x: (-(x["spread"].median or 0), x["unit"]),
    )
    return Summary(
        dossiers=f.dossiers, late=f.late, total=f.total, steps=lines, units=unit_lines,
        applicant=f.applicant, payment=f.payment, transfer=f.transfer,
        paths=[{"path": p, "count": n, "share": round(n / f.dossiers, 4)} for p, n in f.paths],
        late_makers=[
            {"procedure": procedures[pid].code, "step": step,
             "name": localized(defs.get((pid, step), {}).get("name")) or step,
             "unit": units[u].code if u in units else "", "unit_name": units[u].display_name if u in units else "",
             "count": n, "share": round(n / f.late, 4)}
            for (pid, step, u), n in f.makers
        ],
        flow=flow,
    )


def _pid(procedures: dict[int, Procedure], code: str) -> int | None:
    return next((pid for pid, p in procedures.items() if p.code == code), None)


def procedures_in(unit: Unit | None, start: date, end: date, exact: bool = False) -> list[dict]:
    """The procedures with dossiers ended in the period in the subtree: how many, how many late, the median
    (from the monthly rollups, to half a bucket's width, unless `exact`)."""
    if not exact:
        from motcua.insights import rollup
        from motcua.monitoring import query

        found = rollup.procedures(unit, start, end, query.today())
        names = Procedure.objects.in_bulk([p for p, *_ in found])
        return sorted(
            ({"code": names[p].code, "name": names[p].name, "dossiers": n, "late": late, "median": median}
             for p, n, late, median in found),
            key=lambda x: (-x["dossiers"], x["code"]),
        )
    rows: dict[int, list] = defaultdict(list)
    late: Counter = Counter()
    for pid, is_late, days in _scoped(DossierTrace.objects, "unit", unit, None, start, end).values_list(
            "procedure_id", "late", "total_days"):
        rows[pid].append(days)
        late[pid] += is_late
    names = Procedure.objects.in_bulk(rows.keys())
    return sorted(
        ({"code": names[p].code, "name": names[p].name, "dossiers": len(v), "late": late[p],
          "median": _r(quantile(v, 0.5))} for p, v in rows.items()),
        key=lambda x: (-x["dossiers"], x["code"]),
    )
