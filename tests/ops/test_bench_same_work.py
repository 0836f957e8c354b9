"""The same-work ceiling of `make bench` (motcua/bench_same_work.py) writes what the real actions write.

A submit and a receive by the actions layer, then by the ceiling's hand-written SQL, for the same
kind of dossier the bench files: the rows each adds to every table and the tables each updates
must be the same, and the ceiling's audit entries must chain as the real ones do.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.run import _vault_components
from motcua.audit.log import verify_chain
from motcua.catalog.models import Procedure
from motcua.dossiers import actions
from motcua.dossiers.models import Dossier, DossierEvent, Status, Task
from motcua.identity.models import User
from tests.conftest import BIRTH

# Upserted rows (a daily sequence, the KPI counters) exist once per key: the first writer adds the row, the
# next one updates it. Their statements are compared, not the rows they add.
UPSERTED = {"dossiers_dailysequence", "monitoring_dailycounter", "monitoring_monthlycounter", "monitoring_opencounter"}
# Every table a statement writes: on PostgreSQL the counters' one statement writes three, through WITH queries.
WRITE = re.compile(r'\b(INSERT INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)


def _written(queries) -> Counter:
    """(verb, table) of every statement that wrote."""
    found = Counter()
    for q in queries:
        for m in WRITE.finditer(q["sql"]):
            if m.group(2).upper() in ("SET", "OF", "NOWAIT", "SKIP"):  # DO UPDATE SET (an upsert), FOR UPDATE OF
                continue
            found[(m.group(1).split()[0].upper(), m.group(2))] += 1
    return found


def _steps(dossier) -> list[tuple[str, str]]:
    return list(Task.objects.filter(dossier_id=dossier.pk).order_by("id").values_list("step", "status"))


def _rows(tables) -> dict[str, int]:
    with connection.cursor() as cur:
        out = {}
        for table in sorted(tables):
            cur.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - table names from our own statements
            out[table] = cur.fetchone()[0]
        return out


def _measure(run):
    """Run `run`; return its result, the (verb, table) statements and the rows it added per table."""
    tables = {
        "dossiers_dailysequence", "dossiers_dossier", "dossiers_task", "dossiers_dossierevent", "vault_accesslog",
        "vault_vaultdocument", "audit_auditentry", "notifications_outboxevent", "django_tasks_database_dbtaskresult",
        "monitoring_dailycounter", "monitoring_monthlycounter", "monitoring_opencounter", "vault_upload",
    }
    start = _rows(tables)
    with CaptureQueriesContext(connection) as captured:
        result = run()
    end = _rows(tables)
    added = {t: end[t] - start[t] for t in tables - UPSERTED if end[t] != start[t]}
    return result, _written(captured.captured_queries), added


@pytest.mark.django_db(transaction=True)
def test_the_same_work_ceiling_writes_the_rows_submit_and_receive_write(demo, client, settings):
    settings.ROOT_URLCONF = "motcua.bench_urls"
    citizen = User.objects.get(username="citizen")
    officer = User.objects.get(username="onestop_anbinh")
    definition = Procedure.objects.select_related("current").get(code="1.001193").current.definition
    components = _vault_components(citizen, definition)
    assert components, "the bench's dossier reuses a vault document"

    real, real_writes, real_added = _measure(lambda: actions.submit(citizen, "1.001193", dict(BIRTH), components=components))
    registries = DossierEvent.objects.get(dossier=real).data.get("registry_fields", {})
    body = {"procedure": "1.001193", "applicant": citizen.pk, "unit": real.unit_id, "data": real.data,
            "registries": registries, "components": components}
    answer, same_writes, same_added = _measure(
        lambda: client.post("/bench/same-work/submit", json.dumps(body), content_type="application/json"))
    assert answer.status_code == 201, answer.content
    code = answer.json()["code"]
    assert same_added == real_added
    assert {k: v for k, v in same_writes.items()} == {k: v for k, v in real_writes.items()}
    ceiling = Dossier.objects.get(code=code)
    assert (ceiling.status, ceiling.unit_id, ceiling.procedure_version_id, ceiling.applicant_id) == (
        Status.SUBMITTED, real.unit_id, real.procedure_version_id, citizen.pk)
    assert _steps(ceiling) == _steps(real)

    _, real_writes, real_added = _measure(lambda: actions.perform(real.code, "receive", officer))
    answer, same_writes, same_added = _measure(
        lambda: client.post(f"/bench/same-work/receive/{code}", json.dumps({"officer": officer.pk}),
                            content_type="application/json"))
    assert answer.status_code == 200, answer.content
    assert same_added == real_added
    assert set(same_writes) == set(real_writes), (same_writes, real_writes)
    ceiling.refresh_from_db()
    real.refresh_from_db()
    assert ceiling.status == real.status == Status.RECEIVED
    assert _steps(ceiling) == _steps(real)
    # Two entries each, chained: the ceiling's hashes are the real ones' recipe.
    assert verify_chain("dossier", code) and verify_chain("dossier", real.code)
    # A second receive finds nothing to receive.
    again = client.post(f"/bench/same-work/receive/{code}", json.dumps({"officer": officer.pk}),
                        content_type="application/json")
    assert again.status_code == 404
