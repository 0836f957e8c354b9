"""Delivering outbox events: e-mail to the applicant for the moments that concern them.

A sweep claims a few undelivered events at a time in a short transaction
(PostgreSQL workers skip the rows another worker holds, SQLite writers queue on
the database lock) and marks them claimed for `LEASE`; it then sends each one
outside any transaction and marks it delivered. So two workers never send the
same event, and no database lock is held while a mail server answers.

A send that fails leaves its event undelivered for the next sweep (the attempt
and the error are kept on the event, and logged) without undoing the events
already sent; when the mail server cannot be reached at all, the sweep stops
and gives the rest of its claim back. A worker that dies mid-sweep loses its
claim when the lease runs out: an event is delivered at least once, never lost.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import socket
from datetime import timedelta

from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import dateformat, timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from motcua.catalog.models import localized
from motcua.dossiers.models import ApologyLetter, Dossier, Status
from motcua.identity.language import language_of
from motcua.notifications.models import OutboxEvent

log = logging.getLogger(__name__)

CLAIM_SIZE = 10  # events claimed per transaction
LEASE = timedelta(minutes=15)  # far longer than sending CLAIM_SIZE mails takes (EMAIL_TIMEOUT each step)
# The mail server cannot be reached (or dropped us): no point trying the next events now.
UNREACHABLE = (
    ConnectionError, TimeoutError, socket.gaierror,
    smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected, smtplib.SMTPAuthenticationError,
)


def _subjects() -> dict[str, str]:
    return {
        "dossier.submit": _("Hồ sơ %(code)s đã được nộp"),
        "dossier.receive": _("Hồ sơ %(code)s đã được tiếp nhận"),
        "dossier.refuse": _("Hồ sơ %(code)s bị từ chối tiếp nhận"),
        "dossier.request_supplement": _("Hồ sơ %(code)s cần bổ sung"),
        "dossier.request_payment": _("Hồ sơ %(code)s cần thanh toán phí, lệ phí"),
        "dossier.issue_apology": _("Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ %(code)s"),
        "dossier.issue_result": _("Hồ sơ %(code)s đã có kết quả"),
        "dossier.stop": _("Hồ sơ %(code)s đã dừng xử lý"),
    }


def deliver_pending(limit: int = 200) -> dict[str, int]:
    """Try up to `limit` undelivered events; return how many were delivered and how many failed."""
    delivered = failed = 0
    tried: set[int] = set()
    connection = get_connection()  # one SMTP session for the sweep, opened by the first mail
    try:
        while delivered + failed < limit:
            batch = _claim(min(CLAIM_SIZE, limit - delivered - failed), exclude=tried)
            if not batch:
                break
            for i, event in enumerate(batch):
                tried.add(event.pk)
                try:
                    deliver(event, connection)
                except Exception as exc:
                    failed += 1
                    _record_failure(event, exc)
                    if isinstance(exc, UNREACHABLE):
                        OutboxEvent.objects.filter(pk__in=[e.pk for e in batch[i + 1:]]).update(claimed_until=None)
                        return {"delivered": delivered, "failed": failed}
                else:
                    OutboxEvent.objects.filter(pk=event.pk).update(
                        delivered_at=timezone.now(), claimed_until=None, attempts=F("attempts") + 1
                    )
                    delivered += 1
    finally:
        with contextlib.suppress(Exception):  # the server may already be gone
            connection.close()
    return {"delivered": delivered, "failed": failed}


def _claim(size: int, exclude: set[int]) -> list[OutboxEvent]:
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now), delivered_at__isnull=True)
            .exclude(pk__in=exclude)
            # Events that keep failing go after fresh ones, so they cannot hold the others back.
            .order_by("attempts", "id")
            .values_list("pk", flat=True)[:size]
        )
        OutboxEvent.objects.filter(pk__in=ids).update(claimed_until=now + LEASE)
    return list(OutboxEvent.objects.filter(pk__in=ids).order_by("attempts", "id"))


def _record_failure(event: OutboxEvent, exc: Exception) -> None:
    log.warning("outbox event %s (%s %s) not delivered, left for the next sweep", event.pk, event.topic, event.key,
                exc_info=exc)
    OutboxEvent.objects.filter(pk=event.pk).update(
        claimed_until=None, attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
    )


def _when(value: str | None) -> str:
    moment = parse_datetime(value or "")
    return dateformat.format(timezone.localtime(moment), "H:i d/m/Y") if moment else ""


def message_for(event: OutboxEvent) -> EmailMessage | None:
    """The mail an event sends to the applicant, or None when it concerns nobody by mail."""
    if event.topic == "mail":
        # A mail composed by another room (the KPI digest to leaders): sent as written.
        p = event.payload
        return EmailMessage(p["subject"], p["body"], to=p["to"]) if p.get("to") else None
    if event.topic not in _subjects():
        return None
    dossier = Dossier.objects.select_related("applicant", "procedure_version").filter(code=event.key).first()
    if dossier is None or not dossier.applicant.email:
        return None
    # In the language the applicant chose on the site; the national language otherwise.
    language = language_of(dossier.applicant)
    with translation.override(language):
        subject = _subjects()[event.topic]
        p = event.payload
        # The status the event announced, not the one the dossier has reached by the time the mail goes.
        status = p.get("status", dossier.status)
        lines = [
            _("Hồ sơ: %(code)s") % {"code": dossier.code},
            _("Thủ tục: %(procedure)s") % {"procedure": localized(dossier.procedure_version.definition["name"], language)},
            _("Trạng thái: %(status)s") % {"status": Status(status).label if status in Status.values else status},
        ]
        if p.get("reason"):
            lines.append(_("Lý do: %(reason)s") % {"reason": p["reason"]})
        if event.topic == "dossier.receive" and p.get("due_at"):
            lines.append(_("Ngày hẹn trả kết quả: %(when)s") % {"when": _when(p["due_at"])})
        if event.topic == "dossier.request_supplement":
            names = {c["key"]: localized(c.get("name"), language) or c["key"] for c in dossier.procedure_version.components}
            lines.append(_("Thành phần cần bổ sung: %(items)s") % {
                "items": "; ".join(names.get(k, k) for k in p.get("items", []))
            })
        if event.topic == "dossier.request_payment" and p.get("amount"):
            lines.append(_("Số tiền cần thanh toán: %(amount)s đồng") % {"amount": f"{p['amount']:,}".replace(",", ".")})
        if event.topic == "dossier.issue_apology" and p.get("new_due_at"):
            lines.append(_("Ngày hẹn trả kết quả mới: %(when)s") % {"when": _when(p["new_due_at"])})
        message = EmailMessage(subject % {"code": dossier.code}, "\n".join(lines) + "\n", to=[dossier.applicant.email])
        if event.topic == "dossier.issue_apology":
            letter = ApologyLetter.objects.filter(number=p.get("letter")).first()
            if letter is not None:
                with letter.file.open("rb") as f:
                    message.attach(f"{letter.number}.pdf", f.read(), "application/pdf")
        return message


def deliver(event: OutboxEvent, connection=None) -> None:
    """Send what the event means for the applicant (nothing for most internal events); raise if sending fails."""
    message = message_for(event)
    if message is not None:
        message.connection = connection
        if connection is not None:
            connection.open()  # kept open for the rest of the sweep (no-op when already open)
        message.send()
