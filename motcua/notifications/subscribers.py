"""The outbox hears of every dossier change (lib/events.py; subscribed in apps.py).

One outbox row per change, written in the change's transaction, and the delivery
woken: the row can be neither lost nor sent for a change that was rolled back.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django_tasks_db.backend import DatabaseBackend

from motcua.lib.events import DossierChanged, PetitionChanged
from motcua.notifications.outbox import emit
from motcua.notifications.tasks import deliver_outbox

log = logging.getLogger(__name__)


def on_dossier_changed(event: DossierChanged) -> None:
    dossier = event.dossier
    emit(
        f"dossier.{event.action}", dossier.code,
        {
            "code": dossier.code, "status": dossier.status, "from_status": event.from_status,
            "at": event.at.isoformat(), "reason": event.reason, **event.data,
        },
        event.at,
    )
    schedule_delivery()


def on_petition_changed(event: PetitionChanged) -> None:
    # The event itself (for webhooks and the national sync when they exist) carries no personal data;
    # a mail to the filer, when the action composed one, is its own "mail" event (sent as written).
    petition = event.petition
    emit(
        f"petition.{event.action}", petition.code,
        {
            "code": petition.code, "status": petition.status, "from_status": event.from_status,
            "unit": petition.unit.code, "at": event.at.isoformat(), **event.data,
        },
        event.at,
    )
    if event.notify and event.notify.get("to"):
        emit("mail", petition.code, dict(event.notify), event.at)
    schedule_delivery()


def schedule_delivery() -> None:
    if isinstance(deliver_outbox.get_backend(), DatabaseBackend):
        # The task is a row of this same database: written in the action's transaction it
        # commits (or vanishes) with the outbox event, and no worker sees it before the event.
        # One commit per action instead of two (an INSERT after the commit is a transaction
        # and a WAL flush of its own).
        deliver_outbox.enqueue()
    else:
        # A broker outside the database: woken only once the event is committed.
        transaction.on_commit(_wake_delivery)


def _wake_delivery() -> None:
    # Best effort: the outbox row is already committed, and `motcua scheduler`
    # sweeps it anyway, so a broker that is down delays the mail but loses nothing.
    try:
        deliver_outbox.enqueue()
    except Exception:  # any backend error; the user's action has succeeded
        log.warning("could not enqueue outbox delivery", exc_info=True)
