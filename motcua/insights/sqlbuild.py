"""The step-time tables built set-based, in PostgreSQL: what `build.py` computes, as a few INSERT … SELECT.

`build.py` traces a chunk of 2,000 dossiers at a time in Python (≈ 200–2,000 dossiers a second):
fine for the dossiers finished since the last round, hours for a first build of millions. This
writes the same rows with SQL over every pending dossier at once:

1. the working-time clock as an array — `before[i]`, the working days in [2000-01-01, day i), from
   `clock.WorkClock` itself — so a moment's clock value is two array reads and a clamp
   (`_clock`): the same arithmetic as `WorkClock.at`, office day 08:00–17:00 local;
2. the pending finished dossiers (those without a trace) with their clock values, into a phase
   table; their supplement rounds as two arrays per dossier (the applicant's spans, taken out of
   every duration: `_net`, as `Pauses.net`);
3. their done steps with the three durations (opened → done, → taken, → end), as the StepTime rows
   will be written; the "between agencies" test (a step after a step of another unit) only for the
   dossiers whose steps are at more than one unit;
4. `StepTime` copied from them, and `DossierTrace` with the path (`string_agg` in the order the
   steps were done), the step that overran most (`DISTINCT ON`), the waits for payment (`lead()`
   over the dossier's events into and out of status 6);
5. the monthly rollups (`rollup.source`) read from those phase tables.

The phases are `CREATE UNLOGGED TABLE … AS` into regular tables named after the backend, dropped
before the commit: PostgreSQL may run such a statement's query with parallel workers (never an
INSERT's, never over a temporary table). Where the expressions are parallel-safe it does: the
dossiers, the multi-unit test and the steps of the dossiers without supplement rounds (most); the
steps of those with rounds take a correlated subquery (the spans), which keeps them in one process.
A role that may not create tables in the schema (docs/operations.md keeps the workers' role to
rows) gets temporary tables instead: the same rows, in one process. Measured at 1 million dossiers
in docs/monitoring.md ("Scale").

A `rebuild` outside a transaction, by a role that owns the tables, runs on two connections
(`_rebuild_swapped`): PostgreSQL never runs an INSERT with parallel workers, but two sessions run
on two cores. The receiving units are split in two halves of about as many dossiers; each half is
the build above, on its own connection, into new tables, whose indexes the two connections then
build; the new tables are swapped in in one short transaction (a reader sees the old build or the
new one).

Only the dossiers of units on the country's default working calendar are built here (a unit with
calendar overrides has its own clock): `build()` then traces whatever is left, in Python. On
SQLite `build_all()` is `build.build()`. Rounding as Python's `round(x, 4)` but half away from zero
(float arithmetic): a figure may differ from the Python build's in the fourth decimal on an exact tie.
A test builds the same history both ways and compares every row.
"""

# ruff: noqa: S608 - the SQL is built from this module's constants and table names; values go as parameters

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time

from django.conf import settings
from django.db import connection, transaction

from motcua.dossiers import deadlines
from motcua.dossiers.models import Dossier, DossierEvent, Status, SupplementRequest, Task
from motcua.insights import build, rollup
from motcua.insights.clock import BASE, WorkClock
from motcua.insights.models import DossierTrace, Rollup, StepTime
from motcua.monitoring.contributions import zone
from motcua.units.models import Unit

FINISHED = (Status.PROCESSED, Status.RETURNED, Status.STOPPED)
YEARS_AHEAD = 3  # the clock array reaches this far past today


@dataclass
class Timing:
    dossiers: int
    steps: int
    seconds: float
    python: int  # traced afterwards by build.build() (other calendars)
    phases: dict[str, float] | None = None  # seconds per statement (the bench prints them)
    cpu: dict[str, float] | None = None  # the CPU seconds of the phase's backend (with PROBE; parallel workers not in it)


PROBE = None  # set by bench/kpi.py: the CPU seconds used so far by this thread's connection's backend


class _Phases:
    """Records each phase's wall time (and its backend's CPU time, with PROBE) when called with its name."""

    def __init__(self, phases: dict[str, float], cpu: dict[str, float] | None = None) -> None:
        self.phases, self.cpu = phases, cpu
        self.mark = time.perf_counter()
        self.cpu_mark = PROBE() if PROBE is not None and cpu is not None else None

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = self.phases.get(name, 0.0) + now - self.mark
        self.mark = now
        if self.cpu_mark is not None:
            used = PROBE()
            self.cpu[name] = self.cpu.get(name, 0.0) + used - self.cpu_mark
            self.cpu_mark = used


_FIXED: dict[str, int | None] = {}


def _fixed_offset(tz: str) -> int | None:
    """The zone's UTC offset in seconds if it never changed from BASE to YEARS_AHEAD ahead (Viet Nam: +7 since 1975)."""
    if tz not in _FIXED:
        from datetime import UTC, datetime
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(tz)
        offsets = {datetime(y, m, 1, tzinfo=UTC).astimezone(zone).utcoffset()
                   for y in range(BASE.year, datetime.now(UTC).year + YEARS_AHEAD + 1) for m in (1, 4, 7, 10)}
        _FIXED[tz] = int(offsets.pop().total_seconds()) if len(offsets) == 1 else None
    return _FIXED[tz]


