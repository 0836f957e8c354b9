"""Who does the work, as the catalogue and the officers' scope see it (issue 21 item 4, its gaps).

The catalogue listed by unit reads a procedure's `receivers` and `hand_over` (the commune desk that
may take in the provincial land procedure lists it; the Health Department lists the large kitchens'
certificate, the province's People's Committee does not); a team member from another unit reads,
lists and works the dossiers whose open step is their team's, and nothing more.
"""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from motcua.catalog.models import Procedure, ProcedureOffer
from motcua.dossiers.models import Dossier, TaskStatus
from motcua.units.models import Unit
from tests.conftest import ApiClient, logged_in
from tests.dossiers.test_who_does_the_work import AN_BINH, HEALTH, HOA_THUAN, LAND_OFFICE, _act, _tasks

PROVINCE, ANBINH_POLICE = "000.00.00.H99", "000.11.30.H99"
LAND_CODE, FOOD_CODE, POWER_CODE = "1.013831", "1.001467", "2.002244"


def _listed(unit: str) -> set[str]:
    r = ApiClient(None).get(f"/procedures?unit={unit}&limit=500")
    assert r.status_code == 200, r.content
    return {p["code"] for p in r.json()}


def test_the_catalogue_by_unit_reads_the_receivers_and_the_hand_over(demo):
    an_binh, health, province = _listed(AN_BINH), _listed(HEALTH), _listed(PROVINCE)
    # The commune's desk may take in the provincial land procedure (hand_over) and receives the small kitchens.
    assert {LAND_CODE, FOOD_CODE, POWER_CODE} <= an_binh and {LAND_CODE, FOOD_CODE} <= _listed(HOA_THUAN)
    # The Health Department receives the large kitchens (a receiver with its agency); the land office its own.
    assert FOOD_CODE in health and LAND_CODE not in health
    assert LAND_CODE in _listed(LAND_OFFICE) and FOOD_CODE not in _listed(LAND_OFFICE)
    # The province's People's Committee is neither receiver: `levels` names the province, the receiver is Health.
    assert FOOD_CODE not in province and LAND_CODE not in province
    # The commune police is not the commune's desk: neither is listed for it.
    assert not {LAND_CODE, FOOD_CODE} & _listed(ANBINH_POLICE)
    # Procedures without receivers keep their rule: the commune's birth registration, not the province's.
    assert "1.001193" in an_binh and "1.001193" not in province


def test_a_unit_that_stopped_a_receiver_s_procedure_no_longer_lists_it(demo):
    unit = Unit.objects.get(code=AN_BINH)
    ProcedureOffer.objects.create(procedure=Procedure.objects.get(code=FOOD_CODE), unit=unit, offered=False)
    assert FOOD_CODE not in _listed(AN_BINH) and FOOD_CODE in _listed(HOA_THUAN)


def test_the_portal_catalogue_by_unit_lists_what_the_commune_desk_takes_in(demo):
    from django.test import Client

    html = Client().get(reverse("portal:home"), {"unit": AN_BINH}).content.decode()
    assert LAND_CODE in html and FOOD_CODE in html
    html = Client().get(reverse("portal:home"), {"unit": PROVINCE}).content.decode()
    assert LAND_CODE not in html and FOOD_CODE not in html


# --- a team member from another unit -------------------------------------------------------------------

COUNCIL = "specialist_hoathuan"  # the ward's officer, seated on the Health Department's inspection group (demo TEAMS)


def _large_kitchen() -> str:
    from tests.dossiers.test_who_does_the_work import FOOD
    from tests.walker import components_for

    citizen = ApiClient("citizen")
    r = citizen.post("/dossiers", {"procedure": FOOD_CODE, "data": FOOD["example"],
                                   "components": citizen.references(components_for(FOOD, FOOD["example"]))})
    assert r.status_code == 201 and r.json()["unit"] == HEALTH, r.content
    code = r.json()["code"]
    Dossier.objects.filter(code=code).update(payment_due=0)
    _act("onestop_prov", code, "receive")
    _act("specialist_health", code, "start_processing", {"task": "review"})
    return code


def _listed_dossiers(username: str, **params: str) -> set[str]:
    r = ApiClient(username).get("/dossiers", data={"limit": 500, **params})
    assert r.status_code == 200, r.content
    return {d["code"] for d in r.json()}


