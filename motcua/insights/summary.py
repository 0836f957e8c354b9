"""Where the time goes, for a unit's subtree, a period (dossiers ended in it) and optionally a procedure.

Reads the materialized tables (`build.py`), never the dossiers: one indexed range of step rows
and one of traces. Quantiles are taken in Python over the durations of the rows read (linear
interpolation, as PostgreSQL's percentile_cont).
"""

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


def summarize(unit: Unit | None, start: date, end: date, procedure: Procedure | None = None) -> Summary:
    traces = list(_scoped(DossierTrace.objects, "unit", unit, procedure, start, end).values_list(
        "procedure_id", "late", "total_days", "applicant_days", "payment_days", "transfer_days", "path",
        "late_step", "late_unit_id"))
    steps = list(_scoped(StepTime.objects, "dossier_unit", unit, procedure, start, end).values_list(
        "dossier_id", "procedure_id", "step", "unit_id", "days", "allowed", "waiting"))
    procedures = Procedure.objects.select_related("current").in_bulk({t[0] for t in traces} | {s[1] for s in steps})
    units = Unit.objects.in_bulk({s[3] for s in steps} | {t[8] for t in traces if t[8]})
    defs = step_definitions(procedures)

    by_step: dict[tuple, list] = defaultdict(list)
    per_unit: dict[tuple[int, int], float] = defaultdict(float)
    for dossier_id, pid, step, unit_id, days, allowed, waiting in steps:
        by_step[pid, step, unit_id].append((days, allowed, waiting))
        per_unit[dossier_id, unit_id] += days
    lines = []
    for (pid, step, unit_id), rows in by_step.items():
        d = defs.get((pid, step), {})
        u = units.get(unit_id)
        lines.append(StepLine(
            procedures[pid].code, step, localized(d.get("name")) or step, u.code if u else "", u.display_name if u else "",
            Spread.of([r[0] for r in rows]), rows[-1][1], round(sum(r[0] > r[1] for r in rows) / len(rows), 4),
            Spread.of([r[2] for r in rows if r[2] > 0]), list(d.get("after", [])),
        ))
    lines.sort(key=lambda s: (s.procedure, defs.get((_pid(procedures, s.procedure), s.step), {}).get("order", 999), s.unit))
    flow = []
    if procedure is not None:
        merged: dict[str, list] = defaultdict(list)
        for (_p, step, _u), rows in by_step.items():
            merged[step] += rows
        order = {sid: d for (pid, sid), d in defs.items() if pid == procedure.pk}
        for sid, d in sorted(order.items(), key=lambda x: x[1]["order"]):
            rows = merged.get(sid, [])
            flow.append(StepLine(
                procedure.code, sid, localized(d.get("name")) or sid, "", "", Spread.of([r[0] for r in rows]),
                float(d.get("days", 0)), round(sum(r[0] > r[1] for r in rows) / len(rows), 4) if rows else 0.0,
                Spread.of([r[2] for r in rows if r[2] > 0]), list(d.get("after", [])),
            ))
    unit_days: dict[int, list[float]] = defaultdict(list)
    for (_dossier, unit_id), days in per_unit.items():
        unit_days[unit_id].append(days)
    unit_lines = sorted(
        ({"unit": units[u].code, "name": units[u].display_name, "spread": Spread.of(v)} for u, v in unit_days.items()),
        key=lambda x: -(x["spread"].median or 0),
    )
    late = [t for t in traces if t[1]]
    paths = Counter(t[6] for t in traces)
    makers = Counter((t[0], t[7], t[8]) for t in late if t[7])
    return Summary(
        dossiers=len(traces), late=len(late), total=Spread.of([t[2] for t in traces]), steps=lines, units=unit_lines,
        applicant=Spread.of([t[3] for t in traces if t[3] > 0]), payment=Spread.of([t[4] for t in traces if t[4] > 0]),
        transfer=Spread.of([t[5] for t in traces if t[5] > 0]),
        paths=[{"path": p, "count": n, "share": round(n / len(traces), 4)} for p, n in paths.most_common(TOP_PATHS)],
        late_makers=[
            {"procedure": procedures[pid].code, "step": step,
             "name": localized(defs.get((pid, step), {}).get("name")) or step,
             "unit": units[u].code if u in units else "", "unit_name": units[u].display_name if u in units else "",
             "count": n, "share": round(n / len(late), 4)}
            for (pid, step, u), n in makers.most_common(TOP_LATE)
        ],
        flow=flow,
    )


def _pid(procedures: dict[int, Procedure], code: str) -> int | None:
    return next((pid for pid, p in procedures.items() if p.code == code), None)


def procedures_in(unit: Unit | None, start: date, end: date) -> list[dict]:
    """The procedures with dossiers ended in the period in the subtree: how many, how many late, the median."""
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
        key=lambda x: -x["dossiers"],
    )
