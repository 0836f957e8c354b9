"""Webhooks: subscriptions per event type and unit subtree, signed deliveries, retries, a delivery log.

`enqueue` runs inside the transaction of the change (subscribers.py): one delivery row per matching
subscription, with its message id and exact body. `deliver_pending` sends them (claims.py): 2xx is
delivered (whatever the body says: a receiver owes us nothing but its status); 410 Gone disables the
subscription, as the Standard Webhooks spec asks; any other answer, a timeout, an unreachable host or a
redirect is a failed attempt, tried again on the shared schedule (lib/deliveries.py, Retry-After
honoured) and dead after the last one.
"""

from __future__ import annotations

import json
import secrets as random
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from motcua.integrations import addresses, claims, signing, transport
from motcua.integrations.models import State, WebhookDelivery, WebhookSubscription
from motcua.lib.compiled import Compiled
from motcua.lib.events import DossierChanged

CLAIM_BATCH = 32  # deliveries claimed in one transaction


def event_types() -> list[str]:
    """What one may subscribe to: each action on a dossier, and a result revoked."""
    from motcua.dossiers.actions import ACTIONS

    return [f"dossier.{a}" for a in ACTIONS] + ["result.revoked"]


def live_secrets(sub: WebhookSubscription, now: datetime) -> list[str]:
    """The secrets that sign now: the current one, and the previous one until its rotation overlap ends."""
    if sub.previous_secret and sub.previous_expires_at and sub.previous_expires_at > now:
        return [sub.secret, sub.previous_secret]
    return [sub.secret]


def rotate(sub: WebhookSubscription, now: datetime) -> str:
    """A new secret; the old one keeps signing for WEBHOOK_ROTATION_OVERLAP_HOURS so receivers switch calmly."""
    sub.previous_secret = sub.secret
    sub.previous_expires_at = now + timedelta(hours=settings.WEBHOOK_ROTATION_OVERLAP_HOURS)
    sub.secret = signing.new_secret()
    sub.save(update_fields=["secret", "previous_secret", "previous_expires_at"])
    return sub.secret


# Every action asks it (the unit's ancestors): compiled once per depth of the tree (lib/compiled.py).
_SUBSCRIPTIONS: Compiled[WebhookSubscription] = Compiled(
    lambda unit_ids: WebhookSubscription.objects.filter(active=True, unit_id__in=unit_ids).only("id", "event_types")
)


def enqueue(event_type: str, unit_ids: list[int], data: dict[str, Any], at: datetime) -> int:
    """One delivery per active subscription of an ancestor unit that wants `event_type`; how many."""
    subs = [s for s in _SUBSCRIPTIONS(list(unit_ids)) if event_type in s.event_types]
    if not subs:
        return 0
    body = json.dumps({"type": event_type, "timestamp": at.isoformat(), "data": data}, ensure_ascii=False,
                      separators=(",", ":"), default=str)
    WebhookDelivery.objects.bulk_create([
        WebhookDelivery(subscription_id=s.pk, message_id=f"msg_{random.token_urlsafe(18)}", event_type=event_type,
                        body=body, created_at=at, next_attempt_at=at)
        for s in subs
    ])
    return len(subs)


def on_dossier_changed(event: DossierChanged) -> int:
    d = event.dossier
    return enqueue(f"dossier.{event.action}", d.unit.ancestor_ids, {
        "code": d.code, "action": event.action, "status": d.status, "from_status": event.from_status,
        "unit": d.unit.code, "procedure": d.procedure.code, "at": event.at.isoformat(),
        "due_at": d.due_at.isoformat() if d.due_at else None,
    }, event.at)


def on_result_revoked(event) -> int:
    d = event.result.dossier
    return enqueue("result.revoked", d.unit.ancestor_ids, {
        "code": d.code, "unit": d.unit.code, "procedure": d.procedure.code, "at": event.at.isoformat(),
    }, event.at)


def _send(row: WebhookDelivery) -> transport.Answer:
    sub = row.subscription
    try:
        addresses.check(sub.url)  # again: the name may resolve elsewhere since the subscription was made
    except addresses.Refused as exc:
        return transport.Answer(None, error=f"refused: {exc}")
    now = timezone.now()
    headers = signing.headers(live_secrets(sub, now), row.message_id, int(now.timestamp()), row.body)
    return transport.post(sub.url, row.body.encode(), headers, settings.WEBHOOK_TIMEOUT_SECONDS)


def _record(row: WebhookDelivery, answer: transport.Answer) -> bool:
    now = timezone.now()
    if answer.status is not None and 200 <= answer.status < 300:
        claims.delivered(row, answer, now)
        return True
    if answer.status == 410:
        # The receiver says the endpoint is gone for good: stop sending to it (the spec's rule).
        WebhookSubscription.objects.filter(pk=row.subscription_id).update(active=False, disabled_reason="410 Gone")
        claims.failed(row, answer, now, "410 Gone: subscription disabled", dead=True)
        WebhookDelivery.objects.filter(subscription_id=row.subscription_id, state=State.PENDING).update(
            state=State.DEAD, last_error="subscription disabled (410 Gone)")
        return False
    error = answer.error or f"HTTP {answer.status}"
    claims.failed(row, answer, now, error)
    return False


def deliver_pending(limit: int = 500) -> dict[str, int]:
    """Send up to `limit` due deliveries, several at once; counts of delivered and failed.

    Rows are claimed CLAIM_BATCH at a time (a few queries for many deliveries) into a local buffer, from
    which senders take them; at most WEBHOOK_SENDERS_PER_ENDPOINT of one subscription's deliveries are in
    flight at a time, so a slow receiver cannot take every sender and hold back the others. What is left
    in the buffer at the end is handed back.
    """
    cap = max(1, settings.WEBHOOK_SENDERS_PER_ENDPOINT)
    in_flight: Counter[int] = Counter()
    buffer: list[WebhookDelivery] = []

    def take(n: int) -> list[WebhookDelivery]:
        out, keep = [], []
        for row in buffer:
            if len(out) < n and in_flight[row.subscription_id] < cap:
                in_flight[row.subscription_id] += 1
                out.append(row)
            else:
                keep.append(row)
        buffer[:] = keep
        return out

    def next_rows(n: int) -> list[WebhookDelivery]:
        out = take(n)
        if len(out) < n:
            busy = {r.subscription_id for r in buffer} | {s for s, k in in_flight.items() if k >= cap}
            due = WebhookDelivery.objects.filter(subscription__active=True).exclude(subscription_id__in=busy)
            buffer.extend(claims.claim(due, max(CLAIM_BATCH, n - len(out)), timezone.now(), ("subscription",)))
            out += take(n - len(out))
        return out

    def record(row: WebhookDelivery, answer: transport.Answer) -> bool:
        in_flight[row.subscription_id] -= 1
        return _record(row, answer)

    try:
        return claims.sweep(next_rows, _send, record, limit)
    finally:
        claims.hand_back(WebhookDelivery, [r.pk for r in buffer])
