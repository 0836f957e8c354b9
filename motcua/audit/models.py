"""Append-only, hash-chained audit log, sealed into one global chain.

Entries are written chained per audited object (each entry carries the hash of the
previous entry about the same object), so concurrent work on different dossiers never
contends on one global chain head. Shortly after, the sealer (audit/seal.py) appends every
new entry to one global chain (`AuditSeal`, numbered 1, 2, 3… without gaps) and signs its
head (`AuditCheckpoint`): editing, deleting, reordering or truncating anything sealed then
breaks the global chain or a signature, which `motcua audit verify` reports.

Neither Django nor the web's database role may change a row once written: `save()` of a
stored entry, `delete()` and a queryset's `update()`/`delete()` raise here, and on
PostgreSQL `motcua audit grants ROLE` keeps UPDATE, DELETE and TRUNCATE from the role.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

from django.conf import settings
from django.db import models


class AppendOnly(RuntimeError):
    pass


class AppendOnlyQuerySet(models.QuerySet):
    """A queryset that reads and inserts, never rewrites: `update()` and `delete()` raise."""

    def update(self, **kwargs):
        raise AppendOnly("audit rows are append-only")

    def delete(self):
        raise AppendOnly("audit rows are append-only")

    def _raw_delete(self, using):
        raise AppendOnly("audit rows are append-only")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()
    # Its save() of a new row is Django's: `lib.compiled.insert` may send its INSERT compiled once.
    compiled_save = True

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnly("audit rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("audit rows are append-only")


class AuditEntry(AppendOnlyModel):
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


class AuditSeal(AppendOnlyModel):
    """Entry `entry` is number `seq` of the global chain; `chain` hashes it onto number `seq - 1`.

    `seq` runs 1, 2, 3… without a gap, in the order the sealer saw entries committed (not
    always their id order: a transaction that commits late is sealed late).
    """

    seq = models.BigIntegerField(primary_key=True)
    entry = models.OneToOneField(AuditEntry, on_delete=models.PROTECT, related_name="seal")
    chain = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()

    class Meta:
        ordering = ["seq"]

    @staticmethod
    def link(prev_chain: str, seq: int, entry_id: int, entry_hash: str) -> str:
        return hashlib.sha256(f"{prev_chain}|{seq}|{entry_id}|{entry_hash}".encode()).hexdigest()


class AuditCheckpoint(AppendOnlyModel):
    """The global chain's head after one sealing round, signed with the installation's audit key.

    `floor`: every entry with an id up to it was sealed when this round ran and was old enough
    that no transaction could still commit one below it; an unsealed entry at or below the floor
    was slipped in behind the sealer. A copy of each checkpoint also goes to AUDIT_CHECKPOINT_LOG,
    outside the database, so a truncated tail (entries, seals and checkpoints deleted together)
    is caught too.
    """

    seq = models.BigIntegerField(unique=True)
    chain = models.CharField(max_length=64)
    floor = models.BigIntegerField(default=0)
    at = models.DateTimeField()
    signature = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]

    def signed_text(self) -> str:
        return f"{self.seq}|{self.chain}|{self.floor}|{self.at.astimezone(UTC).isoformat()}"
