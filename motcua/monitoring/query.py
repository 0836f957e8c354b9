"""Every indicator for a unit (pooled over its subtree), a period and optionally a procedure.

Numerators and denominators are summed from the counters first, then scored
(KPI-766.md §5: never an average of scores). A period is read as its whole
months from MonthlyCounter and its partial months from DailyCounter, so a year
is twelve rows per procedure whatever the number of dossiers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q, Sum
from django.utils import timezone

from motcua.integrations.national.sync import synced_on_time
from motcua.monitoring import config as config_module
from motcua.monitoring import petition_counters
from motcua.monitoring.catalog_facts import Facts, facts
from motcua.monitoring.contributions import local_day
from motcua.monitoring.counters import ancestors
from motcua.monitoring.indicators import GROUPS, INDICATORS, Indicator
from motcua.monitoring.models import (
    COLUMNS,
    NATIONAL,
    DailyCounter,
    ExternalFigure,
    MonthlyCounter,
    OpenCounter,
)
from motcua.units.models import Unit, UnitKind

EARLIEST = date(2000, 1, 1)  # before any dossier (period.EARLIEST): where running totals start
PETITION_CODES = frozenset(i.code for i in INDICATORS if i.source == "petitions")
RANK_EPSILON = 0.005  # §5: ties within half a hundredth of a point share a rank


@dataclass
class Sums:
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))
    procedures: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))  # column → procedures with > 0
    open_total: int = 0
    open_late: int = 0
    external: dict[str, list[int]] = field(default_factory=dict)  # indicator → [numerator, denominator]
    petitions: petition_counters.PetitionSums = field(default_factory=petition_counters.PetitionSums)
    synced: int = 0  # indicator 1.4: dossiers received whose receipt the national portal acknowledged in time


@dataclass
class Result:
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
    drill_numerator: str = ""  # the counter column whose dossiers make the numerator (dashboard links)
    drill_denominator: str = ""
    explainable: bool = False  # counted from dossiers: the explain view lists them with reasons
    help: str = ""  # one sentence: the spec line and the reading (indicators.py)


@dataclass
class Report:
    unit: Unit | None  # None: the whole country
    start: date
    end: date
    procedure_id: int | None
    indicators: list[Result]
    groups: list[dict]
    total: float | None
    headline: dict
    no_data: bool
    includes_open: bool
    rank: dict | None = None


def _month_spans(start: date, end: date) -> tuple[list[tuple[date, date]], tuple[date, date] | None]:
    """The period as partial-month day ranges (daily table) and one range of whole months (monthly table)."""
    first_whole = start if start.day == 1 else (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    after_end = end + timedelta(days=1)
    last_whole_end = after_end.replace(day=1)  # months strictly before this one may be whole
    if first_whole >= last_whole_end:
        return [(start, end)], None
    days = []
    if start < first_whole:
        days.append((start, first_whole - timedelta(days=1)))
    if last_whole_end <= end:
        days.append((last_whole_end, end))
    months = (first_whole, (last_whole_end - timedelta(days=1)).replace(day=1))
    return days, months


def collect(unit_ids: list[int], start: date, end: date, procedure_id: int | None, today: date) -> dict[int, Sums]:
    out = {u: Sums() for u in unit_ids}
    sums = {c: Sum(c) for c in COLUMNS}
    days, months = _month_spans(start, end)
    queries = []
    base = Q(unit_id__in=unit_ids) if len(unit_ids) > 1 else Q(unit_id=unit_ids[0])
    if procedure_id is not None:
        base &= Q(procedure_id=procedure_id)
    for a, b in days:
        queries.append(DailyCounter.objects.filter(base, day__gte=a, day__lte=b))
    if months:
        queries.append(MonthlyCounter.objects.filter(base, month__gte=months[0], month__lte=months[1]))
    for qs in queries:
        for row in qs.values("unit_id", "procedure_id").annotate(**sums).order_by():
            s = out[row["unit_id"]]
            for c in COLUMNS:
                n = row[c] or 0
                if n:
                    s.totals[c] += n
                    s.procedures[c].add(row["procedure_id"])
    if end >= today:
        # The period reaches today: dossiers still open count for progress, judged against today.
        qs = OpenCounter.objects.filter(base).values("unit_id", "due_day", "count")
        for row in qs:
            s = out[row["unit_id"]]
            s.open_total += row["count"]
            if row["due_day"] < today:
                s.open_late += row["count"]
    else:
        # §5.2: a past period also counts the dossiers in progress at its end, judged with end = the
        # period's end against the legal due date. Running totals up to that day: received ones, minus
        # those ended by then (open), minus those ended or past their date by then (open and in time).
        running = _running_totals(base, end)
        for unit_id, (received, ended, stopped) in running.items():
            s = out[unit_id]
            s.open_total = received - ended
            s.open_late = stopped - ended
    for unit_id, sums in petition_counters.collect(unit_ids, start, end, today).items():
        out[unit_id].petitions = sums
    synced = synced_on_time(start, end, procedure_id)
    if synced:
        paths = dict(Unit.objects.filter(pk__in=synced).values_list("pk", "path"))
        for unit_id, n in synced.items():
            for a in ancestors(paths[unit_id]):
                if a in out:
                    out[a].synced += n
    figures = list(ExternalFigure.objects.filter(month__gte=start.replace(day=1), month__lte=end).select_related("unit")
                   .only("indicator", "numerator", "denominator", "month", "unit__path"))
    # A typed petition figure (5.2, 5.3) counts only for a unit and month whose petitions motcua does not hold.
    replaced = petition_counters.handled_here({(f.unit_id, f.month) for f in figures if f.indicator in PETITION_CODES})
    wanted = set(unit_ids)
    for f in figures:
        if f.indicator in PETITION_CODES and (f.unit_id, f.month) in replaced:
            continue
        for a in ancestors(f.unit.path):
            if a in wanted:
                pair = out[a].external.setdefault(f.indicator, [0, 0])
                pair[0] += f.numerator
                pair[1] += f.denominator
    return out


def _running_totals(base: Q, end: date) -> dict[int, tuple[int, int, int]]:
    """Per unit: (received, ended, open_in_time_ends) summed from the first counter to `end`."""
    wanted = ("received", "ended", "open_in_time_ends")
    days, months = _month_spans(EARLIEST, end)
    queries = [DailyCounter.objects.filter(base, day__gte=a, day__lte=b) for a, b in days]
    if months:
        queries.append(MonthlyCounter.objects.filter(base, month__gte=months[0], month__lte=months[1]))
    out: dict[int, list[int]] = {}
    for qs in queries:
        for row in qs.values("unit_id").annotate(**{c: Sum(c) for c in wanted}).order_by():
            sums = out.setdefault(row["unit_id"], [0, 0, 0])
            for i, c in enumerate(wanted):
                sums[i] += row[c] or 0
    return {u: (a, b, c) for u, (a, b, c) in out.items()}


def _score(ind: Indicator, num: int | None, den: int | None) -> tuple[float | None, float | None, bool]:
    """(ratio, score, no_data) by §2: max × min(1, r / t); a zero denominator follows the indicator's rule."""
    if not den:
        rule = ind.when_no_data
        return None, (0.0 if rule == "zero" else ind.max_points if rule == "full" else None), True
    ratio = num / den
    return ratio, ind.max_points * min(1.0, ratio / ind.threshold) if ind.threshold > 0 else ind.max_points, False


