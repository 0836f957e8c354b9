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
        return _country_calendar(self.country, day.year).is_working_day(day)

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


def working_time(calendar: WorkCalendar, start: datetime, end: datetime, tz: ZoneInfo) -> float:
    """Office time between two moments, in working days (an office day is 08:00–17:00).

    Used for the share of a dossier's time each unit or step took, and for the
    time a dossier spent waiting for the applicant.
    """
    if end <= start:
        return 0.0
    first, last = start.astimezone(tz), end.astimezone(tz)
    office = (datetime.combine(date.min, CLOSING) - datetime.combine(date.min, OPENING)).total_seconds()
    total = 0.0
    day = first.date()
    while day <= last.date():
        if calendar.is_working_day(day):
            open_at = datetime.combine(day, OPENING, tzinfo=tz)
            close_at = datetime.combine(day, CLOSING, tzinfo=tz)
            overlap = (min(close_at, last) - max(open_at, first)).total_seconds()
            if overlap > 0:
                total += overlap / office
        day += timedelta(days=1)
    return total


def calendar_for(
    country: str, days_off: Iterable[date] = (), working_days: Iterable[date] = ()
) -> WorkCalendar:
    return WorkCalendar(country, frozenset(days_off), frozenset(working_days))