def _local(column: str) -> str:
    """SQL for the local time of a moment, as `_clock` reads it: seconds since the epoch with a fixed offset,
    else a local timestamp (AT TIME ZONE)."""
    offset = _fixed_offset(settings.TIME_ZONE)
    return f"(date_part('epoch', {column}) + {offset})" if offset is not None else f"({column} AT TIME ZONE c.tz)"


def _clock(column: str, local: str | None = None) -> str:
    """SQL for WorkClock.at(column): `c.b` is the array of working days before each day (1-based: b[i+1] = before[i]).

    With a fixed offset the local time is float arithmetic on the epoch (no time-zone lookup per
    value: millions of rows, three moments each); else AT TIME ZONE. `local`: a column holding
    `_local(column)` already — the expression below reads it five times, and PostgreSQL would compute
    it five times (1 M dossiers' steps: 2.4 s of CPU instead of 4 for their two moments).
    """
    local = local or _local(column)
    if _fixed_offset(settings.TIME_ZONE) is not None:
        day = f"floor({local} / 86400)"
        i = f"GREATEST(0, {day} - {(BASE - date(1970, 1, 1)).days})::int"
        fraction = f"(({local} - {day} * 86400 - 28800) / 32400.0)"
    else:
        i = f"GREATEST(0, {local}::date - DATE '{BASE.isoformat()}')"
        fraction = f"(EXTRACT(EPOCH FROM ({local} - ({local}::date + TIME '08:00'))) / 32400.0)"
    return (f"(c.b[{i} + 1] + CASE WHEN c.b[{i} + 2] > c.b[{i} + 1] THEN LEAST(GREATEST({fraction}, 0), 1) "
            f"ELSE 0 END)")


def _net(a: str, b: str, paused: bool = True) -> str:
    """SQL for Pauses.net between clock values a and b: b − a without the applicant's spans (p.ps, p.qs).

    `paused=False`: for rows of dossiers without supplement rounds — no subquery, so that the expression is
    parallel-safe (a correlated subquery keeps a plan's node in the leader)."""
    if not paused:
        return f"(CASE WHEN {b} <= {a} THEN 0.0 ELSE {b} - {a} END)"
    overlap = f"(SELECT COALESCE(sum(GREATEST(0, LEAST({b}, q) - GREATEST({a}, s))), 0) FROM unnest(p.ps, p.qs) u(s, q))"
    return (f"(CASE WHEN {b} <= {a} THEN 0.0 WHEN p.ps IS NULL THEN {b} - {a} "
            f"ELSE GREATEST(0.0, {b} - {a} - {overlap}) END)")


def _round(x: str) -> str:
    """round(x, 4) in float arithmetic (half away from zero; numeric would be several times slower)."""
    return f"(round(({x}) * 10000.0) / 10000.0)"


def _before_array() -> list[int]:
    """`before[i]` for every day from BASE to YEARS_AHEAD years ahead, on the default calendar."""
    from datetime import timedelta

    clock = WorkClock(deadlines.calendar(None))
    last = date.today() + timedelta(days=366 * YEARS_AHEAD)
    clock._index(last + timedelta(days=1))
    return list(clock._before)


def default_calendar_units() -> list[int] | None:
    """The units on the default calendar, or None when every unit is (no filter needed)."""
    default = deadlines.calendar(None)
    units = list(Unit.objects.only("pk", "path", "parent_id"))
    others = [u.pk for u in units if deadlines.calendar(u) != default]
    return None if not others else [u.pk for u in units if u.pk not in set(others)]


SLACK_HOURS = 24  # a round looks this far back before the latest traced end (transactions committed late)


