"""Writing a change into the dossier's history and announcing it to the subscribers.

The `DossierEvent` row is the dossiers room's own record; everything else that
records a change (the audit entry, the outbox event, the KPI counters: see
`lib/events.py` and the apps' `ready()`) hears of it through `DossierChanged`,
in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from motcua.dossiers.models import Dossier, DossierEvent
from motcua.lib import events
from motcua.lib.compiled import insert


def look_before(dossier: Dossier) -> Mapping[str, Any]:
    """What the subscribers keep of the dossier before an action changes it (handed back in the event)."""
    return events.look_before(events.DossierChanged, dossier)


def write_history(
    dossier: Dossier, action: str, from_status: int | None, actor, at: datetime, reason: str = "",
    data: dict | None = None, before: Mapping[str, Any] | None = None, first: bool = False,
) -> DossierEvent:
    """One history event for the change just saved, and the change announced (audit, outbox, counters).

    `first`: the dossier was created in this transaction (nothing recorded about it yet).
    """
    data = data or {}
    event = DossierEvent(
        dossier=dossier, action=action, from_status=from_status, to_status=dossier.status,
        actor=actor, at=at, reason=reason, data=data,
    )
    insert(event)  # every action writes one: its INSERT compiled once per process (lib/compiled.py)
    events.announce(events.DossierChanged(
        dossier=dossier, history=event, action=action, from_status=from_status, actor=actor, at=at, reason=reason,
        data=data, first=first, before=before or {},
    ))
    return event
