"""How the pages word and format things: action and level names, money, dates, people, units."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.formats import get_format
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from motcua.catalog import vocab
from motcua.catalog.display import format_date  # noqa: F401  (the pages' one date format, kept with the form's)
from motcua.catalog.models import localized
from motcua.dossiers.actions import CLOCK_RUNS
from motcua.dossiers.models import Status, TaskStatus
from motcua.units.models import Role, Unit

# Verbs for the buttons and the history (context "action": some share words with status
# labels). Actions the core adds later fall back to their code.
ACTION_LABELS = {
    "submit": pgettext_lazy("action", "Nộp hồ sơ"),
    "receive": pgettext_lazy("action", "Tiếp nhận"),
    "refuse": pgettext_lazy("action", "Từ chối tiếp nhận"),
    "claim": pgettext_lazy("action", "Nhận xử lý"),
    "assign": pgettext_lazy("action", "Giao xử lý"),
    "start_processing": pgettext_lazy("action", "Bắt đầu xử lý"),
    "transfer": pgettext_lazy("action", "Chuyển xử lý"),
    "approve": pgettext_lazy("action", "Phê duyệt"),
    "issue_result": pgettext_lazy("action", "Ban hành kết quả"),
    "return_result": pgettext_lazy("action", "Trả kết quả"),
    "withdraw": pgettext_lazy("action", "Rút hồ sơ"),
    "request_supplement": pgettext_lazy("action", "Yêu cầu bổ sung"),
    "submit_supplement": pgettext_lazy("action", "Bổ sung hồ sơ"),
    "request_payment": pgettext_lazy("action", "Yêu cầu thanh toán"),
    "request_obligation": pgettext_lazy("action", "Yêu cầu thực hiện nghĩa vụ tài chính"),
    "hand_over": pgettext_lazy("action", "Chuyển hồ sơ lên cơ quan giải quyết"),
    "record_answer": pgettext_lazy("action", "Ghi nhận trả lời của cơ quan ngoài"),
    "set_appointment": pgettext_lazy("action", "Hẹn lịch làm việc"),
    "record_visit": pgettext_lazy("action", "Ghi nhận buổi làm việc"),
    "fulfil_obligation": pgettext_lazy("action", "Xác nhận đã thực hiện nghĩa vụ"),
    "confirm_payment": pgettext_lazy("action", "Xác nhận đã thanh toán"),
    "stop": pgettext_lazy("action", "Dừng xử lý"),
    "issue_apology": pgettext_lazy("action", "Gửi phiếu xin lỗi và hẹn lại"),
    "digitize": pgettext_lazy("action", "Số hóa thành phần hồ sơ"),
    "keep_on_paper": pgettext_lazy("action", "Chỉ lưu bản giấy"),
    "digitize_result": pgettext_lazy("action", "Số hóa kết quả"),
}

# The same deeds as history entries (context "event": "Received" rather than "Receive").
EVENT_LABELS = {
    "submit": pgettext_lazy("event", "Nộp hồ sơ"),
    "receive": pgettext_lazy("event", "Tiếp nhận"),
    "refuse": pgettext_lazy("event", "Từ chối tiếp nhận"),
    "claim": pgettext_lazy("event", "Nhận xử lý"),
    "assign": pgettext_lazy("event", "Giao xử lý"),
    "start_processing": pgettext_lazy("event", "Bắt đầu xử lý"),
    "transfer": pgettext_lazy("event", "Chuyển xử lý"),
    "approve": pgettext_lazy("event", "Phê duyệt"),
    "issue_result": pgettext_lazy("event", "Ban hành kết quả"),
    "return_result": pgettext_lazy("event", "Trả kết quả"),
    "withdraw": pgettext_lazy("event", "Rút hồ sơ"),
    "request_supplement": pgettext_lazy("event", "Yêu cầu bổ sung"),
    "submit_supplement": pgettext_lazy("event", "Bổ sung hồ sơ"),
    "request_payment": pgettext_lazy("event", "Yêu cầu thanh toán"),
    "request_obligation": pgettext_lazy("event", "Yêu cầu thực hiện nghĩa vụ tài chính"),
    "hand_over": pgettext_lazy("event", "Chuyển hồ sơ lên cơ quan giải quyết"),
    "record_answer": pgettext_lazy("event", "Cơ quan ngoài đã trả lời"),
    "set_appointment": pgettext_lazy("event", "Hẹn lịch làm việc"),
    "record_visit": pgettext_lazy("event", "Đã làm việc, lập biên bản"),
    "fulfil_obligation": pgettext_lazy("event", "Đã thực hiện nghĩa vụ tài chính"),
    "remind_expiry": pgettext_lazy("event", "Nhắc kết quả sắp hết hạn"),
    "confirm_payment": pgettext_lazy("event", "Xác nhận đã thanh toán"),
    "stop": pgettext_lazy("event", "Dừng xử lý"),
    "issue_apology": pgettext_lazy("event", "Gửi phiếu xin lỗi và hẹn lại"),
    "deadline_at_risk": pgettext_lazy("event", "Sắp đến hạn trả kết quả"),
    "deadline_late": pgettext_lazy("event", "Quá hạn trả kết quả"),
    "rate": pgettext_lazy("event", "Đánh giá mức độ hài lòng"),
    "digitize": pgettext_lazy("event", "Số hóa thành phần hồ sơ"),
    "keep_on_paper": pgettext_lazy("event", "Ghi nhận chỉ lưu bản giấy"),
    "digitize_result": pgettext_lazy("event", "Số hóa kết quả"),
}

# Actions whose form needs a written reason (the core refuses them without one).
REASON_ACTIONS = frozenset({"refuse", "stop"})
# Actions whose form needs more than a reason: the list links to the dossier page's form.
DETAIL_ACTIONS = frozenset({"request_supplement", "request_payment", "request_obligation", "fulfil_obligation",
                            "assign", "issue_apology"})
# Actions that work one open step (the form names it when several are open).
STEP_ACTIONS = frozenset({"claim", "start_processing", "transfer", "approve",
                          "hand_over", "record_answer", "set_appointment", "record_visit"})

# Deadline states of a dossier as badges; "paused": the clock stands still (waiting for the applicant).
DEADLINE_LABELS = {
    "on_time": gettext_lazy("Trong hạn"),
    "at_risk": gettext_lazy("Sắp đến hạn"),
    "late": gettext_lazy("Quá hạn"),
    "paused": gettext_lazy("Tạm dừng, chờ bổ sung"),
}

SERVICE_MODE_LABELS = {
    "full": gettext_lazy("Trực tuyến toàn trình"),
    "partial": gettext_lazy("Trực tuyến một phần"),
}

_DATETIME_FORMATS = {"vi": "H:i d/m/Y", "en": "j M Y, H:i", "bn": "j F Y, H:i"}


def _language() -> str:
    return (get_language() or "vi")[:2]


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def event_label(action: str) -> str:
    return str(EVENT_LABELS.get(action, action))


def level_label(level: str) -> str:
    """"Cấp thực hiện": the level of government that carries out a procedure, as the catalog names it."""
    kind = vocab.current().unit_kinds.get(level, {})
    return localized(kind.get("level_name") or kind.get("name")) or level


def service_mode_label(mode: str) -> str:
    return str(SERVICE_MODE_LABELS.get(mode, mode))


def group_digits(amount: int) -> str:
    """1234567 → "1.234.567" (vi) or "1,234,567" (en, bn)."""
    separator = get_format("THOUSAND_SEPARATOR")
    return f"{amount:,}".replace(",", separator)


def money(amount: int | None) -> str:
    """Whole units of the country's currency (integer đồng) as the reader writes them; zero is "free"."""
    if not amount:
        return _("Miễn phí")
    written = localized(vocab.current().currency.get("format")) or "%(amount)s"
    return written % {"amount": group_digits(int(amount))}


