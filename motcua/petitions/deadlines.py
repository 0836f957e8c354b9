"""A petition's legal deadlines, in working days on the unit's calendar (the dossiers' engine).

KPI-766 §3 G5 (5.2): refuse within 2 working days of receipt, ask for more information
within 5, answer within 15 (the clock stops while the filer is asked), publish the answer
within 2 of answering. Each deadline is the end of the office day N working days after
the moment it counts from, exactly as a dossier's due date (lib/workdays.py).
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from motcua.dossiers import deadlines
from motcua.units.models import Unit

REFUSE_DAYS = 2
INFO_DAYS = 5
ANSWER_DAYS = 15
PUBLISH_DAYS = 2


def stage_deadlines(received: datetime, unit: Unit) -> dict[str, datetime]:
    """The refuse, information and answer deadlines of a petition received at `received` by `unit`."""
    return {
        "refuse_due_at": deadlines.due_at(received, REFUSE_DAYS, unit),
        "info_due_at": deadlines.due_at(received, INFO_DAYS, unit),
        "due_at": deadlines.due_at(received, ANSWER_DAYS, unit),
    }


def publish_due(answered: datetime, unit: Unit) -> datetime:
    return deadlines.due_at(answered, PUBLISH_DAYS, unit)


def waited_days(paused_at: datetime, now: datetime, unit: Unit) -> int:
    """Working days the filer was waited for (the answer's clock stood still)."""
    calendar = deadlines.calendar(unit)
    return calendar.working_days_between(timezone.localdate(paused_at), timezone.localdate(now))


def shift(moment: datetime, days: int, unit: Unit) -> datetime:
    return deadlines.shift(moment, days, deadlines.calendar(unit)) if days else moment


def current_deadline(p) -> datetime | None:
    """The deadline of the step the petition waits for now (the queue's colour), None when none runs."""
    if p.status == "received":
        return p.due_at
    if p.status == "answered":
        return p.publish_due_at
    return None
