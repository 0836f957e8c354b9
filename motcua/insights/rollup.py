"""Pre-rolled monthly histograms of the step-time tables: what a leader's page reads (issue 23, "at scale").

Reading the step rows of a province's quarter takes hundreds of milliseconds at millions of
dossiers, and grows with the subtree. So the build (`build.py`, `sqlbuild.py`) also appends, for
the dossiers it traced, their counts per month (the local month the dossier ended in), procedure,
receiving unit and the figure's own key (`Rollup` rows):

- STEP: a step's working days, per (step, unit that did it), in histogram buckets, with how many
  overran the step's share of the deadline and the share (`allowed`);
- WAIT: of a step handed over from another unit, the days before it was taken (only when > 0);
- UNIT_DAYS: the days a unit's steps took per dossier;
- TOTAL (with `over` = how many ended late), APPLICANT, PAYMENT, TRANSFER (each only when > 0);
- PATH: the paths, counted; LATE: the step and unit that made a late dossier late, counted.

A period reads the months it covers whole from these rows and the days at its edges (a partial
month) from the step rows themselves, bucketed the same way on the fly: the same answer, and a
page reads a few hundred to a few thousand rows whatever the number of dossiers. Counts, shares,
the paths and the late-makers are exact; a **median or 90th percentile is exact to half a bucket's
width** (BUCKETS: 0 exactly, then 0.1 working day below 10 days, 1 day below 100, 10 days below
1,000): the ranks are found exactly in the cumulative counts, and each ranked value is replaced by
its bucket's middle before the same linear interpolation as `summary.quantile`. A test compares
these figures with the exact ones on SQLite and PostgreSQL.

Rows are only ever appended (a traced dossier never changes); equal keys are summed when read,
so an incremental build costs only the new dossiers' rows. `compact()` sums them back into one
row per key (after a rebuild nothing needs it; the scheduler's daily run may).
"""

# ruff: noqa: S608 - the SQL is built from this module's constants and table names; values go as parameters

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection

from motcua.insights.models import DossierTrace, Rollup, StepTime
from motcua.units.models import Unit

STEP, WAIT, UNIT_DAYS, TOTAL, APPLICANT, PAYMENT, TRANSFER, PATH, LATE = range(1, 10)
# (upper bound, width, first bucket): bucket 0 is exactly 0 days; 281 is 1,000 days or more.
BUCKETS = ((10.0, 0.1, 1), (100.0, 1.0, 101), (1000.0, 10.0, 191))
LAST = 281


def bucket_of(x: float) -> int:
    """The bucket of a duration (the SQL `_bucket` computes the same)."""
    if x <= 0:
        return 0
    low = 0.0
    for upper, width, first in BUCKETS:
        if x < upper:
            return first + int((x - low) * (1 / width))  # the SQL's arithmetic: × the reciprocal, then floor
        low = upper
    return LAST


def value_of(bucket: int) -> float:
    """The middle of a bucket: what a ranked value is read as."""
    if bucket <= 0:
        return 0.0
    low = 0.0
    for upper, width, first in BUCKETS:
        last = first + round((upper - low) / width) - 1
        if bucket <= last:
            return low + (bucket - first + 0.5) * width
        low = upper
    return BUCKETS[-1][0]


def half_width(x: float) -> float:
    """How far a quantile read from the buckets may be from the exact one, around x."""
    return next((w / 2 for upper, w, _ in BUCKETS if x < upper), BUCKETS[-1][1] / 2)


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _floor(x: str) -> str:
    # x ≥ 0 here: SQLite's CAST truncates (= floor); PostgreSQL's rounds, so floor() first.
    return f"floor({x})::int" if _pg() else f"CAST({x} AS INTEGER)"


def _bucket(x: str) -> str:
    cases, low = [f"WHEN {x} <= 0 THEN 0"], 0.0
    for upper, width, first in BUCKETS:
        cases.append(f"WHEN {x} < {upper} THEN {first} + {_floor(f'({x} - {low}) * {1 / width!r}')}")
        low = upper
    return f"(CASE {' '.join(cases)} ELSE {LAST} END)"


def _month(column: str) -> str:
    # A date's month in date arithmetic (as timestamp, not timestamptz: no time-zone lookup per row).
    return f"CAST(date_trunc('month', CAST({column} AS timestamp)) AS date)" if _pg() else f"date({column}, 'start of month')"


COLUMNS = "month, procedure_id, unit_id, kind, step, actor, bucket, label, n, over, allowed"


def _exact_sum(x: str) -> str:
    """sum(x) of values rounded to 4 decimals (the step rows' days), exactly: in whole 1/10,000 days, so that the
    total — and the bucket it falls in — does not depend on the order the rows are added in (a float sum does)."""
    return f"(CAST(sum(CAST(round({x} * 10000) AS INTEGER)) AS {'double precision' if _pg() else 'REAL'}) / 10000.0)"


