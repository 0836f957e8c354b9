"""The periodic deadline check: dossiers near (at_risk) or past (late) their promised date."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from motcua.dossiers.actions import history
from motcua.dossiers.actions.context import CLOCK_RUNS, deadline_state_at
from motcua.dossiers.models import DeadlineState, Dossier


def mark_deadlines(now: datetime | None = None) -> dict[str, int]:
    """Flag dossiers whose promised date is near (at_risk) or past (late); the periodic task calls this.

    Each change of flag is a history event (by the system), so the officers'
    queues, the applicant and the monitoring see the same moment.
    """
    now = now or timezone.now()
    horizon = now + timedelta(days=7)  # at most a week of days off lies between "1 working day left" and now
    counts = {DeadlineState.AT_RISK: 0, DeadlineState.LATE: 0}
    candidates = Dossier.objects.filter(status__in=CLOCK_RUNS, due_at__lte=horizon, paused_at__isnull=True).exclude(
        deadline_state=DeadlineState.LATE
    )
    # The codes are read first: writing to the rows a still-open cursor is reading is
    # undefined on SQLite (one connection, no isolation between its statements).
    for code in list(candidates.values_list("code", flat=True)):
        with transaction.atomic():
            dossier = Dossier.objects.select_for_update().filter(code=code).first()
            if dossier is None or dossier.status not in CLOCK_RUNS:
                continue
            state = deadline_state_at(dossier, now)
            if state == dossier.deadline_state or state == DeadlineState.ON_TIME:
                continue
            before = history.look_before(dossier)
            dossier.deadline_state = state
            dossier.updated_at = now
            dossier.save(update_fields=["deadline_state", "updated_at"])
            history.write_history(
                dossier, f"deadline_{state}", dossier.status, None, now, data={"due_at": dossier.due_at.isoformat()},
                before=before,
            )
            counts[state] += 1
    return {str(k): v for k, v in counts.items()}
