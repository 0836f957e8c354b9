"""Taking rows of a delivery queue for one worker for a while (a lease), in one short transaction.

The outbox's messages (notifications/delivery.py) and the webhook and national-sync deliveries
(integrations/claims.py) are sent outside any transaction by several workers at once. A worker takes
the due rows nobody holds and marks them held until `now + lease`; PostgreSQL workers skip the rows
another one is taking (SKIP LOCKED), SQLite writers queue on the database lock. A worker that dies
keeps its rows only until the lease runs out, and the next sweep sends them again: at least once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet


def take(due: QuerySet, size: int, now: datetime, lease: timedelta, order: tuple[str, ...]) -> list[int]:
    """The ids of up to `size` rows of `due` (first in `order`) that nobody holds, now held until now + lease."""
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    with transaction.atomic():
        ids = list(
            due.select_for_update(skip_locked=True, of=("self",)).filter(free).order_by(*order)
            .values_list("pk", flat=True)[:size]
        )
        due.model.objects.filter(pk__in=ids).update(claimed_until=now + lease)
    return ids
