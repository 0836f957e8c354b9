"""The lateness risk of an open dossier: an empirical, explainable estimate (no fitted model).

For an open dossier waiting in step S at unit U of procedure P, having spent `e` working days in
S (the applicant's time taken out) with `a` working days left to its legal due date, look at the
finished dossiers of P received at the same unit: among those still in S `e` days after it opened,
the share that needed more than `e + a` from S's opening to their end. That share is the risk:
"of the 23 similar dossiers, 7 needed more time than this one has left". When fewer than
MIN_HISTORY such dossiers exist at the unit, the procedure's dossiers at every unit are read
instead (and the explanation says so). A dossier stuck in S longer than nearly all of them (enough
history in S, too few that stayed this long) is compared with the MIN_HISTORY that stayed the
longest — the nearest by time spent (basis "stuck"). Fewer still, and the answer is *too little
history*, never a made-up figure. A dossier with no open step (waiting for payment after its last step,
or just received) is compared on the whole dossier (receipt → end). A dossier already past its
legal due date has risk 1.

The history is the dossiers that ended in the HISTORY_DAYS before the moment scored (all of
them before it: the back-test uses the same function at a past moment, `insights/backtest.py`).
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from motcua.dossiers.models import Dossier, SupplementRequest, Task, TaskStatus
from motcua.insights.clock import Pauses, clock_of
from motcua.insights.models import DossierRisk, DossierTrace, StepTime
from motcua.monitoring.contributions import OPEN, zone

MIN_HISTORY = 8
HISTORY_DAYS = 365
WHOLE = ""  # the "step" of the whole dossier, receipt → end
HIGH, MEDIUM = 0.5, 0.2  # the queue's colours: at or above HIGH red, MEDIUM amber


@dataclass
class Estimate:
    risk: float | None
    step: str
    step_unit_id: int | None
    holder_id: int | None
    elapsed: float
    available: float
    similar: int
    late_similar: int
    basis: str  # unit, procedure, stuck (a lower bound), past_due, or "" (too little history)


class History:
    """Per (procedure, unit or None, step): the finished dossiers' time in the step and from its opening to the end."""

    def __init__(self, rows) -> None:
        """rows: (procedure_id, dossier unit id, step, days in it, to_end, ended_at); WHOLE for whole dossiers."""
        grouped: dict[tuple, list[tuple[datetime, float, float]]] = defaultdict(list)
        for procedure_id, unit_id, step, days, to_end, ended_at in rows:
            row = (ended_at, days, to_end)  # one tuple in both lists: half the memory
            grouped[procedure_id, unit_id, step].append(row)
            grouped[procedure_id, None, step].append(row)
        self.rows = {k: sorted(v) for k, v in grouped.items()}  # by end, for "ended before"
        self._memo: dict[tuple, list[tuple[float, float]]] = {}

    @classmethod
    def load(cls, procedure_ids, since: datetime | None = None, until: datetime | None = None) -> History:
        steps = StepTime.objects.filter(procedure_id__in=procedure_ids)
        whole = DossierTrace.objects.filter(procedure_id__in=procedure_ids)
        if since is not None:
            steps, whole = steps.filter(ended_at__gte=since), whole.filter(ended_at__gte=since)
        if until is not None:
            steps, whole = steps.filter(ended_at__lt=until), whole.filter(ended_at__lt=until)
        # Streamed (server-side cursor on PostgreSQL): only the grouped tuples are kept, not the rows as read.
        rows = steps.values_list("procedure_id", "dossier_unit_id", "step", "days", "to_end", "ended_at").iterator(20_000)
        wholes = ((p, u, WHOLE, t, t, e) for p, u, t, e in
                  whole.values_list("procedure_id", "unit_id", "total_days", "ended_at").iterator(20_000))
        return cls(itertools.chain(rows, wholes))

    def times(self, key: tuple, since: datetime, until: datetime) -> list[tuple[float, float]]:
        """(days in the step, days from its opening to the end) of the dossiers of `key` ended in [since, until), by days."""
        memo = (key, since, until)
        if memo not in self._memo:
            found = self.rows.get(key, [])
            lo = bisect.bisect_left(found, (since,))
            hi = bisect.bisect_left(found, (until,))
            if len(self._memo) > 50_000:
                self._memo.clear()
            self._memo[memo] = sorted((days, to_end) for _e, days, to_end in found[lo:hi])
        return self._memo[memo]


