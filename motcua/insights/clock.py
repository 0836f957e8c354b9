"""Working time as a clock: a moment → office days since 2000, so a duration is one subtraction.

`lib.workdays.working_time` walks the days between two moments; the insights measure millions of
intervals (every step of every finished dossier, every open dossier at every back-test date), so the
count of working days before each date is kept in a list, extended on demand. Same definition:
an office day is 08:00–17:00 local, on the unit's working-day calendar (tests check they agree).
"""

from __future__ import annotations

import bisect
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from motcua.dossiers import deadlines
from motcua.lib.workdays import CLOSING, OPENING, WorkCalendar
from motcua.units.models import Unit

BASE = date(2000, 1, 1)
_OFFICE_SECONDS = (datetime.combine(BASE, CLOSING) - datetime.combine(BASE, OPENING)).total_seconds()


class WorkClock:
    def __init__(self, calendar: WorkCalendar, tz: ZoneInfo | None = None) -> None:
        self.calendar = calendar
        self.tz = tz or ZoneInfo(settings.TIME_ZONE)
        self._before: list[int] = [0]  # working days in [BASE, BASE + i)
        self._working: list[bool] = []

    def _index(self, day: date) -> int:
        i = max(0, (day - BASE).days)
        while len(self._working) <= i:
            d = BASE + timedelta(days=len(self._working))
            works = self.calendar.is_working_day(d)
            self._working.append(works)
            self._before.append(self._before[-1] + works)
        return i

    def at(self, moment: datetime) -> float:
        local = moment.astimezone(self.tz)
        i = self._index(local.date())
        value = float(self._before[i])
        if self._working[i]:
            opened = datetime.combine(local.date(), OPENING, tzinfo=self.tz)
            value += min(max((local - opened).total_seconds() / _OFFICE_SECONDS, 0.0), 1.0)
        return value

    def between(self, start: datetime, end: datetime) -> float:
        return max(0.0, self.at(end) - self.at(start))

    def moment(self, value: float) -> datetime:
        """The moment the clock reads `value` (the inverse of `at` on office time; a whole value is 08:00)."""
        value = max(0.0, value)
        while self._before[-1] <= value:
            self._index(BASE + timedelta(days=len(self._working) + 30))
        i = bisect.bisect_right(self._before, value) - 1  # _before[i] <= value < _before[i + 1]: day i works
        opened = datetime.combine(BASE + timedelta(days=i), OPENING, tzinfo=self.tz)
        return opened + timedelta(seconds=(value - self._before[i]) * _OFFICE_SECONDS)


_clocks: dict[WorkCalendar, WorkClock] = {}


def clock_of(unit: Unit | None) -> WorkClock:
    """The clock of `unit`'s calendar (deadlines.calendar: the country's with the overrides)."""
    calendar = deadlines.calendar(unit)
    found = _clocks.get(calendar)
    if found is None:
        if len(_clocks) > 256:  # calendars change a few times a year: never hold many
            _clocks.clear()
        found = _clocks[calendar] = WorkClock(calendar)
    return found


class Pauses:
    """The intervals a dossier waited for the applicant, on a clock: taken out of any duration."""

    def __init__(self, clock: WorkClock, intervals: list[tuple[datetime, datetime]]) -> None:
        self.clock = clock
        self.spans = [(clock.at(a), clock.at(b)) for a, b in intervals if b > a]

    def within(self, a: float, b: float) -> float:
        return sum(max(0.0, min(b, q) - max(a, p)) for p, q in self.spans)

    def net(self, start: datetime, end: datetime) -> float:
        a, b = self.clock.at(start), self.clock.at(end)
        return max(0.0, b - a - self.within(a, b)) if b > a else 0.0
