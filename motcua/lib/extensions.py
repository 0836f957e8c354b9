"""What one room adds to another room's page, answer or mail, without the other importing it.

The read-side sibling of `events.py`: a room that owns a figure (the insights' lateness risk)
registers a provider from its `AppConfig.ready()` under a named extension point, and the room that
shows things (the dossier API, the leaders' digest) asks every provider of that point. Without the
providing room installed the point gives nothing, and no import runs back against the flow of data
(tests/test_architecture.py).

Points in use (the caller, what each provider gets, what it returns):

- "dossier.staff_fields" (dossiers/api.py, a dossier read by its officers): `(dossier)` → a dict of
  fields added to the answer (insights: `late_risk`);
- "kpi.digest_lines" (monitoring/alerts.py, a leader's daily digest): `(unit)` → lines of text
  (insights: the open dossiers most at risk of being late).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_providers: dict[str, list[Callable[..., Any]]] = {}


def provide(point: str, provider: Callable[..., Any]) -> None:
    """Register `provider` for `point` (idempotent: a second `ready()` adds it once)."""
    found = _providers.setdefault(point, [])
    if provider not in found:
        found.append(provider)


def gather(point: str, *args: Any) -> list[Any]:
    """What every provider of `point` answers for `args`, in the order they were registered."""
    return [provider(*args) for provider in _providers.get(point, [])]
