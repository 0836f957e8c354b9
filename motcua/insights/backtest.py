"""Honest evaluation: the risk as it would have been computed at past moments, against what happened.

For each snapshot (08:00 local on every `every`-th working day between two dates) the dossiers
open then are rebuilt as they stood — the steps open at that moment, the supplement rounds asked
by then, the legal due date without the moves of later rounds — and scored with `risk.estimate`
on the history of the dossiers that had ended *before* the snapshot only. The outcome is the
dossier's verdict by its legal due date (KPI-766.md §5.1); dossiers whose outcome is not known
yet (still open, not past due) or that were withdrawn are left out.

- calibration: per band of predicted risk, how many, the mean prediction, the share that ended late;
  the dossiers already past their legal due date at the snapshot are counted apart (their risk is 1
  by definition and they are late by definition: in the bands they would only flatter the table);
- ahead: for every late dossier, the moment N working days before its legal due day (08:00) —
  was it flagged (risk ≥ HIGH, red) then, or at least amber (risk ≥ MEDIUM, the queues' colours)?
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from django.utils import timezone

from motcua.dossiers import deadlines
from motcua.dossiers.models import Dossier, Status, SupplementRequest, Task
from motcua.insights.risk import HIGH, MEDIUM, History, State, estimate
from motcua.monitoring.contributions import zone

BANDS = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0000001)
MORNING = time(8, 0)


@dataclass
class Band:
    low: float
    high: float
    n: int = 0
    predicted: float = 0.0
    late: int = 0


@dataclass
class Ahead:
    days: int
    late: int = 0  # late dossiers open N working days before their due day
    flagged: int = 0  # risk ≥ HIGH (red)
    warned: int = 0  # risk ≥ MEDIUM (amber or red)
    unknown: int = 0  # too little history then


@dataclass
class Result:
    snapshots: int
    scored: int
    unknown: int
    unknown_late: int
    bands: list[Band]
    ahead: list[Ahead]
    late_total: int = 0
    past_due: int = 0  # dossier-snapshots already past their legal due date (risk 1 by definition, not in the bands)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Facts:
    dossier: Dossier
    tasks: list[Task]
    rounds: list[tuple[datetime, datetime | None, int]]  # requested, answered, paused working days
    late: bool | None  # None: not known yet


def _facts(since: datetime, now: datetime, unit_path: str | None) -> list[_Facts]:
    qs = Dossier.objects.filter(received_at__isnull=False, legal_due_at__isnull=False, received_at__lt=now).exclude(
        status__in=(Status.WITHDRAWN, Status.REFUSED)).exclude(finished_at__lt=since)
    if unit_path:
        qs = qs.filter(unit__path__startswith=unit_path)
    dossiers = list(qs.select_related("unit"))
    ids = [d.pk for d in dossiers]
    tasks: dict[int, list[Task]] = defaultdict(list)
    for t in Task.objects.filter(dossier_id__in=ids, opened_at__isnull=False).only(
            "dossier_id", "step", "unit_id", "opened_at", "done_at", "assignee_id"):
        tasks[t.dossier_id].append(t)
    rounds: dict[int, list] = defaultdict(list)
    for dossier_id, a, b, days in SupplementRequest.objects.filter(dossier_id__in=ids).values_list(
            "dossier_id", "requested_at", "answered_at", "paused_days"):
        rounds[dossier_id].append((a, b, days))
    found = []
    for d in dossiers:
        if d.finished_at is not None:
            late = d.finished_at > d.legal_due_at
        else:
            late = True if now > d.legal_due_at else None
        found.append(_Facts(d, tasks.get(d.pk, []), rounds.get(d.pk, []), late))
    return found


def _state(f: _Facts, at: datetime) -> State | None:
    d = f.dossier
    if d.received_at > at or (d.finished_at is not None and d.finished_at <= at):
        return None
    steps = [t for t in f.tasks if t.opened_at <= at and (t.done_at is None or t.done_at > at)]
    pauses = [(a, b if b is not None and b <= at else None) for a, b, _days in f.rounds if a <= at]
    # Rounds answered after `at` moved the legal due date later; as it stood then, without their days.
    shift = float(sum(days for a, b, days in f.rounds if b is not None and b > at))
    return State(d, steps, pauses, d.legal_due_at, due_shift=shift)


def snapshots(start: date, end: date, every: int) -> list[datetime]:
    cal = deadlines.calendar()
    found, day, n = [], start, 0
    while day <= end:
        if cal.is_working_day(day):
            if n % every == 0:
                found.append(datetime.combine(day, MORNING, tzinfo=zone()))
            n += 1
        day += timedelta(days=1)
    return found


def run(start: date, end: date, every: int = 5, ahead: tuple[int, ...] = (1, 3, 5), unit_path: str | None = None,
        now: datetime | None = None) -> Result:
    now = now or timezone.now()
    moments = [m for m in snapshots(start, end, every) if m < now]
    since = datetime.combine(start, time.min, tzinfo=zone())
    facts = _facts(since, now, unit_path)
    history = History.load({f.dossier.procedure_id for f in facts} or {0}, until=now)
    bands = [Band(lo, hi) for lo, hi in pairwise(BANDS)]
    result = Result(len(moments), 0, 0, 0, bands, [Ahead(n) for n in ahead])
    for at in moments:
        for f in facts:
            if f.late is None:
                continue
            state = _state(f, at)
            if state is None:
                continue
            e = estimate(state, at, history)
            if e.risk is None:
                result.unknown += 1
                result.unknown_late += f.late
                continue
            if e.basis == "past_due":
                result.past_due += 1
                continue
            result.scored += 1
            band = next(b for b in bands if b.low <= e.risk < b.high)
            band.n += 1
            band.predicted += e.risk
            band.late += f.late
    cal = deadlines.calendar()
    for f in facts:
        if not f.late:
            continue
        result.late_total += 1
        due_day = f.dossier.legal_due_at.astimezone(zone()).date()
        for a in result.ahead:
            day = due_day
            for _ in range(a.days):
                day -= timedelta(days=1)
                while not cal.is_working_day(day):
                    day -= timedelta(days=1)
            at = datetime.combine(day, MORNING, tzinfo=zone())
            if at.date() < start or at >= now:
                continue
            state = _state(f, at)
            if state is None:
                continue
            e = estimate(state, at, history)
            a.late += 1
            if e.risk is None:
                a.unknown += 1
            else:
                a.flagged += e.risk >= HIGH
                a.warned += e.risk >= MEDIUM
    return result


def table(result: Result) -> str:
    """The back-test as plain text (what `motcua insights backtest` prints, and docs/monitoring.md quotes)."""
    lines = [f"snapshots: {result.snapshots}; open dossiers scored: {result.scored}; "
             f"too little history: {result.unknown} (of them late: {result.unknown_late}); "
             f"already past due (risk 1, not in the bands): {result.past_due}", "",
             "predicted risk | dossiers | mean predicted | ended late", "---|---|---|---"]
    for b in result.bands:
        share = f"{b.late / b.n:.0%}" if b.n else "–"
        mean = f"{b.predicted / b.n:.0%}" if b.n else "–"
        lines.append(f"{b.low:.0%}–{min(b.high, 1):.0%} | {b.n} | {mean} | {share} ({b.late})")
    lines += ["", f"late dossiers: {result.late_total}", "",
              f"working days ahead | late dossiers open then | flagged (risk ≥ {HIGH:.0%}) | "
              f"flagged or amber (risk ≥ {MEDIUM:.0%}) | too little history",
              "---|---|---|---|---"]
    for a in result.ahead:
        share = f"{a.flagged / a.late:.0%}" if a.late else "–"
        amber = f"{a.warned / a.late:.0%}" if a.late else "–"
        lines.append(f"{a.days} | {a.late} | {a.flagged} ({share}) | {a.warned} ({amber}) | {a.unknown}")
    return "\n".join(lines)