def build_all(rebuild: bool = False, recent: bool = False) -> Timing:
    """Trace every finished dossier without a trace (all of them again with `rebuild`): SQL, then Python for the rest.

    `recent` (the scheduler's round): only the dossiers that finished after the latest end already traced,
    less SLACK_HOURS — the round then does not look for a missing trace among millions of dossiers (an
    anti-join of ~25 s at 5 million). `motcua insights build` looks at every dossier."""
    started = time.perf_counter()
    if connection.vendor != "postgresql":
        n = build.rebuild() if rebuild else build.build()
        return Timing(n, StepTime.objects.count(), time.perf_counter() - started, n)
    if rebuild and SWAP and not connection.in_atomic_block and _may_swap():
        return _rebuild_swapped(started)
    with transaction.atomic():
        with connection.cursor() as cur:
            # Every id written is read in this transaction from the rows it names: the foreign-key triggers
            # (four per step row) would double the build. Skipped when the role may (a superuser, as
            # bench/generate.py does); otherwise checked statement by statement.
            cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            trusted = bool(cur.fetchone()[0])
            # Checks still pending in the caller's transaction are made now: TRUNCATE and CREATE INDEX refuse
            # tables with pending trigger events. The constraints are deferred again at the end.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            if trusted:
                cur.execute("SET LOCAL session_replication_role = replica")
        if rebuild:
            with connection.cursor() as cur:
                tables = _tables()
                cur.execute('TRUNCATE ' + ", ".join(f'"{x}"' for x in tables))
                # Millions of rows: the secondary indexes are built once after the insert, not row by row.
                cur.execute(
                    "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname "
                    "JOIN pg_index x ON x.indexrelid = c.oid WHERE i.tablename = ANY(%s) AND NOT x.indisunique",
                    [tables])
                indexes = cur.fetchall()
                for name, _definition in indexes:
                    cur.execute(f'DROP INDEX "{name}"')
        phases: dict[str, float] = {}
        dossiers, steps = _sql(rebuild, phases, recent)
        mark = time.perf_counter()
        if rebuild:
            with connection.cursor() as cur:
                cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
                for _name, definition in indexes:
                    cur.execute(definition)
        with connection.cursor() as cur:
            if trusted:
                cur.execute("SET LOCAL session_replication_role = DEFAULT")
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
        phases["indexes"] = time.perf_counter() - mark
    mark = time.perf_counter()
    # The dossiers of units with their own calendar, in Python; none when every unit is on the default calendar
    # (the SQL traced them all: a second look for missing traces would scan every finished dossier again).
    rest = build.build() if default_calendar_units() is not None else 0
    phases["commit and the Python build of the rest"] = time.perf_counter() - mark
    return Timing(dossiers + rest, steps, time.perf_counter() - started, rest, phases)


SWAP = True  # a rebuild outside a transaction, by a role that owns the tables: two connections, then a swap
LOCK_KEY = 2323_0001  # the advisory lock of a swapped rebuild (one at a time)
NEXT, OLD = "_next", "_old"  # the suffixes of the tables being built, and of those swapped out


def _tables() -> list[str]:
    return [StepTime._meta.db_table, DossierTrace._meta.db_table, Rollup._meta.db_table]


def _may_swap() -> bool:
    """Whether this role may build new tables and swap them in: it creates tables in the schema and owns the live
    ones (or is a superuser), and is not kept to temporary tables (FORCE_TEMP)."""
    if FORCE_TEMP:
        return False
    with connection.cursor() as cur:
        cur.execute(
            "SELECT has_schema_privilege(current_schema(), 'CREATE') AND (r.rolsuper OR bool_and(pg_has_role("
            "c.relowner, 'USAGE'))) FROM pg_class c, pg_roles r WHERE c.relname = ANY(%s) AND c.relkind = 'r' "
            "AND c.relnamespace = current_schema()::regnamespace AND r.rolname = current_user GROUP BY r.rolsuper",
            [_tables()])
        row = cur.fetchone()
    return bool(row and row[0])


def _halves(units: list[int] | None) -> list[list[int]]:
    """The receiving units in two sets of about as many finished dossiers each (largest first, each to the lighter
    set). Every rollup row is counted for one receiving unit, so each set's rows are whole: the same rows as one
    build of every unit."""
    unit_filter = "AND unit_id = ANY(%s)" if units is not None else ""
    with connection.cursor() as cur:
        cur.execute(
            f'SELECT unit_id, count(*) FROM "{Dossier._meta.db_table}" WHERE finished_at IS NOT NULL '
            f"AND received_at IS NOT NULL AND status = ANY(%s) {unit_filter} GROUP BY unit_id ORDER BY 2 DESC, 1",
            [list(FINISHED), *([units] if units is not None else [])])
        return _two_sets((n, unit) for unit, n in cur.fetchall())


def _two_sets(items) -> list[list]:
    """(weight, item), heaviest first: two lists of about the same weight (each item to the lighter list)."""
    sets: list[list] = [[], []]
    loads = [0, 0]
    for weight, item in items:
        i = 0 if loads[0] <= loads[1] else 1
        sets[i].append(item)
        loads[i] += weight
    return sets


def _indexes(cur, table: str) -> list[tuple[str, str, str | None]]:
    """(name, definition, constraint type 'p'/'u' or None) of a table's indexes."""
    cur.execute(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid), k.contype FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "LEFT JOIN pg_constraint k ON k.conindid = x.indexrelid AND k.contype IN ('p', 'u') "
        "WHERE x.indrelid = %s::regclass ORDER BY i.relname", [table])
    return cur.fetchall()


def _sequences(cur, table: str) -> list[str]:
    """The sequences of a table's identity columns, as pg_get_serial_sequence names them."""
    cur.execute("SELECT pg_get_serial_sequence(%s, a.attname) FROM pg_attribute a "
                "WHERE a.attrelid = %s::regclass AND a.attidentity <> ''", [table, table])
    return [r[0] for r in cur.fetchall()]


