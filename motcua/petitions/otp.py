"""One-time codes that verify an anonymous filer's contact.

A 6-digit code is sent to the contact through the outbox: an e-mail address gets a "mail"
event, a mobile number (checked and stored as E.164 by notifications/phones.py) an "sms" event
that the notifications' SMS channel delivers (channels/sms.py; the demo gateway /demo-sms/
locally). A phone number is refused while the site has no SMS channel: the code could not arrive.
Only its hash is kept; it expires after 10 minutes and allows 5 tries. A verified code
gives a random token, valid for an hour, that filing and the filer's own actions present
instead of an account.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from motcua.lib.errors import Invalid
from motcua.notifications import channels, phones
from motcua.notifications.outbox import emit
from motcua.notifications.subscribers import schedule_delivery
from motcua.notifications.texts import without_diacritics
from motcua.petitions import limits
from motcua.petitions.models import ContactCode

CODE_TTL = timedelta(minutes=10)
TOKEN_TTL = timedelta(hours=1)
MAX_ATTEMPTS = 5


def _hash(value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def normalize_contact(raw: str) -> str:
    """An e-mail address (lower case) or a mobile number (E.164); Invalid otherwise."""
    value = (raw or "").strip()
    if "@" in value:
        try:
            validate_email(value)
        except Exception as exc:
            raise Invalid(_("Địa chỉ thư điện tử không hợp lệ."), code="invalid_contact") from exc
        return value.lower()
    if not value or len(value) > 32 or "\x00" in value or not any(c.isdigit() for c in value):
        raise Invalid(_("Hãy nhập địa chỉ thư điện tử hoặc số điện thoại."), code="invalid_contact")
    try:
        return phones.normalize(value)
    except ValidationError as exc:
        raise Invalid(exc.messages[0], code="invalid_contact") from exc


def send_code(raw_contact: str, now: datetime) -> str:
    """Send a new code to the contact (rate-limited); returns the normalized contact."""
    contact = normalize_contact(raw_contact)
    if "@" not in contact and "sms" not in channels.available():
        raise Invalid(_("Hiện chưa gửi được tin nhắn SMS: hãy dùng địa chỉ thư điện tử."), code="sms_unavailable")
    limits.check_code(now, contact)
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        ContactCode.objects.create(contact=contact, code_hash=_hash(code), created_at=now, expires_at=now + CODE_TTL)
        text = _("Mã xác thực gửi phản ánh, kiến nghị của bạn là %(code)s (có hiệu lực 10 phút).") % {"code": code}
        if "@" in contact:
            emit("mail", "petition-code", {"to": [contact], "subject": _("Mã xác thực phản ánh, kiến nghị"),
                                            "body": text + "\n"}, now)
        else:
            # Vietnamese without its accents, as every motcua SMS: one GSM-7 segment (notifications/texts.py).
            sms = without_diacritics(text) if (translation.get_language() or "vi").startswith("vi") else text
            emit("sms", "petition-code", {"to": contact, "body": sms}, now)
        schedule_delivery()
    return contact


def verify_code(raw_contact: str, code: str, now: datetime) -> str:
    """Check the latest code sent to the contact; return a token for it. Invalid when wrong or expired."""
    contact = normalize_contact(raw_contact)
    with transaction.atomic():
        row = (ContactCode.objects.select_for_update().filter(contact=contact, used_at__isnull=True)
               .order_by("-created_at").first())
        wrong = Invalid(_("Mã xác thực không đúng hoặc đã hết hạn."), code="invalid_code")
        if row is None or row.expires_at < now or row.attempts >= MAX_ATTEMPTS:
            raise wrong
        if not hmac.compare_digest(row.code_hash, _hash((code or "").strip())):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            raise wrong
        token = secrets.token_urlsafe(24)
        row.used_at = now
        row.token_hash = _hash(token)
        row.save(update_fields=["used_at", "token_hash"])
    return token


def contact_for_token(token: str, now: datetime) -> str:
    """The contact a token verified, or "" when it is unknown or older than TOKEN_TTL."""
    if not token:
        return ""
    row = ContactCode.objects.filter(token_hash=_hash(token), used_at__gt=now - TOKEN_TTL).first()
    return row.contact if row is not None else ""
