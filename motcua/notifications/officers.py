"""The officers' reminders: their dossiers due tomorrow, and late ones (a periodic sweep, ops scheduler).

An officer concerned is one holding an open step of the dossier; a dossier nobody holds yet
reminds the one-stop officers of its unit. Each reminder is an outbox event written once per
dossier, kind and due date (`OutboxEvent.dedupe`), so the sweep may run as often as it likes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from motcua.dossiers import workflow
from motcua.dossiers.actions.context import CLOCK_RUNS
from motcua.dossiers.models import Dossier, Task
from motcua.notifications.models import OutboxEvent
from motcua.units.models import Membership, Role


def _officers(dossier: Dossier) -> list[int]:
    held = sorted({t.assignee_id for t in Task.objects.filter(dossier=dossier, status__in=workflow.LIVE)
                   if t.assignee_id})
    if held:
        return held
    return sorted(set(Membership.objects.filter(unit_id=dossier.unit_id, role=Role.ONE_STOP_OFFICER)
                      .values_list("user_id", flat=True)))


def remind_officers(now: datetime | None = None) -> dict[str, int]:
    """Write the reminders due now (tomorrow's dossiers, late ones) not written before; how many of each."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    tomorrow_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    tomorrow_end = tomorrow_start + timedelta(days=1)
    counts = {"due_tomorrow": 0, "late": 0}
    # paused_at: an obligation awaited in status 6, the clock stopped (dossiers/actions/obligations.py).
    open_ = Dossier.objects.filter(status__in=CLOCK_RUNS, due_at__isnull=False, paused_at__isnull=True)
    for kind, dossiers in (
        ("due_tomorrow", open_.filter(due_at__gte=tomorrow_start, due_at__lt=tomorrow_end)),
        ("late", open_.filter(due_at__lt=now)),
    ):
        for dossier in dossiers.only("pk", "code", "unit_id", "due_at").order_by("due_at")[:5000]:
            dedupe = f"officer.{kind}:{dossier.code}:{dossier.due_at.isoformat()}"
            if OutboxEvent.objects.filter(dedupe=dedupe).exists():
                continue
            officers = _officers(dossier)
            if not officers:
                continue
            try:
                with transaction.atomic():
                    OutboxEvent.objects.create(
                        topic=f"officer.{kind}", key=dossier.code, created_at=now, dedupe=dedupe,
                        payload={"code": dossier.code, "due_at": dossier.due_at.isoformat(), "officers": officers,
                                 "day": today.isoformat()},
                    )
            except IntegrityError:
                continue  # another sweep wrote it meanwhile
            counts[kind] += 1
    return counts
