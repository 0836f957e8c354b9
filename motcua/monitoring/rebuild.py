"""Recompute every counter from the raw dossiers, with set-based SQL (no Python per dossier).

The same function as monitoring/contributions.py, written as grouped queries
over the dossiers (monitoring/conditions.py holds the conditions):

1. leaf rows: the received part, the end part and the §5.2 part (each received
   dossier on the day it stops being open and within its legal due date), each
   grouped by the dossier's own unit, procedure and day, into a temporary table. On
   PostgreSQL both read only the covering index `dossier_kpi_facts`, ~10 times
   narrower than the dossier rows with their JSON;
2. the leaf rows summed up the unit tree, deepest units first (a unit's rows
   are its own leaf rows plus its children's), into the daily counters, then
   the daily counters by month into the monthly ones;
3. the open dossiers, by the day their deadline passes, rolled up the same way.

The groups are hashed in memory (KPI_REBUILD_WORK_MEM), and the tables' unique
keys are dropped for the bulk insert and built again after it, in the same
transaction.
"""

# ruff: noqa: S608 - the SQL is built from table and column names of this module's models; values go as parameters

from __future__ import annotations

import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, DateField, F, IntegerField, Q, Sum, UniqueConstraint, Value, When
from django.db.models.functions import Cast, TruncDate, TruncMonth

from motcua.dossiers.models import Dossier
from motcua.monitoring import conditions, config
from motcua.monitoring.contributions import ALREADY_LATE, ALWAYS_ON_TIME
from motcua.monitoring.counters import ancestors
from motcua.monitoring.models import COLUMNS, DailyCounter, MonthlyCounter, OpenCounter
from motcua.units.models import Unit

TABLES = (DailyCounter, MonthlyCounter, OpenCounter)


def _counts(wanted: dict[str, Q]) -> dict:
    """A count per column this part fills, of received_at (never null here, and in the covering index;
    the id is not). The int cast keeps the roll-up's SUM in bigint: a SUM of bigint is numeric, several
    times slower."""
    return {
        c: Cast(Count("received_at") if cond == Q() else Count("received_at", filter=cond), IntegerField())
        for c, cond in wanted.items()
    }


def _received_rows(full_versions: list[int]):
    zone = ZoneInfo(settings.TIME_ZONE)
    return (
        conditions.received(Dossier.objects.all())
        .annotate(day=TruncDate("received_at", tzinfo=zone))
        .values("unit_id", "procedure_id", "day")
        .annotate(**_counts(conditions.receipt_conditions(full_versions)))
        .order_by()
    )


def _ended_rows(by_date: bool):
    # A processed dossier's first end state is its finishing (9), so "finished" shares the end day.
    wanted = {**conditions.end_conditions(by_date), **dict.fromkeys(conditions.RESULT_COLUMNS, conditions.PROCESSED)}
    return (
        conditions.ended(Dossier.objects.all())
        .annotate(day=F("end_day"))
        .values("unit_id", "procedure_id", "day")
        .annotate(**_counts(wanted))
        .order_by()
    )


def _in_time_ends_rows(by_date: bool):
    # §5.2: every received dossier once, on the day it stops being open and within its legal due date.
    return (
        conditions.in_time_ends(Dossier.objects.all(), by_date)
        .filter(stop_day__isnull=False)
        .annotate(day=F("stop_day"))
        .values("unit_id", "procedure_id", "day")
        .annotate(**_counts(dict.fromkeys(conditions.RUNNING_COLUMNS, Q())))
        .order_by()
    )


def _open_rows(by_date: bool):
    zone = ZoneInfo(settings.TIME_ZONE)
    asked_in_time = conditions.in_time(by_date, "paused")
    key = Case(
        When(supplement_count__gt=1, then=Value(ALREADY_LATE)),
        When(Q(status=5, paused_at__isnull=False) & asked_in_time, then=Value(ALWAYS_ON_TIME)),
        When(Q(status=5, paused_at__isnull=False), then=Value(ALREADY_LATE)),
        When(conditions.OBLIGATION_AWAITED & asked_in_time, then=Value(ALWAYS_ON_TIME)),
        When(conditions.OBLIGATION_AWAITED, then=Value(ALREADY_LATE)),
        When(legal_due_at__isnull=True, then=Value(ALWAYS_ON_TIME)),
        default=F("due_day"),
        output_field=DateField(),
    )
    return (
        conditions.still_open(Dossier.objects.all())
        .annotate(paused_day=TruncDate("paused_at", tzinfo=zone), due_day=TruncDate("legal_due_at", tzinfo=zone))
        .annotate(open_day=key)
        .values("unit_id", "procedure_id", "open_day")
        .annotate(count=Cast(Count("*"), IntegerField()))
        .order_by()
    )


@dataclass
class Timing:
    seconds: float
    daily: int
    monthly: int
    open: int


LEAF = "kpi_rebuild_leaf"  # a temporary table: the rows of each dossier's own unit, before the roll-up
TREE = "kpi_rebuild_tree"  # a temporary table: each unit's parent (NATIONAL for the top ones) and depth


def _clear() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE takes the tables for the rebuild: an action that would write a counter waits
            # and then adds its difference to the rebuilt counts, so nothing is lost or doubled.
            cursor.execute("TRUNCATE " + ", ".join(m._meta.db_table for m in TABLES))
        else:
            for model in TABLES:
                cursor.execute(f"DELETE FROM {model._meta.db_table}")