def _restrict(ids: set[int], procedure_id: int | None) -> set[int]:
    return ids if procedure_id is None else ids & {procedure_id}


def procedure_pool(ind: Indicator, authority: set[int], cat: Facts) -> set[int]:
    """The procedures a `procedures` indicator counts over: the authority's, of the kind it names."""
    return {"authority": authority, "fee": authority & cat.fee, "citizen": authority & cat.citizen}[ind.denominator]


def authority_of(unit_id: int, cat: Facts, procedure_id: int | None) -> set[int]:
    return _restrict(cat.authority.get(unit_id, set()), procedure_id)


def score(unit_id: int, s: Sums, cat: Facts, cfg: config_module.Config, procedure_id: int | None) -> list[tuple[Indicator, int | None, int | None]]:
    authority = authority_of(unit_id, cat, procedure_id)
    out = []
    for ind in cfg.indicators:
        num: int | None
        den: int | None
        if ind.source == "counter":
            num, den = s.totals[ind.numerator], s.totals[ind.denominator]
        elif ind.source == "progress":
            num = s.totals[ind.numerator] + (s.open_total - s.open_late)
            den = s.totals[ind.denominator] + s.open_total
        elif ind.source == "procedures":
            pool = procedure_pool(ind, authority, cat)
            num, den = len(s.procedures.get(ind.numerator, set()) & pool), len(pool)
        elif ind.source == "catalog" and ind.denominator == "authority":
            num, den = len(authority & cat.online_service), len(authority)
        elif ind.source == "catalog":
            num, den = cat.certified_copy.get(unit_id, 0), cat.communes.get(unit_id, 0)
        elif ind.source == "petitions":
            # motcua's petitions, plus what an administrator entered for units and months whose petitions
            # were handled outside it (a figure for a unit and month motcua holds petitions of is left out above).
            own_num, own_den = s.petitions.figures()[ind.numerator]
            ext_num, ext_den = s.external.get(ind.code, (0, 0))
            num, den = own_num + ext_num, own_den + ext_den
        elif ind.source == "sync":
            # KPI-766 §3 G1: over max(the local count, the national report's count when one is typed in).
            num, den = s.synced, max(s.totals[ind.denominator], s.external.get(ind.code, (0, 0))[1])
        else:
            num, den = s.external.get(ind.code, (0, 0))
        out.append((ind, num, den))
    return out


