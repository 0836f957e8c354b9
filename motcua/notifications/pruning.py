"""Forgetting what has done its job: delivered outbox events, sent messages and finished task results.

Both tables grow with every action; neither is the record (the dossier history
and the audit log are). Undelivered events and unfinished tasks are never touched.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from motcua.notifications.models import Delivery, DeliveryStatus, OutboxEvent


def prune(now: datetime | None = None) -> dict[str, int]:
    """Delete delivered events and finished task results older than their keeping time; say how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    # Sent messages go with their events; failed and dead ones stay until sent or replayed.
    sent, _ = Delivery.objects.filter(status=DeliveryStatus.SENT, sent_at__lt=cutoff).delete()
    outbox, _ = OutboxEvent.objects.filter(delivered_at__isnull=False, delivered_at__lt=cutoff).delete()
    return {"outbox": outbox, "deliveries": sent, "task_results": _prune_task_results(now)}


def _prune_task_results(now: datetime) -> int:
    if settings.TASKS_BACKEND != "database":
        return 0  # RQ expires its own results (result_ttl); the immediate backend keeps none
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    keep = timedelta(days=settings.TASK_RESULTS_KEEP_DAYS)
    # A failure is kept four times longer: someone may still need to look at it.
    deleted, _ = DBTaskResult.objects.filter(
        Q(status=TaskResultStatus.SUCCESSFUL, finished_at__lt=now - keep)
        | Q(status=TaskResultStatus.FAILED, finished_at__lt=now - 4 * keep)
    ).delete()
    return deleted
