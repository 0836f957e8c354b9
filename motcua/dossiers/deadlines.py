"""Due dates on the working-day calendar of a unit: the country's, with the overrides that are data."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q

from motcua.lib.workdays import WorkCalendar
from motcua.units.models import CalendarDay, Unit


def calendar(unit: Unit | None = None) -> WorkCalendar:
    """The working-day calendar of `unit` (or the national one): country holidays + CalendarDay rows."""
    applies = Q(unit__isnull=True)
    if unit is not None:
        ancestors = [int(pk) for pk in unit.path.strip("/").split("/") if pk]
        applies |= Q(unit_id__in=ancestors)
    # Overrides are few (a handful a year); the deepest unit's word wins over the nation's.
    rows = sorted(CalendarDay.objects.filter(applies).values_list("day", "working", "unit__path"),
                  key=lambda r: len(r[2] or ""))
    decided: dict = {}
    for day, working, _path in rows:
        decided[day] = working
    return WorkCalendar(
        settings.COUNTRY,
        extra_days_off=frozenset(d for d, w in decided.items() if not w),
        extra_working_days=frozenset(d for d, w in decided.items() if w),
    )


def due_at(received_at: datetime, processing_days: int, unit: Unit | None = None) -> datetime:
    return calendar(unit).due_at(received_at, processing_days, ZoneInfo(settings.TIME_ZONE))
