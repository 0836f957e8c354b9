"""Delivering the outbox: events fanned out into messages, each message sent at least once.

A sweep first turns new outbox events into `Delivery` rows (fanout.py: one per recipient and
channel, in one transaction with marking the event), then sends the rows that are due. It
claims a few at a time in a short transaction (PostgreSQL workers skip the rows another
worker holds) for a short `LEASE`, renews the claim of what it still holds before each send
(a heartbeat), and sends outside any transaction. So a worker that dies (SIGKILL) leaves its
rows to the next sweep within a lease (`NOTIFICATIONS_LEASE_SECONDS`, 45 s by default); a
worker killed between sending and marking sends that message again with the same
Message-ID, which the receiver can drop.

A failed send counts an attempt, keeps the error, and is tried again on the one back-off
schedule (`lib/deliveries.next_attempt_at`), or goes dead after the last attempt (or at once
when the receiver refused it for good), to wait for an administrator's replay. A channel that
cannot be reached stops for this sweep only; the other channels go on.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, F
from django.utils import timezone

from motcua.lib import deliveries, leases
from motcua.lib.deliveries import Counts, DeadLetter
from motcua.notifications import channels
from motcua.notifications.channels import ChannelPlugin, Permanent, Unreachable
from motcua.notifications.fanout import fan_out
from motcua.notifications.models import Delivery, DeliveryStatus, OutboxEvent

log = logging.getLogger(__name__)

CLAIM_SIZE = 10  # messages claimed per transaction
DUE = (DeliveryStatus.QUEUED, DeliveryStatus.FAILED)


def lease() -> timedelta:
    return timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS)


def deliver_pending(limit: int = 200) -> dict[str, int]:
    """Fan out new events, then try up to `limit` due messages; how many were sent and how many failed."""
    fan_out()
    totals = {"delivered": 0, "failed": 0}
    open_channels: dict[str, ChannelPlugin] = {}
    down: set[str] = set()  # channels that could not be reached in this sweep
    tried: set[int] = set()
    renewed = {"at": 0.0}  # when this worker last renewed its claim (monotonic seconds)
    try:
        while sum(totals.values()) < limit:
            batch = _claim(min(CLAIM_SIZE, limit - sum(totals.values())), exclude=tried, down=down)
            if not batch:
                break
            tried.update(r.pk for r in batch)
            renewed["at"] = time.monotonic()
            by_channel: dict[str, list[Delivery]] = {}
            for row in batch:
                by_channel.setdefault(row.channel, []).append(row)
            for channel, rows in by_channel.items():
                _send_channel(channel, rows, open_channels, down, totals, renewed)
    finally:
        for plugin in open_channels.values():
            with contextlib.suppress(Exception):
                plugin.close()
    return totals


def _attempt(plugin: ChannelPlugin, row: Delivery) -> Exception | None:
    try:
        plugin.send(row)
    except Exception as exc:
        return exc
    return None


def _send_channel(channel: str, rows: list[Delivery], open_channels: dict[str, ChannelPlugin], down: set[str],
                  totals: dict[str, int], renewed: dict[str, float]) -> None:
    """Send one channel's rows of a batch: in parallel when the channel allows (no database in its send), else in turn."""
    try:
        if channel not in open_channels:
            open_channels[channel] = channels.get(channel)
        plugin = open_channels[channel]
    except Exception as exc:  # not configured (any more): each row counts an attempt
        for row in rows:
            _record_failure(row, exc)
        totals["failed"] += len(rows)
        return
    parallel = getattr(plugin, "parallel", 1)
    if parallel > 1 and len(rows) > 1:
        _heartbeat([r.pk for r in rows], renewed)
        # A slow provider answers several texts at once: a batch costs one answer's time, not ten.
        with ThreadPoolExecutor(min(parallel, len(rows))) as pool:
            outcomes = list(pool.map(lambda r: _attempt(plugin, r), rows))
        for row, outcome in zip(rows, outcomes, strict=True):
            _settle(row, outcome, down, totals)
        return
    for i, row in enumerate(rows):
        if channel in down:
            _release([r.pk for r in rows[i:]])
            return
        _heartbeat([r.pk for r in rows[i:]], renewed)
        # Marked at once: a worker killed now sends again at most the one message in flight.
        _settle(row, _attempt(plugin, row), down, totals)


