"""Due dates on the working-day calendar of the unit's country."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from motcua.lib.workdays import WorkCalendar


def calendar() -> WorkCalendar:
    return WorkCalendar(settings.COUNTRY)


def due_at(received_at: datetime, processing_days: int) -> datetime:
    return calendar().due_at(received_at, processing_days, ZoneInfo(settings.TIME_ZONE))
