from __future__ import annotations

from datetime import datetime

from motcua.notifications.models import OutboxEvent


def emit(topic: str, key: str, payload: dict, at: datetime) -> OutboxEvent:
    """Record an event; must run inside the transaction of the change it announces."""
    return OutboxEvent.objects.create(topic=topic, key=key, payload=payload, created_at=at)
