from __future__ import annotations

from datetime import datetime

from motcua.lib.compiled import insert
from motcua.notifications.models import OutboxEvent


def emit(topic: str, key: str, payload: dict, at: datetime) -> OutboxEvent:
    """Record an event; must run inside the transaction of the change it announces."""
    event = OutboxEvent(topic=topic, key=key, payload=payload, created_at=at)
    insert(event)  # every action writes one: its INSERT compiled once per process (lib/compiled.py)
    return event
