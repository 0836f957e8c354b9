"""Delivery queues: every room that sends something out after a commit registers its queue here.

The outbox's mail and SMS (notifications/), webhooks and the national portal's sync
(integrations/) each keep their own rows, but an operator sees and replays them in one
place: `motcua outbox status --json` counts every registered queue by channel, and
`motcua outbox replay` hands dead deliveries back to each queue. A queue registers itself
from its `AppConfig.ready()`, as event subscribers do (lib/events.py).

The retry schedule is one rule for all of them (`next_attempt_at`): exponential back-off
from `RETRY_BASE_SECONDS`, capped at `RETRY_CAP_SECONDS`, dead after `MAX_ATTEMPTS`.

Pure Python: no Django models, no other motcua app.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

RETRY_BASE_SECONDS = 30
RETRY_CAP_SECONDS = 6 * 3600
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Counts:
    pending: int = 0
    delivered: int = 0
    dead: int = 0


@dataclass(frozen=True)
class DeadLetter:
    """One dead delivery of any queue, as the administrators' dead-letter page lists it."""

    id: int
    channel: str  # "email", "sms", "webhook", "national"
    target: str  # the address, number or URL it goes to
    topic: str  # the event (e.g. "dossier.receive", "status 2")
    key: str  # what it is about (a dossier code)
    attempts: int
    last_error: str
    summary: str  # a little of what it says
    created_at: datetime


class Queue(Protocol):
    name: str

    def counts(self) -> dict[str, Counts]:
        """Deliveries by channel (e.g. "email", "sms", "webhook", "national")."""

    def replay(self, ids: Iterable[int] | None = None) -> int:
        """Make dead deliveries (all, or these ids) pending again with a fresh attempt budget; how many."""

    def dead(self, limit: int) -> list[DeadLetter]:
        """The newest dead deliveries (at most `limit`), for an administrator to inspect."""


_queues: dict[str, Queue] = {}


def register(queue: Queue) -> None:
    _queues[queue.name] = queue


def queues() -> list[Queue]:
    return [_queues[name] for name in sorted(_queues)]


def next_attempt_at(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed tries, or None when the delivery is dead."""
    if attempts >= MAX_ATTEMPTS:
        return None
    delay = min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return now + timedelta(seconds=delay)
