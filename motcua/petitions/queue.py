"""What the officers' queue shows of a petition: its running deadline and its colour, as dossiers'."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from motcua.dossiers import deadlines as dossier_deadlines
from motcua.lib.workdays import working_time
from motcua.petitions.deadlines import current_deadline
from motcua.petitions.models import Petition


def deadline_state(p: Petition, now: datetime) -> str:
    """on_time, at_risk (less than one working day left), late, or paused (waiting for the filer); "" when ended."""
    if p.status == "waiting":
        return "paused"
    due = current_deadline(p)
    if due is None:
        return ""
    if now > due:
        return "late"
    left = working_time(dossier_deadlines.calendar(p.unit), now, due, ZoneInfo(settings.TIME_ZONE))
    return "at_risk" if left < 1.0 else "on_time"
