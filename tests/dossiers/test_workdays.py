"""Working-day deadlines on the Vietnamese calendar.

Every expected date below was worked out by hand from the real calendar, not
copied from the code's output: the weekday of each date, the days off decreed
for the year (Tết, Hùng Kings, 30/4–1/5, 2/9) and the Saturdays worked in
exchange for a bridge day off.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from motcua.dossiers import deadlines
from motcua.lib.workdays import WorkCalendar, calendar_for, working_time

VN = WorkCalendar("VN")
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = ZoneInfo("UTC")

# Days off in the periods the issue names (weekdays only; the weekends around them are off anyway).
DAYS_OFF = [
    # Tết Ất Tỵ 2025: Mon 27 – Fri 31 Jan 2025.
    date(2025, 1, 27), date(2025, 1, 28), date(2025, 1, 29), date(2025, 1, 30), date(2025, 1, 31),
    # Hùng Kings 2025 (10/3 lunar): Mon 7 Apr 2025.
    date(2025, 4, 7),
    # 30/4–1/5 2025 (Wed, Thu) and the bridge Fri 2 May 2025, repaid by working Sat 26 Apr.
    date(2025, 4, 30), date(2025, 5, 1), date(2025, 5, 2),
    # National Day 2025: Mon 1 and Tue 2 Sep.
    date(2025, 9, 1), date(2025, 9, 2),
    # New Year 2026: Thu 1 Jan.
    date(2026, 1, 1),
    # Tết Bính Ngọ 2026: Mon 16 – Fri 20 Feb 2026.
    date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18), date(2026, 2, 19), date(2026, 2, 20),
    # Hùng Kings 2026 falls on Sun 26 Apr; the day off moves to Mon 27 Apr.
    date(2026, 4, 27),
    # 30/4 (Thu) and 1/5 (Fri) 2026.
    date(2026, 4, 30), date(2026, 5, 1),
    # National Day 2026: Tue 1, Wed 2 Sep, and Mon 31 Aug (substituted, repaid by working Sat 22 Aug).
    date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2),
]

WORKING = [
    # Ordinary weekdays right around the holidays.
    date(2025, 1, 24), date(2025, 2, 3), date(2026, 2, 13), date(2026, 2, 23), date(2026, 4, 28),
    date(2026, 4, 29), date(2026, 5, 4), date(2026, 8, 28), date(2026, 9, 3), date(2026, 1, 2),
    # Saturdays worked in exchange for a bridge day off: they count.
    date(2025, 4, 26), date(2026, 8, 22),
]


@pytest.mark.parametrize("day", DAYS_OFF, ids=str)
def test_holidays_are_days_off(day):
    assert day.weekday() < 5  # a weekday, so only the holiday makes it a day off
    assert not VN.is_working_day(day)


@pytest.mark.parametrize("day", WORKING, ids=str)
def test_days_around_holidays_are_working_days(day):
    assert VN.is_working_day(day)


@pytest.mark.parametrize("day", [date(2026, 2, 14), date(2026, 2, 15), date(2025, 4, 27), date(2026, 8, 23)], ids=str)
def test_ordinary_weekends_are_days_off(day):
    assert not VN.is_working_day(day)


# (start, working days, expected): the start day itself is not counted.
ADD_CASES = [
    # Tết 2025.
    (date(2025, 1, 24), 1, date(2025, 2, 3)),  # Fri before Tết → Mon after it
    (date(2025, 1, 23), 3, date(2025, 2, 4)),  # Fri 24, Mon 3 Feb, Tue 4 Feb
    (date(2025, 1, 22), 10, date(2025, 2, 12)),  # 23, 24, Feb 3, 4, 5, 6, 7, 10, 11, 12
    (date(2025, 1, 29), 1, date(2025, 2, 3)),  # from inside Tết
    # Tết 2026.
    (date(2026, 2, 13), 1, date(2026, 2, 23)),
    (date(2026, 2, 12), 2, date(2026, 2, 23)),  # Fri 13, Mon 23
    (date(2026, 2, 11), 5, date(2026, 2, 25)),  # 12, 13, 23, 24, 25
    (date(2026, 2, 16), 1, date(2026, 2, 23)),
    (date(2026, 2, 6), 10, date(2026, 2, 27)),  # 9, 10, 11, 12, 13, 23, 24, 25, 26, 27
    # New Year across the year boundary.
    (date(2025, 12, 31), 1, date(2026, 1, 2)),
    (date(2025, 12, 31), 2, date(2026, 1, 5)),  # Fri 2, Mon 5
    # Hùng Kings 2025 (Mon 7 Apr).
    (date(2025, 4, 4), 1, date(2025, 4, 8)),
    # 30/4–1/5 2025, with Sat 26 Apr worked and Fri 2 May off.
    (date(2025, 4, 25), 1, date(2025, 4, 26)),  # the swapped Saturday is a working day
    (date(2025, 4, 25), 3, date(2025, 4, 29)),  # Sat 26, Mon 28, Tue 29
    (date(2025, 4, 29), 1, date(2025, 5, 5)),  # Wed 30, Thu 1, Fri 2 off; Sat, Sun → Mon 5
    # Hùng Kings observed (Mon 27 Apr) and 30/4–1/5 2026 (Thu, Fri).
    (date(2026, 4, 24), 1, date(2026, 4, 28)),
    (date(2026, 4, 29), 1, date(2026, 5, 4)),
    (date(2026, 4, 24), 5, date(2026, 5, 6)),  # 28, 29, May 4, 5, 6
    # National Day 2025 (Mon 1, Tue 2 Sep).
    (date(2025, 8, 29), 1, date(2025, 9, 3)),
    # National Day 2026: Mon 31 Aug, Tue 1, Wed 2 Sep off; Sat 22 Aug worked.
    (date(2026, 8, 28), 1, date(2026, 9, 3)),
    (date(2026, 8, 28), 2, date(2026, 9, 4)),
    (date(2026, 8, 21), 1, date(2026, 8, 22)),
    (date(2026, 8, 21), 7, date(2026, 9, 3)),  # Sat 22, 24, 25, 26, 27, 28, Thu 3 Sep
    # No holiday in the way: plain weekends.
    (date(2026, 3, 6), 1, date(2026, 3, 9)),
    (date(2026, 3, 2), 4, date(2026, 3, 6)),
    (date(2026, 3, 2), 0, date(2026, 3, 2)),
]


@pytest.mark.parametrize(("start", "days", "expected"), ADD_CASES, ids=[f"{s}+{n}" for s, n, _ in ADD_CASES])
def test_add_working_days(start, days, expected):
    assert VN.add_working_days(start, days) == expected


def test_negative_days_are_refused():
    with pytest.raises(ValueError, match="negative"):
        VN.add_working_days(date(2026, 3, 2), -1)


def _at(y: int, m: int, d: int, hh: int = 10, mm: int = 0, tz: ZoneInfo = HCM) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=tz)


# (received, processing days, expected due date; due at 17:00 Hanoi time).
DUE_CASES = [
    # Received during a working day: that day is day 0.
    (_at(2026, 2, 13), 1, date(2026, 2, 23)),
    (_at(2026, 2, 13), 0, date(2026, 2, 13)),
    (_at(2025, 1, 23), 3, date(2025, 2, 4)),
    (_at(2026, 4, 29), 7, date(2026, 5, 12)),  # May 4, 5, 6, 7, 8, 11, 12
    (_at(2026, 8, 21, 9), 10, date(2026, 9, 8)),  # Sat 22, 24–28, Sep 3, 4, 7, 8
    (_at(2025, 4, 29), 3, date(2025, 5, 7)),  # May 5, 6, 7
    # Received on a day off (weekend or Tết): the next working day is day 0.
    (_at(2026, 2, 14, 9), 1, date(2026, 2, 24)),
    (_at(2026, 2, 18, 9), 1, date(2026, 2, 24)),
    (_at(2026, 2, 18, 9), 0, date(2026, 2, 23)),
    (_at(2026, 9, 1, 9), 2, date(2026, 9, 7)),  # day 0 Thu 3 Sep; Fri 4, Mon 7
    # Received after closing time: counted like a day off, from the next working day.
    (_at(2026, 2, 13, 20), 1, date(2026, 2, 24)),
    (_at(2026, 2, 13, 17), 0, date(2026, 2, 23)),
    (_at(2026, 3, 3, 23, 59), 0, date(2026, 3, 4)),
    # Just before closing still counts as that day.
    (_at(2026, 3, 3, 16, 59), 0, date(2026, 3, 3)),
    # UTC input: 02:00Z is 09:00 in Hanoi (Fri 13 Feb); 18:00Z is 01:00 Sat 14 Feb in Hanoi.
    (_at(2026, 2, 13, 2, tz=UTC), 1, date(2026, 2, 23)),
    (_at(2026, 2, 13, 18, tz=UTC), 1, date(2026, 2, 24)),
    # 23:30Z on Sun 22 Feb is 06:30 Mon 23 Feb in Hanoi: a working morning, day 0.
    (_at(2026, 2, 22, 23, 30, tz=UTC), 1, date(2026, 2, 24)),
]


@pytest.mark.parametrize(
    ("received", "days", "expected"), DUE_CASES, ids=[f"{r.isoformat()}+{n}" for r, n, _ in DUE_CASES]
)
def test_due_at(received, days, expected):
    due = VN.due_at(received, days, HCM)
    assert due == datetime.combine(expected, time(17, 0), tzinfo=HCM)
    assert due >= received


def test_deadlines_module_uses_the_configured_country_and_time_zone(settings, db):
    settings.COUNTRY, settings.TIME_ZONE = "VN", "Asia/Ho_Chi_Minh"
    due = deadlines.due_at(_at(2026, 2, 13, 2, tz=UTC), 1)
    assert due == datetime(2026, 2, 23, 17, 0, tzinfo=HCM)
    # Stored in UTC, it is 10:00Z.
    assert due.astimezone(UTC) == datetime(2026, 2, 23, 10, 0, tzinfo=UTC)


def test_working_days_between_counts_the_half_open_interval():
    assert VN.working_days_between(date(2026, 2, 13), date(2026, 2, 23)) == 1
    assert VN.working_days_between(date(2026, 2, 12), date(2026, 2, 27)) == 6  # 13, 23–27
    assert VN.working_days_between(date(2026, 2, 23), date(2026, 2, 13)) == 0
    assert VN.working_days_between(date(2025, 4, 25), date(2025, 4, 28)) == 2  # Sat 26 worked, Mon 28


def test_overrides_move_days_off_and_working_days():
    # A province decides Fri 6 Mar 2026 is off and Sat 7 Mar 2026 is worked instead.
    cal = calendar_for("VN", days_off=[date(2026, 3, 6)], working_days=[date(2026, 3, 7)])
    assert not cal.is_working_day(date(2026, 3, 6))
    assert cal.is_working_day(date(2026, 3, 7))
    assert cal.add_working_days(date(2026, 3, 5), 1) == date(2026, 3, 7)
    assert cal.add_working_days(date(2026, 3, 5), 2) == date(2026, 3, 9)
    # An override wins over the national calendar in both directions.
    cal = calendar_for("VN", days_off=[date(2026, 2, 23)], working_days=[date(2026, 2, 20)])
    assert cal.add_working_days(date(2026, 2, 19), 1) == date(2026, 2, 20)
    assert cal.add_working_days(date(2026, 2, 20), 1) == date(2026, 2, 24)


def test_country_weekend_comes_from_the_calendar():
    # Bangladesh rests on Friday and Saturday: Sun 8 Mar 2026 is a working day there, Fri 6 Mar is not.
    bd = WorkCalendar("BD")
    assert bd.is_working_day(date(2026, 3, 8))
    assert not bd.is_working_day(date(2026, 3, 6))
    assert not VN.is_working_day(date(2026, 3, 8))


@hsettings(max_examples=300, deadline=None)
@given(
    received=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)),
    days=st.integers(min_value=0, max_value=40),
)
def test_due_is_never_before_receipt_and_falls_on_a_working_day(received, days):
    due = VN.due_at(received, days, HCM)
    assert due >= received
    assert VN.is_working_day(due.date())
    assert due.astimezone(HCM).time() == time(17, 0)
    # Exactly `days` working days after the day the count starts from.
    local = received.astimezone(HCM)
    counted_from = (
        local.date()
        if VN.is_working_day(local.date()) and local.time() < time(17, 0)
        else VN.add_working_days(local.date(), 1)
    )
    assert VN.working_days_between(counted_from, due.date()) == days
    assert due.date() - counted_from >= timedelta(days=days)


# --- the calendar's per-year flags and the bounded count (docs/operations.md, issue 22) -----------------


@pytest.mark.parametrize("country", ["VN", "BD"])
def test_the_kept_flags_of_a_year_are_the_packages_calendar(country):
    """Every day of four years, as the `holidays` package answers (swapped Saturdays and the weekend included)."""
    from motcua.lib.workdays import _country_calendar

    calendar = WorkCalendar(country)
    day = date(2024, 1, 1)
    while day <= date(2027, 12, 31):
        assert calendar.is_working_day(day) == _country_calendar(country, day.year).is_working_day(day), day
        day += timedelta(days=1)


def test_overrides_win_over_the_kept_flags():
    """The flags hold the country's calendar only: a calendar's overrides are its own, asked first."""
    assert VN.is_working_day(date(2026, 3, 6))  # the flags of 2026 are kept now
    cal = calendar_for("VN", days_off=[date(2026, 3, 6)], working_days=[date(2026, 3, 7)])
    assert not cal.is_working_day(date(2026, 3, 6))
    assert cal.is_working_day(date(2026, 3, 7))
    assert VN.is_working_day(date(2026, 3, 6)) and not VN.is_working_day(date(2026, 3, 7))


def test_a_calendar_day_saved_changes_the_next_answers(db, settings):
    """The unit's calendar is rebuilt when a CalendarDay is saved or deleted (deadlines.forget_calendars);
    nothing the flags keep hides the change."""
    from motcua.units.models import CalendarDay

    settings.COUNTRY, settings.TIME_ZONE = "VN", "Asia/Ho_Chi_Minh"
    deadlines.forget_calendars()
    friday = date(2026, 3, 6)
    start, end = datetime(2026, 3, 6, 8, 0, tzinfo=HCM), datetime(2026, 3, 6, 17, 0, tzinfo=HCM)
    assert _old_working_time(deadlines.calendar(), start, end, HCM) == 1.0
    assert working_time(deadlines.calendar(), start, end, HCM) == 1.0
    off = CalendarDay.objects.create(unit=None, day=friday, working=False)
    assert not deadlines.calendar().is_working_day(friday)
    assert working_time(deadlines.calendar(), start, end, HCM) == 0.0
    assert deadlines.due_at(datetime(2026, 3, 5, 9, 0, tzinfo=HCM), 1) == datetime(2026, 3, 9, 17, 0, tzinfo=HCM)
    off.delete()
    assert working_time(deadlines.calendar(), start, end, HCM) == 1.0
    assert deadlines.due_at(datetime(2026, 3, 5, 9, 0, tzinfo=HCM), 1) == datetime(2026, 3, 6, 17, 0, tzinfo=HCM)


def _old_working_time(calendar, start, end, tz):
    """working_time as it was before the whole days were counted as 1.0 (the reference)."""
    if end <= start:
        return 0.0
    first, last = start.astimezone(tz), end.astimezone(tz)
    office = (datetime.combine(date.min, time(17, 0)) - datetime.combine(date.min, time(8, 0))).total_seconds()
    total = 0.0
    day = first.date()
    while day <= last.date():
        if calendar.is_working_day(day):
            open_at = datetime.combine(day, time(8, 0), tzinfo=tz)
            close_at = datetime.combine(day, time(17, 0), tzinfo=tz)
            overlap = (min(close_at, last) - max(open_at, first)).total_seconds()
            if overlap > 0:
                total += overlap / office
        day += timedelta(days=1)
    return total


@hsettings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2024, 12, 1), max_value=datetime(2027, 1, 31), timezones=st.just(UTC)),
    hours=st.floats(min_value=0, max_value=24 * 120, allow_nan=False),
)
def test_working_time_is_the_same_float_and_stops_at_its_bound(start, hours):

    end = start + timedelta(hours=hours)
    whole = working_time(VN, start, end, HCM)
    assert whole == _old_working_time(VN, start, end, HCM)  # bit for bit: the answer's shares are rounded from it
    bounded = working_time(VN, start, end, HCM, at_least=1.0)
    assert (bounded < 1.0) == (whole < 1.0)
    assert bounded == whole if whole < 1.0 else 1.0 <= bounded <= whole