def _bare(sequence: str) -> str:
    """A sequence's name without its schema nor quotes (pg_get_serial_sequence gives `public."x"` or `public.x`)."""
    return sequence.rsplit(".", 1)[-1].strip('"')


def _next_name(name: str) -> str:
    return (name[:63 - len(NEXT)] + NEXT)


def _on_next(definition: str, table: str, name: str) -> str:
    """An index's definition (pg_get_indexdef) for the table being built, under a name of its own."""
    head, using = definition.split(" USING ", 1)
    unique = "UNIQUE " if head.startswith("CREATE UNIQUE") else ""
    return f'CREATE {unique}INDEX "{_next_name(name)}" ON "{table}{NEXT}" USING {using}'


def _create_next(cur, tables: list[str]) -> None:
    """Empty copies of the live tables (columns, defaults, identity, checks, foreign keys; no index: built after
    the rows), unlogged as they are, owned and granted as they are."""
    for table in tables:
        n = table + NEXT
        cur.execute("SELECT c.relpersistence, pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.oid = %s::regclass",
                    [table])
        persistence, owner = cur.fetchone()
        cur.execute(f'CREATE {"UNLOGGED " if persistence == "u" else ""}TABLE "{n}" (LIKE "{table}" INCLUDING DEFAULTS '
                    f"INCLUDING IDENTITY INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS)")
        cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                    "AND contype = 'f' ORDER BY conname", [table])
        for name, definition in cur.fetchall():  # the same names (a foreign key's name is per table)
            cur.execute(f'ALTER TABLE "{n}" ADD CONSTRAINT "{name}" {definition}')
        # The ids go on from the live table's (as a TRUNCATE without RESTART IDENTITY would).
        cur.execute("SELECT a.attname, pg_get_serial_sequence(%s, a.attname), pg_get_serial_sequence(%s, a.attname) "
                    "FROM pg_attribute a WHERE a.attrelid = %s::regclass AND a.attidentity <> ''", [table, n, table])
        for _column, old, new in cur.fetchall():
            cur.execute("SELECT setval(%s, last_value, is_called) FROM " + old, [new])
        cur.execute("SELECT r.rolname, a.privilege_type FROM pg_class c, aclexplode(c.relacl) a "
                    "LEFT JOIN pg_roles r ON r.oid = a.grantee WHERE c.oid = %s::regclass AND a.grantee <> c.relowner",
                    [table])
        for role, privilege in cur.fetchall():
            cur.execute(f'GRANT {privilege} ON "{n}" TO {"PUBLIC" if role is None else chr(34) + role + chr(34)}')
        cur.execute(f'ALTER TABLE "{n}" OWNER TO "{owner}"')


def _drop(cur, suffix: str, tables: list[str], timeout: str | None = None) -> None:
    names = ", ".join(f'"{t}{suffix}"' for t in tables)
    if timeout:
        cur.execute(f"SET lock_timeout = '{timeout}'")
    try:
        cur.execute(f"DROP TABLE IF EXISTS {names}")
    finally:
        if timeout:
            cur.execute("RESET lock_timeout")


def _half(units: list[int], trusted: bool, tables: list[str]) -> tuple[int, int, dict[str, float], dict[str, float]]:
    """One half of a swapped rebuild, on this thread's connection: the dossiers of `units` into the new tables."""
    phases: dict[str, float] = {}
    cpu: dict[str, float] = {}
    with transaction.atomic():
        if trusted:
            with connection.cursor() as cur:
                cur.execute("SET LOCAL session_replication_role = replica")
        dossiers, steps = _sql(True, phases, into=tuple(t + NEXT for t in tables), units=units, workers=False, cpu=cpu)
    return dossiers, steps, phases, cpu


def _build_indexes(definitions: list[str]) -> float | None:
    """Index builds on this thread's connection, each in its own transaction (two connections build at once: one
    process each, no parallel workers). Returns the backend's CPU seconds (with PROBE)."""
    used = PROBE() if PROBE is not None else None
    with connection.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute("SET max_parallel_maintenance_workers = 0")
        try:
            for definition in definitions:
                cur.execute(definition)
        finally:
            cur.execute("RESET maintenance_work_mem")
            cur.execute("RESET max_parallel_maintenance_workers")
    return None if used is None else PROBE() - used


def _analyze(tables: list[str]) -> None:
    with connection.cursor() as cur:
        for t in tables:
            cur.execute(f'ANALYZE "{t}{NEXT}"')


SWAP_TRIES = 60  # the swap waits at most this many × 5 s for the readers of the live tables


