"""Keeping the counters up to date, inside the transaction of each dossier action.

The actions layer announces each dossier change (lib/events.py); this room's
subscriber (subscribers.py, registered last in apps.py) has `snapshot` taken of
the dossier before the action and calls `on_event` after the history event:
the difference between the two contributions (monitoring/contributions.py) is
added to the daily and monthly counters of the dossier's unit, each of its ancestors and the whole
country, and to the open-dossier counter. An action that changes nothing the
indicators read (claim, transfer, a deadline flag…) writes nothing.
"""

# ruff: noqa: S608 - the SQL is built from table and column names of this module's models; values go as parameters

from __future__ import annotations

from collections import Counter
from datetime import date

from django.db import connection

from motcua.monitoring import config
from motcua.monitoring.contributions import Contribution, contribution
from motcua.monitoring.models import COLUMNS, NATIONAL, DailyCounter, MonthlyCounter, OpenCounter
from motcua.units.models import path_ids


def full_eligible(dossier) -> bool:
    # The version the dossier was filed under: editing the catalogue never moves old counts.
    return dossier.procedure_version.definition.get("service_mode") == "full"


def snapshot(dossier, by_date: bool | None = None) -> Contribution:
    if by_date is None:
        by_date = config.deadline_by_date()
    return contribution(dossier, full_eligible(dossier), by_date)


def ancestors(path: str) -> list[int]:
    """The unit ids on a materialized path ("/1/4/9/"), and NATIONAL."""
    return [NATIONAL, *path_ids(path)]


def on_event(dossier, event, before: Contribution | None) -> None:
    """Add the change of the dossier's contribution to the counters (same transaction as `event`)."""
    by_date = config.deadline_by_date()
    after = snapshot(dossier, by_date)
    delta: Counter[tuple[date, str]] = Counter()
    for day, column, n in after.cells:
        delta[(day, column)] += n
    if before is not None:
        for day, column, n in before.cells:
            delta[(day, column)] -= n
    cells = {key: n for key, n in delta.items() if n}
    opened: Counter[date] = Counter()
    if after.open_day is not None:
        opened[after.open_day] += 1
    if before is not None and before.open_day is not None:
        opened[before.open_day] -= 1
    opened = Counter({k: n for k, n in opened.items() if n})
    add(ancestors(dossier.unit.path), after.procedure_id, cells, opened)


def add(units: list[int], procedure_id: int, cells: dict[tuple[date, str], int], opened: Counter[date]) -> None:
    """Add `cells` ((day, column) → n) and `opened` (due day → n) to the counters of `units`, nation first."""
    if not cells and not opened:
        return
    statements: list[tuple[str, list]] = []
    if cells:
        by_day: dict[date, dict[str, int]] = {}
        by_month: dict[date, dict[str, int]] = {}
        for (day, column), n in cells.items():
            row = by_day.setdefault(day, {})
            row[column] = row.get(column, 0) + n
            row = by_month.setdefault(day.replace(day=1), {})
            row[column] = row.get(column, 0) + n
        statements.append(_upsert(DailyCounter._meta.db_table, "day", units, procedure_id, by_day))
        statements.append(_upsert(MonthlyCounter._meta.db_table, "month", units, procedure_id, by_month))
    if opened:
        statements.append(_upsert_open(units, procedure_id, opened))
    _execute(statements)


def _execute(statements: list[tuple[str, list]]) -> None:
    """Run the upserts: on PostgreSQL as one statement, elsewhere one by one.

    PostgreSQL runs INSERTs given as WITH queries (data-modifying CTEs) as part of the
    statement, each on its own table: one round trip instead of three for an action
    that moves the daily, monthly and open counters. SQLite has no such CTEs.

    The rows are locked in the order the statements are given (daily, monthly, open), as
    one by one: PostgreSQL runs the main statement first, then the WITH statements that
    nothing reads from the last to the first, so the first statement is the main one and
    the others are declared in reverse. Every transaction taking the shared rows (the
    nation's, the province's) in one order is what keeps two actions from deadlocking.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(statements) > 1:
            (main_sql, main_params), *rest = statements
            rest.reverse()
            ctes = ", ".join(f"c{i} AS ({sql})" for i, (sql, _params) in enumerate(rest))
            params = [p for _sql, ps in rest for p in ps] + main_params
            cursor.execute(*_named(f"WITH {ctes} {main_sql}", params))
            return
        for sql, params in statements:
            cursor.execute(sql, params)


def _named(sql: str, params: list) -> tuple[str, dict[str, object]]:
    """`sql`'s `%s` as named parameters, one name per distinct value: the same statement once psycopg has merged them.

    The ancestors' ids, the procedure, the days and the counts repeat across rows and tables: the
    statement of a receive has 60–80 positional parameters, beyond the 50 up to which psycopg keeps a
    statement's parsed form (its `_split_query`, a tenth of a receive's Python time, ran at every
    action), and a dozen distinct values. The text sent to PostgreSQL is the same.
    """
    pieces = sql.split("%s")
    assert len(pieces) == len(params) + 1, "one parameter per %s (the counters' SQL has no other %)"
    names: dict[tuple[type, object], str] = {}
    out = [pieces[0]]
    for value, piece in zip(params, pieces[1:], strict=True):
        name = names.setdefault((type(value), value), f"p{len(names)}")
        out += [f"%({name})s", piece]
    return "".join(out), {name: value for (_kind, value), name in names.items()}


def _upsert(table: str, key: str, units: list[int], procedure_id: int, rows: dict[date, dict[str, int]]) -> tuple[str, list]:
    # One statement for every (ancestor, day): INSERT … ON CONFLICT DO UPDATE adds to the
    # existing counts (PostgreSQL and SQLite ≥ 3.24 share this syntax).
    columns = sorted({c for row in rows.values() for c in row})
    names = ", ".join(["unit_id", "procedure_id", key, *COLUMNS])
    # A column the action does not move is a literal 0, not a parameter: most of the sixteen are, for
    # every ancestor, and each parameter is a value psycopg adapts in Python (half a receive's parameters).
    placeholders = {day: "(%s, %s, %s, " + ", ".join("%s" if row.get(c, 0) else "0" for c in COLUMNS) + ")"
                    for day, row in rows.items()}
    values, params = [], []
    # Rows are locked in the order they are listed: the ancestors from the nation down, each day in
    # date order, so two actions moving the same shared rows (the nation's) never wait on each other in a circle.
    for unit_id in units:
        for day, row in sorted(rows.items()):
            values.append(placeholders[day])
            params += [unit_id, procedure_id, day, *(row[c] for c in COLUMNS if row.get(c, 0))]
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in columns)
    sql = (
        f"INSERT INTO {table} ({names}) VALUES {', '.join(values)} "
        f"ON CONFLICT (unit_id, {key}, procedure_id) DO UPDATE SET {updates}"
    )
    return sql, params


def _upsert_open(units: list[int], procedure_id: int, opened: Counter[date]) -> tuple[str, list]:
    table = OpenCounter._meta.db_table
    values, params = [], []
    for unit_id in units:
        for day, n in sorted(opened.items()):  # date order, as in _upsert
            values.append("(%s, %s, %s, %s)")
            params += [unit_id, procedure_id, day, n]
    sql = (
        f"INSERT INTO {table} (unit_id, procedure_id, due_day, count) VALUES {', '.join(values)} "
        f"ON CONFLICT (unit_id, due_day, procedure_id) DO UPDATE SET count = {table}.count + excluded.count"
    )
    return sql, params
