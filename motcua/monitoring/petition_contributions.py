"""What one petition adds to the petition counters: a pure function of its stored fields.

Indicators 5.2 and 5.3 (KPI-766 §3 G5, deadlines in working days on the unit's calendar):

- every petition counts on the local day it was *first received* (kept when forwarded, §1.4),
  for the unit it is with now ("under the unit's competence");
- ended: refused or its answer published. On time: a refusal by its 2-day deadline; a published
  answer when the first information request (if any) came within 5 days, the answer by its
  15-day deadline (moved by the working days waited for the filer) and the publication within
  2 days of the answer. Deadlines are compared by timestamp;
- open: received, waiting for information, or answered and not yet published; it is "within its
  deadline" until the day its running deadline passes (`open_key`), judged against today when the
  indicators are read (a past window too: the petition's state now);
- flagged (5.3's failures, each petition once): dislikes > likes, complained again, or ended late.
  An open petition past its deadline and not flagged fails 5.3 as well (read from the open counter).

So: 5.2 = (ended on time + open within deadline) / received; 5.3 = (received − flagged − open
unflagged past deadline) / received. The incremental path (petition_counters.on_event) adds the
difference of a petition's contribution before and after an action; the rebuild sums it over all
petitions; tests/monitoring/test_petition_counters.py checks they agree after random histories.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from motcua.monitoring.contributions import ALREADY_LATE, ALWAYS_ON_TIME, local_day

ENDED = frozenset({"published", "refused"})
OPEN = frozenset({"received", "waiting", "answered"})


@dataclass(frozen=True)
class PetitionContribution:
    path: str  # the unit's materialized path (the counters of it, its ancestors and the nation)
    day: date  # first received, local
    cells: tuple[tuple[str, int], ...]  # (column, +n)
    open_key: tuple[date, bool] | None  # (due_day, flagged) while open


def _info_in_time(p) -> bool:
    return p.info_requested_at is None or p.info_requested_at <= p.info_due_at


def ended_on_time(p) -> bool:
    if p.status == "refused":
        return p.refused_at is not None and p.refused_at <= p.refuse_due_at
    return (
        _info_in_time(p) and p.answered_at is not None and p.answered_at <= p.due_at
        and p.published_at is not None and p.publish_due_at is not None and p.published_at <= p.publish_due_at
    )


def due_day(p) -> date:
    """The day after which an open petition is past its running deadline (or a sentinel when fixed)."""
    if not _info_in_time(p):
        return ALREADY_LATE
    if p.status == "waiting":
        return ALWAYS_ON_TIME  # the clock stands still while the filer is asked
    if p.status == "answered":
        if p.answered_at is not None and p.answered_at > p.due_at:
            return ALREADY_LATE
        return local_day(p.publish_due_at) if p.publish_due_at is not None else ALWAYS_ON_TIME
    return local_day(p.due_at)


def flagged(p) -> bool:
    ended_late = p.status in ENDED and not ended_on_time(p)
    return p.dislikes > p.likes or p.complained_again or ended_late


def contribution(p, path: str) -> PetitionContribution:
    cells = [("received", 1)]
    if p.status in ENDED:
        cells.append(("ended", 1))
        if ended_on_time(p):
            cells.append(("ended_on_time", 1))
    bad = flagged(p)
    if bad:
        cells.append(("flagged", 1))
    key = (due_day(p), bad) if p.status in OPEN else None
    return PetitionContribution(path, local_day(p.first_received_at), tuple(cells), key)
