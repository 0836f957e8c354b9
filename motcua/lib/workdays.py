"""Working-day arithmetic for legal deadlines.

A deadline of N working days skips Saturdays, Sundays and the country's public
holidays (from the `holidays` package). Per-year decisions that move days off
(e.g. a bridge day swapped for a Saturday) are passed as overrides: dates that
become days off, and dates that become working days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


@lru_cache(maxsize=64)
def _country_calendar(country: str, year: int) -> holidays.HolidayBase:
    """The package's calendar for `year`: holidays, the country's weekend, and swapped days.

    Why not only the holiday dates: a bridge day off is repaid by working a
    Saturday (26 Apr 2025 for 2 May 2025; 22 Aug 2026 for 31 Aug 2026), and that
    Saturday is a working day for the deadline; the weekend itself differs by
    country (Friday-Saturday in Bangladesh). The next year is loaded too, since a
    Saturday late in December may repay a day off in early January.
    """
    return holidays.country_holidays(country, years=(year, year + 1))


# Whether each day of a year works on the country's calendar alone: one byte per day, from January 1st.
# The package's calendars are fixed for the life of the process (no override is in them: those are the
# WorkCalendar's own sets), so this never needs dropping. Asking the package costs ~10 µs a day, and a
# receive asks for every day up to its due date several times (its state, the answer's shares).
_YEAR_FLAGS: dict[tuple[str, int], tuple[int, bytes]] = {}


def _working_flags(country: str, year: int) -> tuple[int, bytes]:
    """(the ordinal of January 1st, a byte per day of the year: 1 a working day)."""
    key = (country, year)
    found = _YEAR_FLAGS.get(key)
    if found is None:
        calendar = _country_calendar(country, year)
        first = date(year, 1, 1).toordinal()
        days = date(year, 12, 31).toordinal() - first + 1
        found = (first, bytes(calendar.is_working_day(date.fromordinal(first + i)) for i in range(days)))
        if len(_YEAR_FLAGS) > 512:  # a process asks about a few years and a country or two: never many
            _YEAR_FLAGS.clear()
        _YEAR_FLAGS[key] = found
    return found


@dataclass(frozen=True)
class WorkCalendar:
    country: str = "VN"
    extra_days_off: frozenset[date] = field(default_factory=frozenset)
    extra_working_days: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False
        first, flags = _working_flags(self.country, day.year)
        return flags[day.toordinal() - first] == 1

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (start itself not counted)."""
        if days < 0:
            raise ValueError("days must not be negative")
        current = start
        for _ in range(days):
            current = self.next_working_day(current)
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; 0 when end is not after start."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count

    def due_at(
        self, received: datetime, days: int, tz: ZoneInfo, closing: time = time(17, 0)
    ) -> datetime:
        """The promised return moment: end of the office day N working days later.

        A dossier received on a day off (online, at night, at the weekend) is
        counted from the next working day, as the law counts it from receipt.
        """
        moment = received.astimezone(tz)
        local = moment.date()
        # "At night" includes a working day after closing time: counting from that
        # day would promise a 0-day procedure received at 18:00 for 17:00, before
        # its receipt (and break the dossier_due_after_receipt constraint).
        in_office_day = self.is_working_day(local) and moment.time() < closing
        start = local if in_office_day else self.next_working_day(local)
        # Received during a working day: that day is day 0 and the count starts
        # the next one; received on a day off or after closing: the next working
        # day is day 0.
        due_day = self.add_working_days(start, days) if days else start
        return datetime.combine(due_day, closing, tzinfo=tz)


OPENING = time(8, 0)
CLOSING = time(17, 0)


_OFFICE_SECONDS = (datetime.combine(date.min, CLOSING) - datetime.combine(date.min, OPENING)).total_seconds()
_ONE_DAY = timedelta(days=1)


def working_time(
    calendar: WorkCalendar, start: datetime, end: datetime, tz: ZoneInfo, at_least: float | None = None
) -> float:
    """Office time between two moments, in working days (an office day is 08:00–17:00).

    Used for the share of a dossier's time each unit or step took, and for the
    time a dossier spent waiting for the applicant. `at_least`: stop counting once
    the time reaches it (the answer is then at least `at_least`, not the whole time):
    whether a working day is left before a due date needs no count of the weeks after.
    """
    if end <= start:
        return 0.0
    first, last = start.astimezone(tz), end.astimezone(tz)
    office = _OFFICE_SECONDS
    total = 0.0
    day, first_day, last_day = first.date(), first.date(), last.date()
    while day <= last_day:
        if calendar.is_working_day(day):
            if first_day < day < last_day:
                # A whole office day: (17:00 − 08:00) / office, which is exactly 1.0.
                total += 1.0
            else:
                open_at = datetime.combine(day, OPENING, tzinfo=tz)
                close_at = datetime.combine(day, CLOSING, tzinfo=tz)
                overlap = (min(close_at, last) - max(open_at, first)).total_seconds()
                if overlap > 0:
                    total += overlap / office
            if at_least is not None and total >= at_least:
                return total
        day += _ONE_DAY
    return total


def calendar_for(
    country: str, days_off: Iterable[date] = (), working_days: Iterable[date] = ()
) -> WorkCalendar:
    return WorkCalendar(country, frozenset(days_off), frozenset(working_days))
