"""The hot path with server-side binding and prepared statements (DB_SERVER_SIDE_BINDING, docs/operations.md
"PostgreSQL"; issue 22), on PostgreSQL, whatever the default of the run.

With `OPTIONS server_side_binding` psycopg sends each value apart from the statement, with its type, and
PostgreSQL must infer every parameter's type from the statement: a raw statement where it cannot (an
untyped value in a SELECT list, `IN %s`, an array without a cast) fails there and nowhere else. The
suite runs with it on by default (off with `DB_SERVER_SIDE_BINDING=false`); this test turns it on for its own
connection, with `prepare_threshold=0` (every statement prepared at its first use, the strictest case),
and walks what every request runs: a submit (the compiled queries, the compiled INSERTs, the steps'
multi-row INSERT), a receive (the compiled UPDATE, the KPI counters' one statement with named
parameters), a direct upsert of the counters, and a new connection in the middle (prepared statements
are the connection's: psycopg prepares again on the next one).
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.run import _vault_components
from motcua.catalog.models import Procedure
from motcua.dossiers.models import Dossier, Task
from motcua.identity.models import User
from motcua.monitoring.contributions import local_day
from motcua.monitoring.models import NATIONAL, DailyCounter, MonthlyCounter, OpenCounter
from motcua.monitoring.rebuild import differences
from tests.conftest import BIRTH, ApiClient

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="server_side_binding and prepare_threshold are options of Django's PostgreSQL backend "
                              "(psycopg 3); SQLite's driver always sends values apart from the statement, with no such switch"),
]


@pytest.fixture
def server_side_binding(demo):
    """The default connection reopened as settings.py opens it with DB_SERVER_SIDE_BINDING=true, preparing at once."""
    options = connection.settings_dict["OPTIONS"]
    saved = dict(options)

    def reopen(new: dict) -> None:
        connection.close()
        options.clear()
        options.update(new)
        connection.features.__dict__.pop("uses_server_side_binding", None)  # a cached property

    reopen({**saved, "server_side_binding": True, "prepare_threshold": 0})
    try:
        yield
    finally:
        reopen(saved)


def _prepared() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_submit_receive_and_the_counters_with_server_side_binding_and_prepared_statements(server_side_binding):
    connection.ensure_connection()
    assert connection.features.uses_server_side_binding
    assert connection.connection.prepare_threshold == 0
    with connection.cursor() as cursor:
        assert not isinstance(cursor.cursor, psycopg.ClientCursor)  # values bound by the server

    citizen = User.objects.get(username="citizen")
    version = Procedure.objects.select_related("current").get(code="1.001193").current
    body = {"procedure": "1.001193", "data": dict(BIRTH), "components": _vault_components(citizen, version.definition)}
    api, officer = ApiClient("citizen"), ApiClient("onestop_anbinh")

    codes = []
    for name in ("Lê Minh An", "Trần Thu Hà", "Phạm Gia Bảo"):
        # The first fills the process's compiled statements, the others run them again with other values.
        with CaptureQueriesContext(connection) as submit:
            response = api.post("/dossiers", dict(body, data=dict(BIRTH, child_name=name)))
        assert response.status_code == 201, response.content
        codes.append(response.json()["code"])
        steps = [q["sql"] for q in submit.captured_queries if q["sql"].startswith('INSERT INTO "dossiers_task"')]
        assert len(steps) == 1, steps  # every first step in one multi-row INSERT (lib/compiled.bulk_insert)
    dossiers = Dossier.objects.filter(code__in=codes)
    [steps_each] = {Task.objects.filter(dossier=d).count() for d in dossiers}
    assert steps_each > 1
    prepared = _prepared()
    assert prepared > 10  # the statements above were prepared on this connection

    dossier = Dossier.objects.get(code=codes[0])
    today = local_day(timezone.now())
    national = DailyCounter.objects.filter(unit_id=NATIONAL, procedure_id=dossier.procedure_id, day=today)
    received = sum(national.values_list("received", flat=True))
    for i, code in enumerate(codes):
        if i == 1:
            # A new connection: only what its opening and this count ran is prepared on it (psycopg's
            # cache is the connection's); the receives prepare theirs again.
            connection.close()
            connection.ensure_connection()
            fresh = _prepared()
            assert fresh < 5
        response = officer.act(code, "receive")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == 2

    assert _prepared() > fresh + 5
    assert sum(national.values_list("received", flat=True)) == received + 3

    # The counters' one statement (daily, monthly and open counters as WITH queries, named parameters),
    # a value shared by an id and a count (1) and a negative count.
    from motcua.monitoring.counters import add

    day, later, procedure = date(1999, 3, 3), date(1999, 3, 10), dossier.procedure_id  # days no demo dossier counts
    with transaction.atomic():
        add([NATIONAL, 1], procedure, {(day, "received"): 1, (day, "ended"): -1}, Counter({day: 1, later: -1}))
    row = DailyCounter.objects.get(unit_id=1, procedure_id=procedure, day=day)
    assert (row.received, row.ended) == (1, -1)
    assert MonthlyCounter.objects.get(unit_id=NATIONAL, procedure_id=procedure, month=day.replace(day=1)).received == 1
    assert OpenCounter.objects.get(unit_id=1, procedure_id=procedure, due_day=day).count == 1
    assert OpenCounter.objects.get(unit_id=NATIONAL, procedure_id=procedure, due_day=later).count == -1
    with transaction.atomic():
        add([NATIONAL, 1], procedure, {(day, "received"): -1, (day, "ended"): 1}, Counter({day: -1, later: 1}))
    # The rebuild (monitoring/rebuild.py, raw SQL) agrees with the live counters, under binding too.
    assert differences() == {"DailyCounter": 0, "MonthlyCounter": 0, "OpenCounter": 0}
