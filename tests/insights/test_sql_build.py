"""The set-based build (insights/sqlbuild.py: INSERT … SELECT on PostgreSQL, the Python build on SQLite)
writes the same step-time tables as the incremental Python build (insights/build.py), on the same history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from motcua.demo.step_history import load_step_history
from motcua.dossiers.models import DossierEvent, Status, TaskStatus
from motcua.insights import build, sqlbuild
from motcua.insights.models import DossierTrace, Rollup, StepTime
from motcua.units.models import Unit

TRACE = ("dossier_id", "procedure_id", "unit_id", "ended_at", "ended_on", "late", "total_days", "applicant_days",
         "payment_days", "transfer_days", "path", "late_step", "late_unit_id")
STEP = ("dossier_id", "step", "procedure_id", "dossier_unit_id", "unit_id", "ended_at", "ended_on", "days", "allowed",
        "waiting", "to_end", "late")


def _rows() -> tuple[dict, dict]:
    traces = {r[0]: r for r in DossierTrace.objects.order_by().values_list(*TRACE)}
    steps = {r[:2]: r for r in StepTime.objects.order_by().values_list(*STEP)}
    return traces, steps


def _same(a: dict, b: dict) -> list:
    """The keys whose rows differ (floats to 2e-4: the SQL rounds half away from zero, Python's round() to even)."""
    bad = [k for k in a.keys() ^ b.keys()]
    for k in a.keys() & b.keys():
        for x, y in zip(a[k], b[k], strict=True):
            if (abs(x - y) > 2e-4) if isinstance(x, float) and isinstance(y, float) else x != y:
                bad.append((k, a[k], b[k]))
                break
    return bad


def test_the_set_based_build_writes_what_the_incremental_build_writes(demo, monkeypatch):
    load_step_history(days=60, seed=5)
    finished = list(build.finished().order_by("pk")[:40])
    assert len(finished) == 40
    # What the demo's four procedures lack: a step done at another unit (liên thông), taken some time after it
    # opened, and waits for payment (one answered, one still open at the end).
    police = Unit.objects.get(code="000.11.30.H99")
    for d in finished[:15]:
        t = d.tasks.filter(status=TaskStatus.DONE).order_by("opened_at")[2]
        t.unit, t.claimed_at = police, t.opened_at + (t.done_at - t.opened_at) / 3
        t.save(update_fields=["unit", "claimed_at"])
    for i, d in enumerate(finished[15:30]):
        DossierEvent.objects.create(dossier=d, action="request_payment", from_status=Status.PROCESSING,
                                    to_status=Status.PAYMENT_REQUESTED, at=d.finished_at - timedelta(hours=5))
        if i % 3:
            DossierEvent.objects.create(dossier=d, action="confirm_payment", from_status=Status.PAYMENT_REQUESTED,
                                        to_status=Status.PROCESSING, at=d.finished_at - timedelta(hours=2))

    assert build.rebuild() == build.finished().count()
    python = _rows()
    timing = sqlbuild.build_all(rebuild=True)
    assert timing.dossiers == len(python[0]) and timing.steps == len(python[1])
    sql = _rows()
    assert _same(python[0], sql[0]) == [] and _same(python[1], sql[1]) == []
    # A role that may not create tables in the schema builds in temporary tables instead: the same rows.
    monkeypatch.setattr(sqlbuild, "FORCE_TEMP", True)
    assert sqlbuild.build_all(rebuild=True).steps == len(python[1])
    temp = _rows()
    assert _same(sql[0], temp[0]) == [] and _same(sql[1], temp[1]) == []
    monkeypatch.setattr(sqlbuild, "FORCE_TEMP", False)
    traces = python[0].values()
    # The comparison covered every kind of figure, not zeros only.
    assert any(t[TRACE.index("transfer_days")] > 0 for t in traces)
    assert any(t[TRACE.index("payment_days")] > 0 for t in traces)
    assert any(t[TRACE.index("applicant_days")] > 0 for t in traces)
    assert any(t[TRACE.index("late_step")] for t in traces)

    # Incremental: only the dossiers without a trace are built; the rest stay as they were.
    gone = finished[0].pk
    DossierTrace.objects.filter(dossier_id=gone).delete()
    StepTime.objects.filter(dossier_id=gone).delete()
    assert sqlbuild.build_all().dossiers == 1
    again = _rows()
    assert _same(sql[0], again[0]) == [] and _same(sql[1], again[1]) == []

    # The scheduler's round (`recent`): the dossiers finished since the latest month traced (less a day) only;
    # an older dossier without a trace is left to `motcua insights build` (on SQLite: the Python build, all).
    from django.db import connection

    newest = build.finished().order_by("-finished_at").first()
    for d in (newest.pk, gone):
        DossierTrace.objects.filter(dossier_id=d).delete()
        StepTime.objects.filter(dossier_id=d).delete()
    old_enough = finished[0].finished_at < newest.finished_at.replace(day=1) - timedelta(days=1)
    expected = 1 if connection.vendor == "postgresql" and old_enough else 2
    assert sqlbuild.build_all(recent=True).dossiers == expected
    assert sqlbuild.build_all().dossiers == 2 - expected
    assert DossierTrace.objects.filter(dossier_id__in=[newest.pk, gone]).count() == 2


def test_the_summary_figures_in_sql_are_the_python_figures(demo):
    """On PostgreSQL the page's figures are aggregates (percentile_cont); they equal the Python quantiles."""
    from django.db import connection

    from motcua.catalog.models import Procedure
    from motcua.insights import summary
    from motcua.monitoring import query

    load_step_history(days=60, seed=7)
    build.build()
    today = query.today()
    start = today - timedelta(days=60)
    province, commune = Unit.objects.get(code="000.00.00.H99"), Unit.objects.get(code="000.11.00.H99")
    sql = connection.vendor == "postgresql"
    for unit in (None, province, commune):
        for procedure in (None, Procedure.objects.get(code="1.001193"), Procedure.objects.get(code="1.004194")):
            python, db = summary.summarize(unit, start, today, procedure, sql=False), summary.summarize(
                unit, start, today, procedure, sql=sql)
            assert python == db, (unit, procedure)
    assert summary.summarize(province, start, today, Procedure.objects.get(code="1.001193")).flow[0].spread.n > 0
    nothing = summary.summarize(province, today - timedelta(days=900), today - timedelta(days=800), sql=sql)
    assert nothing.empty and nothing.steps == [] and nothing.total.n == 0


def _schema() -> list:
    """The step-time tables' indexes, constraints, persistence and identity sequences (PostgreSQL)."""
    from django.db import connection

    tables = [StepTime._meta.db_table, DossierTrace._meta.db_table, Rollup._meta.db_table]
    with connection.cursor() as cur:
        cur.execute("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
                    "AND schemaname = current_schema() ORDER BY 1, 2", [tables])
        found = cur.fetchall()
        cur.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = ANY(%s::regclass[]) ORDER BY 1, 2", [tables])
        found += cur.fetchall()
        # In this schema only: the tests' snapshot schema has tables of the same names.
        cur.execute("SELECT relname, relpersistence, pg_get_userbyid(relowner) FROM pg_class WHERE relname = ANY(%s) "
                    "AND relnamespace = current_schema()::regnamespace ORDER BY 1", [tables])
        found += cur.fetchall()
        cur.execute("SELECT pg_get_serial_sequence(%s, 'id'), pg_get_serial_sequence(%s, 'id')", tables[::2])
        found += cur.fetchall()
        cur.execute("SELECT relname FROM pg_class WHERE (relname LIKE 'insights%%next' OR relname LIKE 'insights%%old') "
                    "AND relnamespace = current_schema()::regnamespace")
        found += cur.fetchall()
    return found


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_on_two_connections_writes_the_same_rows(demo, monkeypatch):
    """Outside a transaction, on PostgreSQL, `rebuild` builds two halves of the units on two connections into new
    tables, then swaps them in: the same rows as one connection's build, the same indexes and constraints."""
    from django.db import connection

    from motcua.insights import rollup

    if connection.vendor != "postgresql":
        pytest.skip("the swap is PostgreSQL's (SQLite rebuilds in Python)")
    load_step_history(days=60, seed=5)
    monkeypatch.setattr(sqlbuild, "SWAP", False)
    one = sqlbuild.build_all(rebuild=True)
    schema = _schema()
    rows = _rows(), sorted(Rollup.objects.order_by().values_list(*rollup.COLUMNS.split(", ")))
    monkeypatch.setattr(sqlbuild, "SWAP", True)
    two = sqlbuild.build_all(rebuild=True)
    assert "both halves (two connections)" in two.phases and "swap" in two.phases
    assert (two.dossiers, two.steps) == (one.dossiers, one.steps) and one.steps > 0
    assert (_rows(), sorted(Rollup.objects.order_by().values_list(*rollup.COLUMNS.split(", ")))) == rows
    assert _schema() == schema
    # Ids go on from the tables swapped out; an incremental build writes into the new tables.
    assert StepTime.objects.order_by("pk").first().pk > 0
    gone = DossierTrace.objects.order_by("pk").first().dossier_id
    DossierTrace.objects.filter(dossier_id=gone).delete()
    StepTime.objects.filter(dossier_id=gone).delete()
    assert sqlbuild.build_all().dossiers == 1
    assert _rows() == rows[0]