def source(where: str, params: list, steps: str | None = None, traces: str | None = None) -> tuple[str, list]:
    """The rollup rows (COLUMNS) of the step and trace rows matching `where` (columns of alias x; `{unit}`
    stands for the receiving unit's column, dossier_unit_id or unit_id), grouped. `steps`, `traces`: other
    tables with the same columns (the build's phase tables, sqlbuild.py).

    One scan per kind: folding them into one scan per table (each row joined to the kinds it counts in, a
    LATERAL list on PostgreSQL) was measured at 1 million dossiers and cost more CPU than the scans it saved
    (14.3 s against 12.7 s: a scan of rows in memory is cheap, a row made per kind is not)."""
    steps, traces = steps or StepTime._meta.db_table, traces or DossierTrace._meta.db_table
    ws, wt = where.format(unit="x.dossier_unit_id"), where.format(unit="x.unit_id")
    m = _month("x.ended_on")
    group = "GROUP BY 1, 2, 3, 5, 6, 7, 8"
    parts = [
        f"SELECT {m}, x.procedure_id, x.dossier_unit_id, {STEP}, x.step, x.unit_id, {_bucket('x.days')}, '', count(*), "
        f"sum(CASE WHEN x.days > x.allowed THEN 1 ELSE 0 END), max(x.allowed) FROM {steps} x WHERE {ws} {group}",
        f"SELECT {m}, x.procedure_id, x.dossier_unit_id, {WAIT}, x.step, x.unit_id, {_bucket('x.waiting')}, '', count(*), "
        f"0, 0.0 FROM {steps} x WHERE {ws} AND x.waiting > 0 {group}",
        f"SELECT {m}, x.procedure_id, x.dossier_unit_id, {UNIT_DAYS}, '', x.unit_id, {_bucket('x.days')}, '', count(*), "
        f"0, 0.0 FROM (SELECT x.dossier_id, x.ended_on, x.procedure_id, x.dossier_unit_id, x.unit_id, "
        f"{_exact_sum('x.days')} AS days FROM {steps} x WHERE {ws} "
        f"GROUP BY x.dossier_id, x.ended_on, x.procedure_id, x.dossier_unit_id, x.unit_id) x {group}",
        f"SELECT {m}, x.procedure_id, x.unit_id, {TOTAL}, '', 0, {_bucket('x.total_days')}, '', count(*), "
        f"sum(CASE WHEN x.late THEN 1 ELSE 0 END), 0.0 FROM {traces} x WHERE {wt} {group}",
        *(f"SELECT {m}, x.procedure_id, x.unit_id, {kind}, '', 0, {_bucket(f'x.{column}')}, '', count(*), 0, 0.0 "
          f"FROM {traces} x WHERE {wt} AND x.{column} > 0 {group}"
          for kind, column in ((APPLICANT, "applicant_days"), (PAYMENT, "payment_days"), (TRANSFER, "transfer_days"))),
        f"SELECT {m}, x.procedure_id, x.unit_id, {PATH}, '', 0, 0, x.path, count(*), 0, 0.0 FROM {traces} x "
        f"WHERE {wt} {group}",
        f"SELECT {m}, x.procedure_id, x.unit_id, {LATE}, x.late_step, COALESCE(x.late_unit_id, 0), 0, '', count(*), 0, 0.0 "
        f"FROM {traces} x WHERE {wt} AND x.late AND x.late_step <> '' {group}",
    ]
    return " UNION ALL ".join(parts), params * len(parts)


def add(where: str, params: list) -> int:
    """Append the rollup rows of the traced dossiers matching `where` (see `source`); returns how many rows."""
    sql, p = source(where, params)
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {Rollup._meta.db_table} ({COLUMNS}) {sql}", p)
        return cur.rowcount


def add_dossiers(ids: list[int]) -> int:
    if not ids:
        return 0
    marks = ", ".join(["%s"] * len(ids))
    return add(f"x.dossier_id IN ({marks})", list(ids))


def compact(since: date | None = None) -> None:
    """One row per key again (appended rows of equal key summed) for the months from `since` (all without):
    a page then reads fewer rows. The scheduler's round does it for the last two months once a day."""
    from django.db import transaction

    table = Rollup._meta.db_table
    keys = "month, procedure_id, unit_id, kind, step, actor, bucket, label"
    where, params = ("WHERE month >= %s", [since]) if since else ("", [])
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS rollup_compact")
        cur.execute(f"CREATE TEMP TABLE rollup_compact AS SELECT {keys}, sum(n) AS n, sum(over) AS over, "
                    f"max(allowed) AS allowed FROM {table} {where} GROUP BY {keys}", params)
        cur.execute(f"DELETE FROM {table} {where}", params)
        cur.execute(f"INSERT INTO {table} ({COLUMNS}) SELECT {COLUMNS} FROM rollup_compact")
        cur.execute("DROP TABLE rollup_compact")


