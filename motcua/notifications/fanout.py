"""From an outbox event to its messages: one `Delivery` row per recipient and channel.

The applicant hears of the moments that concern them (texts.py), in their language and on the
channels they chose (`Preference`; e-mail alone when they never chose); the officers hear of a
dossier assigned to them, and of their dossiers due tomorrow or late (officers.py's sweep). The
rows are written and the event marked fanned out in one transaction, so an event makes its
messages exactly once; sending them is delivery.py's work.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import dateformat, timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from motcua.catalog.models import localized
from motcua.dossiers.models import Dossier, Status
from motcua.identity.language import language_of
from motcua.identity.models import User
from motcua.lib import deliveries
from motcua.notifications import channels
from motcua.notifications.models import Channel, Delivery, OutboxEvent, Preference
from motcua.notifications.texts import TEMPLATES, Template, sms_text

log = logging.getLogger(__name__)

FAN_OUT_SIZE = 50  # events per transaction


@dataclass(frozen=True)
class Draft:
    recipient: User | None
    audience: str
    channel: str
    address: str
    language: str
    subject: str
    body: str
    attachment: str = ""


def _date(value: str | None) -> str:
    moment = parse_datetime(value or "")
    return dateformat.format(timezone.localtime(moment), "d/m/Y") if moment else ""


def _day(value: str) -> str:
    """A day (a result's expiry, remind_expiry), not a moment: no time zone to apply."""
    day = parse_date(value)
    return dateformat.format(day, "d/m/Y") if day else ""


def _when(value: str | None) -> str:
    moment = parse_datetime(value or "")
    return dateformat.format(timezone.localtime(moment), "H:i d/m/Y") if moment else ""


def _money(amount) -> str:
    return f"{int(amount or 0):,}".replace(",", ".")


def channels_of(user: User) -> list[tuple[str, str]]:
    """(channel, address) a person chose and can be reached on, among the channels this site can send."""
    pref = Preference.objects.filter(user=user).first()
    wanted = [(Channel.EMAIL, user.email)] if (pref is None or pref.email) else []
    if pref is not None and pref.sms:
        wanted.append((Channel.SMS, pref.phone))
    usable = set(channels.available())
    return [(c, a) for c, a in wanted if a and c in usable]


def _values(event: OutboxEvent, dossier: Dossier, language: str) -> dict[str, str]:
    p = event.payload
    names = {c["key"]: localized(c.get("name"), language) or c["key"] for c in dossier.procedure_version.components}
    date = p.get("new_due_at") or p.get("due_at") or (dossier.due_at.isoformat() if dossier.due_at else "")
    return {
        "code": dossier.code, "reason": p.get("reason") or "", "amount": _money(p.get("amount")),
        "items": "; ".join(names.get(k, k) for k in p.get("items", [])), "date": _day(p["valid_until"]) if p.get("valid_until") else _date(date),
        "when": _when(p.get("appointment_at")), "place": str(p.get("place") or ""),
    }


def _mail_body(event: OutboxEvent, dossier: Dossier, language: str, values: dict[str, str]) -> str:
    p = event.payload
    status = p.get("status", dossier.status)  # the status announced, not the one reached meanwhile
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
        lines.append(_("Thành phần cần bổ sung: %(items)s") % {"items": values["items"]})
    if event.topic == "dossier.request_payment" and p.get("amount"):
        lines.append(_("Số tiền cần thanh toán: %(amount)s đồng") % {"amount": values["amount"]})
    if event.topic in ("dossier.confirm_payment", "dossier.payment_paid") and p.get("amount"):
        lines.append(_("Số tiền đã thanh toán: %(amount)s đồng") % {"amount": values["amount"]})
    if event.topic == "dossier.issue_apology" and p.get("new_due_at"):
        lines.append(_("Ngày hẹn trả kết quả mới: %(when)s") % {"when": _when(p["new_due_at"])})
    if event.topic == "dossier.set_appointment" and p.get("appointment_at"):
        lines.append(_("Lịch hẹn: %(when)s, tại %(place)s") % {"when": values["when"], "place": values["place"]})
    if event.topic in ("officer.due_tomorrow", "officer.late", "dossier.assign") and dossier.due_at:
        lines.append(_("Ngày hẹn trả kết quả: %(when)s") % {"when": _when(dossier.due_at.isoformat())})
    return "\n".join(lines) + "\n"


def _recipients(event: OutboxEvent, template: Template, dossier: Dossier) -> list[tuple[User, str]]:
    if template.audience == "applicant":
        return [(dossier.applicant, "applicant")]
    p = event.payload
    if event.topic == "dossier.assign":
        people = User.objects.filter(username=p.get("assignee") or "", is_active=True)
    else:
        people = User.objects.filter(pk__in=p.get("officers") or [], is_active=True)
    return [(u, "officer") for u in people.order_by("pk")]


def drafts_for(event: OutboxEvent) -> list[Draft]:
    """The messages an event makes (none for most internal events)."""
    if event.topic == "mail":
        # A mail composed by another room (the KPI digest to leaders): sent as written.
        p = event.payload
        return [Draft(None, "other", Channel.EMAIL, to, "", p.get("subject", ""), p.get("body", ""))
                for to in p.get("to") or []]
    if event.topic == "sms":
        # A text composed by another room (a petition filer's one-time code): sent as written, when this site
        # can send SMS (the room refuses a phone number otherwise).
        p = event.payload
        if not p.get("to") or Channel.SMS not in channels.available():
            return []
        return [Draft(None, "other", Channel.SMS, p["to"], "", "", p.get("body", ""))]
    template = TEMPLATES.get(event.topic)
    if template is None:
        return []
    dossier = Dossier.objects.select_related("applicant", "procedure_version").filter(code=event.key).first()
    if dossier is None:
        return []
    drafts = []
    for person, audience in _recipients(event, template, dossier):
        language = language_of(person)
        with translation.override(language):
            values = _values(event, dossier, language)
            subject = template.subject() % {"code": dossier.code}
            for channel, address in channels_of(person):
                if channel == Channel.SMS:
                    body, attachment = sms_text(template, values, language), ""
                else:
                    body = _mail_body(event, dossier, language, values)
                    attachment = str(event.payload.get("letter") or "") if event.topic == "dossier.issue_apology" else ""
                drafts.append(Draft(person, audience, channel, address, language, subject[:255], body, attachment))
    return drafts


def fan_out(limit: int = 500, now: datetime | None = None) -> int:
    """Turn up to `limit` events not yet fanned out into their `Delivery` rows; how many events."""
    done = 0
    while done < limit:
        n = _fan_out_batch(min(FAN_OUT_SIZE, limit - done), now or timezone.now())
        if not n:
            break
        done += n
    return done


def _fan_out_batch(size: int, now: datetime) -> int:
    with transaction.atomic():
        # Waits for (rather than skips) events another worker is fanning out: that takes milliseconds, and
        # this worker then finds their messages committed and shares the sending (PostgreSQL re-checks
        # `delivered_at` of the rows it waited for, so none is fanned out twice).
        events = list(
            OutboxEvent.objects.select_for_update()
            .filter(delivered_at__isnull=True, attempts__lt=deliveries.MAX_ATTEMPTS)
            .order_by("id")[:size]
        )
        made: list[int] = []
        for event in events:
            try:
                with transaction.atomic():  # a savepoint: an event that cannot be written spoils no other
                    _write(event, drafts_for(event), now)
            except Exception as exc:
                log.warning("outbox event %s (%s %s) could not be fanned out", event.pk, event.topic, event.key,
                            exc_info=exc)
                OutboxEvent.objects.filter(pk=event.pk).update(
                    attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
                )
            else:
                made.append(event.pk)
        OutboxEvent.objects.filter(pk__in=made).update(delivered_at=now)
    return len(events)


def _write(event: OutboxEvent, drafts: Iterable[Draft], now: datetime) -> None:
    # One message per address and channel, even when two recipients share an address.
    drafts = list({(d.channel, d.address): d for d in reversed(list(drafts))}.values())[::-1]
    Delivery.objects.bulk_create([
        Delivery(
            event=event, uid=uuid.uuid4(), topic=event.topic, key=event.key, recipient=d.recipient,
            audience=d.audience, channel=d.channel, address=d.address, language=d.language, subject=d.subject,
            body=d.body, attachment=d.attachment, created_at=now, next_attempt_at=now,
        )
        for d in drafts
    ])
