"""The periodic reminder to the holder of a result that is about to expire (`result.remind_before_days`).

A result's validity (catalog/timing.py: years, months, days) gives its vault document's `valid_until`;
this sweep finds the results whose reminder day has come and writes one history event per result
(`remind_expiry`, by the system), which the outbox turns into the holder's e-mail or SMS
(notifications/texts.py). The event is the record that the reminder was sent: never twice.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from motcua.dossiers.actions import history
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.vault.models import Origin, VaultDocument

ACTION = "remind_expiry"
LONGEST_REMINDER = 365  # days: the schema's bound on remind_before_days


def remind_expiring(today: date | None = None) -> int:
    """Write the reminder of every result whose expiry is within its procedure's reminder days; how many."""
    today = today or timezone.localdate()
    documents = (VaultDocument.objects.filter(origin=Origin.RESULT, valid_until__gte=today,
                                              valid_until__lte=today + timedelta(days=LONGEST_REMINDER))
                 .exclude(source_dossier="").values_list("source_dossier", "reference", "valid_until"))
    sent = 0
    # Read first: writing to the rows a still-open cursor reads is undefined on SQLite.
    for code, reference, valid_until in list(documents):
        with transaction.atomic():
            dossier = Dossier.objects.select_for_update().select_related("procedure_version").filter(code=code).first()
            if dossier is None:
                continue
            before_days = dossier.procedure_version.definition["result"].get("remind_before_days")
            if not before_days or valid_until - timedelta(days=before_days) > today:
                continue
            if DossierEvent.objects.filter(dossier=dossier, action=ACTION, data__reference=reference).exists():
                continue
            now = timezone.now()
            history.write_history(
                dossier, ACTION, dossier.status, None, now, before=history.look_before(dossier),
                data={"reference": reference, "valid_until": valid_until.isoformat()},
            )
            sent += 1
    return sent