def _unit_class(unit: Unit | None) -> str | None:
    if unit is None:
        return None
    return "ministry" if unit.level == UnitKind.MINISTRY else "locality"


def evaluate(unit: Unit | None, s: Sums, cat: Facts, cfg: config_module.Config, start: date, end: date,
             procedure_id: int | None, includes_open: bool) -> Report:
    unit_id = unit.pk if unit is not None else NATIONAL
    results = []
    for ind, num, den in score(unit_id, s, cat, cfg, procedure_id):
        ratio, points, no_data = _score(ind, num, den)
        # Progress has no one column behind its numbers (ended ones and those in progress, §5.2): its
        # dossiers are listed by the explain view only.
        drill = ind.source == "counter"
        results.append(Result(ind.code, ind.group, ind.ref, str(ind.name), num, den, ratio, points,
                              ind.max_points, ind.threshold, no_data,
                              ind.numerator if drill else "", ind.denominator if drill else "",
                              ind.source in ("counter", "progress", "procedures"), str(ind.help)))
    groups = []
    for g in GROUPS:
        members = [r for r in results if r.group == g.code]
        null = any(r.score is None for r in members)
        groups.append({
            "code": g.code, "name": str(g.name), "max_points": sum(r.max_points for r in members),
            "score": None if null else sum(r.score for r in members),
        })
    total = None
    if procedure_id is None and all(g["score"] is not None for g in groups):
        total = sum(g["score"] for g in groups)  # §5: only with all six groups; a procedure view lacks G5
    num, den = s.totals["full_online"], s.totals["full_eligible"]
    unit_class = _unit_class(unit)
    # The unit's own target or its ancestors' (UnitTarget) before its class's; a stand-in without a path has none.
    target = cfg.target(unit_class, end.year, getattr(unit, "path", "")) if unit_class else None
    rate = 100.0 * num / den if den else None
    headline = {
        "numerator": num, "denominator": den, "rate": rate, "no_data": not den,
        "unit_class": unit_class, "year": end.year, "target": target,
        "met": None if rate is None or target is None else rate >= target,
    }
    no_data = not (s.totals["received"] or s.totals["ended"] or s.open_total)
    return Report(unit, start, end, procedure_id, results, groups, total, headline, no_data, includes_open)


def peers(unit: Unit) -> list[Unit]:
    """The units ranked with `unit`: the same kind, under the same ministry or province for units below them."""
    qs = Unit.objects.filter(kind=unit.kind)
    if unit.parent_id is not None:
        root = unit.ancestor_ids[0]
        qs = qs.filter(path__startswith=f"/{root}/")
    else:
        qs = qs.filter(parent__isnull=True)
    return list(qs.only("id", "code", "name", "name_en", "name_bn", "kind", "level", "path", "parent_id"))


def rank_of(totals: dict[int, float | None], unit_id: int) -> int | None:
    own = totals.get(unit_id)
    if own is None:
        return None
    return 1 + sum(1 for t in totals.values() if t is not None and t > own + RANK_EPSILON)


