"""Who does the work (issue 21 item 4; catalog/who.py, dossiers/actions/who.py, integrations/outside.py).

The three procedures shipped for it, walked with the units, people and working-day due dates the
law gives them: the land change registration received at a commune desk and handed over to the
province's land registration office, with the tax authority's step stopping the clock; the
food-safety certificate received by the Health Department or the commune by the kitchen's size,
inspected on site by the unit's inspection group; the electricity connection answered by the
electricity company over HTTP (the bundled demo agency).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import RequestFactory
from freezegun import freeze_time

from motcua.catalog import timing
from motcua.catalog.models import Procedure
from motcua.dossiers import deadlines
from motcua.dossiers.models import Appointment, Dossier, DossierEvent, OutsideRequest, Task, TaskStatus
from motcua.integrations import demo_outside, outside, transport
from motcua.notifications.fanout import drafts_for
from motcua.notifications.models import OutboxEvent
from motcua.notifications.texts import TEMPLATES, sms_text
from tests.conftest import TINY_PDF, ApiClient
from tests.walker import DEFINITIONS, components_for

# The API (its input models read `datetime`) is imported here, not first under freezegun's clock.
import motcua.urls  # noqa: F401  isort: skip

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LAND = DEFINITIONS["1.013831-dang-ky-bien-dong-dat-dai.yaml"]
FOOD = DEFINITIONS["1.001467-cap-giay-chung-nhan-an-toan-thuc-pham-dich-vu-an-uong.yaml"]
POWER = DEFINITIONS["2.002244-cap-dien-moi-tu-luoi-dien-ha-ap.yaml"]
HOLDER = DEFINITIONS["2.002245-thay-doi-chu-the-hop-dong-mua-ban-dien.yaml"]
EXAM = DEFINITIONS["1.005142-dang-ky-du-thi-tot-nghiep-thpt-xet-tuyen.yaml"]
AN_BINH, HOA_THUAN, LAND_OFFICE, HEALTH = "000.11.00.H99", "000.12.00.H99", "000.00.51.H99", "000.00.14.H99"
EDUCATION = "000.00.12.H99"
MONDAY = "2026-12-07 02:00:00"  # 09:00 in Viet Nam, Monday 7 December 2026


def _local_day(moment: datetime) -> date:
    return moment.astimezone(TZ).date()


def _scans(officer: ApiClient, *keys: str) -> list[dict]:
    found = []
    for key in keys:
        r = officer.upload(f"{key}.pdf", TINY_PDF)
        assert r.status_code == 201, r.content
        found.append({"key": key, "upload": r.json()["id"]})
    return found


def _act(username: str, code: str, action: str, body: dict | None = None, expect: int = 200) -> dict:
    r = ApiClient(username).post(f"/dossiers/{code}/actions/{action}", body or {})
    assert r.status_code == expect, (username, action, r.content)
    return r.json()


def _tasks(code: str) -> dict[str, Task]:
    return {t.step: t for t in Task.objects.filter(dossier__code=code).select_related("unit")}


# --- (b) a commune desk receives a provincial procedure and hands it over; (c) the tax authority ------


def test_a_commune_desk_receives_the_land_procedure_hands_it_over_and_the_tax_wait_stops_the_clock(demo):
    with freeze_time(MONDAY, tick=True):
        officer = ApiClient("onestop_anbinh")
        body = {
            "procedure": "1.013831", "channel": 1, "applicant": {"personal_id": "001090012345"},
            "data": LAND["example"], "components": _scans(officer, "certificate", "transfer_contract"),
        }
        r = officer.post("/dossiers", body)
        assert r.status_code == 201, r.content  # was: the procedure is not the commune's (no unit to file at)
        out = r.json()
        code = out["code"]
        # Numbered by the desk that took it in, decided by the province's land registration office.
        assert code.startswith(f"{AN_BINH}-") and out["unit"] == LAND_OFFICE and out["status"] == 2
        dossier = Dossier.objects.select_related("desk").get(code=code)
        assert dossier.desk.code == AN_BINH and dossier.handed_over_at is None
        # The legal time runs from the desk's receipt: 8 working days from Monday 7 December is Thursday 17.
        assert _local_day(dossier.due_at) == date(2026, 12, 17)
        assert dossier.due_at == deadlines.due_at(dossier.received_at, 8, dossier.unit)
        tasks = _tasks(code)
        assert (tasks["receive"].unit.code, tasks["receive"].status) == (AN_BINH, TaskStatus.DONE)
        assert (tasks["hand_over"].unit.code, tasks["hand_over"].status) == (AN_BINH, TaskStatus.OPEN)
        assert tasks["check"].status == TaskStatus.WAITING and tasks["check"].after == ["hand_over"]
        # Nobody at the land office starts before the hand-over; another commune's desk does not even see it.
        _act("specialist_land", code, "start_processing", {"task": "check"}, expect=403)
        _act("onestop_hoathuan", code, "hand_over", expect=404)
        assert ApiClient("onestop_hoathuan").get(f"/dossiers/{code}").status_code == 404
        # The hand-over: an action of the desk, in the history.
        handed = _act("onestop_anbinh", code, "hand_over")
        event = handed["history"][-1]
        assert event["action"] == "hand_over"
        assert DossierEvent.objects.get(dossier__code=code, action="hand_over").data["to_unit"] == LAND_OFFICE
        assert Dossier.objects.get(code=code).handed_over_at is not None
        assert _tasks(code)["check"].status == TaskStatus.OPEN and _tasks(code)["check"].unit.code == LAND_OFFICE
        _act("onestop_anbinh", code, "hand_over", expect=409)  # done once
        # The desk still reads the dossier it took in.
        assert ApiClient("onestop_anbinh").get(f"/dossiers/{code}").status_code == 200

        _act("specialist_land", code, "start_processing", {"task": "check"})
        _act("specialist_land", code, "transfer", {"task": "check"})
        # The tax authority's step: its request written with only the declared data; the clock stops.
        request = OutsideRequest.objects.get(task__dossier__code=code, task__step="tax")
        assert request.agency == "tax" and request.clock_stops and request.state == OutsideRequest.State.PAPER
        assert request.body["data"]["transfer_price"] == 1500000000 and "mortgaged" not in request.body["data"]
        assert Dossier.objects.get(code=code).paused_at is not None
        # The step is answered, not passed on: `transfer` is refused on it.
        _act("specialist_land", code, "transfer", {"task": "tax"}, expect=403)
        _act("specialist_land", code, "record_answer", {"task": "tax"}, expect=422)  # the notice's number is needed

    # Thursday: the applicant paid; the land office records the tax authority's paper answer.
    with freeze_time("2026-12-10 03:00:00", tick=True):
        answered = _act("specialist_land", code, "record_answer", {"task": "tax", "reference": "TB-2026/123"})
        dossier = Dossier.objects.get(code=code)
        assert dossier.paused_at is None and dossier.paused_days == 3  # Mon → Thu: 3 working days waited
        # The promise moved by them: Thursday 17 becomes Tuesday 22 December.
        assert _local_day(dossier.due_at) == date(2026, 12, 22)
        assert _local_day(dossier.legal_due_at) == date(2026, 12, 22)
        assert answered["history"][-1]["action"] == "record_answer"
        assert OutsideRequest.objects.get(pk=request.pk).answer["reference"] == "TB-2026/123"
        _act("specialist_land", code, "transfer", {"task": "update"})
        _act("approver_land", code, "approve", {"task": "sign"})
        _act("approver_land", code, "issue_result")
        # The result is returned at the desk where the dossier was filed.
        returned = _act("onestop_anbinh", code, "return_result")
        assert returned["status"] == 10
        steps = {t["step"]: t for t in returned["tasks"]}
        assert {s["status"] for s in steps.values()} == {TaskStatus.DONE}
        assert [e["action"] for e in returned["history"]] == [
            "submit", "receive", "hand_over", "start_processing", "transfer", "record_answer", "transfer", "approve",
            "issue_result", "return_result"]


def test_the_commune_desks_are_offered_the_land_procedure_at_their_counter(demo):
    from motcua.backoffice.intake import offered_procedures
    from motcua.identity.models import User

    for desk in ("onestop_anbinh", "onestop_hoathuan"):
        assert "1.013831" in [p.code for p in offered_procedures(User.objects.get(username=desk))]
    # The Ministry's desk is at no level the procedure names or hands over from.
    assert "1.013831" not in [p.code for p in offered_procedures(User.objects.get(username="onestop_ministry"))]


def test_the_province_centre_still_receives_the_land_procedure_without_a_hand_over(demo):
    officer = ApiClient("onestop_prov")
    body = {"procedure": "1.013831", "channel": 1, "applicant": {"personal_id": "079195054321"},
            "data": {**LAND["example"], "change_kind": "cho_thue_kcht"},
            "components": _scans(officer, "certificate", "lease_contract")}
    r = officer.post("/dossiers", body)
    assert r.status_code == 201, r.content
    dossier = Dossier.objects.get(code=r.json()["code"])
    assert dossier.desk is None and dossier.code.startswith(f"{LAND_OFFICE}-")
    assert "hand_over" not in _tasks(dossier.code)
    # A lease in an infrastructure project: 4 working days, and no tax step.
    assert dossier.due_at == deadlines.due_at(dossier.received_at, 4, dossier.unit)
    assert _tasks(dossier.code)["tax"].status == TaskStatus.SKIPPED


# --- (a) the receiving unit chosen by a condition ----------------------------------------------------


def test_the_kitchen_size_chooses_the_receiving_unit_and_the_fee(demo):
    citizen = ApiClient("citizen")  # lives in An Bình
    components = citizen.references(components_for(FOOD, FOOD["example"]))
    large = citizen.post("/dossiers", {"procedure": "1.001467", "data": FOOD["example"], "components": components})
    assert large.status_code == 201, large.content
    assert (large.json()["unit"], large.json()["fee"]) == (HEALTH, 1000000)
    small = citizen.post("/dossiers", {"procedure": "1.001467", "data": {**FOOD["example"], "meals_per_sitting": 80},
                                       "components": citizen.references(components_for(FOOD, FOOD["example"]))})
    assert small.status_code == 201, small.content
    assert (small.json()["unit"], small.json()["fee"]) == (AN_BINH, 700000)
    # A small kitchen cannot be filed at the Health Department: the condition decides, not the applicant.
    wrong = citizen.post("/dossiers", {"procedure": "1.001467", "unit": HEALTH,
                                       "data": {**FOOD["example"], "meals_per_sitting": 80},
                                       "components": citizen.references(components_for(FOOD, FOOD["example"]))})
    assert wrong.status_code == 422 and wrong.json()["code"] == "unknown_unit"
    assert HEALTH not in wrong.json()["choices"]


# --- (d) a team as a step's actor; (e) an on-site inspection ----------------------------------------


def test_the_inspection_group_sets_the_visit_the_applicant_is_told_and_the_visit_completes_the_step(demo):
    with freeze_time(MONDAY, tick=True):
        citizen = ApiClient("citizen")
        r = citizen.post("/dossiers", {"procedure": "1.001467", "data": FOOD["example"],
                                       "components": citizen.references(components_for(FOOD, FOOD["example"]))})
        code = r.json()["code"]
        dossier = Dossier.objects.get(code=code)
        Dossier.objects.filter(pk=dossier.pk).update(payment_due=0)  # the appraisal fee is paid (payments' tests)
        _act("onestop_prov", code, "receive")
        dossier = Dossier.objects.get(code=code)
        # 20 working days from Monday 7 December 2026, New Year's Day off: Tuesday 5 January 2027.
        assert _local_day(dossier.due_at) == date(2027, 1, 5)
        _act("specialist_health", code, "start_processing", {"task": "review"})
        _act("specialist_health", code, "transfer", {"task": "review"})
        inspect = _tasks(code)["inspect"]
        assert inspect.status == TaskStatus.OPEN and inspect.unit.code == HEALTH
        # The earlier of its share (10 working days from Monday 7: Monday 21) and the law's 15 calendar days.
        assert _local_day(inspect.due_at) == date(2026, 12, 21)
        assert _local_day(timing.inner_due(inspect.opened_at, 15, TZ)) == date(2026, 12, 22)
        # The group's members act, whatever their role; the unit's approver, not a member, does not.
        _act("approver_health", code, "set_appointment",
             {"task": "inspect", "at": "2026-12-09T09:00:00+07:00", "place": "Bếp ăn"}, expect=403)
        _act("inspector_health", code, "set_appointment",
             {"task": "inspect", "at": "2026-12-01T09:00:00+07:00", "place": "Bếp ăn"}, expect=422)  # in the past
        _act("inspector_health", code, "set_appointment", {"task": "inspect", "place": "Bếp ăn"}, expect=422)
        _act("inspector_health", code, "set_appointment",
             {"task": "inspect", "at": "2026-12-09T09:00:00", "place": "Bếp ăn"}, expect=422)  # no time zone
        _act("inspector_health", code, "set_appointment",
             {"task": "inspect", "at": "2026-12-09T09:00:00+07:00", "place": "Bếp ăn, KCN An Bình", "extra": 1},
             expect=422)  # undeclared field
        _act("inspector_health", code, "set_appointment",
             {"task": "inspect", "at": "2026-12-09T09:00:00+07:00", "place": "Bếp\x00ăn"}, expect=400)  # NUL: refused
        set_ = _act("inspector_health", code, "set_appointment",
                    {"task": "inspect", "at": "2026-12-09T09:00:00+07:00", "place": "Bếp ăn, KCN An Bình"})
        assert set_["history"][-1]["action"] == "set_appointment"
        # The applicant is told: the outbox event, and the message made of it says when and where.
        told = OutboxEvent.objects.get(topic="dossier.set_appointment", key=code)
        assert told.payload["place"] == "Bếp ăn, KCN An Bình" and told.payload["kind"] == "on_site"
        sms = sms_text(TEMPLATES["dossier.set_appointment"], {"code": code, "when": "09:00 09/12/2026",
                                                              "place": told.payload["place"]}, "vi")
        assert sms == f"Ho so {code}: hen lam viec luc 09:00 09/12/2026 tai Bep an, KCN An Binh."
        mails = [d for d in drafts_for(told) if d.channel == "email"]
        assert all("09:00 09/12/2026" in d.body and "KCN An Bình" in d.body for d in mails)
        # Not passed on by `transfer`, nor recorded before the visit.
        _act("inspector_health", code, "transfer", {"task": "inspect"}, expect=403)
        _act("inspector_health", code, "record_visit", {"task": "inspect", "findings": "Đạt."}, expect=409)
    with freeze_time("2026-12-09 04:00:00", tick=True):  # 11:00 on Wednesday, after the visit
        _act("specialist_health", code, "record_visit", {"task": "inspect"}, expect=422)  # the record is needed
        done = _act("specialist_health", code, "record_visit", {"task": "inspect", "findings": "Đạt yêu cầu."})
        assert done["history"][-1]["action"] == "record_visit"
        visit = Appointment.objects.get(task__dossier__code=code)
        assert visit.visited_by.username == "specialist_health" and visit.findings == "Đạt yêu cầu."
        assert _tasks(code)["inspect"].status == TaskStatus.DONE and _tasks(code)["sign"].status == TaskStatus.OPEN
        _act("approver_health", code, "approve", {"task": "sign"})
        _act("approver_health", code, "issue_result")
        assert _act("onestop_prov", code, "return_result")["status"] == 10


# --- (c) an outside agency that answers by itself over HTTP ------------------------------------------


@pytest.fixture
def demo_agency(monkeypatch, settings):
    """The electricity company's endpoint is the bundled demo agency, called in process."""
    settings.OUTSIDE_AGENCY_ENDPOINTS = {a: f"http://agency.test/{a}" for a in ("electricity", "tax", "exam_system")}
    sent = []

    def post(url, body, headers, timeout):
        sent.append((url, json.loads(body), headers))
        agency = url.rsplit("/", 1)[1]
        answer = demo_outside.answer(RequestFactory().post(f"/x/{agency}", body, content_type="application/json"), agency)
        return transport.Answer(answer.status_code, answer.content)

    monkeypatch.setattr(transport, "post", post)
    return sent