def _unique_keys() -> list[tuple[str, str, str]]:
    """(table, constraint, columns) of each counter table's unique key, as the models declare them."""
    keys = []
    for model in TABLES:
        for c in model._meta.constraints:
            if isinstance(c, UniqueConstraint):
                columns = ", ".join(model._meta.get_field(f).column for f in c.fields)
                keys.append((model._meta.db_table, c.name, columns))
    return keys


def _fill_leaf(key: str, columns: tuple[str, ...], querysets: list) -> list[str]:
    """LEAF: the leaf rows of every queryset, each padded with 0 for the columns it does not fill.

    Each part is its own CREATE TABLE … AS (the one kind of writing statement whose SELECT PostgreSQL
    may run in parallel workers), and LEAF is a view of their union. Returns what to drop after.
    """
    parts = []
    with connection.cursor() as cursor:
        for i, qs in enumerate(querysets):
            sql, params = qs.query.sql_with_params()
            filled = set(qs.query.annotations)
            select = ", ".join(f"q.{c}" if c in filled else f"0 AS {c}" for c in columns)
            part = f"{LEAF}_{i}"
            cursor.execute(f"DROP TABLE IF EXISTS {part}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {part} AS "
                f"SELECT q.unit_id, q.procedure_id, q.{key} AS leaf_key, {select} FROM ({sql}) q",
                params,
            )
            parts.append(part)
        cursor.execute(f"DROP VIEW IF EXISTS {LEAF}")
        cursor.execute(f"CREATE TEMPORARY VIEW {LEAF} AS " + " UNION ALL ".join(f"SELECT * FROM {p}" for p in parts))
    return parts


def _drop_leaf(parts: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP VIEW {LEAF}")
        for part in parts:
            cursor.execute(f"DROP TABLE {part}")


def _fill_tree() -> int:
    """TREE from the units' paths; returns the greatest depth (1 for a unit without a parent)."""
    rows = []
    for unit in Unit.objects.only("pk", "path"):
        chain = ancestors(unit.path)  # NATIONAL, the top unit, …, the unit itself
        rows.append((unit.pk, chain[-2], len(chain) - 1))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TREE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {TREE} (unit_id integer PRIMARY KEY, parent_id integer, depth integer)")
        cursor.executemany(f"INSERT INTO {TREE} VALUES (%s, %s, %s)", rows)
    return max((depth for _u, _p, depth in rows), default=0)


def _roll_up(table: str, key: str, columns: tuple[str, ...], depth: int) -> None:
    """The leaf rows summed up the tree, deepest units first, into `table`.

    A unit's rows are its own leaf rows plus its children's finished rows, so
    every dossier is summed once per level instead of once per ancestor (the
    national rows, depth 0, are the sum of the top units'). At 10 million
    dossiers this groups ~5 million rows instead of ~9 million.
    """
    cols = ", ".join(columns)
    sums = ", ".join(f"SUM(x.{c})" for c in columns)
    with connection.cursor() as cursor:
        for level in range(depth, -1, -1):
            cursor.execute(
                f"INSERT INTO {table} (unit_id, procedure_id, {key}, {cols}) "
                f"SELECT x.unit_id, x.procedure_id, x.k, {sums} FROM ("
                f"SELECT l.unit_id, l.procedure_id, l.leaf_key AS k, {', '.join(f'l.{c}' for c in columns)} "
                f"FROM {LEAF} l JOIN {TREE} u ON u.unit_id = l.unit_id WHERE u.depth = %s "
                f"UNION ALL "
                f"SELECT u.parent_id, t.procedure_id, t.{key}, {', '.join(f't.{c}' for c in columns)} "
                f"FROM {table} t JOIN {TREE} u ON u.unit_id = t.unit_id WHERE u.depth = %s"
                f") x GROUP BY x.unit_id, x.procedure_id, x.k",
                [level, level + 1],
            )


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
    full_versions = conditions.full_versions()
    postgres = connection.vendor == "postgresql"
    keys = _unique_keys() if postgres else []
    with transaction.atomic():
        _clear()
        depth = _fill_tree()
        if postgres:
            with connection.cursor() as cursor:
                # The roll-up's groups are hashed in memory; sorting them spilled to disk and took
                # twice as long (hash aggregation spills too when memory is short, so it stays safe).
                cursor.execute("SELECT set_config('work_mem', %s, true)", [settings.KPI_REBUILD_WORK_MEM])
                cursor.execute("SET LOCAL enable_sort = off")
                # Millions of rows go in at once: one index build at the end beats row-by-row upkeep.
                for table, name, _columns in keys:
                    cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        parts = _fill_leaf(
            "day", COLUMNS, [_received_rows(full_versions), _ended_rows(by_date), _in_time_ends_rows(by_date)],
        )
        _roll_up(DailyCounter._meta.db_table, "day", COLUMNS, depth)
        _drop_leaf(parts)
        _insert_monthly()
        parts = _fill_leaf("open_day", ("count",), [_open_rows(by_date)])
        _roll_up(OpenCounter._meta.db_table, "due_day", ("count",), depth)
        _drop_leaf(parts)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {TREE}")
        if postgres:
            with connection.cursor() as cursor:
                for table, name, columns in keys:
                    cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE ({columns})")
                cursor.execute("SET LOCAL enable_sort = on")
    if postgres:
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
