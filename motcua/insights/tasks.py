"""Background work of the insights room, through the Django Tasks API."""

from __future__ import annotations

from django_tasks import task

from motcua.insights import build, risk


@task()
def refresh_insights() -> int:
    """Trace the dossiers finished since the last round, then score the open dossiers that moved (or daily)."""
    build.build()
    return risk.score()