def _settle(row: Delivery, outcome: Exception | None, down: set[str], totals: dict[str, int]) -> None:
    if outcome is None:
        Delivery.objects.filter(pk=row.pk).update(
            status=DeliveryStatus.SENT, sent_at=timezone.now(), claimed_until=None,
            attempts=F("attempts") + 1, last_error="",
        )
        totals["delivered"] += 1
        return
    totals["failed"] += 1
    _record_failure(row, outcome)
    if isinstance(outcome, Unreachable):
        down.add(row.channel)


def _claim(size: int, exclude: set[int], down: set[str]) -> list[Delivery]:
    now = timezone.now()
    due = Delivery.objects.filter(status__in=DUE, next_attempt_at__lte=now).exclude(pk__in=exclude).exclude(channel__in=down)
    # Oldest due first: a message that keeps failing waits its back-off and holds nobody back.
    ids = leases.take(due, size, now, lease(), ("next_attempt_at", "id"))
    return list(Delivery.objects.filter(pk__in=ids).order_by("next_attempt_at", "id"))


def _heartbeat(ids: list[int], renewed: dict[str, float]) -> None:
    # The claim of what this worker still holds, renewed before a send once a third of the lease has
    # gone (not before every send: one write less per message): alive, it keeps its rows however slow
    # the receivers are, as long as one send takes less than two thirds of the lease (EMAIL_TIMEOUT,
    # SMS_HTTP_TIMEOUT); dead, its rows come back within one lease.
    if time.monotonic() - renewed["at"] < lease().total_seconds() / 3:
        return
    Delivery.objects.filter(pk__in=ids, status__in=DUE).update(claimed_until=timezone.now() + lease())
    renewed["at"] = time.monotonic()


def _release(ids: Iterable[int]) -> None:
    Delivery.objects.filter(pk__in=list(ids)).update(claimed_until=None)


def _record_failure(row: Delivery, exc: Exception) -> None:
    now = timezone.now()
    attempts = row.attempts + 1
    when = None if isinstance(exc, Permanent) else deliveries.next_attempt_at(attempts, now)
    log.warning("delivery %s (%s to %s, %s %s) failed, attempt %s%s", row.pk, row.channel, row.address, row.topic,
                row.key, attempts, "; dead" if when is None else "", exc_info=exc)
    Delivery.objects.filter(pk=row.pk).update(
        claimed_until=None, attempts=attempts, last_error=f"{type(exc).__name__}: {exc}"[:2000],
        status=DeliveryStatus.DEAD if when is None else DeliveryStatus.FAILED, next_attempt_at=when or now,
    )


class NotificationsQueue:
    """The outbox's messages (e-mail, SMS) as one queue of lib/deliveries."""

    name = "notifications"

    def counts(self) -> dict[str, Counts]:
        rows = Delivery.objects.values("channel", "status").annotate(n=Count("id")).order_by()
        by: dict[str, dict[str, int]] = {}
        for r in rows:
            kind = {"sent": "delivered", "dead": "dead"}.get(r["status"], "pending")
            by.setdefault(r["channel"], {"pending": 0, "delivered": 0, "dead": 0})[kind] += r["n"]
        # Events not yet fanned out are pending too, on no channel yet.
        waiting = OutboxEvent.objects.filter(delivered_at__isnull=True).count()
        if waiting:
            by.setdefault("outbox", {"pending": 0, "delivered": 0, "dead": 0})["pending"] += waiting
        return {channel: Counts(**c) for channel, c in sorted(by.items())}

    def replay(self, ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
        rows = Delivery.objects.filter(status=DeliveryStatus.DEAD)
        if ids is not None:
            rows = rows.filter(pk__in=list(ids))
        # A fresh attempt budget; the last error is kept until the next try tells more.
        return rows.update(status=DeliveryStatus.QUEUED, attempts=0, next_attempt_at=now or timezone.now(),
                           claimed_until=None)


    def dead(self, limit: int) -> list[DeadLetter]:
        rows = Delivery.objects.filter(status=DeliveryStatus.DEAD).order_by("-id")[:limit]
        return [DeadLetter(r.pk, r.channel, r.address, r.topic, r.key, r.attempts, r.last_error,
                           f"{r.subject} — {r.body}" if r.subject else r.body, r.created_at) for r in rows]


QUEUE = NotificationsQueue()
