"""The webhooks' and the national sync's queues, as `motcua outbox status/replay` sees them (lib/deliveries.py)."""

from __future__ import annotations

from collections.abc import Iterable

from motcua.integrations import claims
from motcua.integrations.models import NationalSync, WebhookDelivery
from motcua.lib.deliveries import Counts


class WebhookQueue:
    name = "webhooks"

    def counts(self) -> dict[str, Counts]:
        return claims.counts(WebhookDelivery, "webhook")

    def replay(self, ids: Iterable[int] | None = None) -> int:
        return claims.replay(WebhookDelivery, ids)


class NationalQueue:
    name = "national"

    def counts(self) -> dict[str, Counts]:
        return claims.counts(NationalSync, "national")

    def replay(self, ids: Iterable[int] | None = None) -> int:
        return claims.replay(NationalSync, ids)
