"""Background work about dossiers, through the Django Tasks API."""

from __future__ import annotations

from django_tasks import task

from motcua.dossiers import actions


@task()
def check_deadlines() -> dict[str, int]:
    """Flag dossiers at risk of being late, and late ones (run periodically by `motcua scheduler`)."""
    return actions.mark_deadlines()
