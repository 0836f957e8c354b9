"""Due dates on the working-day calendar of a unit: the country's, with the overrides that are data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models.signals import post_delete, post_save

from motcua.lib.memo import StampedMemo
from motcua.lib.workdays import WorkCalendar
from motcua.units.models import CalendarDay, Unit, path_ids

CACHE_SECONDS = 60.0

Override = tuple[date, bool, int | None, str]  # (day, working, unit id, unit path) of a CalendarDay


@dataclass
class _Calendars:
    overrides: list[Override]  # every CalendarDay
    by_path: dict[str, WorkCalendar] = field(default_factory=dict)  # built on demand; "" for the nation


def _load() -> _Calendars:
    return _Calendars(_load_overrides())


# The overrides are read again when the stamp in Django's cache is a minute old or dropped by a
# CalendarDay change; the calendars themselves stay in the process (see lib/memo.py for why).
_calendars: StampedMemo[_Calendars] = StampedMemo("calendar-overrides", _load, timeout=CACHE_SECONDS)


def forget_calendars(**_kwargs: object) -> None:
    """Drop the calendars (a CalendarDay saved or deleted): in every process when the cache is shared."""
    _calendars.forget()


def calendar(unit: Unit | None = None) -> WorkCalendar:
    """The working-day calendar of `unit` (or the national one), cached for a minute.

    Every deadline badge of an officer's queue needs one; the overrides change a
    few times a year, so a minute's delay for other processes is harmless (none
    with a shared cache, where a change drops the stamp for all). All the
    overrides are read at once (they are few): a process that submits to
    hundreds of units reads them once a minute, not once per unit per minute.
    """
    calendars = _calendars.get()
    key = unit.path if unit is not None else ""
    found = calendars.by_path.get(key)
    if found is None:
        found = calendars.by_path[key] = _calendar_of(calendars.overrides, key)
    return found


def _load_overrides() -> list[Override]:
    return [
        (day, working, unit_id, path or "")
        for day, working, unit_id, path in CalendarDay.objects.values_list("day", "working", "unit_id", "unit__path")
    ]


def _calendar_of(overrides: list[Override], path: str) -> WorkCalendar:
    """Country holidays + the overrides of the nation and of the unit's ancestors (itself included)."""
    ancestors = set(path_ids(path))
    rows = [r for r in overrides if r[2] is None or r[2] in ancestors]
    # Overrides are few (a handful a year); the deepest unit's word wins over the nation's.
    rows.sort(key=lambda r: len(r[3]))
    decided: dict = {}
    for day, working, _unit, _path in rows:
        decided[day] = working
    return WorkCalendar(
        settings.COUNTRY,
        extra_days_off=frozenset(d for d, w in decided.items() if not w),
        extra_working_days=frozenset(d for d, w in decided.items() if w),
    )


def shift(moment: datetime, working_days: int, calendar: WorkCalendar) -> datetime:
    """`moment` moved by `working_days` on `calendar`, at the same local time of day (a pause's end)."""
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    day = calendar.add_working_days(local.date(), working_days)
    return local.replace(year=day.year, month=day.month, day=day.day)


def due_at(received_at: datetime, processing_days: int, unit: Unit | None = None) -> datetime:
    return calendar(unit).due_at(received_at, processing_days, ZoneInfo(settings.TIME_ZONE))


post_save.connect(forget_calendars, sender=CalendarDay, dispatch_uid="motcua.deadlines.forget_on_save")
post_delete.connect(forget_calendars, sender=CalendarDay, dispatch_uid="motcua.deadlines.forget_on_delete")
