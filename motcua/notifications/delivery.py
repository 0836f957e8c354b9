"""Delivering outbox events: e-mail to the applicant for the moments that concern them.

Each event is delivered at least once: it is marked delivered in the same
transaction that reads it, and PostgreSQL workers skip rows another worker
holds, so two workers never send the same event at the same time.
"""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from motcua.dossiers.models import ApologyLetter, Dossier
from motcua.notifications.models import OutboxEvent

log = logging.getLogger(__name__)


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


def deliver_pending(limit: int = 200) -> int:
    """Deliver up to `limit` undelivered events; return how many were handled."""
    with transaction.atomic():
        batch = list(
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(delivered_at__isnull=True)
            .order_by("id")[:limit]
        )
        now = timezone.now()
        for event in batch:
            deliver(event)
            event.delivered_at = now
        OutboxEvent.objects.bulk_update(batch, ["delivered_at"])
    return len(batch)


def deliver(event: OutboxEvent) -> None:
    # The applicant is written to in the national language; per-user language comes with profiles.
    with translation.override("vi"):
        subject = _subjects().get(event.topic)
        if subject is None:
            return
        dossier = Dossier.objects.select_related("applicant", "procedure").filter(code=event.key).first()
        if dossier is None or not dossier.applicant.email:
            return
        body = _("Hồ sơ: %(code)s\nThủ tục: %(procedure)s\nTrạng thái: %(status)s\n") % {
            "code": dossier.code, "procedure": dossier.procedure.name, "status": dossier.get_status_display(),
        }
        if event.payload.get("reason"):
            body += _("Lý do: %(reason)s\n") % {"reason": event.payload["reason"]}
        message = EmailMessage(subject % {"code": dossier.code}, body, to=[dossier.applicant.email])
        if event.topic == "dossier.issue_apology":
            letter = ApologyLetter.objects.filter(number=event.payload.get("letter")).first()
            if letter is not None:
                with letter.file.open("rb") as f:
                    message.attach(f"{letter.number}.pdf", f.read(), "application/pdf")
        message.send()
