"""The essential services of Project 06: listed under their programme, and each new one walked to its result.

`GET /api/v1/procedures?programme=project-06` lists exactly the procedures whose definition names the
programme (catalog/programmes.yaml), and the citizen catalogue filters on it. Each procedure added for
the programme is filed on a fixed Monday, received at the unit the catalog's rule gives it, due at the
end of the office day its working days later (its alternative time when the case calls for one), and
walked by the demo staff to a signed result in the applicant's vault (tests/walker.py).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import get_resolver
from freezegun import freeze_time

from motcua.catalog.models import Procedure
from motcua.vault.models import VaultDocument
from tests.walker import DEFINITIONS, Walker, components_for

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=HCM)  # no public holiday in December 2026


def _at(day: int) -> datetime:
    return datetime(2026, 12, day, 17, 0, tzinfo=HCM)


# The shipped essential services of Project 06, those of issue 24's list and those added with the programme.
PROJECT_06 = {
    "1.004222", "1.004194", "1.001456", "1.001193", "1.000656", "1.000894", "3.000722", "3.000347",
    "3.000333", "3.000334", "1.014748",
    "1.004203", "1.004199", "2.001195", "1.116411", "1.012817", "1.001974", "1.001975", "1.011880", "1.012999",
    # Walked with their own constructs in tests/dossiers (several results; a hand-over and an outside agency).
    "1.011537", "1.013831", "2.002244",
}

COMMUNE_POLICE = "000.11.30.H99"  # An Bình's police, the first commune police of the demo by code
PROVINCE_POLICE = "000.00.30.H99"
SOCIAL_INSURANCE = "000.00.40.H99"

# file, changes to the example, the receiving unit, the due moment (received Monday 7 December at 10:00), the fee.
WALKS = [
    ("1.004203-khai-bao-tam-vang.yaml", {}, COMMUNE_POLICE, _at(8), 0),
    ("1.004203-khai-bao-tam-vang.yaml", {"complex_case": True}, COMMUNE_POLICE, _at(9), 0),
    ("1.004199-thong-bao-luu-tru.yaml", {}, COMMUNE_POLICE, _at(7), 0),
    ("2.001195-xac-nhan-so-chung-minh-nhan-dan.yaml", {}, COMMUNE_POLICE, _at(10), 0),
    ("2.001195-xac-nhan-so-chung-minh-nhan-dan.yaml", {"archive": "tinh"}, COMMUNE_POLICE, _at(21), 0),
    ("2.001195-xac-nhan-so-chung-minh-nhan-dan.yaml", {"archive": "tinh_khac"}, COMMUNE_POLICE, _at(28), 0),
    ("1.116411-cap-doi-cap-lai-the-can-cuoc.yaml", {}, COMMUNE_POLICE, _at(16), 50000),
    ("1.116411-cap-doi-cap-lai-the-can-cuoc.yaml", {"reason": "mat"}, COMMUNE_POLICE, _at(16), 70000),
    ("1.116411-cap-doi-cap-lai-the-can-cuoc.yaml", {"reason": "du_tuoi"}, COMMUNE_POLICE, _at(16), 0),
    ("1.012817-dang-ky-xe-mo-to-lan-dau.yaml", {}, COMMUNE_POLICE, _at(9), 150000),
    ("1.012817-dang-ky-xe-mo-to-lan-dau.yaml", {"registration_area": "khu_vuc_2"}, COMMUNE_POLICE, _at(9), 400000),
    ("1.001974-dang-ky-mau-con-dau-moi.yaml", {}, PROVINCE_POLICE, _at(9), 50000),
    ("1.001975-dang-ky-lai-mau-con-dau.yaml", {}, PROVINCE_POLICE, _at(9), 50000),
    ("1.001975-dang-ky-lai-mau-con-dau.yaml", {"reason": "mat_dau"}, PROVINCE_POLICE, _at(9), 50000),
    # 3 members for 12 months: (105,300 + 73,710 + 63,180) × 12.
    ("1.011880-gia-han-the-bhyt-ho-gia-dinh.yaml", {}, SOCIAL_INSURANCE, _at(14), 2906280),
    # 6 members for 3 months: (105,300 + 73,710 + 63,180 + 52,650 + 2 × 42,120) × 3.
    ("1.011880-gia-han-the-bhyt-ho-gia-dinh.yaml", {"members": 6, "months": 3}, SOCIAL_INSURANCE, _at(14), 1137240),
    ("1.012999-nop-phat-vi-pham-giao-thong-qua-camera.yaml", {}, PROVINCE_POLICE, _at(8), 800000),
]


def _label(walk: tuple) -> str:
    name, changes = walk[0], walk[1]
    return name.split("-")[0] + ("-" + "-".join(f"{k}={v}" for k, v in changes.items()) if changes else "")


@pytest.mark.parametrize("walk", WALKS, ids=[_label(w) for w in WALKS])
def test_each_new_essential_service_walks_to_its_result(demo, walk):
    name, changes, unit, due, fee = walk
    definition = DEFINITIONS[name]
    assert "project-06" in definition["programmes"]
    data = {**definition["example"], **changes}
    assert get_resolver().url_patterns  # the URLconf (and the API's schemas) imported before the clock is frozen
    with freeze_time(MONDAY, tick=True):
        walker = Walker(definition)
        body = walker.submit(components=components_for(definition, data), data=data)
        assert body["unit"] == unit
        assert body["fee"] == fee
        walker.receive()
        assert walker.dossier.due_at == due
        walker.process()
        final = walker.finish()
    assert final["status"] == 10
    issued = VaultDocument.objects.filter(owner__username="citizen", source_dossier=walker.code)
    assert definition["result"]["document_type"] in set(issued.values_list("document_type", flat=True))


def test_every_new_procedure_is_walked_here():
    added = {name for name, d in DEFINITIONS.items() if d["code"] in PROJECT_06} - {
        name for name, d in DEFINITIONS.items()
        if d["code"] in {"1.004222", "1.004194", "1.001456", "1.001193", "1.000656", "1.000894", "3.000722",
                         "3.000347", "3.000333", "3.000334", "1.014748",
                         # walked in tests/dossiers/test_decisions_results.py and test_who_does_the_work.py
                         "1.011537", "1.013831", "2.002244"}
    }
    assert added == {w[0] for w in WALKS}


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
