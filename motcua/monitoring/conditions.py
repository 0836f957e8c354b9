"""The counters' rules as query conditions: what the rebuild groups and the drill-down lists.

monitoring/contributions.py says, for one dossier in Python, which counter
columns it adds to and on which day; this module says the same for a whole
table, as Django expressions: the rebuild (monitoring/rebuild.py) sums them per
unit, procedure and day, and the drill-down (monitoring/drill.py) filters the
dossiers behind one number with them. One definition serves both, so a number
and the list behind it cannot disagree.
"""

from __future__ import annotations

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate

from motcua.catalog.models import ProcedureVersion
from motcua.dossiers.facts import PAPER, REGISTRY, VAULT
from motcua.monitoring.contributions import E_RESULT, ENDED, OPEN, zone

# Which day a column counts on: the receipt day, the end day, or the finishing day.
RECEIPT_COLUMNS = (
    "received", "online", "full_eligible", "full_online", "fee_bearing", "paid_online",
    "digitized", "reused", "vault", "citizen_data",
)
END_COLUMNS = ("ended", "ended_on_time", "ended_satisfied")
RESULT_COLUMNS = ("finished", "finished_e_result")


def full_versions() -> list[int]:
    """The procedure versions offered as full-process online (the headline's denominator)."""
    return [pk for pk, d in ProcedureVersion.objects.values_list("pk", "definition") if d.get("service_mode") == "full"]


def received(qs: QuerySet) -> QuerySet:
    """The received class (statuses 2, 4–10), with the source bits the receipt columns test."""
    return qs.filter(received_at__isnull=False).annotate(
        src_paper=F("component_sources").bitand(PAPER),
        src_vault=F("component_sources").bitand(VAULT),
        src_reused=F("component_sources").bitand(VAULT | REGISTRY),
    )


def receipt_conditions(full: list[int]) -> dict[str, Q]:
    """For each receipt column, the condition on a `received()` dossier."""
    eligible = Q(procedure_version_id__in=full)
    return {
        "received": Q(),
        "online": Q(channel=2),
        "full_eligible": eligible,
        "full_online": eligible & Q(channel=2),
        "fee_bearing": Q(fee__gt=0),
        "paid_online": Q(fee__gt=0, paid_online__in=(1, 2)),
        "digitized": Q(component_sources__gt=0, src_paper=0),
        "reused": Q(src_reused__gt=0),
        "vault": Q(src_vault__gt=0),
        "citizen_data": Q(vneid_auth=True) | Q(src_reused__gt=0),
    }


def ended(qs: QuerySet) -> QuerySet:
    """Received dossiers in an end state, with `end_at` (9, 10, 8 have finished_at; 7 ends at its last change)."""
    tz = zone()
    return (
        qs.filter(received_at__isnull=False, status__in=ENDED)
        .annotate(end_at=Coalesce("finished_at", "updated_at"))
        .annotate(end_day=TruncDate("end_at", tzinfo=tz), due_day=TruncDate("due_at", tzinfo=tz))
    )


def in_time(by_date: bool, at: str) -> Q:
    """`at` (an annotated moment, or with by_date its local day) is no later than the promise."""
    if by_date:
        return Q(due_at__isnull=True) | Q(**{f"{at}_day__lte": F("due_day")})
    return Q(due_at__isnull=True) | Q(due_at__gte=F(f"{at}_at"))


def end_conditions(by_date: bool) -> dict[str, Q]:
    """For each end column, the condition on an `ended()` dossier."""
    on_time = in_time(by_date, "end") & Q(apology_count=0)  # an apology letter fixes the verdict: overdue
    return {"ended": Q(), "ended_on_time": on_time, "ended_satisfied": on_time & Q(disliked=False)}


# Processed (9, 10): counted on the finishing day, with the electronic result issued on the way.
PROCESSED = Q(status__in=E_RESULT, finished_at__isnull=False)


def finished(qs: QuerySet) -> QuerySet:
    """Dossiers processed: the result columns' dossiers."""
    return qs.filter(PROCESSED)


def still_open(qs: QuerySet) -> QuerySet:
    """Received dossiers not ended: the progress indicator counts them against today."""
    return qs.filter(received_at__isnull=False, status__in=OPEN)
