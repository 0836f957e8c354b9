"""The counters' rules as query conditions: what the rebuild groups and the drill-down lists.

monitoring/contributions.py says, for one dossier in Python, which counter
columns it adds to and on which day; this module says the same for a whole
table, as Django expressions: the rebuild (monitoring/rebuild.py) sums them per
unit, procedure and day, and the drill-down (monitoring/drill.py) filters the
dossiers behind one number with them. One definition serves both, so a number
and the list behind it cannot disagree.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Case, DateField, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, TruncDate

from motcua.catalog.models import ProcedureVersion
from motcua.dossiers.facts import PAPER, VAULT
from motcua.dossiers.models import Status
from motcua.monitoring.contributions import CITIZEN_DATA, E_RESULT, ELECTRONIC, ENDED, OPEN, REUSED, zone

# Which day a column counts on: the receipt day, the end day, or the finishing day.
RECEIPT_COLUMNS = (
    "received", "online", "full_eligible", "full_online", "fee_bearing", "paid_online",
    "digitized", "reused", "vault", "citizen_data",
)
END_COLUMNS = ("ended", "ended_on_time", "ended_satisfied")
RESULT_COLUMNS = ("finished", "finished_e_result")
RUNNING_COLUMNS = ("open_in_time_ends",)  # §5.2: counted on the day a dossier stops being open and in time


# Processed (9, 10): counted on the finishing day, with the electronic result issued on the way.
PROCESSED = Q(status__in=E_RESULT, finished_at__isnull=False)


def full_versions() -> list[int]:
    """The procedure versions offered as full-process online (the headline's denominator)."""
    return [pk for pk, d in ProcedureVersion.objects.values_list("pk", "definition") if d.get("service_mode") == "full"]


def received(qs: QuerySet) -> QuerySet:
    """The received class (statuses 2, 4–10), with the source bits the receipt columns test."""
    return qs.filter(received_at__isnull=False).annotate(
        src_paper=F("component_sources").bitand(PAPER),
        src_electronic=F("component_sources").bitand(ELECTRONIC),
        src_vault=F("component_sources").bitand(VAULT),
        src_reused=F("component_sources").bitand(REUSED),
        src_citizen=F("component_sources").bitand(CITIZEN_DATA),
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
        "digitized": Q(src_electronic__gt=0, src_paper=0) & PROCESSED,  # §5.4: and the e-result issued
        "reused": Q(src_reused__gt=0),  # §5.5
        "vault": Q(src_vault__gt=0) | PROCESSED,  # §5.6: every e-result goes into the applicant's vault
        "citizen_data": Q(vneid_auth=True) | Q(src_citizen__gt=0),  # §5.7
    }


def ended(qs: QuerySet) -> QuerySet:
    """Received dossiers in an end state, with `end_at` (9, 10, 8 have finished_at; 7 ends at its last change)."""
    tz = zone()
    return (
        qs.filter(received_at__isnull=False, status__in=ENDED)
        .annotate(end_at=Coalesce("finished_at", "updated_at"))
        .annotate(end_day=TruncDate("end_at", tzinfo=tz), due_day=TruncDate("legal_due_at", tzinfo=tz))
    )


def in_time(by_date: bool, at: str) -> Q:
    """`at` (an annotated moment, or with by_date its local day) is no later than the legal due date (§5.1)."""
    if by_date:
        return Q(legal_due_at__isnull=True) | Q(**{f"{at}_day__lte": F("due_day")})
    return Q(legal_due_at__isnull=True) | Q(legal_due_at__gte=F(f"{at}_at"))


def end_conditions(by_date: bool) -> dict[str, Q]:
    """For each end column, the condition on an `ended()` dossier. An apology letter plays no part (§5.1)."""
    on_time = in_time(by_date, "end")
    return {"ended": Q(), "ended_on_time": on_time, "ended_satisfied": on_time & Q(disliked=False, complained=False)}


# contributions.obligation_awaited: status 6 with the clock stopped (an obligation, not a fee asked).
OBLIGATION_AWAITED = Q(status=Status.PAYMENT_REQUESTED, paused_at__isnull=False)


def in_time_ends(qs: QuerySet, by_date: bool) -> QuerySet:
    """Received dossiers with `stop_day`: contributions.in_time_ends as SQL (None: never stops)."""
    tz = zone()
    past = F("legal_due_at") + timedelta(days=1) if by_date else F("legal_due_at")
    end_at = Case(When(status__in=ENDED, then=Coalesce("finished_at", "updated_at")), default=None)
    qs = qs.filter(received_at__isnull=False).annotate(
        end_day=TruncDate(end_at, tzinfo=tz), past_day=TruncDate(past, tzinfo=tz),
        paused_day=TruncDate("paused_at", tzinfo=tz), due_day=TruncDate("legal_due_at", tzinfo=tz),
    )
    stop = Case(
        When(OBLIGATION_AWAITED & in_time(by_date, "paused"), then=Value(None, output_field=DateField())),
        When(Q(end_day__isnull=False, past_day__isnull=False, end_day__lte=F("past_day")), then=F("end_day")),
        When(past_day__isnull=False, then=F("past_day")),
        default=F("end_day"),
        output_field=DateField(),
    )
    return qs.annotate(stop_day=stop)


def finished(qs: QuerySet) -> QuerySet:
    """Dossiers processed: the result columns' dossiers."""
    return qs.filter(PROCESSED)


def still_open(qs: QuerySet) -> QuerySet:
    """Received dossiers not ended: the progress indicator counts them against today."""
    return qs.filter(received_at__isnull=False, status__in=OPEN)