def format_datetime(value: datetime | None) -> str:
    """In Asia/Ho_Chi_Minh (the active time zone), the zone of the legal deadlines."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    language = _language()
    if language == "vi" or language not in _DATETIME_FORMATS:
        # "H:i d/m/Y" has no words to translate: formatted directly, it costs a tenth of
        # Django's date format (pages show many dates: a list row has two, an event one).
        return f"{value.hour:02d}:{value.minute:02d} {value.day:02d}/{value.month:02d}/{value.year:04d}"
    return date_format(value, _DATETIME_FORMATS[language])


def person_name(user) -> str:
    """The citizen's registered name, else the account's name (family name first), else the login."""
    citizen = getattr(user, "citizen", None)
    if citizen is not None and citizen.full_name:
        return citizen.full_name
    return user.get_full_name() or user.get_username()


def unit_name(unit) -> str:
    return unit.display_name


def issuer_names(issuers: Iterable[str]) -> dict[str, str]:
    """{issuer as kept: as shown}: a vault document keeps its issuer's (Vietnamese) name; one of
    our units is shown as every page names it, in the reader's language (one query)."""
    wanted = {i for i in issuers if i}
    if not wanted:
        return {}
    return {u.name: u.display_name for u in Unit.objects.filter(name__in=wanted).only("name", "name_en", "name_bn")}


_CLOSED = frozenset({Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.PROCESSED, Status.RETURNED})


def deadline_badge(dossier, now: datetime | None = None) -> str:
    """The badge of a dossier: on_time, at_risk, late, paused, or "" (no promised date, or finished).

    Past its date it is late at once, even before the periodic check has marked it;
    otherwise the state the core recorded (the check marks at_risk).
    """
    if dossier.due_at is None or dossier.status in _CLOSED:
        return ""
    if dossier.status == Status.SUPPLEMENT_REQUESTED or dossier.paused_at is not None:
        return "paused"
    if dossier.status not in CLOCK_RUNS:
        return ""
    if dossier.due_at < (now or timezone.now()):
        return "late"
    return dossier.deadline_state if dossier.deadline_state in DEADLINE_LABELS else "on_time"


def deadline_label(state: str) -> str:
    return str(DEADLINE_LABELS.get(state, ""))


def role_label(role: str) -> str:
    return localized(vocab.current().name("roles", role)) or (str(Role(role).label) if role in Role.values else role)


def status_label(status: int) -> str:
    """A dossier status's name (Dossier.get_status_display rebuilds its choices on every call)."""
    return str(Status(status).label) if status in Status.values else str(status)


def task_status_label(status: str) -> str:
    return str(TaskStatus(status).label) if status in TaskStatus.values else status


def decimal(value: float) -> str:
    """Working days with at most two decimals, in the reader's notation: 0.25 → "0,25" (vi)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".") if value else "0"
    return text.replace(".", get_format("DECIMAL_SEPARATOR"))


def file_size(size: int | None) -> str:
    if not size:
        return ""
    if size < 1024 * 1024:
        return _("%(n)s KB") % {"n": decimal(max(size / 1024, 0.1))}
    return _("%(n)s MB") % {"n": decimal(size / 1024 / 1024)}


def step_label(task) -> str:
    """A workflow step as officers name it: "Lãnh đạo UBND xã ký — UBND xã An Bình"."""
    return _("%(step)s — %(unit)s") % {"step": localized(task.name) or task.step, "unit": unit_name(task.unit)}
