"""Due dates on the working-day calendar of a unit: the country's, with the overrides that are data."""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.db.models.signals import post_delete, post_save

from motcua.lib.workdays import WorkCalendar
from motcua.units.models import CalendarDay, Unit

_CACHE: dict[str, tuple[float, WorkCalendar]] = {}
CACHE_SECONDS = 60.0


def forget_calendars(**_kwargs: object) -> None:
    """Drop cached calendars (CalendarDay saved or deleted in this process)."""
    _CACHE.clear()


def calendar(unit: Unit | None = None) -> WorkCalendar:
    """The working-day calendar of `unit` (or the national one), cached for a minute.

    Every deadline badge of an officer's queue needs one; the overrides change a
    few times a year, so a minute's delay for other processes is harmless.
    """
    key = unit.path if unit is not None else ""
    hit = _CACHE.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    result = _load_calendar(unit)
    _CACHE[key] = (time.monotonic() + CACHE_SECONDS, result)
    return result


def _load_calendar(unit: Unit | None) -> WorkCalendar:
    """Country holidays + the CalendarDay rows of the nation and of the unit's ancestors."""
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


post_save.connect(forget_calendars, sender=CalendarDay, dispatch_uid="motcua.deadlines.forget_on_save")
post_delete.connect(forget_calendars, sender=CalendarDay, dispatch_uid="motcua.deadlines.forget_on_delete")
