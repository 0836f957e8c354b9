"""Background work of the insights room, through the Django Tasks API."""

from __future__ import annotations

from django_tasks import task

from motcua.insights import risk, rollup, sqlbuild


@task()
def refresh_insights() -> int:
    """Trace the dossiers finished since the last round, then score the open dossiers that moved (or daily).

    The tracing is the set-based build on PostgreSQL (a few statements over the pending dossiers, with
    their monthly rollups), the Python build on SQLite."""
    sqlbuild.build_all(recent=True)
    from motcua.monitoring import query

    rollup.compact_daily(query.today())  # the rounds' appended rollup rows summed, once a day
    return risk.score()
