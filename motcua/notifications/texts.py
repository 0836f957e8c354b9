"""What each event says, per channel: an e-mail (subject and body) and an SMS of one segment where it can.

Every string is a gettext message with a Vietnamese source, so the applicant reads it in the
language they chose (vi, en, bn). An SMS in Vietnamese is sent without diacritics, as
Vietnamese SMS usually are: the GSM-7 alphabet gives 160 characters to a segment, while one
accented letter would switch the whole text to UCS-2 and 70. Bengali is always UCS-2, so its
texts are the shortest. A long free value (the items to supplement, a reason) is shortened to
keep the text in one segment; the e-mail carries it in full.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

# GSM 03.38: the basic alphabet (one septet each) and the extension table (two septets each).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€\f")


def sms_segments(text: str) -> int:
    """How many SMS segments the text takes (GSM-7: 160, or 153 when split; UCS-2: 70, or 67)."""
    if all(c in GSM_BASIC or c in GSM_EXTENSION for c in text):
        septets = sum(2 if c in GSM_EXTENSION else 1 for c in text)
        return 1 if septets <= 160 else -(-septets // 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else -(-units // 67)


def without_diacritics(text: str) -> str:
    """Vietnamese written without its accents ("Hồ sơ đã nộp" → "Ho so da nop"), as SMS usually are."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


@dataclass(frozen=True)
class Template:
    subject: Callable[[], str]  # e-mail subject, with %(code)s
    sms: Callable[[], str]  # SMS text, with the named values of `values()`
    audience: str = "applicant"  # who hears of it: the applicant, or the officers concerned
    shortens: str = ""  # the value shortened to keep the SMS in one segment


# Called at use (inside translation.override): gettext must not run at import.
TEMPLATES: dict[str, Template] = {
    "dossier.submit": Template(
        lambda: _("Hồ sơ %(code)s đã được nộp"),
        lambda: _("Hồ sơ %(code)s đã được nộp, đang chờ tiếp nhận."),
    ),
    "dossier.receive": Template(
        lambda: _("Hồ sơ %(code)s đã được tiếp nhận"),
        lambda: _("Hồ sơ %(code)s đã được tiếp nhận, hẹn trả kết quả %(date)s."),
    ),
    "dossier.refuse": Template(
        lambda: _("Hồ sơ %(code)s bị từ chối tiếp nhận"),
        lambda: _("Hồ sơ %(code)s bị từ chối tiếp nhận: %(reason)s"), shortens="reason",
    ),
    "dossier.request_supplement": Template(
        lambda: _("Hồ sơ %(code)s cần bổ sung"),
        lambda: _("Hồ sơ %(code)s cần bổ sung: %(items)s"), shortens="items",
    ),
    "dossier.request_payment": Template(
        lambda: _("Hồ sơ %(code)s cần thanh toán phí, lệ phí"),
        lambda: _("Hồ sơ %(code)s cần thanh toán %(amount)s đồng."),
    ),
    "dossier.confirm_payment": Template(
        lambda: _("Hồ sơ %(code)s đã được thanh toán"),
        lambda: _("Hồ sơ %(code)s đã thanh toán %(amount)s đồng."),
    ),
    "dossier.payment_paid": Template(
        lambda: _("Hồ sơ %(code)s đã được thanh toán"),
        lambda: _("Hồ sơ %(code)s đã thanh toán %(amount)s đồng."),
    ),
    "dossier.issue_apology": Template(
        lambda: _("Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ %(code)s"),
        lambda: _("Xin lỗi: hồ sơ %(code)s bị trễ hạn, hẹn trả mới %(date)s."),
    ),
    "dossier.issue_result": Template(
        lambda: _("Hồ sơ %(code)s đã có kết quả"),
        lambda: _("Hồ sơ %(code)s đã có kết quả."),
    ),
    "dossier.return_result": Template(
        lambda: _("Hồ sơ %(code)s đã được trả kết quả"),
        lambda: _("Hồ sơ %(code)s đã được trả kết quả."),
    ),
    "dossier.stop": Template(
        lambda: _("Hồ sơ %(code)s đã dừng xử lý"),
        lambda: _("Hồ sơ %(code)s đã dừng xử lý: %(reason)s"), shortens="reason",
    ),
    "dossier.withdraw": Template(
        lambda: _("Hồ sơ %(code)s đã được rút"),
        lambda: _("Hồ sơ %(code)s đã được rút theo yêu cầu của bạn."),
    ),
    "dossier.request_obligation": Template(
        lambda: _("Hồ sơ %(code)s: cần thực hiện nghĩa vụ tài chính"),
        lambda: _("Hồ sơ %(code)s: hãy thực hiện nghĩa vụ tài chính; thời gian này không tính vào thời hạn."),
    ),
    # An appointment or on-site visit set by the step's holder (dossiers/actions/who.py).
    "dossier.set_appointment": Template(
        lambda: _("Hồ sơ %(code)s: lịch hẹn làm việc"),
        lambda: _("Hồ sơ %(code)s: hẹn làm việc lúc %(when)s tại %(place)s."), shortens="place",
    ),
    "dossier.remind_expiry": Template(
        lambda: _("Kết quả của hồ sơ %(code)s sắp hết hạn"),
        lambda: _("Kết quả của hồ sơ %(code)s hết hiệu lực ngày %(date)s."),
    ),
    # The officers' own.
    "dossier.assign": Template(
        lambda: _("Bạn được giao xử lý hồ sơ %(code)s"),
        lambda: _("Bạn được giao xử lý hồ sơ %(code)s."), audience="officer",
    ),
    "officer.due_tomorrow": Template(
        lambda: _("Hồ sơ %(code)s đến hạn trả kết quả ngày mai"),
        lambda: _("Hồ sơ %(code)s đến hạn trả kết quả ngày mai %(date)s."), audience="officer",
    ),
    "officer.late": Template(
        lambda: _("Hồ sơ %(code)s đã quá hạn"),
        lambda: _("Hồ sơ %(code)s đã quá hạn từ %(date)s."), audience="officer",
    ),
}


def sms_text(template: Template, values: Mapping[str, str], language: str) -> str:
    """The SMS for these values, shortened (its `shortens` value) to one segment where it can be."""

    def render(vals: Mapping[str, str]) -> str:
        text = template.sms() % vals
        return without_diacritics(text) if language == "vi" else text

    text = render(values)
    long = template.shortens
    if sms_segments(text) == 1 or not long or not values.get(long):
        return text
    value = values[long]
    # Cut the free value, a character at a time from the end, until the text fits ("..." is GSM-7).
    for cut in range(len(value) - 1, 0, -1):
        text = render({**values, long: value[:cut].rstrip() + "..."})
        if sms_segments(text) == 1:
            return text
    return render({**values, long: "..."})
