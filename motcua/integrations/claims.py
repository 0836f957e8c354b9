"""Claiming deliveries for one worker, and recording what became of them.

A sweep claims due rows as it has senders free, in short transactions (PostgreSQL workers skip the
rows another holds, SQLite writers queue on the database lock), and holds them for `lease()`; it sends
outside any transaction, several at once (a receiver that hangs until its timeout holds one sender, not
the others), and records each outcome as it comes. A worker killed mid-delivery loses its claim when
the lease runs out, and the next sweep sends the message again with the same id: at least once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.db import close_old_connections
from django.db.models import Count, F, QuerySet
from django.utils import timezone

from motcua.integrations.models import Delivery, State
from motcua.integrations.transport import Answer
from motcua.lib import deliveries, leases

D = TypeVar("D", bound=Delivery)


def lease() -> timedelta:
    return timedelta(seconds=settings.INTEGRATIONS_LEASE_SECONDS)


def claim(due: QuerySet[D], size: int, now: datetime, related: tuple[str, ...] = ()) -> list[D]:
    """Up to `size` rows of `due` that nobody holds, held by this worker until now + lease.

    A row already sent in this sweep is not due again: delivered, dead, waiting for its next attempt, or
    still held by this worker's claim.
    """
    # Deliveries that keep failing go after fresh ones, so they cannot hold the others back.
    order = ("attempts", "next_attempt_at", "id")
    ids = leases.take(due.filter(state=State.PENDING, next_attempt_at__lte=now), size, now, lease(), order)
    return list(due.model.objects.filter(pk__in=ids).select_related(*related).order_by(*order))


def hand_back(model: type[Delivery], ids: list[int]) -> None:
    """Rows claimed but not sent: free for any worker at once, without counting an attempt."""
    if ids:
        model.objects.filter(pk__in=ids, state=State.PENDING).update(claimed_until=None)


def sweep(next_rows: Callable[[int], list[D]], send: Callable[[D], Answer], record: Callable[[D, Answer], bool],
          limit: int) -> dict[str, int]:
    """Keep up to INTEGRATIONS_SENDERS deliveries in flight, claiming more as each one ends, up to `limit`.

    `next_rows(n)` claims up to n more due rows (none tried before in this sweep); each outcome is recorded
    in this thread as it comes. A receiver that hangs until its timeout holds one sender while the others
    go on claiming and sending: it slows nobody else's deliveries.
    """
    out = {"delivered": 0, "failed": 0}
    senders = max(1, settings.INTEGRATIONS_SENDERS)
    started = 0
    running: dict[Future, D] = {}
    more = True
    with ThreadPoolExecutor(max_workers=senders) as pool:
        while True:
            if more and started < limit and len(running) < senders:
                rows = next_rows(min(senders - len(running), limit - started))
                more = bool(rows)
                for row in rows:
                    running[pool.submit(_send_closing, send, row)] = row
                started += len(rows)
            if not running:
                break
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                ok = record(running.pop(future), future.result())
                out["delivered" if ok else "failed"] += 1
            more = True  # an outcome may make another row due (the national sync's next change)
    return out


def _send_closing(send: Callable[[D], Answer], row: D) -> Answer:
    try:
        return send(row)
    except Exception as exc:  # a bug in an adapter must not leave the claim hanging until the lease
        return Answer(None, error=f"{type(exc).__name__}: {exc}"[:500])
    finally:
        close_old_connections()  # a sender that read the database leaves no connection per thread


def delivered(row: D, answer: Answer, now: datetime) -> None:
    type(row).objects.filter(pk=row.pk).update(
        state=State.DELIVERED, delivered_at=now, claimed_until=None, attempts=F("attempts") + 1,
        last_status_code=answer.status, last_error="",
    )


def failed(row: D, answer: Answer, now: datetime, error: str, *, dead: bool = False) -> None:
    """Count the attempt; try again on the shared schedule (or after Retry-After), or give up."""
    attempts = row.attempts + 1
    when = None if dead else deliveries.next_attempt_at(attempts, now)
    if when is not None and answer.retry_after:
        when = max(when, now + timedelta(seconds=answer.retry_after))
    type(row).objects.filter(pk=row.pk).update(
        state=State.DEAD if when is None else State.PENDING, next_attempt_at=when or now, claimed_until=None,
        attempts=attempts, last_status_code=answer.status, last_error=error[:2000],
    )


def counts(model: type[Delivery], channel: str) -> dict[str, deliveries.Counts]:
    by_state = dict(model.objects.values_list("state").annotate(n=Count("id")).order_by())
    return {channel: deliveries.Counts(by_state.get(State.PENDING, 0), by_state.get(State.DELIVERED, 0),
                                       by_state.get(State.DEAD, 0))}


def replay(model: type[Delivery], ids: Iterable[int] | None) -> int:
    qs = model.objects.filter(state=State.DEAD)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(state=State.PENDING, attempts=0, next_attempt_at=timezone.now(), claimed_until=None)
