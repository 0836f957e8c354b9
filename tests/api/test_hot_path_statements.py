"""What a submit and a receive through the API cost in statements (issue 22: the distance to the same-work
ceiling, motcua/bench_same_work.py, is what the ORM path and the request add to the rows both write).

The same-work ceiling writes the bench's submit in 10–11 statements and a receive in 13 on PostgreSQL
(BEGIN and COMMIT included); what the API adds is the token, the procedure, the vault document and the
unit it resolves (the ceiling gets them in its body), the webhook subscriptions, the officer's grants and
the history shown after a receive (and here the demo's registry access-log check). Each statement is a round trip and an ORM compilation: the count is what a test can hold.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.run import _vault_components
from motcua.catalog.models import Procedure
from motcua.identity.models import User
from tests.conftest import BIRTH, ApiClient

# PostgreSQL: the KPI counters are one statement (monitoring/counters.py); SQLite writes them one by one.
SUBMIT = {"postgresql": 17, "sqlite": 17}  # 20 on both before issue 22's cuts
RECEIVE = {"postgresql": 17, "sqlite": 19}  # 19 and 21 before


def _statements(call):
    with CaptureQueriesContext(connection) as captured:
        response = call()
    return response, [q["sql"] for q in captured.captured_queries]


@pytest.mark.django_db(transaction=True)
def test_submit_and_receive_cost_a_fixed_number_of_statements(demo):
    citizen = User.objects.get(username="citizen")
    version = Procedure.objects.select_related("current").get(code="1.001193").current
    body = {"procedure": "1.001193", "data": dict(BIRTH), "components": _vault_components(citizen, version.definition)}
    api, officer = ApiClient("citizen"), ApiClient("onestop_anbinh")
    first = api.post("/dossiers", body)  # the first of a process fills its caches (calendars, catalog)
    assert first.status_code == 201, first.content
    assert officer.act(first.json()["code"], "receive").status_code == 200

    response, submit = _statements(lambda: api.post("/dossiers", dict(body, data=dict(BIRTH, child_name="Lê Minh An"))))
    assert response.status_code == 201, response.content
    assert len(submit) == SUBMIT[connection.vendor], "\n".join(submit)
    # No savepoint inside the action's transaction when there are no uploads to claim (dossiers/api.py),
    # and a citizen's grants are known from the token's query (identity.models.ApiToken.user_for).
    assert not any("SAVEPOINT" in s for s in submit), "\n".join(submit)
    assert not any("units_membership" in s and "EXISTS" not in s.upper() for s in submit), "\n".join(submit)

    code = response.json()["code"]
    response, receive = _statements(lambda: officer.act(code, "receive"))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == 2
    assert len(receive) == RECEIVE[connection.vendor], "\n".join(receive)
    assert not any("SAVEPOINT" in s for s in receive), "\n".join(receive)
    # The officer's grants: read once, for the action and for the answer's allowed actions.
    assert sum("units_membership" in s and "EXISTS" not in s.upper() for s in receive) == 1, "\n".join(receive)