def _swap(tables: list[str], indexes: dict[str, list[tuple[str, str, str | None]]]) -> None:
    """The new tables in place of the live ones, in one short transaction: a reader sees the old build or the new.
    The old tables are emptied and renamed (`_old`), dropped after the commit."""
    from django.db.utils import OperationalError

    for attempt in range(SWAP_TRIES):
        try:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("SET LOCAL lock_timeout = '5s'")
                cur.execute("LOCK TABLE " + ", ".join(f'"{t}"' for t in tables) + " IN ACCESS EXCLUSIVE MODE")
                for table in tables:
                    sequences = _sequences(cur, table)
                    cur.execute(f'ALTER TABLE "{table}" RENAME TO "{table}{OLD}"')
                    for name, _definition, _kind in indexes[table]:
                        cur.execute(f'ALTER INDEX "{name}" RENAME TO "{name[:63 - len(OLD)]}{OLD}"')
                    for seq in sequences:
                        cur.execute(f'ALTER SEQUENCE {seq} RENAME TO "{_bare(seq)[:63 - len(OLD)]}{OLD}"')
                    cur.execute(f'TRUNCATE "{table}{OLD}"')  # whatever happens to it after, it costs nothing
                    cur.execute(f'ALTER TABLE "{table}{NEXT}" RENAME TO "{table}"')
                    for name, _definition, kind in indexes[table]:
                        if kind == "p":
                            cur.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" PRIMARY KEY USING INDEX "{_next_name(name)}"')
                        elif kind == "u":
                            cur.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" UNIQUE USING INDEX "{_next_name(name)}"')
                        else:
                            cur.execute(f'ALTER INDEX "{_next_name(name)}" RENAME TO "{name}"')
                    for new, old in zip(_sequences(cur, table), sequences, strict=True):
                        cur.execute(f'ALTER SEQUENCE {new} RENAME TO "{_bare(old)}"')
            return
        except OperationalError as exc:  # lock_timeout: a long reader; try again
            if "lock timeout" not in str(exc) or attempt == SWAP_TRIES - 1:
                raise


def _rebuild_swapped(started: float) -> Timing:
    """`rebuild` on two connections at once, since PostgreSQL runs no INSERT with parallel workers: the receiving
    units split in two halves of about as many dossiers (`_halves`), each half built by `_sql` on its own connection
    into new tables (`…_next`, the live ones' copies), their indexes built by the two connections, then swapped in
    (`_swap`). Readers see the old tables until the swap's commit. Measured in docs/monitoring.md ("Scale")."""
    from concurrent.futures import ThreadPoolExecutor, wait

    tables = _tables()
    phases: dict[str, float] = {}
    cpu: dict[str, float] = {}
    done = _Phases(phases, cpu)

    def close() -> None:
        connection.close()

    pool = ThreadPoolExecutor(1, thread_name_prefix="insights-build")  # one thread: its connection lives on
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            trusted = bool(cur.fetchone()[0])
            _drop(cur, NEXT, tables)  # what a build that died left, and old tables a reader kept from dropping
            _drop(cur, OLD, tables)
            with transaction.atomic():
                _create_next(cur, tables)
                indexes = {t: _indexes(cur, t) for t in tables}
        units = _halves(default_calendar_units())
        done("new tables, halves")
        other = None
        try:
            other = pool.submit(_half, units[1], trusted, tables)
            a = _half(units[0], trusted, tables)
            b = other.result()
            done("both halves (two connections)")
            for half, (_d, _s, wall, used) in (("a", a), ("b", b)):
                phases.update((f"{half}: {k}", v) for k, v in wall.items())
                cpu.update((f"{half}: {k}", v) for k, v in used.items())
            # The indexes, largest table first, each to the connection with less to build (rows × columns).
            rows = {tables[0]: a[1] + b[1], tables[1]: a[0] + b[0]}
            with connection.cursor() as cur:
                cur.execute(f'SELECT count(*) FROM "{tables[2]}{NEXT}"')
                rows[tables[2]] = cur.fetchone()[0]
            lists = _two_sets(sorted(((rows[t] * (1 + d.count(",")), _on_next(d, t, n))
                                      for t in tables for n, d, _k in indexes[t]), reverse=True))
            other = pool.submit(_build_indexes, lists[1])
            used = _build_indexes(lists[0]), other.result()
            if used[0] is not None:
                cpu["indexes a"], cpu["indexes b"] = used
            done("indexes (two connections)")
            other = pool.submit(_analyze, tables[:1])
            _analyze(tables[1:])
            other.result()
            done("analyze")
            _swap(tables, indexes)
            done("swap")
        except BaseException:
            if other is not None:
                wait([other])  # the other connection's half or indexes, before its tables go
            with connection.cursor() as cur:
                _drop(cur, NEXT, tables)
            raise
        from django.db.utils import OperationalError

        with connection.cursor() as cur:
            try:  # the old tables' foreign keys: a short lock on the dossiers, units and procedures they refer to
                _drop(cur, OLD, tables, timeout="5s")
            except OperationalError:  # a long reader of those: left empty, dropped by the next rebuild
                pass
        done("drop the old tables")
    finally:
        pool.submit(close).result()
        pool.shutdown()
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
    rest = build.build() if default_calendar_units() is not None else 0
    done("the Python build of the rest")
    return Timing(a[0] + b[0] + rest, a[1] + b[1], time.perf_counter() - started, rest, phases, cpu)


