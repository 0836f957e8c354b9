from __future__ import annotations

from django_tasks import task

from motcua.integrations import outside, webhooks
from motcua.integrations.national import sync


@task()
def deliver_integrations() -> dict[str, dict[str, int]]:
    """Send due webhook deliveries and national sync changes and outside agencies' requests (woken after each change, swept by `motcua scheduler`)."""
    return {"webhooks": webhooks.deliver_pending(), "national": sync.sync_pending(), "outside": outside.deliver_outside()}
