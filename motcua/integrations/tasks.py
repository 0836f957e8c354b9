from __future__ import annotations

from django.conf import settings
from django_tasks import task

from motcua.integrations import demo_outside, outside, webhooks
from motcua.integrations.national import sync


@task()
def deliver_integrations() -> dict[str, dict[str, int]]:
    """Send due webhook deliveries and national sync changes and outside agencies' requests (woken after each change, swept by `motcua scheduler`)."""
    done = {"webhooks": webhooks.deliver_pending(), "national": sync.sync_pending(), "outside": outside.deliver_outside()}
    if getattr(settings, "DEMO_NATIONAL_ENABLED", False):
        # The demo's tax authority delivers the answers it accepted to give later (its signed callback).
        done["demo_outside"] = demo_outside.answer_later()
    return done
