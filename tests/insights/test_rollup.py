"""The page's figures read from the monthly rollups (insights/rollup.py) equal the exact ones read from every
step row: counts, shares, paths and late-makers exactly, quantiles to half a bucket's width; on SQLite and
PostgreSQL, whichever build wrote the tables (the Python chunks, the set-based SQL, incremental or not)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import connection

from motcua.catalog.models import Procedure
from motcua.demo.step_history import load_step_history
from motcua.insights import build, rollup, sqlbuild, summary
from motcua.insights.models import DossierTrace, Rollup, StepTime
from motcua.monitoring import query
from motcua.units.models import Unit


@pytest.mark.parametrize("x", [0.0, 1e-9, 0.05, 0.1, 0.3, 0.7, 2.25, 9.99, 10.0, 10.5, 57.3, 99.99, 100.0, 250.0,
                               999.0, 1000.0, 5000.0])
def test_the_sql_bucket_is_the_python_bucket_and_its_middle_is_near(db, x):
    with connection.cursor() as cur:
        # A float column's arithmetic (PostgreSQL would read the parameter as numeric).
        real = "double precision" if connection.vendor == "postgresql" else "REAL"
        cur.execute(f"SELECT {rollup._bucket('v')} FROM (SELECT CAST(%s AS {real}) AS v) t", [x])  # noqa: S608
        assert cur.fetchone()[0] == rollup.bucket_of(x)
    if x < 1000:
        assert abs(rollup.value_of(rollup.bucket_of(x)) - x) <= rollup.half_width(x) + 1e-9


def _near(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    # Interpolated between two ranked values that may lie in buckets of two widths: the wider counts.
    return abs(a - b) <= rollup.half_width(max(a, b) + 0.5) + 0.011  # + the page's rounding to 2 decimals


def _same_spread(exact: summary.Spread, rolled: summary.Spread) -> bool:
    return exact.n == rolled.n and _near(exact.median, rolled.median) and _near(exact.p90, rolled.p90)


def _compare(unit, start, end, procedure) -> None:
    exact = summary.figures(unit, start, end, procedure, sql=False)
    rolled = summary.figures(unit, start, end, procedure)
    assert (exact.dossiers, exact.late, exact.paths, exact.makers) == (
        rolled.dossiers, rolled.late, rolled.paths, rolled.makers)
    for name in ("total", "applicant", "payment", "transfer"):
        assert _same_spread(getattr(exact, name), getattr(rolled, name)), name
    assert exact.steps.keys() == rolled.steps.keys()
    for k, (spread, allowed, over, waiting) in exact.steps.items():
        r = rolled.steps[k]
        assert _same_spread(spread, r[0]) and allowed == r[1] and over == r[2] and _same_spread(waiting, r[3]), k
    assert exact.merged.keys() == rolled.merged.keys()
    for k, (spread, over, waiting) in exact.merged.items():
        r = rolled.merged[k]
        assert _same_spread(spread, r[0]) and over == r[1] and _same_spread(waiting, r[2]), k
    assert exact.unit_days.keys() == rolled.unit_days.keys()
    assert all(_same_spread(v, rolled.unit_days[k]) for k, v in exact.unit_days.items())


def test_the_rolled_up_figures_are_the_exact_figures(demo):
    load_step_history(days=75, seed=11)
    assert build.build() > 0
    today = query.today()
    province, commune = Unit.objects.get(code="000.00.00.H99"), Unit.objects.get(code="000.11.00.H99")
    month = today.replace(day=1)
    previous = (month - timedelta(days=1)).replace(day=1)
    periods = [
        (today - timedelta(days=60), today),  # a partial month at the start, whole months after
        (previous, month - timedelta(days=1)),  # exactly one stored month
        (previous + timedelta(days=3), month - timedelta(days=5)),  # inside one month: all from the step rows
        (date(2000, 1, 1), today),
    ]
    for start, end in periods:
        for unit in (None, province, commune):
            for procedure in (None, Procedure.objects.get(code="1.001193"), Procedure.objects.get(code="1.004194")):
                _compare(unit, start, end, procedure)
        exact = summary.procedures_in(province, start, end, exact=True)
        rolled = summary.procedures_in(province, start, end)
        assert [(p["code"], p["dossiers"], p["late"]) for p in exact] == [
            (p["code"], p["dossiers"], p["late"]) for p in rolled]
        assert all(_near(a["median"], b["median"]) for a, b in zip(exact, rolled, strict=True))
    # The figures were not empty: late dossiers and their late-makers, several paths, supplement waits.
    whole = summary.figures(province, today - timedelta(days=60), today, None)
    assert whole.late > 0 and whole.makers and len(whole.paths) > 1 and whole.applicant.n > 0
    # Stored months were read (not every figure from the step rows).
    assert Rollup.objects.filter(month=previous).exists()


def _grouped() -> dict:
    keys = ("month", "procedure_id", "unit_id", "kind", "step", "actor", "bucket", "label")
    found: dict = {}
    for row in Rollup.objects.values_list(*keys, "n", "over", "allowed"):
        n, over, allowed = found.get(row[:8], (0, 0, 0.0))
        found[row[:8]] = (n + row[8], over + row[9], max(allowed, row[10]))
    return found


def test_incremental_and_set_based_builds_append_the_same_rollups(demo):
    load_step_history(days=40, seed=3)
    done = list(build.finished().order_by("pk").values_list("pk", flat=True))
    # Half now, half later: the rows appended by the second run add up to what one run writes.
    first = build.build(limit=len(done) // 2)
    assert 0 < first < len(done)
    assert build.build() == len(done) - first
    incremental = _grouped()
    assert build.rebuild() == len(done)
    assert _grouped() == incremental
    sqlbuild.build_all(rebuild=True)  # on SQLite the Python build again; on PostgreSQL the set-based one
    rows_before = Rollup.objects.count()
    assert _grouped() == incremental
    rollup.compact()
    assert _grouped() == incremental and Rollup.objects.count() <= rows_before
    # The daily compaction of the last two months after incremental rounds: fewer rows, the same sums.
    assert build.rebuild() == len(done) and build.build() == 0
    DossierTrace.objects.filter(dossier_id__in=done[-5:]).delete()
    StepTime.objects.filter(dossier_id__in=done[-5:]).delete()
    Rollup.objects.all().delete()
    rollup.add("1 = 1", [])  # the rollups of every dossier but the last five
    assert build.build() == 5  # appended: some keys now have two rows
    appended = Rollup.objects.count()
    today = query.today()
    cache.clear()
    assert rollup.compact_daily(today) and not rollup.compact_daily(today)
    assert _grouped() == incremental and Rollup.objects.count() < appended


def test_the_default_period_is_whole_months_to_today():
    from motcua.insights.views import default_start

    assert default_start(date(2026, 12, 5)) == date(2026, 10, 1)
    assert default_start(date(2027, 1, 31)) == date(2026, 11, 1)
    assert default_start(date(2026, 3, 1)) == date(2026, 1, 1)
    # Such a period reads only stored months (none of its days from the step rows).
    assert rollup._months(date(2026, 10, 1), date(2026, 12, 5), date(2026, 12, 5)) == (date(2026, 10, 1),
                                                                                      date(2026, 12, 1))
    assert rollup._months(date(2026, 10, 2), date(2026, 11, 29), date(2026, 12, 5)) is None
