from __future__ import annotations

from django_tasks import task

from motcua.notifications.delivery import deliver_pending
from motcua.notifications.pruning import prune


@task()
def deliver_outbox() -> dict[str, int]:
    """Send what the outbox holds (enqueued after each action, and swept periodically by `motcua scheduler`)."""
    return deliver_pending()


@task()
def prune_history() -> dict[str, int]:
    """Forget delivered outbox events and finished task results past their keeping time (OUTBOX_KEEP_DAYS…)."""
    return prune()