def _power_dossier(citizen: ApiClient) -> str:
    r = citizen.post("/dossiers", {"procedure": "2.002244", "data": POWER["example"],
                                   "components": citizen.references(components_for(POWER, POWER["example"]))})
    assert r.status_code == 201, r.content
    code = r.json()["code"]
    assert r.json()["unit"] == AN_BINH
    _act("onestop_anbinh", code, "receive")
    _act("onestop_anbinh", code, "start_processing", {"task": "connect"})
    return code


def test_the_electricity_company_is_sent_the_declared_data_and_its_answer_completes_the_step(demo, demo_agency):
    code = _power_dossier(ApiClient("citizen"))
    request = OutsideRequest.objects.get(task__dossier__code=code, task__step="connect")
    assert request.state == OutsideRequest.State.PENDING and not request.clock_stops
    assert Dossier.objects.get(code=code).paused_at is None  # the company's time counts (`clock: runs`)
    assert outside.deliver_outside() == {"answered": 1, "accepted": 0, "failed": 0, "cancelled": 0}
    url, body, headers = demo_agency[0]
    assert url == "http://agency.test/electricity" and headers["Idempotency-Key"] == f"{code}/connect"
    assert body["protocol"] == "motcua.outside/1" and body["data"] == POWER["example"]
    request.refresh_from_db()
    assert request.state == OutsideRequest.State.ANSWERED and request.answer["reference"] == f"HD-{code}"
    event = DossierEvent.objects.get(dossier__code=code, action="record_answer")
    assert event.actor is None and event.data["reference"] == f"HD-{code}"
    assert _tasks(code)["connect"].status == TaskStatus.DONE
    assert outside.deliver_outside()["answered"] == 0  # nothing sent twice
    _act("onestop_anbinh", code, "issue_result")
    assert _act("onestop_anbinh", code, "return_result")["status"] == 10


