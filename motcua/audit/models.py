"""Append-only, hash-chained audit log.

Entries are chained per audited object (each entry carries the hash of the
previous entry about the same object), so concurrent work on different
dossiers never contends on one global chain head, while tampering with any
entry breaks the chain of its object.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id", "id"])]
        ordering = ["id"]

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise RuntimeError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit entries are append-only")

    def compute_hash(self) -> str:
        payload = json.dumps(
            {
                # In UTC, as the database gives it back: a moment passed in another zone (a local
                # `now` handed to mark_deadlines) hashed differently once read back and broke the chain.
                "at": self.at.astimezone(UTC).isoformat(),
                "actor": self.actor_id,
                "action": self.action,
                "object": [self.object_type, self.object_id],
                "data": self.data,
                "prev": self.prev_hash,
            },
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )
        return hashlib.sha256(payload.encode()).hexdigest()
