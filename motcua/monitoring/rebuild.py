"""Recompute every counter from the raw dossiers, with set-based SQL (no Python per dossier).

The same function as monitoring/contributions.py, written as three grouped
queries over the dossiers (received, ended, open), each rolled up to every
ancestor of the dossier's unit through UnitAncestor. The query bodies are built
with the ORM (so the local-day conversion is right on PostgreSQL and SQLite) and
wrapped in INSERT … SELECT.
"""

# ruff: noqa: S608 - the SQL is built from table and column names of this module's models; values go as parameters

from __future__ import annotations

import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, DateField, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncDate, TruncMonth

from motcua.catalog.models import ProcedureVersion
from motcua.dossiers.facts import PAPER, REGISTRY, VAULT
from motcua.dossiers.models import Dossier
from motcua.monitoring import config
from motcua.monitoring.contributions import ALREADY_LATE, ALWAYS_ON_TIME, E_RESULT, ENDED, OPEN
from motcua.monitoring.counters import ancestors
from motcua.monitoring.models import COLUMNS, DailyCounter, MonthlyCounter, OpenCounter, UnitAncestor
from motcua.units.models import Unit

TABLES = (DailyCounter, MonthlyCounter, OpenCounter)


def _one(condition: Q) -> Sum:
    return Sum(Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField()))


def _received_rows(full_versions: list[int]):
    zone = ZoneInfo(settings.TIME_ZONE)
    reused = Q(src_reused__gt=0)
    sums = {
        "received": Count("id"),
        "online": _one(Q(channel=2)),
        "full_eligible": _one(Q(procedure_version_id__in=full_versions)),
        "full_online": _one(Q(procedure_version_id__in=full_versions, channel=2)),
        "fee_bearing": _one(Q(fee__gt=0)),
        "paid_online": _one(Q(fee__gt=0, paid_online__in=(1, 2))),
        "digitized": _one(Q(component_sources__gt=0, src_paper=0)),
        "reused": _one(reused),
        "vault": _one(Q(src_vault__gt=0)),
        "citizen_data": _one(Q(vneid_auth=True) | reused),
    }
    return (
        Dossier.objects.filter(received_at__isnull=False)
        .annotate(
            day=TruncDate("received_at", tzinfo=zone),
            src_paper=F("component_sources").bitand(PAPER),
            src_vault=F("component_sources").bitand(VAULT),
            src_reused=F("component_sources").bitand(VAULT | REGISTRY),
        )
        .values("unit_id", "procedure_id", "day")
        .annotate(**{c: sums.get(c, Sum(Value(0))) for c in COLUMNS})
        .order_by()
    )


def _ended_rows(by_date: bool):
    zone = ZoneInfo(settings.TIME_ZONE)
    end = Coalesce("finished_at", "updated_at")  # 9, 10, 8 have finished_at; 7 ends at its last change
    if by_date:
        in_time = Q(due_at__isnull=True) | Q(end_day__lte=TruncDate("due_at", tzinfo=zone))
    else:
        in_time = Q(due_at__isnull=True) | Q(due_at__gte=F("end_at"))
    in_time &= Q(apology_count=0)
    sums = {
        "ended": Count("id"),
        "ended_on_time": _one(in_time),
        "finished": _one(Q(status__in=E_RESULT)),
        "finished_e_result": _one(Q(status__in=E_RESULT)),
    }
    return (
        Dossier.objects.filter(received_at__isnull=False, status__in=ENDED)
        .annotate(end_at=end)
        .annotate(day=TruncDate("end_at", tzinfo=zone), end_day=TruncDate("end_at", tzinfo=zone))
        .values("unit_id", "procedure_id", "day")
        .annotate(**{c: sums.get(c, Sum(Value(0))) for c in COLUMNS})
        .order_by()
    )


def _open_rows(by_date: bool):
    zone = ZoneInfo(settings.TIME_ZONE)
    if by_date:
        asked_in_time = Q(due_at__isnull=True) | Q(paused_day__lte=TruncDate("due_at", tzinfo=zone))
    else:
        asked_in_time = Q(due_at__isnull=True) | Q(due_at__gte=F("paused_at"))
    key = Case(
        When(Q(supplement_count__gt=1) | Q(apology_count__gt=0), then=Value(ALREADY_LATE)),
        When(Q(status=5, paused_at__isnull=False) & asked_in_time, then=Value(ALWAYS_ON_TIME)),
        When(Q(status=5, paused_at__isnull=False), then=Value(ALREADY_LATE)),
        When(due_at__isnull=True, then=Value(ALWAYS_ON_TIME)),
        default=TruncDate("due_at", tzinfo=zone),
        output_field=DateField(),
    )
    return (
        Dossier.objects.filter(received_at__isnull=False, status__in=OPEN)
        .annotate(paused_day=TruncDate("paused_at", tzinfo=zone))
        .annotate(due_day=key)
        .values("unit_id", "procedure_id", "due_day")
        .annotate(count=Count("id"))
        .order_by()
    )


@dataclass
class Timing:
    seconds: float
    daily: int
    monthly: int
    open: int


