from __future__ import annotations

from django_tasks import task

from motcua.notifications.delivery import deliver_pending


@task()
def deliver_outbox() -> dict[str, int]:
    """Send what the outbox holds (enqueued after each action, and swept periodically by `motcua scheduler`)."""
    return deliver_pending()
