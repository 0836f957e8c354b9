from __future__ import annotations

from django_tasks import task

from motcua.api import idempotency


@task()
def prune_idempotency_keys() -> int:
    """Forget the Idempotency-Key answers past their keeping time (run periodically by `motcua scheduler`)."""
    return idempotency.prune()
