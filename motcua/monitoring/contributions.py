"""What one dossier adds to the counters: a pure function of its stored fields.

The incremental path (counters.on_event) applies the difference between a
dossier's contribution before and after an action; the rebuild
(monitoring/rebuild.py) computes the same function over all dossiers in SQL;
the explain view (monitoring/explain.py) states, from the same `judge`, why each
dossier counts. tests/monitoring/test_kpi_counters_*.py check that counters and
rebuild agree after random histories.

Rules (KPI-766.md §3 and §5 "Decided readings"; docs/monitoring.md says which line each follows):
- received class: a dossier with a receipt time (statuses 2, 4–10); 1 and 3
  never have one, nor a dossier withdrawn before receipt (§5.2: a refusal never
  started a clock);
- end: the time of the first end state — 9 (finished_at; 10 comes after 9),
  8 (finished_at, set by `stop`), 7 (the withdrawal: the last change of a
  withdrawn dossier, updated_at) — for received dossiers only;
- on time (§5.1): end ≤ the *legal* due date (legal_due_at: set at receipt,
  moved only by clock pauses: supplements, and the obligations of the format, §5.1), or by local date
  with deadline_compare=date;
- an obligation awaited (status 6 with the clock stopped, dossiers/actions/obligations.py) cannot make a
  dossier late while it waits: its verdict is fixed when the clock stopped (on time if that was by the
  legal due date), and it is judged again against the moved date once the applicant has done it.
  An apology letter moves only the date promised to the applicant (due_at): it
  neither moves the legal date nor makes a dossier overdue by itself;
- §5.2 in progress during a past window: a dossier counts while "open and within
  its legal due date" until `open_in_time_ends` (the first day at whose end it
  is ended or past its legal due date), so a window's in-progress dossiers are
  differences of running totals (query.collect);
- 5.4 (§5.3): satisfied = ended on time and not rated "dissatisfied" overall
  (Dossier.disliked), and no complaint linked to it (Dossier.complained, set when a
  petition of kind "complaint" is filed about it, petitions/); one failure per dossier;
- every procedure issues a result document, which issue_result signs, stores and
  puts in the applicant's vault: e_result = status in (9, 10) (4.1, 4.2, 4.4);
- a refusal after processing (an officer's choice with `refuse`, Dossier.decisions["refusal"]) is a
  processed dossier whose result is "refused": it ends at 9 (then 10) when its signed refusal letter is
  issued, and that letter is its e-result, put in the vault like any result (KPI-766 §1.1: a result code
  and a file; §3 G2: 9 is its end, judged on time like any other). It is never status 3, the refusal at
  receipt that starts no clock. `refused_after_processing` says so for the explanations; no column counts
  it apart, so the counters and the rebuild read the same facts (tests/monitoring/test_kpi_refusal.py);
- 4.2 (§5.4) digitized: every component electronic (uploaded, vault, registry,
  scanned at the counter) and the e-result issued; 4.3 (§5.5) reused: a vault
  document or a component actually read from a registry; 4.4 (§5.6): a vault
  document or the e-result put in the vault; 4.5b (§5.7): e-ID login, vault data
  or population-registry data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from motcua.dossiers.facts import (
    PAPER,
    POPULATION,
    POPULATION_PREFILL,
    REGISTRY,
    REGISTRY_READ,
    SCANNED,
    UPLOAD,
    VAULT,
)
from motcua.dossiers.models import Status

ENDED = frozenset({Status.WITHDRAWN, Status.STOPPED, Status.PROCESSED, Status.RETURNED})
OPEN = frozenset({Status.RECEIVED, Status.PROCESSING, Status.SUPPLEMENT_REQUESTED, Status.PAYMENT_REQUESTED})
E_RESULT = frozenset({Status.PROCESSED, Status.RETURNED})
# OpenCounter.due_day sentinels for open dossiers whose verdict is already fixed.
ALWAYS_ON_TIME = date(9999, 12, 31)
ALREADY_LATE = date(1, 1, 1)
ELECTRONIC = UPLOAD | VAULT | REGISTRY | SCANNED  # §5.4: electronic components (PAPER: one kept on paper only)
REUSED = VAULT | REGISTRY_READ  # §5.5
CITIZEN_DATA = VAULT | POPULATION | POPULATION_PREFILL  # §5.7, with vneid_auth


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_day(moment: datetime) -> date:
    return moment.astimezone(zone()).date()


@dataclass(frozen=True)
class Contribution:
    unit_id: int
    procedure_id: int
    cells: tuple[tuple[date, str, int], ...]  # (day, column, +n)
    open_day: date | None  # the OpenCounter key while the dossier is received and not ended


def end_time(d) -> datetime | None:
    if d.received_at is None or d.status not in ENDED:
        return None
    return d.finished_at or d.updated_at


def on_time(end: datetime, due: datetime | None, by_date: bool) -> bool:
    if due is None:
        return True
    return local_day(end) <= local_day(due) if by_date else end <= due


def e_result(d) -> bool:
    return d.status in E_RESULT and d.finished_at is not None


def refused_after_processing(d) -> bool:
    """Processed (9, 10) with the refusal letter as its result, not the result asked for."""
    return e_result(d) and bool((getattr(d, "decisions", None) or {}).get("refusal"))


def open_key(d, by_date: bool) -> date | None:
    if d.received_at is None or d.status not in OPEN:
        return None
    if d.supplement_count > 1:
        return ALREADY_LATE  # more than one supplement request and no end (§3 G2 step 2)
    if d.status == Status.SUPPLEMENT_REQUESTED and d.paused_at is not None:
        # One request and waiting: the end is the request time, the verdict fixed now.
        return ALWAYS_ON_TIME if on_time(d.paused_at, d.legal_due_at, by_date) else ALREADY_LATE
    if obligation_awaited(d):
        # The clock stands still: the dossier is as late as it was when it stopped, no later.
        return ALWAYS_ON_TIME if on_time(d.paused_at, d.legal_due_at, by_date) else ALREADY_LATE
    if d.legal_due_at is None:
        return ALWAYS_ON_TIME
    return local_day(d.legal_due_at)


def obligation_awaited(d) -> bool:
    """Status 6 with the clock stopped: an obligation of the format (taxes), not a fee asked."""
    return d.status == Status.PAYMENT_REQUESTED and d.paused_at is not None


def in_time_ends(d, by_date: bool) -> date | None:
    """§5.2: the first day at whose end the received dossier is ended or past its legal due date (None: never).

    A dossier open at the end of day E is within its date when E's end ≤ the legal due date
    (by timestamp: E < the due day) or E ≤ the due day (by date).
    """
    if d.received_at is None:
        return None
    end = end_time(d)
    if d.legal_due_at is None:
        return local_day(end) if end is not None else None
    due_day = local_day(d.legal_due_at)
    past = due_day + timedelta(days=1) if by_date else due_day
    if obligation_awaited(d) and on_time(d.paused_at, d.legal_due_at, by_date):
        return None  # stopped within its date: it stays within it until the clock runs again
    return min(local_day(end), past) if end is not None else past


def receipt_flags(d, full_eligible: bool) -> dict[str, bool]:
    """The receipt columns of a received dossier (counted on its receipt day)."""
    sources = d.component_sources
    online = d.channel == 2
    return {
        "received": True,
        "online": online,
        "full_eligible": full_eligible,
        "full_online": full_eligible and online,
        "fee_bearing": d.fee > 0,
        "paid_online": d.fee > 0 and d.paid_online in (1, 2),
        "digitized": bool(sources & ELECTRONIC) and not sources & PAPER and e_result(d),
        "reused": bool(sources & REUSED),
        "vault": bool(sources & VAULT) or e_result(d),
        "citizen_data": bool(d.vneid_auth or sources & CITIZEN_DATA),
    }


def contribution(d, full_eligible: bool, by_date: bool) -> Contribution:
    cells: list[tuple[date, str, int]] = []
    if d.received_at is not None:
        day = local_day(d.received_at)
        cells += [(day, column, 1) for column, on in receipt_flags(d, full_eligible).items() if on]
        stop = in_time_ends(d, by_date)
        if stop is not None:
            cells.append((stop, "open_in_time_ends", 1))
    end = end_time(d)
    if end is not None:
        day = local_day(end)
        cells.append((day, "ended", 1))
        if on_time(end, d.legal_due_at, by_date):
            cells.append((day, "ended_on_time", 1))
            # 5.4: overdue, disliked and complained-about dossiers are one set of failures, counted once
            if not d.disliked and not d.complained:
                cells.append((day, "ended_satisfied", 1))
    if e_result(d):
        day = local_day(d.finished_at)
        cells += [(day, "finished", 1), (day, "finished_e_result", 1)]
    return Contribution(d.unit_id, d.procedure_id, tuple(cells), open_key(d, by_date))