WORK_MEM = "256MB"  # per sort or hash of the build (each parallel worker has its own)
FORCE_TEMP = False  # the phases in temporary tables whatever the role may do (a test sets it)


def _sql(rebuild: bool, phases: dict[str, float], recent: bool = False, into: tuple[str, str, str] | None = None,
         units: list[int] | None = None, workers: bool = True, cpu: dict[str, float] | None = None) -> tuple[int, int]:
    """`into`: the (step, trace, rollup) tables written (default the live ones); `units`: only the dossiers
    received by these units (a half of a swapped rebuild, `_rebuild_swapped`); `workers=False`: no parallel
    workers (the two halves already keep both cores busy)."""
    d, t, s, e = (Dossier._meta.db_table, Task._meta.db_table, SupplementRequest._meta.db_table,
                  DossierEvent._meta.db_table)
    trace = DossierTrace._meta.db_table
    step, trace_into, rollup_into = into or (StepTime._meta.db_table, trace, Rollup._meta.db_table)
    units_given = units is not None
    if units is None:
        units = default_calendar_units()
    tz = settings.TIME_ZONE
    params_c = [_before_array(), tz]
    clock_cte = "(SELECT %s::int[] AS b, %s::text AS tz) c"
    done = _Phases(phases, cpu)

    with connection.cursor() as cur:
        cur.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        # What a row costs to pass from a parallel worker to the leader, as the planner reckons it: at the default
        # (0.1) the steps' statement ran in one process; at 0.01 in three, 2.7 s less of the leader's CPU at 1 M.
        cur.execute("SET LOCAL parallel_tuple_cost = 0.01")
        if not workers:
            cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        # The phases go into UNLOGGED regular tables, not temporary ones: PostgreSQL never scans a temporary
        # table in parallel, and a CREATE TABLE … AS (unlike an INSERT) may run its query with parallel workers.
        # Named after this backend (two builds at once do not meet), created and dropped in this transaction:
        # a rollback or a crash leaves none behind.
        cur.execute("SELECT pg_backend_pid(), has_schema_privilege(current_schema(), 'CREATE')")
        pid, may_create = cur.fetchone()
        # A role that may not create tables in the schema (the web and workers' role may be kept to reading and
        # writing rows, docs/operations.md) builds in temporary tables, in one process, as before.
        table = "UNLOGGED" if may_create and not FORCE_TEMP else "TEMP"
        D, P, S, H, T, X, K = (f"insights_build_{k}_{pid}"
                               for k in ("dossiers", "pauses", "several", "handed", "steps", "traces", "tasks"))
        cur.execute(f"DROP TABLE IF EXISTS {D}, {P}, {S}, {H}, {T}, {X}, {K}")
        # 1. The pending dossiers, with the clock values of their receipt and end.
        unit_filter = "AND d.unit_id = ANY(%s)" if units is not None else ""  # a constant list: hashed (PostgreSQL 14+)
        pending = "" if rebuild else f'AND NOT EXISTS (SELECT 1 FROM "{trace}" x WHERE x.dossier_id = d.id)'
        watermark = []
        if recent and not rebuild:
            # The latest month with rollups (an index's first row), from its first day less the slack: the
            # dossiers finished since, found by the index on finished_at (migration dossiers/0017).
            cur.execute(f'SELECT max(month) FROM "{Rollup._meta.db_table}"')
            last = cur.fetchone()[0]
            if last is not None:  # none traced yet (or emptied after a crash): every dossier
                pending += " AND d.finished_at >= %s"
                watermark = [datetime.combine(last, clock_time.min, tzinfo=zone()) - timedelta(hours=SLACK_HOURS)]
        cur.execute(
            f"""CREATE {table} TABLE {D} AS
            SELECT d.id, d.procedure_id, d.unit_id, d.finished_at AS end_at, d.legal_due_at,
                   COALESCE(d.finished_at > d.legal_due_at, false) AS late,
                   {_clock('d.received_at')} AS r, {_clock('d.finished_at')} AS e,
                   (d.finished_at AT TIME ZONE c.tz)::date AS ended_on
            FROM "{d}" d, {clock_cte}
            WHERE d.finished_at IS NOT NULL AND d.received_at IS NOT NULL AND d.status = ANY(%s)
            {unit_filter} {pending}""",
            [*params_c, list(FINISHED), *([units] if units is not None else []), *watermark],
        )
        cur.execute(f"ALTER TABLE {D} ADD PRIMARY KEY (id)")
        cur.execute(f"ANALYZE {D}")
        done("pending dossiers")
        # 2. The applicant's spans (a round unanswered at the end counts to the end), as arrays per dossier.
        cur.execute(
            f"""CREATE {table} TABLE {P} AS
            SELECT s.dossier_id, array_agg({_clock('s.requested_at')} ORDER BY s.number, s.id) AS ps,
                   array_agg({_clock('COALESCE(s.answered_at, d.end_at)')} ORDER BY s.number, s.id) AS qs
            FROM "{s}" s JOIN {D} d ON d.id = s.dossier_id, {clock_cte}
            WHERE COALESCE(s.answered_at, d.end_at) > s.requested_at
            GROUP BY s.dossier_id""",
            params_c,
        )
        cur.execute(f"ALTER TABLE {P} ADD PRIMARY KEY (dossier_id)")
        cur.execute(f"ANALYZE {P}")
        done("supplement rounds")
        # 3. Their done steps: the StepTime rows as they will be written (rounded; the dossier's columns copied,
        # so that the insert below is a plain copy), with the unrounded days and wait the traces add up.
        # The dossiers with steps at more than one unit (few): only their steps may have been handed over from
        # another unit; those that were, in a table of their own (the test is a correlated subquery).
        tasks = f'"{t}"'
        if units_given:
            # A half of a swapped rebuild (one process): its dossiers' steps, the columns read, in a narrow table of
            # its own — the task table (the widest read) is then scanned once per half instead of three times.
            cur.execute(
                f"""CREATE {table} TABLE {K} AS SELECT t.id, t.dossier_id, t.step, t.unit_id, t.status, t.days,
                       t.opened_at, t.claimed_at, t.done_at FROM "{t}" t JOIN {D} d ON d.id = t.dossier_id""")
            tasks = K
        cur.execute(
            f"""CREATE {table} TABLE {S} AS
            SELECT t.dossier_id FROM {tasks} t JOIN {D} d ON d.id = t.dossier_id
            GROUP BY t.dossier_id HAVING min(t.unit_id) <> max(t.unit_id)""")
        cur.execute(f"ANALYZE {S}")
        cur.execute(
            f"""CREATE {table} TABLE {H} AS
            SELECT x.id FROM {S} s JOIN "{t}" x ON x.dossier_id = s.dossier_id
            WHERE x.status = 'done' AND EXISTS (
                SELECT 1 FROM jsonb_array_elements_text(x.after) b(step)
                JOIN "{t}" y ON y.dossier_id = x.dossier_id AND y.step = b.step WHERE y.unit_id <> x.unit_id)""")
        cur.execute(f"ALTER TABLE {H} ADD PRIMARY KEY (id)")
        cur.execute(f"ANALYZE {H}")
        # Twice: the steps of the dossiers without supplement rounds (most) with expressions alone, which the
        # planner may run in parallel workers; then those with rounds, their spans taken out by a subquery.
        for paused in (False, True):
            with_rounds = (f"JOIN {P} p ON p.dossier_id = t.dossier_id" if paused else
                           f"LEFT JOIN {P} p ON p.dossier_id = t.dossier_id")
            only = "" if paused else "AND p.dossier_id IS NULL"
            select = f"""
            SELECT id AS task_id, dossier_id, procedure_id, dossier_unit_id, unit_id, step, end_at AS ended_at,
                   ended_on, {_round('raw_days')} AS days, allowed, {_round('raw_waiting')} AS waiting,
                   {_round('raw_to_end')} AS to_end, late, done_at, raw_days, raw_waiting
            FROM (
                SELECT p.*, {_net('p.o', 'p.dn', paused)} AS raw_days, {_net('p.o', 'p.e', paused)} AS raw_to_end,
                       CASE WHEN p.transferred THEN LEAST({_net('p.o', 'p.dn', paused)},
                                                          {_net('p.o', _clock('COALESCE(p.claimed_at, p.done_at)'),
                                                                paused)})
                            ELSE 0.0 END AS raw_waiting
                FROM (
                    SELECT q.*, {_clock('', 'q.lo')} AS o, {_clock('', 'q.ld')} AS dn
                    FROM (
                        SELECT t.id, t.dossier_id, t.step, t.unit_id, t.days::float8 AS allowed, t.done_at,
                               t.claimed_at, d.procedure_id, d.unit_id AS dossier_unit_id, d.end_at, d.ended_on,
                               d.late, d.e, h.id IS NOT NULL AS transferred, {_local('t.opened_at')} AS lo,
                               {_local('t.done_at')} AS ld {', p.ps, p.qs' if paused else ''}
                        FROM {tasks} t JOIN {D} d ON d.id = t.dossier_id {with_rounds}
                             LEFT JOIN {H} h ON h.id = t.id, {clock_cte}
                        WHERE t.status = 'done' AND t.opened_at IS NOT NULL AND t.done_at IS NOT NULL {only}
                        OFFSET 0  -- fences: each local time, then each clock value, computed once per row
                    ) q, {clock_cte}
                    OFFSET 0
                ) p, {clock_cte}
                OFFSET 0
            ) r"""
            cur.execute(f"INSERT INTO {T} {select}" if paused else f"CREATE {table} TABLE {T} AS {select}",
                        [*params_c, *params_c, *params_c])
        cur.execute(f"ANALYZE {T}")
        done("done steps timed")
        cur.execute(
            f"""INSERT INTO "{step}" (dossier_id, procedure_id, dossier_unit_id, unit_id, step, ended_at, ended_on,
                                      days, allowed, waiting, to_end, late)
            SELECT dossier_id, procedure_id, dossier_unit_id, unit_id, step, ended_at, ended_on,
                   days, allowed, waiting, to_end, late FROM {T}"""
        )
        steps = cur.rowcount
        done("StepTime insert")
        # 4. The traces: path, worst overrun of a late dossier, the waits; as they will be written.
        cur.execute(
            f"""CREATE {table} TABLE {X} AS
            WITH agg AS (
                SELECT dossier_id, string_agg(step, ' → ' ORDER BY done_at, task_id) AS path, sum(raw_waiting) AS transfer
                FROM {T} GROUP BY dossier_id
            ), worst AS (
                SELECT DISTINCT ON (dossier_id) dossier_id, step, unit_id
                FROM {T} WHERE late AND raw_days - allowed > 0
                ORDER BY dossier_id, raw_days - allowed DESC, done_at, task_id
            ), moves AS (
                SELECT v.dossier_id, v.at, v.from_status, v.to_status,
                       lead(v.from_status) OVER w AS next_from, lead(v.to_status) OVER w AS next_to,
                       lead(v.at) OVER w AS next_at
                FROM "{e}" v JOIN {D} d ON d.id = v.dossier_id
                WHERE (v.to_status = %s OR v.from_status = %s) AND v.from_status IS DISTINCT FROM v.to_status
                WINDOW w AS (PARTITION BY v.dossier_id ORDER BY v.id)
            ), paid AS (
                SELECT mv.dossier_id, sum(GREATEST(0,
                           {_clock("CASE WHEN mv.next_from = 6 AND mv.next_to <> 6 THEN mv.next_at ELSE d.end_at END")}
                           - {_clock('mv.at')})) AS days
                FROM moves mv JOIN {D} d ON d.id = mv.dossier_id, {clock_cte}
                WHERE mv.to_status = %s
                GROUP BY mv.dossier_id
            )
            SELECT d.id AS dossier_id, d.procedure_id, d.unit_id, d.end_at AS ended_at, d.ended_on, d.late,
                   round({_net('d.r', 'd.e')}::numeric, 4)::float8 AS total_days,
                   CASE WHEN p.ps IS NULL THEN 0.0 ELSE
                       round(COALESCE((SELECT sum(q - s) FROM unnest(p.ps, p.qs) u(s, q)), 0)::numeric, 4)::float8 END
                       AS applicant_days,
                   CASE WHEN paid.days IS NULL THEN 0.0 ELSE round(paid.days::numeric, 4)::float8 END AS payment_days,
                   CASE WHEN COALESCE(agg.transfer, 0) = 0 THEN 0.0 ELSE round(agg.transfer::numeric, 4)::float8 END
                       AS transfer_days,
                   CASE WHEN length(COALESCE(agg.path, '')) > %s THEN left(agg.path, %s) || '…'
                        ELSE COALESCE(agg.path, '') END::varchar(500) AS path,
                   COALESCE(worst.step, '')::varchar(64) AS late_step, worst.unit_id AS late_unit_id
            FROM {D} d LEFT JOIN {P} p ON p.dossier_id = d.id LEFT JOIN agg ON agg.dossier_id = d.id
                 LEFT JOIN worst ON worst.dossier_id = d.id LEFT JOIN paid ON paid.dossier_id = d.id""",
            [Status.PAYMENT_REQUESTED, Status.PAYMENT_REQUESTED, *params_c, Status.PAYMENT_REQUESTED,
             build.PATH_MAX, build.PATH_MAX - 1],
        )
        cur.execute(
            f"""INSERT INTO "{trace_into}" ({TRACE_COLUMNS}) SELECT {TRACE_COLUMNS} FROM {X}""")
        dossiers = cur.rowcount
        done("DossierTrace insert")
        # 5. The page's monthly counts (rollup.py) of the dossiers just traced, read from the phase tables (the
        # same columns and values as the rows just written). Inserted directly, without parallel workers: its
        # groups are nearly as many as its rows, so partial aggregates in workers cost more than they save.
        sql, params = rollup.source("TRUE", [], steps=T, traces=X)
        cur.execute(f'INSERT INTO "{rollup_into}" ({rollup.COLUMNS}) {sql}', params)
        cur.execute(f"DROP TABLE IF EXISTS {D}, {P}, {S}, {H}, {T}, {X}, {K}")
        done("Rollup insert")
    return dossiers, steps


TRACE_COLUMNS = ("dossier_id, procedure_id, unit_id, ended_at, ended_on, late, total_days, applicant_days, "
                 "payment_days, transfer_days, path, late_step, late_unit_id")
