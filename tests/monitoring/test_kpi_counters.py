"""The KPI counters kept by the actions layer: a walked dossier counted where it should be, rows in one order.

The random histories (hypothesis, stateful; tests/monitoring/kpi_histories.py) run in
`test_kpi_counters_*.py`, a case each; the last test here checks that every case runs in exactly one.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from types import SimpleNamespace

from motcua.monitoring.models import DailyCounter, MonthlyCounter, OpenCounter
from motcua.monitoring.rebuild import differences
from tests.monitoring import kpi_histories


def test_a_walked_dossier_moves_the_counters_of_its_unit_its_ancestors_and_the_country(demo, unsigned_results):
    # The property above would also hold for counters that never count.
    from motcua.dossiers.models import Dossier
    from motcua.monitoring.counters import ancestors
    from tests.walker import DEFINITIONS, Walker

    walker = Walker(DEFINITIONS["1.001193-dang-ky-khai-sinh.yaml"])
    walker.submit()
    walker.walk()
    dossier = Dossier.objects.get(code=walker.code)
    units = ancestors(dossier.unit.path)
    assert len(units) >= 3  # the country, the province, the commune
    from django.db.models import Sum

    from motcua.monitoring.contributions import local_day
    from motcua.monitoring.models import COLUMNS

    stop = local_day(dossier.finished_at)  # §5.2: it stopped being open (and in time) the day it ended
    for unit_id in units:
        days = DailyCounter.objects.filter(unit_id=unit_id, procedure_id=dossier.procedure_id)
        assert days.get(open_in_time_ends=1).day == stop
        day = days.aggregate(**{c: Sum(c) for c in COLUMNS})
        month = MonthlyCounter.objects.filter(unit_id=unit_id, procedure_id=dossier.procedure_id).aggregate(
            **{c: Sum(c) for c in COLUMNS})
        for row in (SimpleNamespace(**day), SimpleNamespace(**month)):
            assert (row.received, row.online, row.full_eligible, row.full_online) == (1, 1, 1, 1)
            assert (row.ended, row.ended_on_time, row.finished, row.finished_e_result) == (1, 1, 1, 1)
            assert (row.digitized, row.reused, row.vault) == (1, 1, 1)  # the birth certificate comes from the vault
            assert row.open_in_time_ends == 1
    assert sum(OpenCounter.objects.values_list("count", flat=True)) == 0
    assert differences() == {"DailyCounter": 0, "MonthlyCounter": 0, "OpenCounter": 0}


def test_counter_rows_are_listed_in_one_order_whatever_the_order_of_the_changes():
    # Rows are locked in the order the upsert lists them; two actions that move the same shared rows
    # (the nation's) in opposite orders could deadlock. The order is: ancestors as given, days ascending.
    from collections import Counter
    from datetime import date

    from motcua.monitoring.counters import _upsert, _upsert_open

    early, late = date(2025, 3, 3), date(2025, 3, 10)
    for opened in (Counter({late: 1, early: -1}), Counter({early: -1, late: 1})):
        _sql, params = _upsert_open([0, 7], 3, opened)
        assert [(params[i], params[i + 2]) for i in range(0, len(params), 4)] == [(0, early), (0, late), (7, early), (7, late)]
    for rows in ({late: {"ended": 1}, early: {"received": 1}}, {early: {"received": 1}, late: {"ended": 1}}):
        _sql, params = _upsert("monitoring_dailycounter", "day", [0, 7], 3, rows)
        width = len(params) // 4
        assert [(params[i], params[i + 2]) for i in range(0, len(params), width)] == [(0, early), (0, late), (7, early), (7, late)]


def test_named_parameters_are_the_same_statement_with_few_enough_parameters_for_psycopg_to_keep_it():
    # PostgreSQL's one statement names each distinct value once (monitoring/counters._named): psycopg
    # keeps the parsed form of a statement of up to 50 parameters; what is sent is what it was.
    from collections import Counter
    from datetime import date

    from motcua.monitoring.counters import _named, _upsert, _upsert_open

    units, day, month = [0, 1, 7, 9, 700], date(2025, 3, 3), date(2025, 3, 1)
    statements = [
        _upsert("monitoring_dailycounter", "day", units, 3, {day: {"received": 1, "online": 1, "ended": -1}}),
        _upsert("monitoring_monthlycounter", "month", units, 3, {month: {"received": 1, "online": 1, "ended": -1}}),
        _upsert_open(units, 3, Counter({day: 1, date(2025, 3, 10): -1})),
    ]
    sql = " ; ".join(s for s, _params in statements)
    params = [p for _s, ps in statements for p in ps]
    named_sql, named = _named(sql, params)
    assert len(params) > 50 and len(named) <= 12
    literal = {int: str, date: lambda d: f"'{d.isoformat()}'::date"}
    assert named_sql % {k: literal[type(v)](v) for k, v in named.items()} == sql % tuple(literal[type(p)](p) for p in params)
    # 1 the count and 1 the unit id are one value; a day and a number never share a name.
    assert _named("%s %s %s", [1, 1, day]) == ("%(p0)s %(p0)s %(p1)s", {"p0": 1, "p1": day})


def test_the_shares_run_every_history_once():
    ran = Counter(case for part in range(kpi_histories.SHARES) for case in kpi_histories.share(part))
    assert set(ran) == set(kpi_histories.CASES) and set(ran.values()) == {1}
    here = Path(__file__).parent
    found = sorted(p.name for p in here.glob("test_kpi_counters_*.py"))
    assert found == sorted(f"test_kpi_counters_{i}.py" for i in range(1, kpi_histories.SHARES + 1))
    for i in range(1, kpi_histories.SHARES + 1):
        assert f"kpi_histories.share({i - 1})" in (here / f"test_kpi_counters_{i}.py").read_text()