def _share(times: list[tuple[float, float]], elapsed: float, available: float) -> tuple[int, int]:
    """(dossiers still in the step after `elapsed`, of them those needing more than `elapsed + available` in all)."""
    still = times[bisect.bisect_left(times, (elapsed,)):]
    return len(still), sum(to_end > elapsed + available for _days, to_end in still)


@dataclass
class State:
    """An open dossier as it stood at a moment: enough to score it (built live or for a past date)."""

    dossier: Dossier
    open_steps: list[Task]  # opened by the moment and not done by it
    pauses: list[tuple[datetime, datetime | None]]  # supplement rounds requested by the moment
    legal_due_at: datetime  # as recorded now
    due_shift: float = 0.0  # working days later rounds moved it by (a past moment: taken out)


def estimate(state: State, at: datetime, history: History) -> Estimate:
    d = state.dossier
    clock = clock_of(d.unit)
    # Waiting for the applicant at `at`: the clock stopped when the round was asked; score from there.
    ref = next((a for a, b in state.pauses if a <= at and (b is None or b > at)), at)
    waits = Pauses(clock, [(a, min(b or ref, ref)) for a, b in state.pauses if a < ref])
    available = clock.at(state.legal_due_at) - state.due_shift - clock.at(ref)
    step = min(state.open_steps, key=lambda t: (t.opened_at, t.pk or 0)) if state.open_steps else None
    name, unit_id = (step.step, step.unit_id) if step else (WHOLE, None)
    elapsed = waits.net(step.opened_at if step else d.received_at, ref)
    holder = step.assignee_id if step else None
    # Past the due moment (a weekend after it adds no working time, so the timestamp decides too).
    if available < 0 or (state.due_shift == 0 and ref > state.legal_due_at):
        return Estimate(1.0, name, unit_id, holder, elapsed, available, 0, 0, "past_due")
    since = at - timedelta(days=HISTORY_DAYS)
    keys = (("unit", (d.procedure_id, d.unit_id, name)), ("procedure", (d.procedure_id, None, name)))
    for basis, key in keys:
        similar, late = _share(history.times(key, since, at), elapsed, available)
        if similar >= MIN_HISTORY:
            return Estimate(late / similar, name, unit_id, holder, elapsed, available, similar, late, basis)
    # Stuck longer than (nearly) every finished dossier: enough history in the step, too few stayed this long.
    # The MIN_HISTORY dossiers that stayed the longest are the nearest by time spent: the share of them
    # that needed more than `elapsed + available` from the step's opening.
    for _basis, key in keys:
        times = history.times(key, since, at)
        if len(times) >= MIN_HISTORY:
            longest = times[-MIN_HISTORY:]
            late = sum(to_end > elapsed + available for _days, to_end in longest)
            return Estimate(late / len(longest), name, unit_id, holder, elapsed, available, len(longest), late, "stuck")
    similar = _share(history.times(keys[1][1], since, at), elapsed, available)[0]
    return Estimate(None, name, unit_id, holder, elapsed, available, similar, 0, "")


def open_dossiers():
    return Dossier.objects.filter(status__in=OPEN, received_at__isnull=False, legal_due_at__isnull=False)


def live_states(dossiers: list[Dossier]) -> list[State]:
    ids = [d.pk for d in dossiers]
    steps: dict[int, list[Task]] = defaultdict(list)
    for t in Task.objects.filter(dossier_id__in=ids, status=TaskStatus.OPEN, opened_at__isnull=False).only(
            "dossier_id", "step", "unit_id", "opened_at", "assignee_id"):
        steps[t.dossier_id].append(t)
    pauses: dict[int, list] = defaultdict(list)
    for dossier_id, a, b in SupplementRequest.objects.filter(dossier_id__in=ids).values_list(
            "dossier_id", "requested_at", "answered_at"):
        pauses[dossier_id].append((a, b))
    return [State(d, steps.get(d.pk, []), pauses.get(d.pk, []), d.legal_due_at) for d in dossiers]


