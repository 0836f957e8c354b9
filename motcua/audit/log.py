"""Writing and verifying audit entries. Call inside the transaction of the change audited."""

from __future__ import annotations

from datetime import datetime

from motcua.audit.models import AuditEntry
from motcua.lib.compiled import Compiled, insert

# The hash of the object's last entry: read by every action on a dossier (compiled once, lib/compiled.py).
_CHAIN_HEAD: Compiled[str] = Compiled(
    lambda object_type, object_id: AuditEntry.objects.filter(object_type=object_type, object_id=object_id)
    .order_by("-id").values_list("hash", flat=True)[:1]
)


def record(
    *, actor, action: str, object_type: str, object_id: str, at: datetime, data: dict | None = None, first: bool = False
) -> AuditEntry:
    """Append an entry to the object's chain.

    `first`: the caller knows the object has no entry yet (it was created in this very
    transaction under a unique key), so the chain head need not be read.
    """
    # The caller holds the row lock of the audited object, so reading the
    # object's last entry here cannot race with another writer of the same chain.
    last = None if first else _CHAIN_HEAD.first(object_type, object_id)
    entry = AuditEntry(
        at=at,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        data=data or {},
        prev_hash=last or "",
    )
    entry.hash = entry.compute_hash()
    insert(entry)  # every action writes one: its INSERT compiled once per process (lib/compiled.py)
    return entry


def verify_chain(object_type: str, object_id: str) -> bool:
    prev = ""
    for entry in AuditEntry.objects.filter(object_type=object_type, object_id=object_id).order_by("id"):
        if entry.prev_hash != prev or entry.compute_hash() != entry.hash:
            return False
        prev = entry.hash
    return True
