"""The essential services of Project 06: all 25 listed under their programme (tests/catalog/project_06.py).

Each of them is walked to its result in `test_project_06_*.py`, a share of the walks each; the tests here
check that the walks cover every service and each walk runs in exactly one share.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from django.test import Client

from motcua.catalog.models import Procedure
from motcua.lib.conditions import evaluate
from tests.catalog import project_06
from tests.catalog.project_06 import COMMUNE_POLICE, PROJECT_06, SERVICES, WALKS
from tests.walker import DEFINITIONS


def test_each_of_the_25_is_walked_here():
    tagged = {name for name, d in DEFINITIONS.items() if "project-06" in d.get("programmes", [])}
    assert len(SERVICES) == 25 and len(PROJECT_06) == 26  # no procedure counted for two services
    assert {DEFINITIONS[name]["code"] for name in tagged} == PROJECT_06
    assert {w[0] for w in WALKS} == tagged
    # Each service's standard time and every alternative time of it are walked.
    for name in tagged:
        definition = DEFINITIONS[name]
        walked = [{**definition["example"], **w[1]} for w in WALKS if w[0] == name]
        alternatives = [t["when"] for t in definition.get("processing_times") or []]
        assert any(not any(evaluate(when, data, {"channel": 2}) for when in alternatives) for data in walked), name
        for when in alternatives:
            assert any(evaluate(when, data, {"channel": 2}) for data in walked), (name, when)


def test_the_programme_lists_exactly_its_procedures(demo):
    tagged = {d["code"] for d in DEFINITIONS.values() if "project-06" in d.get("programmes", [])}
    assert tagged == PROJECT_06
    r = Client().get("/api/v1/procedures", {"programme": "project-06", "limit": 500})
    assert r.status_code == 200
    rows = r.json()
    assert {row["code"] for row in rows} == PROJECT_06
    assert len(rows) == len(PROJECT_06)
    assert all(row["programmes"] == ["project-06"] for row in rows)
    # Without the filter, the others are there too, with no programme.
    everything = {row["code"]: row for row in Client().get("/api/v1/procedures", {"limit": 500}).json()}
    assert set(everything) > PROJECT_06
    assert everything["2.000815"]["programmes"] == []
    # Combined with the other filters.
    commune_police = Client().get("/api/v1/procedures", {"programme": "project-06", "unit": COMMUNE_POLICE}).json()
    assert {row["code"] for row in commune_police} == {
        code for code in PROJECT_06
        if Procedure.objects.get(code=code).agency == "police" and "commune" in Procedure.objects.get(code=code).levels
    }


def test_an_unknown_programme_is_refused_with_the_known_ones(demo):
    r = Client().get("/api/v1/procedures", {"programme": "project-99"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "invalid_request"
    assert "project-06" in body["message"]
    assert Client().get("/api/v1/procedures", {"programme": "x" * 33}).status_code == 422


def test_the_citizen_catalogue_filters_on_the_programme(demo):
    page = Client().get("/", {"programme": "project-06"}, HTTP_ACCEPT_LANGUAGE="vi")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="programme"' in text and 'value="project-06" selected' in text
    assert "1.012999" in text and "1.004203" in text
    assert "2.000815" not in text  # certification is not one of them
    # An unknown value is ignored, as an unknown level is.
    assert "2.000815" in Client().get("/", {"programme": "nope"}).content.decode()


def test_the_procedure_page_names_its_programme(demo):
    page = Client().get("/procedures/1.004203/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Programme" in page and "Project 06: essential public services" in page
    assert "Project 06" not in Client().get("/procedures/2.000815/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_the_shares_walk_every_case_once():
    walked = Counter(repr(w) for part in range(project_06.SHARES) for w in project_06.share(part))
    assert set(walked) == {repr(w) for w in WALKS} and set(walked.values()) == {1}
    assert sum(walked.values()) == len(WALKS)
    here = Path(__file__).parent
    found = sorted(p.name for p in here.glob("test_project_06_*.py"))
    assert found == sorted(f"test_project_06_{i}.py" for i in range(1, project_06.SHARES + 1))
    for i in range(1, project_06.SHARES + 1):
        assert f"project_06.share({i - 1})" in (here / f"test_project_06_{i}.py").read_text()
