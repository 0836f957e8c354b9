"""Pushing every dossier status change to the national portal: in order per dossier, at least once.

`record` runs inside the change's transaction (subscribers.py): one NationalSync row per status
change, numbered per dossier (`seq`) and with an idempotency id the portal drops a duplicate by.
`sync_pending` sends only the head of each dossier's queue, the oldest change the portal has not
acknowledged: change n+1 waits until n is acknowledged. A dead head (out of attempts) holds its dossier's
later changes back until an operator replays it (`motcua outbox replay`), so the portal never sees
them out of order. Other dossiers are not held: each has its own head.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.utils import timezone

from motcua.integrations import claims, transport
from motcua.integrations.models import NationalSync, State
from motcua.integrations.national.adapters import Change, adapter
from motcua.integrations.national.fields import national_fields


def local_day(moment: datetime):
    return timezone.localtime(moment).date()


def record(dossier, at: datetime) -> NationalSync | None:
    """Queue the dossier's status as of now (its row is locked by the action, so `seq` cannot race)."""
    if not settings.NATIONAL_SYNC_URL:
        return None
    known = NationalSync.objects.filter(dossier_code=dossier.code).aggregate(
        last=Max("seq"), received=Count("id", filter=Q(receipt=True)))
    return NationalSync.objects.create(
        dossier_code=dossier.code, seq=(known["last"] or 0) + 1, idempotency_id=str(uuid.uuid4()),
        unit_id=dossier.unit_id, procedure_id=dossier.procedure_id, status=dossier.status, changed_at=at,
        created_at=at, next_attempt_at=at,
        received_day=local_day(dossier.received_at) if dossier.received_at else None,
        receipt=dossier.received_at is not None and not known["received"],
        fields=national_fields(dossier),
    )


def synced_on_time(start, end, procedure_id: int | None) -> dict[int, int]:
    """Indicator 1.4's numerator by unit: dossiers received in [start, end] whose receipt the portal
    acknowledged within NATIONAL_SYNC_ON_TIME_SECONDS of the change (monitoring/query.py pools subtrees)."""
    qs = NationalSync.objects.filter(
        receipt=True, received_day__gte=start, received_day__lte=end, state=State.DELIVERED,
        delivered_at__lte=F("changed_at") + timedelta(seconds=settings.NATIONAL_SYNC_ON_TIME_SECONDS),
    )
    if procedure_id is not None:
        qs = qs.filter(procedure_id=procedure_id)
    return dict(qs.values_list("unit_id").annotate(n=Count("id")).order_by())


def change_of(row: NationalSync) -> Change:
    return Change(row.dossier_code, row.seq, row.idempotency_id, row.status, row.changed_at, row.fields)


def heads():
    """Rows whose every earlier change of the same dossier is acknowledged."""
    earlier = NationalSync.objects.filter(dossier_code=OuterRef("dossier_code"), seq__lt=OuterRef("seq")).exclude(
        state=State.DELIVERED)
    return NationalSync.objects.exclude(Exists(earlier))


def _send(row: NationalSync) -> transport.Answer:
    body, headers = adapter().request(change_of(row))
    return transport.post(settings.NATIONAL_SYNC_URL, body, headers, settings.NATIONAL_SYNC_TIMEOUT_SECONDS)


def _record(row: NationalSync, answer: transport.Answer) -> bool:
    now = timezone.now()
    if answer.status is not None and adapter().acknowledged(answer.status, answer.body, change_of(row)):
        claims.delivered(row, answer, now)
        return True
    error = answer.error or f"HTTP {answer.status}: not acknowledged {answer.body[:200]!r}"
    claims.failed(row, answer, now, error)
    return False


def sync_pending(limit: int = 500) -> dict[str, int]:
    """Send the head change of each dossier, several dossiers at once, up to `limit` sends.

    When the portal acknowledges change n, the same sweep sends n+1 as soon as a sender is free.
    """
    if not settings.NATIONAL_SYNC_URL:
        return {"delivered": 0, "failed": 0}
    def next_rows(n: int) -> list[NationalSync]:
        return claims.claim(heads(), n, timezone.now())

    return claims.sweep(next_rows, _send, _record, limit)