def score(now: datetime | None = None, everything: bool = False, chunk: int = 2000) -> int:
    """Score the open dossiers whose risk is missing or stale (moved since, or scored before today); returns how many.

    Time passing changes every risk, so each open dossier is scored again once a day; one that
    moved is scored again at the next run (`motcua scheduler`'s round). Risks of dossiers no
    longer open are deleted.
    """
    now = now or timezone.now()
    start_of_day = datetime.combine(now.astimezone(zone()).date(), datetime.min.time(), tzinfo=zone())
    DossierRisk.objects.exclude(dossier__in=open_dossiers().values("pk")).delete()
    stale = open_dossiers()
    if not everything:
        stale = stale.filter(Q(late_risk__isnull=True) | Q(late_risk__scored_at__lt=F("updated_at"))
                             | Q(late_risk__scored_at__lt=start_of_day))
    written = 0
    # One procedure at a time: only its year of history is in memory (millions of dossiers: the whole
    # history would not fit), read once for all its open dossiers, then dropped.
    for procedure_id in sorted(set(stale.order_by().values_list("procedure_id", flat=True).distinct())):
        history = History.load([procedure_id], since=now - timedelta(days=HISTORY_DAYS))
        written += _score_batches(stale.filter(procedure_id=procedure_id), history, now, chunk)
        del history
    return written


def _score_batches(stale, history: History, now: datetime, chunk: int) -> int:
    written, last = 0, 0
    while True:
        batch = list(stale.filter(pk__gt=last).select_related("unit").order_by("pk")[:chunk])
        if not batch:
            return written
        last = batch[-1].pk
        rows = []
        for state in live_states(batch):
            e = estimate(state, now, history)
            rows.append(DossierRisk(
                dossier_id=state.dossier.pk, risk=e.risk, step=e.step, step_unit_id=e.step_unit_id, holder_id=e.holder_id,
                elapsed=round(e.elapsed, 3), available=round(e.available, 3), similar=e.similar,
                late_similar=e.late_similar, basis=e.basis, scored_at=now,
                procedure_id=state.dossier.procedure_id, unit_id=state.dossier.unit_id,
            ))
        with transaction.atomic():
            DossierRisk.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["dossier"],
                update_fields=["risk", "step", "step_unit", "holder", "elapsed", "available", "similar", "late_similar",
                               "basis", "scored_at", "procedure", "unit"],
            )
        written += len(rows)


def level(risk: float | None) -> str:
    """high, medium, low, or unknown: the queue's colour (always with the figure written beside it)."""
    if risk is None:
        return "unknown"
    return "high" if risk >= HIGH else "medium" if risk >= MEDIUM else "low"


def reason(basis: str, similar: int, late_similar: int, elapsed: float, available: float) -> str:
    """The estimate in one sentence: what it was computed from (the page, the API and the digest show it)."""
    from django.utils.translation import gettext as _

    if basis == "past_due":
        return _("Đã quá hạn theo quy định.")
    if not basis:
        return _("Chưa đủ lịch sử để ước tính: %(n)d hồ sơ đã xong tương tự (cần ít nhất %(min)d).") % {
            "n": similar, "min": MIN_HISTORY}
    if basis == "stuck":
        return _("Đã ở bước này %(elapsed).1f ngày làm việc, lâu hơn hầu hết hồ sơ đã xong; trong %(n)d hồ sơ ở bước này "
                 "lâu nhất, %(late)d cần hơn %(need).1f ngày làm việc kể từ khi bước bắt đầu.") % {
            "late": late_similar, "n": similar, "elapsed": elapsed, "need": elapsed + available}
    where = _("tại đơn vị này") if basis == "unit" else _("tại mọi đơn vị (đơn vị này chưa đủ lịch sử)")
    return _("%(late)d trong %(n)d hồ sơ đã xong của thủ tục %(where)s, còn ở bước này sau %(elapsed).1f ngày làm việc, "
             "cần thêm hơn %(left).1f ngày làm việc còn lại.") % {
        "late": late_similar, "n": similar, "where": where, "elapsed": elapsed, "left": available}


def staff_fields(dossier: Dossier) -> dict:
    """What a dossier's officers read of it in the API (GET /api/v1/dossiers/{code}): `late_risk`."""
    return {"late_risk": as_dict(dossier)}


def as_dict(dossier: Dossier) -> dict | None:
    """The stored risk of `dossier` as the API shows it (None when it is not open or not scored yet)."""
    r = DossierRisk.objects.filter(dossier=dossier).select_related("step_unit", "holder").first()
    if r is None:
        return None
    return {
        "risk": r.risk, "step": r.step, "step_unit": r.step_unit.code if r.step_unit else None,
        "holder": r.holder.get_username() if r.holder else None, "elapsed_days": r.elapsed,
        "available_days": r.available, "similar": r.similar, "late_similar": r.late_similar, "basis": r.basis,
        "reason": reason(r.basis, r.similar, r.late_similar, r.elapsed, r.available), "scored_at": r.scored_at,
    }
