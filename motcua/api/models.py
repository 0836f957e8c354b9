"""The API's own rows: answers kept for Idempotency-Key retries (motcua/api/idempotency.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class IdempotentRequest(models.Model):
    """One client's key for one request: in flight (`status` null) or done, with the answer to replay."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    # sha256 of method, path and the body (JSON canonicalized): the same key with another request is a 422.
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)  # null while the first request is in flight
    content_type = models.CharField(max_length=100, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_per_user")]
