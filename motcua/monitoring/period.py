"""Reading a period from user input, refusing inverted or absurd ones with a code and a translated message."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from motcua.lib.errors import Invalid

EARLIEST = date(2000, 1, 1)
LONGEST_DAYS = 366 * 5  # five years: a longer range is a typing mistake, not a question


def check(start: date, end: date, today: date) -> tuple[date, date]:
    if start > end:
        raise Invalid(_("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc."), code="inverted_period",
                      start=start.isoformat(), end=end.isoformat())
    if start < EARLIEST or (end - start).days > LONGEST_DAYS:
        raise Invalid(_("Khoảng thời gian không hợp lệ: từ năm 2000 và dài tối đa 5 năm."), code="absurd_period",
                      start=start.isoformat(), end=end.isoformat())
    if start > today:
        raise Invalid(_("Khoảng thời gian chưa bắt đầu."), code="future_period", start=start.isoformat())
    return start, end


def parse(text: str | None, default: date) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(_("Ngày không đúng định dạng YYYY-MM-DD."), code="invalid_date", value=text[:32]) from None


def year_to_date(today: date) -> tuple[date, date]:
    return date(today.year, 1, 1), today

