"""Writing a petition's history event and announcing the change (audit, outbox, KPI counters)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from motcua.lib import events
from motcua.petitions.models import Petition, PetitionEvent


def look_before(petition: Petition) -> Mapping[str, Any]:
    return events.look_before(events.PetitionChanged, petition)


def write_history(
    petition: Petition, action: str, from_status: str, actor, at: datetime, *, reason: str = "",
    data: dict | None = None, before: Mapping[str, Any] | None = None, first: bool = False,
    notify: Mapping[str, Any] | None = None,
) -> PetitionEvent:
    data = data or {}
    event = PetitionEvent.objects.create(
        petition=petition, action=action, from_status=from_status, to_status=petition.status,
        actor=actor if getattr(actor, "pk", None) else None, at=at, reason=reason, data=data,
    )
    events.announce(events.PetitionChanged(
        petition=petition, history=event, action=action, from_status=from_status, actor=actor, at=at,
        reason=reason, data=data, first=first, before=before or {}, notify=notify,
    ))
    return event
