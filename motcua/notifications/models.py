"""The transactional outbox: events written with the change, delivered later."""

from __future__ import annotations

from django.db import models


class OutboxEvent(models.Model):
    topic = models.CharField(max_length=64)
    key = models.CharField(max_length=64, help_text="the object the event is about, e.g. a dossier code")
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    # Delivery bookkeeping (notifications/delivery.py): a worker claims an event until
    # `claimed_until`, sends it outside any transaction, then marks it delivered; a
    # failed send counts an attempt, keeps the error and leaves it for the next sweep.
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["delivered_at", "id"])]
        ordering = ["id"]