def test_an_agency_that_fails_is_tried_again_and_a_dossier_ended_meanwhile_sends_nothing(demo, demo_agency, monkeypatch):
    code = _power_dossier(ApiClient("citizen"))
    monkeypatch.setattr(transport, "post", lambda *a, **k: transport.Answer(503, b"busy"))
    assert outside.deliver_outside()["failed"] == 1
    request = OutsideRequest.objects.get(task__dossier__code=code)
    assert request.state == OutsideRequest.State.PENDING and request.attempts == 1 and "503" in request.last_error
    assert _tasks(code)["connect"].status == TaskStatus.OPEN
    # Not due again yet; the applicant withdraws; the next try finds nothing to ask.
    assert outside.deliver_outside()["failed"] == 0
    _act("approver_anbinh", code, "stop", {"reason": "Người dân đề nghị dừng."})
    assert outside.deliver_outside(now=request.next_attempt_at + timedelta(seconds=1))["cancelled"] == 1
    assert OutsideRequest.objects.get(pk=request.pk).state == OutsideRequest.State.CANCELLED


def test_the_electricity_company_changes_the_contract_s_holder_from_the_declared_data(demo, demo_agency):
    citizen = ApiClient("citizen")
    r = citizen.post("/dossiers", {"procedure": "2.002245", "data": HOLDER["example"],
                                   "components": citizen.references(components_for(HOLDER, HOLDER["example"]))})
    assert r.status_code == 201, r.content
    code = r.json()["code"]
    assert r.json()["unit"] == AN_BINH and r.json()["fee"] == 0
    _act("onestop_anbinh", code, "receive")
    _act("onestop_anbinh", code, "start_processing", {"task": "change"})
    assert outside.deliver_outside()["answered"] == 1
    url, body, _headers = demo_agency[0]
    assert url == "http://agency.test/electricity" and body["procedure"] == "2.002245"
    assert body["data"] == {k: HOLDER["example"][k] for k in HOLDER["workflow"]["steps"][1]["outside"]["send"]}
    assert OutsideRequest.objects.get(task__dossier__code=code).answer["reference"] == f"HD-{code}"
    _act("onestop_anbinh", code, "issue_result")
    assert _act("onestop_anbinh", code, "return_result")["status"] == 10


