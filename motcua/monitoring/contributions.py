"""What one dossier adds to the counters: a pure function of its stored fields.

The incremental path (counters.on_event) applies the difference between a
dossier's contribution before and after an action; the rebuild
(monitoring/rebuild.py) computes the same function over all dossiers in SQL.
tests/monitoring/test_kpi_counters.py checks that both agree after random histories.

Rules (KPI-766.md §2–4; the choices for the [U] points are in docs/monitoring.md):
- received class: a dossier with a receipt time (statuses 2, 4–10); 1 and 3
  never have one, nor a dossier withdrawn before receipt;
- end: the time of the first end state — 9 (finished_at; 10 comes after 9),
  8 (finished_at, set by `stop`), 7 (the withdrawal: the last change of a
  withdrawn dossier, updated_at) — for received dossiers only;
- on time: end ≤ due_at (or by local date, option deadline_compare=date).
  The pause needs no subtraction: motcua moves due_at by the working days
  the dossier waited for the applicant, so rule 6 of §3 G2 applies to every round;
- a dossier that needed an apology letter (phiếu xin lỗi, Decree 61/2018 art. 12)
  is overdue whatever its new date: the letter moves due_at, not the verdict;
- 5.4 counts a dossier satisfied when it ended on time and its applicant did
  not rate it "dissatisfied" overall (Dossier.disliked, set by the rate action;
  complaints are not recorded in motcua, see docs/monitoring.md);
- an electronic result exists exactly when the dossier reached 9 (issue_result
  signs and stores one), so e_result = status in (9, 10).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from motcua.dossiers.facts import PAPER, REGISTRY, VAULT
from motcua.dossiers.models import Status

ENDED = frozenset({Status.WITHDRAWN, Status.STOPPED, Status.PROCESSED, Status.RETURNED})
OPEN = frozenset({Status.RECEIVED, Status.PROCESSING, Status.SUPPLEMENT_REQUESTED, Status.PAYMENT_REQUESTED})
E_RESULT = frozenset({Status.PROCESSED, Status.RETURNED})
# OpenCounter.due_day sentinels for open dossiers whose verdict is already fixed.
ALWAYS_ON_TIME = date(9999, 12, 31)
ALREADY_LATE = date(1, 1, 1)


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


def open_key(d, by_date: bool) -> date | None:
    if d.received_at is None or d.status not in OPEN:
        return None
    if d.supplement_count > 1 or d.apology_count > 0:
        return ALREADY_LATE  # more than one supplement request and no end (§3 G2 step 2), or apologised for
    if d.status == Status.SUPPLEMENT_REQUESTED and d.paused_at is not None:
        # One request and waiting: the end is the request time, the verdict fixed now.
        return ALWAYS_ON_TIME if on_time(d.paused_at, d.due_at, by_date) else ALREADY_LATE
    if d.due_at is None:
        return ALWAYS_ON_TIME
    return local_day(d.due_at)


def contribution(d, full_eligible: bool, by_date: bool) -> Contribution:
    cells: list[tuple[date, str, int]] = []
    if d.received_at is not None:
        day = local_day(d.received_at)
        sources = d.component_sources
        online = d.channel == 2
        flags = {
            "received": True,
            "online": online,
            "full_eligible": full_eligible,
            "full_online": full_eligible and online,
            "fee_bearing": d.fee > 0,
            "paid_online": d.fee > 0 and d.paid_online in (1, 2),
            "digitized": sources != 0 and not sources & PAPER,
            "reused": bool(sources & (VAULT | REGISTRY)),
            "vault": bool(sources & VAULT),
            "citizen_data": bool(d.vneid_auth or sources & (VAULT | REGISTRY)),
        }
        cells += [(day, column, 1) for column, on in flags.items() if on]
    end = end_time(d)
    if end is not None:
        day = local_day(end)
        cells.append((day, "ended", 1))
        if d.apology_count == 0 and on_time(end, d.due_at, by_date):
            cells.append((day, "ended_on_time", 1))
            if not d.disliked:  # 5.4: overdue and disliked dossiers are one set of failures, counted once
                cells.append((day, "ended_satisfied", 1))
    if d.status in E_RESULT and d.finished_at is not None:
        day = local_day(d.finished_at)
        cells += [(day, "finished", 1), (day, "finished_e_result", 1)]
    return Contribution(d.unit_id, d.procedure_id, tuple(cells), open_key(d, by_date))
