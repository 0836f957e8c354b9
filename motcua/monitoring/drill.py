"""The dossiers behind a number: the same rules as contributions.py, as a dossier query."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce

from motcua.catalog.models import ProcedureVersion
from motcua.dossiers.facts import PAPER, REGISTRY, VAULT
from motcua.dossiers.models import Dossier
from motcua.monitoring.contributions import E_RESULT, ENDED, OPEN, zone
from motcua.monitoring.models import COLUMNS
from motcua.units.models import Unit

RECEIPT_COLUMNS = frozenset(COLUMNS[:10])
DRILL_COLUMNS = (*COLUMNS, "open")


def _full_versions() -> list[int]:
    return [pk for pk, d in ProcedureVersion.objects.values_list("pk", "definition") if d.get("service_mode") == "full"]


def dossiers_behind(unit: Unit | None, start: date, end: date, column: str, procedure_id: int | None = None) -> QuerySet[Dossier]:
    tz = zone()
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    qs = Dossier.objects.all()
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if procedure_id is not None:
        qs = qs.filter(procedure_id=procedure_id)
    if column in RECEIPT_COLUMNS:
        qs = qs.filter(received_at__gte=since, received_at__lt=until).annotate(
            src_paper=F("component_sources").bitand(PAPER),
            src_vault=F("component_sources").bitand(VAULT),
            src_reused=F("component_sources").bitand(VAULT | REGISTRY),
        )
        full = Q(procedure_version_id__in=_full_versions())
        conditions = {
            "received": Q(), "online": Q(channel=2), "full_eligible": full, "full_online": full & Q(channel=2),
            "fee_bearing": Q(fee__gt=0), "paid_online": Q(fee__gt=0, paid_online__in=(1, 2)),
            "digitized": Q(component_sources__gt=0, src_paper=0), "reused": Q(src_reused__gt=0),
            "vault": Q(src_vault__gt=0), "citizen_data": Q(vneid_auth=True) | Q(src_reused__gt=0),
        }
        return qs.filter(conditions[column])
    if column in ("ended", "ended_on_time"):
        qs = qs.filter(received_at__isnull=False, status__in=ENDED).annotate(end_at=Coalesce("finished_at", "updated_at"))
        qs = qs.filter(end_at__gte=since, end_at__lt=until)
        if column == "ended_on_time":
            qs = qs.filter(Q(due_at__isnull=True) | Q(due_at__gte=F("end_at")), apology_count=0)
        return qs
    if column in ("finished", "finished_e_result"):
        return qs.filter(status__in=E_RESULT, finished_at__gte=since, finished_at__lt=until)
    if column == "open":
        return qs.filter(received_at__isnull=False, status__in=OPEN)
    return qs.none()