def test_the_exam_registration_is_sent_to_the_ministry_s_system_which_answers_the_candidate_s_number(demo, demo_agency):
    with freeze_time(MONDAY, tick=True):
        citizen = ApiClient("citizen")
        r = citizen.post("/dossiers", {"procedure": "1.005142", "data": EXAM["example"], "components": []})
        assert r.status_code == 201, r.content
        code = r.json()["code"]
        assert r.json()["unit"] == EDUCATION and r.json()["fee"] == 0
        # The candidate's name, birth date and residence (the priority area) come from the population registry.
        dossier = Dossier.objects.get(code=code)
        assert dossier.data["full_name"] == "Nguyễn Văn An" and dossier.data["permanent_address"]
        _act("onestop_prov", code, "receive")
        # 5 working days from Monday 7 December: Monday 14.
        assert _local_day(Dossier.objects.get(code=code).due_at) == date(2026, 12, 14)
        # Only the Department's staff check it; the police's do not even see it.
        assert ApiClient("specialist_police").get(f"/dossiers/{code}").status_code == 404
        _act("specialist_education", code, "start_processing", {"task": "check"})
        _act("specialist_education", code, "transfer", {"task": "check"})
        request = OutsideRequest.objects.get(task__dossier__code=code, task__step="exam_system")
        assert request.agency == "exam_system" and not request.clock_stops
        assert set(request.body["data"]) == set(EXAM["workflow"]["steps"][2]["outside"]["send"])
        assert "full_name" not in request.body["data"]  # only what the step declares is sent
        assert outside.deliver_outside()["answered"] == 1
        answer = OutsideRequest.objects.get(pk=request.pk).answer
        assert answer["reference"] == f"SBD-{code}" and len(answer["candidate_number"]) == 8
        # The agency's own answer opens the step after it (it was left waiting when a working step followed).
        assert _tasks(code)["sign"].status == TaskStatus.OPEN and _tasks(code)["sign"].unit.code == EDUCATION
        _act("approver_education", code, "approve", {"task": "sign"})
        _act("approver_education", code, "issue_result")
        assert _act("onestop_prov", code, "return_result")["status"] == 10