def compact_daily(today: date) -> bool:
    """Compact the current and the previous month, at most once a day per process (True when it did)."""
    from django.core.cache import cache

    if not cache.add(f"insights-rollup-compacted-{today.isoformat()}", True, timeout=2 * 86400):
        return False
    compact(since=(today.replace(day=1) - timedelta(days=1)).replace(day=1))
    return True


def _months(start: date, end: date, today: date) -> tuple[date, date] | None:
    """The first and last month wholly inside [start, end] (a month not over yet counts whole when end ≥ today)."""
    first = start if start.day == 1 else (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    last = end.replace(day=1)
    month_end = (last.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if end < month_end and end < today:
        last = (last - timedelta(days=1)).replace(day=1)
    return (first, last) if first <= last else None


def rows(unit: Unit | None, start: date, end: date, procedure_id: int | None, today: date) -> tuple[str, list]:
    """SQL of the rollup rows (COLUMNS) of a subtree, a period and optionally a procedure: stored months + edge days."""
    scope, sp = [], []
    if unit is not None:
        scope.append(f"{{unit}} IN (SELECT id FROM {Unit._meta.db_table} WHERE path LIKE %s)")
        sp.append(unit.path + "%")
    if procedure_id is not None:
        scope.append("x.procedure_id = %s")
        sp.append(procedure_id)
    months = _months(start, end, today)
    edges = [(start, end)] if months is None else [
        (a, b) for a, b in ((start, months[0] - timedelta(days=1)),
                            ((months[1].replace(day=28) + timedelta(days=4)).replace(day=1), end)) if a <= b]
    parts, params = [], []
    if months is not None:
        stored = " AND ".join(["x.month >= %s", "x.month <= %s", *(s.format(unit="x.unit_id") for s in scope)])
        parts.append(f"SELECT {COLUMNS} FROM {Rollup._meta.db_table} x WHERE {stored}")
        params += [months[0], months[1], *sp]
    for a, b in edges:
        sql, p = source(" AND ".join(["x.ended_on >= %s", "x.ended_on <= %s", *scope]), [a, b, *sp])
        parts.append(sql)
        params += p
    return " UNION ALL ".join(parts), params


def _collate() -> str:
    return 'COLLATE "C"' if _pg() else "COLLATE BINARY"


def quantile_sql(r: str, group: str) -> str:
    """Per group of the bucket rows `r` (columns: the group's, bucket, n): the count and the buckets holding the
    ranks of the median and the 90th percentile (lo: index ⌊pos⌋, hi: ⌈pos⌉, pos = (count − 1) q)."""
    return (
        f"SELECT {group}, max(total), "
        + ", ".join(f"min(bucket) FILTER (WHERE cum > (total - 1) * {q}), min(bucket) FILTER (WHERE cum >= (total - 1) * {q} + 1)"
                    for q in (0.5, 0.9))
        + f" FROM (SELECT r.*, sum(n) OVER (PARTITION BY {group} ORDER BY bucket ROWS UNBOUNDED PRECEDING) AS cum, "
        f"sum(n) OVER (PARTITION BY {group}) AS total FROM ({r}) r) c GROUP BY {group}"
    )


def spread(total: int, b50lo, b50hi, b90lo, b90hi):
    """A summary.Spread from the bucket ranks: each ranked value read as its bucket's middle."""
    from motcua.insights.summary import Spread, _r

    total = int(total or 0)
    if not total:
        return Spread(0, None, None)

    def q(lo, hi, p):
        pos = (total - 1) * p
        a, b = value_of(lo), value_of(hi)
        return _r(a + (b - a) * (pos - int(pos)))

    return Spread(int(total), q(b50lo, b50hi, 0.5), q(b90lo, b90hi, 0.9))


def figures(unit: Unit | None, start: date, end: date, procedure, today: date):
    """summary.Figures from the rollup rows: counts exact, quantiles to half a bucket's width."""
    from motcua.insights.summary import TOP_LATE, TOP_PATHS, Figures, Spread

    r, params = rows(unit, start, end, procedure.pk if procedure else None, today)
    c = _collate()
    hist = (f"SELECT kind, CASE WHEN kind IN ({STEP}, {WAIT}) THEN procedure_id ELSE 0 END AS p, step, actor, bucket, "
            f"sum(n) AS n, sum(over) AS over, max(allowed) AS allowed FROM r WHERE kind <= {TRANSFER} GROUP BY 1, 2, 3, 4, 5")
    if procedure is not None:  # each step over every unit too (actor −1): the workflow diagram
        hist = (f"SELECT * FROM ({hist}) h UNION ALL SELECT kind, p, step, -1, bucket, sum(n), sum(over), max(allowed) "
                f"FROM ({hist}) h WHERE kind IN ({STEP}, {WAIT}) GROUP BY kind, p, step, bucket")
    group = "kind, p, step, actor"
    sql = (
        f"WITH r({COLUMNS}) AS {'MATERIALIZED ' if _pg() else ''}({r}), h AS ({hist}) "
        f"SELECT q.*, o.over, o.allowed FROM ({quantile_sql('SELECT * FROM h', group)}) q "
        f"JOIN (SELECT {group}, sum(over) AS over, max(allowed) AS allowed FROM h GROUP BY {group}) o "
        f"USING (kind, p, step, actor) "
        f"UNION ALL SELECT * FROM (SELECT {PATH}, 0, label, 0, sum(n) AS n, 0, 0, 0, 0, 0, 0.0 FROM r WHERE kind = {PATH} "
        f"GROUP BY label ORDER BY n DESC, label {c} LIMIT {TOP_PATHS}) paths "
        f"UNION ALL SELECT * FROM (SELECT {LATE}, procedure_id, step, actor, sum(n) AS n, 0, 0, 0, 0, 0, 0.0 FROM r "
        f"WHERE kind = {LATE} GROUP BY procedure_id, step, actor ORDER BY n DESC, procedure_id, step {c}, actor "
        f"LIMIT {TOP_LATE}) makers"
    )
    with connection.cursor() as cur:
        cur.execute(sql, params)
        found = cur.fetchall()
    none = Spread(0, None, None)
    spreads: dict[tuple, Spread] = {}
    extra: dict[tuple, tuple[int, float]] = {}
    paths, makers = [], []
    for kind, p, step, actor, total, a, b, x, y, over, allowed in found:
        if kind == PATH:
            paths.append((step, int(total)))
        elif kind == LATE:
            makers.append(((p, step, actor or None), int(total)))
        else:
            spreads[kind, p, step, actor] = spread(total, a, b, x, y)
            extra[kind, p, step, actor] = (int(over or 0), float(allowed or 0))
    # Ties among the paths and late-makers broken as the exact paths do (by name, in code-point order).
    paths.sort(key=lambda t: (-t[1], t[0]))
    makers.sort(key=lambda t: (-t[1], t[0][0], t[0][1], t[0][2] or 0))
    total = spreads.get((TOTAL, 0, "", 0), none)
    if not total.n:
        return Figures(0, 0, none, none, none, none, [], [], {}, {}, {})
    steps, merged, unit_days = {}, {}, {}
    for (kind, p, step, actor), s in spreads.items():
        over, allowed = extra[kind, p, step, actor]
        share = round(over / s.n, 4) if s.n else 0.0
        if kind == STEP and actor >= 0:
            steps[p, step, actor] = (s, allowed, share, spreads.get((WAIT, p, step, actor), none))
        elif kind == STEP:
            merged[step] = (s, share, spreads.get((WAIT, p, step, -1), none))
        elif kind == UNIT_DAYS:
            unit_days[actor] = s
    return Figures(
        dossiers=total.n, late=extra[TOTAL, 0, "", 0][0], total=total,
        applicant=spreads.get((APPLICANT, 0, "", 0), none), payment=spreads.get((PAYMENT, 0, "", 0), none),
        transfer=spreads.get((TRANSFER, 0, "", 0), none), paths=paths, makers=makers, steps=steps,
        merged=merged if procedure is not None else {}, unit_days=unit_days,
    )


def procedures(unit: Unit | None, start: date, end: date, today: date) -> list[tuple[int, int, int, float | None]]:
    """(procedure id, dossiers, late, median total days) of the procedures with dossiers ended in the period."""
    r, params = rows(unit, start, end, None, today)
    sql = (f"WITH r({COLUMNS}) AS ({r}), h AS (SELECT procedure_id AS p, bucket, sum(n) AS n, sum(over) AS over FROM r "
           f"WHERE kind = {TOTAL} GROUP BY 1, 2) "
           f"SELECT q.*, o.over FROM ({quantile_sql('SELECT * FROM h', 'p')}) q "
           f"JOIN (SELECT p, sum(over) AS over FROM h GROUP BY p) o USING (p)")
    with connection.cursor() as cur:
        cur.execute(sql, params)
        found = cur.fetchall()
    return [(p, int(total), int(over), spread(total, a, b, x, y).median) for p, total, a, b, x, y, over in found]
