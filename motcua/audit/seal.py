"""Sealing the audit log into one global chain, and verifying all of it.

Writers chain entries per object (audit/log.py) so they never wait on each other. The
sealer, one at a time (a lock on PostgreSQL, the write lock on SQLite), takes every entry
committed since its last round in id order, numbers it on the global chain (`AuditSeal`)
and signs the new head (`AuditCheckpoint`), in one transaction. The scheduler runs it every
round (`seal_audit` task); `motcua audit seal` runs it by hand.

`verify()` reads the whole log once, in constant memory, and names the first entry that
breaks:
- a sealed entry whose content no longer matches its hash (edited),
- a seal whose chain does not follow from the one before (an entry re-hashed, swapped, or a
  seal rewritten), or a missing number (an entry deleted with its seal),
- a checkpoint whose signature fails, or that the chain no longer reaches (history rewritten
  and re-chained, or the tail truncated), or a checkpoint from the log file outside the
  database that the database no longer has (tail truncated with its checkpoints),
- an unsealed entry at or below the last floor (slipped in behind the sealer),
- among the entries not sealed yet, a broken per-object chain.
The one thing it cannot see is an unsealed newest entry rewritten and re-hashed before the
next round: run the sealer often (the scheduler's interval).
"""

from __future__ import annotations

import hmac
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from hashlib import sha256
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from motcua.audit.models import AuditCheckpoint, AuditEntry, AuditSeal

log = logging.getLogger("motcua.audit")
BATCH = 5000
_LOCK_KEY = 0x6D6F7463  # "motc": the sealer's advisory lock on PostgreSQL


def _key() -> bytes:
    if settings.AUDIT_KEY:
        return settings.AUDIT_KEY.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"motcua.audit.checkpoint", sha256).digest()


def sign(checkpoint: AuditCheckpoint) -> str:
    return hmac.new(_key(), checkpoint.signed_text().encode(), sha256).hexdigest()


def seal(now: datetime | None = None, limit: int = 100_000) -> int:
    """Seal the entries committed since the last round; how many were sealed."""
    now = now or timezone.now()
    total = 0
    while total < limit:
        sealed = _seal_batch(now, min(BATCH, limit - total))
        total += sealed
        if sealed < BATCH:
            break
    return total


@transaction.atomic
def _seal_batch(now: datetime, size: int) -> int:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    head = AuditCheckpoint.objects.order_by("-seq").first()
    seq, chain, floor = (head.seq, head.chain, head.floor) if head else (0, "", 0)
    entries = list(
        AuditEntry.objects.filter(id__gt=floor, seal__isnull=True).order_by("id").values_list("id", "hash")[:size]
    )
    if not entries:
        return 0
    seals = []
    for entry_id, entry_hash in entries:
        seq += 1
        chain = AuditSeal.link(chain, seq, entry_id, entry_hash)
        seals.append(AuditSeal(seq=seq, entry_id=entry_id, chain=chain, sealed_at=now))
    AuditSeal.objects.bulk_create(seals)
    checkpoint = AuditCheckpoint(seq=seq, chain=chain, floor=_floor(floor, now), at=now)
    checkpoint.signature = sign(checkpoint)
    checkpoint.save()
    _export(checkpoint)
    return len(seals)


def _floor(previous: int, now: datetime) -> int:
    """The highest entry id below which every entry is sealed and too old to be still committing."""
    cutoff = now - timedelta(seconds=settings.AUDIT_SEAL_LAG_SECONDS)
    old = AuditEntry.objects.filter(id__gt=previous, at__lt=cutoff).order_by("id")
    unsealed = old.filter(seal__isnull=True).values_list("id", flat=True).first()
    if unsealed is not None:
        return max(previous, unsealed - 1)
    newest = old.order_by("-id").values_list("id", flat=True).first()
    return max(previous, newest or 0)


def _export(checkpoint: AuditCheckpoint) -> None:
    line = json.dumps({"seq": checkpoint.seq, "chain": checkpoint.chain, "floor": checkpoint.floor,
                       "at": checkpoint.at.isoformat(), "signature": checkpoint.signature})
    log.info("audit checkpoint %s", line)
    if settings.AUDIT_CHECKPOINT_LOG:
        path = Path(settings.AUDIT_CHECKPOINT_LOG)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written inside the sealing transaction: a rolled-back round leaves a line the database lacks,
        # which verify tells apart (its signature holds but its chain was never committed) from a truncation
        # only by the operator's judgement; a round rolls back only on a database failure.
        with path.open("a", encoding="utf-8") as f:
            f.write(line + "\n")


