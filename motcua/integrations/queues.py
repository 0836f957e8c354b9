"""The webhooks' and the national sync's queues, as `motcua outbox status/replay` sees them (lib/deliveries.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.conf import settings

from motcua.integrations import claims
from motcua.integrations.models import NationalSync, State, WebhookDelivery
from motcua.lib.deliveries import Counts, DeadLetter


class WebhookQueue:
    name = "webhooks"

    def counts(self) -> dict[str, Counts]:
        return claims.counts(WebhookDelivery, "webhook")

    def replay(self, ids: Iterable[int] | None = None) -> int:
        return claims.replay(WebhookDelivery, ids)

    def dead(self, limit: int) -> list[DeadLetter]:
        rows = WebhookDelivery.objects.filter(state=State.DEAD).select_related("subscription").order_by("-id")[:limit]
        return [DeadLetter(r.pk, "webhook", r.subscription.url, r.event_type, _code(r.body), r.attempts,
                           r.last_error, f"{r.message_id} {r.body}", r.created_at) for r in rows]


class NationalQueue:
    name = "national"

    def counts(self) -> dict[str, Counts]:
        return claims.counts(NationalSync, "national")

    def replay(self, ids: Iterable[int] | None = None) -> int:
        return claims.replay(NationalSync, ids)

    def dead(self, limit: int) -> list[DeadLetter]:
        # A dead change holds back its dossier's later ones (national/sync.py): replaying it lets them go.
        rows = NationalSync.objects.filter(state=State.DEAD).order_by("-id")[:limit]
        return [DeadLetter(r.pk, "national", settings.NATIONAL_SYNC_URL, f"#{r.seq} → {r.status}", r.dossier_code,
                           r.attempts, r.last_error, f"{r.idempotency_id} {r.fields}", r.created_at) for r in rows]


def _code(body: str) -> str:
    try:
        data = json.loads(body).get("data") or {}
    except (ValueError, AttributeError):
        return ""
    return str(data.get("code", "")) if isinstance(data, dict) else ""