def today() -> date:
    return local_day(timezone.now())


def report(unit: Unit | None, start: date, end: date, procedure_id: int | None = None, *, with_rank: bool = True,
           cfg: config_module.Config | None = None) -> Report:
    cfg = cfg or config_module.load()
    cat = facts(cfg.certified_copy_codes)
    now = today()
    ranked = peers(unit) if (unit is not None and with_rank and procedure_id is None) else []
    ids = list({(unit.pk if unit else NATIONAL), *(p.pk for p in ranked)})
    sums = collect(ids, start, end, procedure_id, now)
    own_id = unit.pk if unit else NATIONAL
    result = evaluate(unit, sums[own_id], cat, cfg, start, end, procedure_id, end >= now)
    if ranked:
        totals = {p.pk: evaluate(p, sums[p.pk], cat, cfg, start, end, None, end >= now).total for p in ranked}
        result.rank = {"rank": rank_of(totals, own_id), "of": sum(1 for t in totals.values() if t is not None),
                       "peers": len(ranked)}
    return result


def reports(units: list[Unit], start: date, end: date, procedure_id: int | None = None,
            cfg: config_module.Config | None = None) -> list[Report]:
    """Many units at once (a drill-down or ranking table): one counter query for all of them."""
    if not units:
        return []
    cfg = cfg or config_module.load()
    cat = facts(cfg.certified_copy_codes)
    now = today()
    sums = collect([u.pk for u in units], start, end, procedure_id, now)
    out = [evaluate(u, sums[u.pk], cat, cfg, start, end, procedure_id, end >= now) for u in units]
    totals = {r.unit.pk: r.total for r in out}
    for r in out:
        r.rank = {"rank": rank_of(totals, r.unit.pk), "of": sum(1 for t in totals.values() if t is not None),
                  "peers": len(out)}
    return out


def monthly_series(unit_id: int, start: date, end: date, procedure_id: int | None = None) -> list[dict]:
    """Per month of the period: the headline rate and the on-time rate of ended dossiers (trend chart)."""
    qs = MonthlyCounter.objects.filter(unit_id=unit_id, month__gte=start.replace(day=1), month__lte=end)
    if procedure_id is not None:
        qs = qs.filter(procedure_id=procedure_id)
    rows = {r["month"]: r for r in qs.values("month").annotate(
        full_online=Sum("full_online"), full_eligible=Sum("full_eligible"),
        ended=Sum("ended"), ended_on_time=Sum("ended_on_time"), received=Sum("received"),
    ).order_by()}
    out, month = [], start.replace(day=1)
    while month <= end:
        r = rows.get(month, {})
        fe, fo, en, eo = (r.get(k) or 0 for k in ("full_eligible", "full_online", "ended", "ended_on_time"))
        out.append({"month": month, "received": r.get("received") or 0,
                    "rate": 100.0 * fo / fe if fe else None, "on_time": 100.0 * eo / en if en else None})
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


def by_procedure(unit_id: int, start: date, end: date) -> list[dict]:
    """The main counts of the unit per procedure (drill-down to one procedure)."""
    rows: dict[int, dict[str, int]] = {}
    days, months = _month_spans(start, end)
    queries = [DailyCounter.objects.filter(unit_id=unit_id, day__gte=a, day__lte=b) for a, b in days]
    if months:
        queries.append(MonthlyCounter.objects.filter(unit_id=unit_id, month__gte=months[0], month__lte=months[1]))
    wanted = ("received", "online", "full_eligible", "full_online", "ended", "ended_on_time")
    for qs in queries:
        for r in qs.values("procedure_id").annotate(**{c: Sum(c) for c in wanted}).order_by():
            row = rows.setdefault(r["procedure_id"], dict.fromkeys(wanted, 0))
            for c in wanted:
                row[c] += r[c] or 0
    out = []
    for pid, row in rows.items():
        if not any(row.values()):
            continue
        out.append({"procedure_id": pid, **row,
                    "rate": 100.0 * row["full_online"] / row["full_eligible"] if row["full_eligible"] else None,
                    "on_time": 100.0 * row["ended_on_time"] / row["ended"] if row["ended"] else None})
    return sorted(out, key=lambda r: -r["received"])