def refresh_ancestors() -> None:
    UnitAncestor.objects.all().delete()
    UnitAncestor.objects.bulk_create(
        [UnitAncestor(unit_id=u.pk, ancestor_id=a) for u in Unit.objects.only("pk", "path") for a in ancestors(u.path)],
        batch_size=5000,
    )


def _clear() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE takes the tables for the rebuild: an action that would write a counter waits
            # and then adds its difference to the rebuilt counts, so nothing is lost or doubled.
            cursor.execute("TRUNCATE " + ", ".join(m._meta.db_table for m in TABLES))
        else:
            for model in TABLES:
                cursor.execute(f"DELETE FROM {model._meta.db_table}")


def _insert_rolled_up(table: str, key: str, columns: tuple[str, ...], querysets: list) -> None:
    """INSERT … SELECT the leaf rows (UNION ALL of the querysets), summed per ancestor of their unit."""
    parts, params = [], []
    for qs in querysets:
        sql, p = qs.query.sql_with_params()
        parts.append(f"SELECT * FROM ({sql}) q{len(parts)}")  # SQLite takes no parenthesised SELECT in a UNION
        params += p
    cols = ", ".join(columns)
    sums = ", ".join(f"SUM(l.{c})" for c in columns)
    statement = (
        f"INSERT INTO {table} (unit_id, procedure_id, {key}, {cols}) "
        f"SELECT a.ancestor_id, l.procedure_id, l.{key}, {sums} FROM ({' UNION ALL '.join(parts)}) l "
        f"JOIN {UnitAncestor._meta.db_table} a ON a.unit_id = l.unit_id "
        f"GROUP BY a.ancestor_id, l.procedure_id, l.{key}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _insert_monthly() -> None:
    rows = (
        DailyCounter.objects.annotate(m=TruncMonth("day"))
        .values("unit_id", "procedure_id", "m")
        .annotate(**{c: Sum(c) for c in COLUMNS})
        .order_by()
    )
    sql, params = rows.query.sql_with_params()
    cols = ", ".join(COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {MonthlyCounter._meta.db_table} (unit_id, procedure_id, month, {cols}) "
            f"SELECT unit_id, procedure_id, m, {cols} FROM ({sql}) s",
            params,
        )


def rebuild() -> Timing:
    """Replace every counter by its value computed from the dossiers, in one transaction."""
    started = time.perf_counter()
    by_date = config.deadline_by_date()
    full_versions = [
        pk for pk, definition in ProcedureVersion.objects.values_list("pk", "definition")
        if definition.get("service_mode") == "full"
    ]
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        if postgres:
            with connection.cursor() as cursor:
                # Grouping millions of rows: hashed in memory, not sorted through files (this transaction only).
                cursor.execute("SET LOCAL work_mem = '512MB'")
        _clear()
        refresh_ancestors()
        if postgres:
            with connection.cursor() as cursor:
                # Fresh statistics, or the planner guesses the ancestor join 25 times too big and sorts on disk.
                cursor.execute(f"ANALYZE {UnitAncestor._meta.db_table}")
        _insert_rolled_up(DailyCounter._meta.db_table, "day", COLUMNS,
                          [_received_rows(full_versions), _ended_rows(by_date)])
        _insert_monthly()
        _insert_rolled_up(OpenCounter._meta.db_table, "due_day", ("count",), [_open_rows(by_date)])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in TABLES:
                cursor.execute(f"ANALYZE {model._meta.db_table}")
    return Timing(
        time.perf_counter() - started,
        DailyCounter.objects.count(), MonthlyCounter.objects.count(), OpenCounter.objects.count(),
    )


def _nonzero(model) -> str:
    cols = ("count",) if model is OpenCounter else COLUMNS
    return " OR ".join(f"{c} <> 0" for c in cols)


def _fields(model) -> str:
    return ", ".join(f.column for f in model._meta.concrete_fields if f.column != "id")


def differences() -> dict[str, int]:
    """How many counter rows differ between the live counters and a rebuild (rolled back). Zero everywhere is exact."""
    found: dict[str, int] = {}
    with transaction.atomic():
        with connection.cursor() as cursor:
            for model in TABLES:
                table = model._meta.db_table
                cursor.execute(f"DROP TABLE IF EXISTS kpi_live_{table}")
                cursor.execute(
                    f"CREATE TEMP TABLE kpi_live_{table} AS SELECT {_fields(model)} FROM {table} WHERE {_nonzero(model)}"
                )
        rebuild()
        with connection.cursor() as cursor:
            for model in TABLES:
                table = model._meta.db_table
                fields = _fields(model)
                fresh = f"SELECT {fields} FROM {table} WHERE {_nonzero(model)}"
                live = f"SELECT {fields} FROM kpi_live_{table}"
                cursor.execute(
                    f"SELECT (SELECT COUNT(*) FROM ({live} EXCEPT {fresh}) x) + (SELECT COUNT(*) FROM ({fresh} EXCEPT {live}) y)"
                )
                found[model.__name__] = cursor.fetchone()[0]
                cursor.execute(f"DROP TABLE kpi_live_{table}")
        transaction.set_rollback(True)
    return found
