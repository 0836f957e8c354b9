"""The KPI counters hear of every dossier change (lib/events.py; subscribed in apps.py)."""

from __future__ import annotations

from motcua.lib.events import DossierChanged
from motcua.monitoring import counters


def on_dossier_changed(event: DossierChanged) -> None:
    # `before` is the dossier's contribution taken by `counters.snapshot` (the subscriber's
    # before-hook) before the action changed it; none for a submission.
    counters.on_event(event.dossier, event.history, event.before.get("monitoring"))
