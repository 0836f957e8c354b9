"""How the pages word and format things: action and level names, money, dates, people, units."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.formats import get_format
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from motcua.dossiers.models import Status
from motcua.units.models import UnitKind

# Verbs for the buttons and the history (context "action": some share words with status
# labels). Actions the core adds later fall back to their code.
ACTION_LABELS = {
    "submit": pgettext_lazy("action", "Nộp hồ sơ"),
    "receive": pgettext_lazy("action", "Tiếp nhận"),
    "refuse": pgettext_lazy("action", "Từ chối tiếp nhận"),
    "start_processing": pgettext_lazy("action", "Bắt đầu xử lý"),
    "approve": pgettext_lazy("action", "Phê duyệt"),
    "issue_result": pgettext_lazy("action", "Ban hành kết quả"),
    "return_result": pgettext_lazy("action", "Trả kết quả"),
    "withdraw": pgettext_lazy("action", "Rút hồ sơ"),
    "request_supplement": pgettext_lazy("action", "Yêu cầu bổ sung"),
    "supplement": pgettext_lazy("action", "Bổ sung hồ sơ"),
    "request_payment": pgettext_lazy("action", "Yêu cầu thanh toán"),
    "pay": pgettext_lazy("action", "Thanh toán"),
    "transfer": pgettext_lazy("action", "Chuyển xử lý"),
    "stop": pgettext_lazy("action", "Dừng xử lý"),
    "apologize": pgettext_lazy("action", "Gửi phiếu xin lỗi và hẹn lại"),
}

# The same deeds as history entries (context "event": "Received" rather than "Receive").
EVENT_LABELS = {
    "submit": pgettext_lazy("event", "Nộp hồ sơ"),
    "receive": pgettext_lazy("event", "Tiếp nhận"),
    "refuse": pgettext_lazy("event", "Từ chối tiếp nhận"),
    "start_processing": pgettext_lazy("event", "Bắt đầu xử lý"),
    "approve": pgettext_lazy("event", "Phê duyệt"),
    "issue_result": pgettext_lazy("event", "Ban hành kết quả"),
    "return_result": pgettext_lazy("event", "Trả kết quả"),
    "withdraw": pgettext_lazy("event", "Rút hồ sơ"),
    "request_supplement": pgettext_lazy("event", "Yêu cầu bổ sung"),
    "supplement": pgettext_lazy("event", "Bổ sung hồ sơ"),
    "request_payment": pgettext_lazy("event", "Yêu cầu thanh toán"),
    "pay": pgettext_lazy("event", "Thanh toán"),
    "transfer": pgettext_lazy("event", "Chuyển xử lý"),
    "stop": pgettext_lazy("event", "Dừng xử lý"),
    "apologize": pgettext_lazy("event", "Gửi phiếu xin lỗi và hẹn lại"),
}

# Actions whose form needs a written reason (the core refuses them without one).
REASON_ACTIONS = frozenset({"refuse"})

# "Cấp thực hiện": the level of government that carries out a procedure.
LEVEL_LABELS = {
    UnitKind.MINISTRY: gettext_lazy("Cấp bộ"),
    UnitKind.PROVINCE: gettext_lazy("Cấp tỉnh"),
    UnitKind.DEPARTMENT: gettext_lazy("Cấp sở, ngành"),
    UnitKind.COMMUNE: gettext_lazy("Cấp xã"),
}

SERVICE_MODE_LABELS = {
    "full": gettext_lazy("Trực tuyến toàn trình"),
    "partial": gettext_lazy("Trực tuyến một phần"),
}

# Day first everywhere: these are Vietnamese legal dates, whatever the reader's language.
_DATE_FORMATS = {"vi": "d/m/Y", "en": "j M Y", "bn": "j F Y"}
_DATETIME_FORMATS = {"vi": "H:i d/m/Y", "en": "j M Y, H:i", "bn": "j F Y, H:i"}


def _language() -> str:
    return (get_language() or "vi")[:2]


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def event_label(action: str) -> str:
    return str(EVENT_LABELS.get(action, action))


def level_label(level: str) -> str:
    if level in LEVEL_LABELS:
        return str(LEVEL_LABELS[level])
    return str(UnitKind(level).label) if level in UnitKind.values else level


def service_mode_label(mode: str) -> str:
    return str(SERVICE_MODE_LABELS.get(mode, mode))


def group_digits(amount: int) -> str:
    """1234567 → "1.234.567" (vi) or "1,234,567" (en, bn)."""
    separator = get_format("THOUSAND_SEPARATOR")
    return f"{amount:,}".replace(",", separator)


def money(amount: int | None) -> str:
    """Integer đồng as the reader writes it; zero is "free"."""
    if not amount:
        return _("Miễn phí")
    return _("%(amount)s đồng") % {"amount": group_digits(int(amount))}


def format_date(value: date | None) -> str:
    if value is None:
        return ""
    return date_format(value, _DATE_FORMATS.get(_language(), "d/m/Y"))


def format_datetime(value: datetime | None) -> str:
    """In Asia/Ho_Chi_Minh (the active time zone), the zone of the legal deadlines."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, _DATETIME_FORMATS.get(_language(), "H:i d/m/Y"))


def person_name(user) -> str:
    """The citizen's registered name, else the account's name (family name first), else the login."""
    citizen = getattr(user, "citizen", None)
    if citizen is not None and citizen.full_name:
        return citizen.full_name
    # Vietnamese order: "Ngô Thị" (last_name) + "Mai" (first_name), not Django's "Mai Ngô Thị".
    name = " ".join(part for part in (user.last_name, user.first_name) if part)
    return name or user.get_username()


def unit_name(unit) -> str:
    if _language() != "vi" and unit.name_en:
        return unit.name_en
    return unit.name


_CLOSED = frozenset({Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.PROCESSED, Status.RETURNED})


def is_overdue(dossier, now: datetime | None = None) -> bool:
    """Past its promised date and not finished: the officer must act (or apologize) now."""
    if dossier.due_at is None or dossier.finished_at is not None or dossier.status in _CLOSED:
        return False
    return dossier.due_at < (now or timezone.now())