def test_the_demo_agency_refuses_what_is_not_its_protocol():
    factory = RequestFactory()
    assert demo_outside.answer(factory.post("/x", b"nope", content_type="application/json"), "tax").status_code == 400
    assert demo_outside.answer(factory.post("/x", {"protocol": "other"}, content_type="application/json"), "tax").status_code == 400
    ok = {"protocol": "motcua.outside/1", "dossier": "X", "data": {"transfer_price": 1000000000}}
    # The tax authority takes the request and answers later (tests/integrations/test_outside_answers.py).
    assert demo_outside.answer(factory.post("/x", ok, content_type="application/json"), "tax").status_code == 202
    answer = demo_outside.tax_answer("X", ok["data"])["data"]
    assert answer["personal_income_tax"] == 20000000 and answer["registration_fee"] == 5000000
    assert demo_outside.answer(factory.post("/x", ok, content_type="application/json"), "water").status_code == 404


# --- the API's procedure detail ------------------------------------------------------------------------


def test_the_procedure_detail_says_who_does_the_work(demo):
    anon = ApiClient(None)
    land = anon.get("/procedures/1.013831").json()
    assert land["hand_over"] == {"levels": ["commune"], "days": 0.5}
    steps = {s["id"]: s for s in land["steps"]}
    assert steps["tax"]["outside"] == {"agency": "tax", "name": "Cơ quan thuế", "clock": "stops",
                                       "send": LAND["workflow"]["steps"][2]["outside"]["send"]}
    assert steps["tax"]["when"] == {"field": "change_kind", "not_equals": "cho_thue_kcht"}
    food = anon.get("/procedures/1.001467").json()
    assert [(r["level"], r["agency"], r["when"]) for r in food["receivers"]] == [
        ("province", "health", {"field": "meals_per_sitting", "gte": 200}), ("commune", "", None)]
    inspect = next(s for s in food["steps"] if s["id"] == "inspect")
    assert inspect["team"] == {"key": "food_safety_inspection", "name": "Đoàn thẩm định cơ sở an toàn thực phẩm"}
    assert inspect["appointment"] == {"kind": "on_site"} and inspect["calendar_days"] == 15
    assert Procedure.objects.filter(code__in=["1.013831", "1.001467", "2.002244"]).count() == 3
