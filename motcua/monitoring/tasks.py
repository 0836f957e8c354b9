"""Background work of the monitoring room, through the Django Tasks API."""

from __future__ import annotations

from django_tasks import task

from motcua.monitoring.alerts import send_digests


@task()
def send_kpi_digests() -> int:
    """Write today's digests for the units' leaders (enqueued by `motcua scheduler`; idempotent per day)."""
    return send_digests()
