from __future__ import annotations

from django_tasks import task

from motcua.authoring import store


@task()
def apply_catalog_changes() -> list[int]:
    """Versions and abolitions whose effective day has come take effect (run periodically by `motcua scheduler`)."""
    return list(store.apply_due())