@dataclass(frozen=True)
class Problem:
    entry_id: int | None
    message: str

    def __str__(self) -> str:
        return f"entry {self.entry_id}: {self.message}" if self.entry_id is not None else self.message


@dataclass(frozen=True)
class Report:
    sealed: int
    unsealed: int
    checkpoints: int
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(checkpoint_log: str | None = None) -> Report:
    """Check the whole log; the report names the first problem found, if any."""
    checkpoints = {c.seq: c for c in AuditCheckpoint.objects.order_by("seq")}
    sealed, problem = _verify_chain(checkpoints)
    if problem is None:
        problem = _verify_checkpoints(checkpoints, sealed)
    if problem is None:
        problem = _verify_log_file(checkpoint_log if checkpoint_log is not None else settings.AUDIT_CHECKPOINT_LOG)
    unsealed, tail_problem = _verify_unsealed(checkpoints)
    return Report(sealed=sealed, unsealed=unsealed, checkpoints=len(checkpoints), problem=problem or tail_problem)


def _verify_chain(checkpoints: dict[int, AuditCheckpoint]) -> tuple[int, Problem | None]:
    chain, expected = "", 1
    seals = AuditSeal.objects.select_related("entry").order_by("seq")
    for s in seals.iterator(chunk_size=2000):
        entry = s.entry
        if s.seq != expected:
            return expected - 1, Problem(entry.id, f"seal {expected} is missing (the chain jumps to {s.seq}): "
                                                   "an entry was deleted")
        if entry.compute_hash() != entry.hash:
            return expected - 1, Problem(entry.id, f"its content no longer matches its hash (seal {s.seq}): edited")
        chain = AuditSeal.link(chain, s.seq, entry.id, entry.hash)
        if chain != s.chain:
            return expected - 1, Problem(entry.id, f"seal {s.seq} does not follow from the one before: "
                                                   "an entry was re-hashed, swapped or its seal rewritten")
        cp = checkpoints.get(s.seq)
        if cp is not None and cp.chain != chain:
            return expected - 1, Problem(entry.id, f"the chain at seal {s.seq} differs from its signed checkpoint: "
                                                   "history was rewritten")
        expected += 1
    return expected - 1, None


def _verify_checkpoints(checkpoints: dict[int, AuditCheckpoint], sealed: int) -> Problem | None:
    for cp in checkpoints.values():
        if not hmac.compare_digest(sign(cp), cp.signature):
            return Problem(None, f"checkpoint at seal {cp.seq} has a bad signature: forged or edited")
        if cp.seq > sealed:
            return Problem(None, f"checkpoint at seal {cp.seq} is beyond the chain's end ({sealed}): "
                                 "sealed entries were truncated")
    if sealed and (not checkpoints or max(checkpoints) != sealed):
        return Problem(None, f"seals after the last checkpoint (chain ends at {sealed}): seals were added by hand")
    return None


def _verify_log_file(path: str) -> Problem | None:
    if not path or not Path(path).exists():
        return None
    with Path(path).open(encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            cp = json.loads(line)
            row = AuditSeal.objects.filter(seq=cp["seq"]).values_list("chain", flat=True).first()
            if row is None:
                return Problem(None, f"the checkpoint log outside the database reaches seal {cp['seq']}, "
                                     "which the database no longer has: the tail was truncated")
            if row != cp["chain"]:
                return Problem(None, f"seal {cp['seq']} differs from the checkpoint log outside the database: "
                                     "history was rewritten")
    return None


def _verify_unsealed(checkpoints: dict[int, AuditCheckpoint]) -> tuple[int, Problem | None]:
    floor = checkpoints[max(checkpoints)].floor if checkpoints else 0
    behind = AuditEntry.objects.filter(id__lte=floor, seal__isnull=True).order_by("id").values_list("id", flat=True)
    first_behind = behind.first()
    unsealed = AuditEntry.objects.filter(seal__isnull=True).order_by("id")
    count = unsealed.count()
    if first_behind is not None:
        return count, Problem(first_behind, "unsealed below the sealer's floor: it was inserted behind the sealer")
    # The tail not sealed yet: each object's chain must still hold (prev_hash → the entry before it).
    for entry in unsealed.iterator(chunk_size=2000):
        if entry.compute_hash() != entry.hash:
            return count, Problem(entry.id, "its content no longer matches its hash (not sealed yet): edited")
        before = (AuditEntry.objects.filter(object_type=entry.object_type, object_id=entry.object_id, id__lt=entry.id)
                  .order_by("-id").values_list("hash", flat=True).first())
        if entry.prev_hash != (before or ""):
            return count, Problem(entry.id, "its object's chain is broken before it: an entry was deleted or edited")
    return count, None
