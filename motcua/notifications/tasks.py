from __future__ import annotations

from django_tasks import task

from motcua.notifications.delivery import deliver_pending
from motcua.notifications.officers import remind_officers
from motcua.notifications.pruning import prune


@task()
def deliver_outbox() -> dict[str, int]:
    """Send what the outbox holds (enqueued after each action, and swept periodically by `motcua scheduler`)."""
    return deliver_pending()


@task()
def remind_officers_task() -> dict[str, int]:
    """Write the officers' reminders (dossiers due tomorrow, late), then send them with the outbox."""
    counts = remind_officers()
    deliver_pending()
    return counts


@task()
def prune_history() -> dict[str, int]:
    """Forget delivered outbox events and finished task results past their keeping time (OUTBOX_KEEP_DAYS…)."""
    return prune()
