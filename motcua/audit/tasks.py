from __future__ import annotations

from django_tasks import task

from motcua.audit.seal import seal


@task()
def seal_audit() -> dict[str, int]:
    """Append the entries written since the last round to the audit log's global chain (audit/seal.py)."""
    return {"sealed": seal()}