def _page_status(username: str, code: str) -> int:
    return logged_in(username).get(reverse("backoffice:dossier", args=[code])).status_code


def test_a_council_member_of_another_unit_reads_lists_and_works_only_the_team_s_step(demo):
    code, other = _large_kitchen(), _large_kitchen()
    council = ApiClient(COUNCIL)
    # Before the inspection opens: the Health Department's dossier is not his (404, not listed).
    assert council.get(f"/dossiers/{code}").status_code == 404
    assert code not in _listed_dossiers(COUNCIL) and _page_status(COUNCIL, code) == 404

    _act("specialist_health", code, "transfer", {"task": "review"})
    assert _tasks(code)["inspect"].status == TaskStatus.OPEN and _tasks(code)["inspect"].team == "food_safety_inspection"
    # The team's step is open: he reads it (API and page), lists it (plain, filtered, in his queue to claim)...
    assert council.get(f"/dossiers/{code}").status_code == 200
    assert code in _listed_dossiers(COUNCIL) and code in _listed_dossiers(COUNCIL, q=code[:10], status="4")
    assert _page_status(COUNCIL, code) == 200
    from motcua.backoffice import queues
    from motcua.identity.models import User

    assert code in {d.code for d in queues.members(queues.QUEUES["claim"], User.objects.get(username=COUNCIL))}
    # ...but not the department's other dossier, still at its review, and not the review (a role's step, not his).
    assert council.get(f"/dossiers/{other}").status_code == 404 and other not in _listed_dossiers(COUNCIL)
    assert other not in _listed_dossiers(COUNCIL, status="4") and _page_status(COUNCIL, other) == 404
    refused = council.post(f"/dossiers/{other}/actions/transfer", {"task": "review"})
    assert refused.status_code == 404, refused.content
    # He works the team's step: claims it, sets the visit; nothing else of the dossier is his to do.
    _act(COUNCIL, code, "claim", {"task": "inspect"})
    assert _tasks(code)["inspect"].assignee.username == COUNCIL
    not_his = council.post(f"/dossiers/{code}/actions/approve", {"task": "sign"})
    assert not_his.status_code in (403, 409, 422), not_his.content
    assert council.post(f"/dossiers/{code}/actions/refuse", {"reason": "Không đạt."}).status_code in (403, 409, 422)
    at = (timezone.now() + timedelta(days=2)).isoformat()
    _act(COUNCIL, code, "set_appointment", {"task": "inspect", "at": at, "place": "Bếp ăn"})
    with freeze_time(timezone.now() + timedelta(days=3)):
        _act(COUNCIL, code, "record_visit", {"task": "inspect", "findings": "Đạt yêu cầu."})
        # Done by him: he still reads what he did (the page he lands on after recording, its history).
        assert council.get(f"/dossiers/{code}").status_code == 200 and code in _listed_dossiers(COUNCIL)
        assert council.post(f"/dossiers/{code}/actions/approve", {"task": "sign"}).status_code in (403, 409, 422)
    assert Dossier.objects.get(code=code).status == 4


def test_a_team_s_step_is_assigned_to_a_member_only_whatever_the_role(demo):
    from motcua.identity.models import User
    from motcua.units.models import Membership, Role

    code = _large_kitchen()
    _act("specialist_health", code, "transfer", {"task": "review"})
    # A Health Department specialist who is not on the inspection group: the role is right, the seat is not.
    outsider = User.objects.create(username="specialist_health_2", full_name="Tạ Văn Bốn")
    Membership.objects.create(user=outsider, unit=Unit.objects.get(code=HEALTH), role=Role.SPECIALIST)
    refused = ApiClient("approver_health").post(f"/dossiers/{code}/actions/assign",
                                                 {"task": "inspect", "assignee": "specialist_health_2"})
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_assignee", refused.content
    assert "Đoàn thẩm định an toàn thực phẩm Sở Y tế" in refused.json()["message"]
    assert _tasks(code)["inspect"].assignee_id is None
    # The ward's officer holds no role at the department, but sits on the group: assigned.
    _act("approver_health", code, "assign", {"task": "inspect", "assignee": COUNCIL})
    assert _tasks(code)["inspect"].assignee.username == COUNCIL
    # The department's specialist outside the group cannot take it either.
    assert ApiClient("specialist_health_2").post(f"/dossiers/{code}/actions/claim", {"task": "inspect"}).status_code != 200
