"""Phone numbers for SMS: a Vietnamese number (0912 345 678, +84 912 345 678) or an international one in E.164.

Checked with `phonenumbers` (Google's libphonenumber metadata); stored as E.164 (+84912345678).
"""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def normalize(value: str) -> str:
    """The number in E.164, or a ValidationError that says what is wrong, in the reader's language."""
    text = value.strip()
    try:
        number = phonenumbers.parse(text, "VN")  # without a "+", a Vietnamese number
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(
            _("Số điện thoại không hợp lệ: hãy nhập số Việt Nam (ví dụ 0912 345 678) hoặc số quốc tế bắt đầu bằng “+” "
              "và mã nước (ví dụ +84 912 345 678)."), code="invalid_phone",
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("Số điện thoại %(number)s không tồn tại trong kế hoạch đánh số: hãy kiểm tra lại các chữ số và mã nước.")
            % {"number": text[:32]}, code="invalid_phone",
        )
    if phonenumbers.number_type(number) not in (phonenumbers.PhoneNumberType.MOBILE,
                                                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise ValidationError(_("Số %(number)s không phải số di động: tin nhắn SMS chỉ gửi được tới số di động.")
                              % {"number": text[:32]}, code="not_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
