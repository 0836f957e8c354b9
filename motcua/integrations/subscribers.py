"""Webhooks and the national sync hear of every dossier change (lib/events.py; subscribed in apps.py).

Their rows are written in the change's transaction: a rolled-back action sends nothing, a committed
one cannot be forgotten. Sending happens later, outside it (tasks.py), woken after the commit.
"""

from __future__ import annotations

import logging

from django.db import transaction

from motcua.integrations import webhooks
from motcua.integrations.national import sync
from motcua.lib.events import DossierChanged, ResultRevoked

log = logging.getLogger(__name__)


def on_dossier_changed(event: DossierChanged) -> None:
    queued = webhooks.on_dossier_changed(event)
    synced = None
    if event.first or event.from_status != event.dossier.status:
        # A status change (or the submission): the national portal hears of it, when there is one.
        synced = sync.record(event.dossier, event.at)
    if queued or synced is not None:
        schedule()


def on_result_revoked(event: ResultRevoked) -> None:
    if webhooks.on_result_revoked(event):
        schedule()


def schedule() -> None:
    from django_tasks_db.backend import DatabaseBackend

    from motcua.integrations.tasks import deliver_integrations

    if isinstance(deliver_integrations.get_backend(), DatabaseBackend):
        # The task is a row of this same database: it commits (or vanishes) with the change, one commit
        # not two (as notifications/subscribers.py does for the outbox).
        deliver_integrations.enqueue()
    else:
        transaction.on_commit(wake)


def wake() -> None:
    # Best effort: the rows are committed and `motcua scheduler` sweeps them anyway, so a broker that is
    # down delays a delivery but loses nothing.
    from motcua.integrations.tasks import deliver_integrations

    try:
        deliver_integrations.enqueue()
    except Exception:
        log.warning("could not enqueue integrations delivery", exc_info=True)
