"""The dossiers behind a number: the counters' own conditions (monitoring/conditions.py), as a dossier list."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet

from motcua.dossiers.models import Dossier
from motcua.monitoring import conditions, config
from motcua.monitoring.contributions import zone
from motcua.monitoring.models import COLUMNS
from motcua.units.models import Unit

DRILL_COLUMNS = (*(c for c in COLUMNS if c not in conditions.RUNNING_COLUMNS), "open")


def dossiers_behind(unit: Unit | None, start: date, end: date, column: str, procedure_id: int | None = None) -> QuerySet[Dossier]:
    tz = zone()
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    qs = Dossier.objects.all()
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if procedure_id is not None:
        qs = qs.filter(procedure_id=procedure_id)
    if column in conditions.RECEIPT_COLUMNS:
        qs = conditions.received(qs).filter(received_at__gte=since, received_at__lt=until)
        return qs.filter(conditions.receipt_conditions(conditions.full_versions())[column])
    if column in conditions.END_COLUMNS:
        qs = conditions.ended(qs).filter(end_at__gte=since, end_at__lt=until)
        return qs.filter(conditions.end_conditions(config.deadline_by_date())[column])
    if column in conditions.RESULT_COLUMNS:
        return conditions.finished(qs).filter(finished_at__gte=since, finished_at__lt=until)
    if column == "open":
        return conditions.still_open(qs)
    return qs.none()
