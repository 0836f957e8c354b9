"""An outside agency that answered 202 delivers its answer later: `POST /api/v1/outside/{agency}/answers`.

The signatures are made by the reference Standard Webhooks implementation (`standardwebhooks` on PyPI), not
by motcua's own code. The tax authority's step of the land procedure stops the clock: the later answer
completes the step through the actions layer and the due dates move by the working days waited; the same
message again changes nothing; a forged, stale, foreign or malformed message is refused.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client, RequestFactory
from freezegun import freeze_time
from standardwebhooks.webhooks import Webhook

from motcua.dossiers.models import Dossier, DossierEvent, OutsideRequest, TaskStatus
from motcua.integrations import demo_outside, outside, transport
from motcua.integrations.models import OutsideAnswer
from tests.conftest import ApiClient
from tests.dossiers.test_who_does_the_work import LAND, LAND_OFFICE, MONDAY, _act, _local_day, _scans, _tasks

# The API (its input models read `datetime`) is imported here, not first under freezegun's clock.
import motcua.urls  # noqa: F401  isort: skip

TAX_SECRET = "whsec_" + "dGF4IGF1dGhvcml0eSBzaGFyZWQgc2VjcmV0IDEyMzQ="  # b"tax authority shared secret 1234"
POWER_SECRET = "whsec_" + "ZWxlY3RyaWNpdHkgY29tcGFueSBzZWNyZXQgNTY3OA=="
URL = "/api/v1/outside/{agency}/answers"


@pytest.fixture
def agencies(settings, monkeypatch):
    """The tax authority's endpoint is the bundled demo agency (it answers 202), called in process."""
    settings.OUTSIDE_AGENCY_ENDPOINTS = {"tax": "http://agency.test/tax"}
    settings.OUTSIDE_AGENCY_SECRETS = {"tax": TAX_SECRET, "electricity": POWER_SECRET}
    settings.DEMO_NATIONAL_ENABLED = True
    calls = []

    def post(url, body, headers, timeout):
        calls.append(url)
        if url.startswith("http://agency.test/"):
            agency = url.rsplit("/", 1)[1]
            answer = demo_outside.answer(RequestFactory().post(f"/x/{agency}", body, content_type="application/json"), agency)
            return transport.Answer(answer.status_code, answer.content)
        # The demo agency's later answer, to motcua's own endpoint.
        path = url.removeprefix(settings.PUBLIC_URL)
        r = Client().post(path, body, content_type="application/json",
                          headers={k: v for k, v in headers.items() if k != "content-type"})
        return transport.Answer(r.status_code, r.content)

    monkeypatch.setattr(transport, "post", post)
    return calls


def _waiting_for_tax() -> str:
    """A land transfer at the land office, its tax step sent and accepted (202): the clock stopped."""
    officer = ApiClient("onestop_prov")
    r = officer.post("/dossiers", {"procedure": "1.013831", "channel": 1, "applicant": {"personal_id": "079195054321"},
                                   "data": LAND["example"], "components": _scans(officer, "certificate", "transfer_contract")})
    assert r.status_code == 201, r.content
    code = r.json()["code"]
    assert r.json()["unit"] == LAND_OFFICE
    _act("specialist_land", code, "start_processing", {"task": "check"})
    _act("specialist_land", code, "transfer", {"task": "check"})
    assert outside.deliver_outside() == {"answered": 0, "accepted": 1, "failed": 0, "cancelled": 0}
    request = OutsideRequest.objects.get(task__dossier__code=code)
    assert request.state == OutsideRequest.State.SENT and request.clock_stops
    assert Dossier.objects.get(code=code).paused_at is not None
    return code


def _signed(agency: str, payload: dict | str, secret: str, *, msg_id: str = "msg_1", at: datetime | None = None):
    """The body and headers an agency sends, signed by the reference implementation."""
    body = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    at = at or datetime.now(UTC)
    headers = {"webhook-id": msg_id, "webhook-timestamp": str(int(at.timestamp())),
               "webhook-signature": Webhook(secret).sign(msg_id, at, body)}
    return body, headers


def _post(agency: str, body: str, headers: dict):
    return Client().post(URL.format(agency=agency), body.encode(), content_type="application/json", headers=headers)


def _answer(code: str, **extra) -> dict:
    return {"protocol": "motcua.outside/1", "request": f"{code}/tax", "status": "answered", "reference": "TB-2026/777",
            "answer": "Đã nộp đủ thuế.", "data": {"paid": True, "personal_income_tax": 30000000}, **extra}


def test_the_later_answer_completes_the_step_moves_the_dates_and_is_taken_once(demo, agencies):
    with freeze_time(MONDAY, tick=True):
        code = _waiting_for_tax()
        before = Dossier.objects.get(code=code)
    with freeze_time("2026-12-10 03:00:00", tick=True):  # Thursday: three working days later
        body, headers = _signed("tax", _answer(code), TAX_SECRET, msg_id="msg_tax_1")
        r = _post("tax", body, headers)
        assert r.status_code == 200, r.content
        assert r.json() == {"status": "recorded", "request": f"{code}/tax", "dossier": code, "replayed": False}
        dossier = Dossier.objects.get(code=code)
        # The clock rule of the step (`clock: stops`): the wait does not count, the dates move by it.
        assert dossier.paused_at is None and dossier.paused_days == 3
        assert _local_day(dossier.legal_due_at) == date(2026, 12, 22) and dossier.legal_due_at > before.legal_due_at
        request = OutsideRequest.objects.get(task__dossier__code=code)
        assert request.state == OutsideRequest.State.ANSWERED and request.answer["reference"] == "TB-2026/777"
        assert request.answer["personal_income_tax"] == 30000000 and request.answer["text"] == "Đã nộp đủ thuế."
        assert _tasks(code)["tax"].status == TaskStatus.DONE
        event = DossierEvent.objects.get(dossier__code=code, action="record_answer")
        assert event.actor is None and event.data["via"] == "later_answer" and event.data["message_id"] == "msg_tax_1"
        # The same message again (the agency lost our answer): the same answer, nothing done twice.
        again = _post("tax", body, headers)
        assert again.status_code == 200 and again.json()["replayed"] is True and again.json()["status"] == "recorded"
        # The same answer signed anew under another id: already recorded, nothing done.
        body2, headers2 = _signed("tax", _answer(code), TAX_SECRET, msg_id="msg_tax_2")
        assert _post("tax", body2, headers2).json()["status"] == "already_recorded"
        # Another answer to a request answered already: a conflict, not a second answer.
        body3, headers3 = _signed("tax", _answer(code, reference="TB-OTHER"), TAX_SECRET, msg_id="msg_tax_3")
        conflict = _post("tax", body3, headers3)
        assert conflict.status_code == 409 and conflict.json()["code"] == "not_waiting"
        assert DossierEvent.objects.filter(dossier__code=code, action="record_answer").count() == 1
        assert OutsideAnswer.objects.filter(agency="tax").count() == 2  # msg_tax_1 and msg_tax_2; the 409 kept nothing


def test_forged_stale_foreign_and_malformed_answers_are_refused(demo, agencies, settings):
    code = _waiting_for_tax()
    answer = _answer(code)
    cases = []
    body, headers = _signed("tax", answer, TAX_SECRET)
    cases.append(("another secret", "tax", *_signed("tax", answer, POWER_SECRET), 401, "invalid_signature"))
    cases.append(("body changed after signing", "tax", body.replace("TB-2026/777", "TB-2026/778"), headers, 401,
                  "invalid_signature"))
    stale = datetime.now(UTC) - timedelta(minutes=6)
    cases.append(("six minutes old", "tax", *_signed("tax", answer, TAX_SECRET, at=stale), 401, "invalid_signature"))
    future = datetime.now(UTC) + timedelta(minutes=6)
    cases.append(("six minutes ahead", "tax", *_signed("tax", answer, TAX_SECRET, at=future), 401, "invalid_signature"))
    cases.append(("no signature", "tax", body, {"webhook-id": "m", "webhook-timestamp": headers["webhook-timestamp"]}, 401,
                  "invalid_signature"))
    cases.append(("an agency without a secret", "water", *_signed("water", answer, TAX_SECRET), 404, "unknown_agency"))
    # The electricity company, rightly signed, answering the tax authority's request: not its request.
    cases.append(("another agency's request", "electricity", *_signed("electricity", answer, POWER_SECRET), 404,
                  "request_not_found"))
    cases.append(("an unknown request", "tax", *_signed("tax", {**answer, "request": "X-1/tax"}, TAX_SECRET), 404,
                  "request_not_found"))
    cases.append(("an undeclared field", "tax", *_signed("tax", {**answer, "amount": 1}, TAX_SECRET), 422,
                  "invalid_request"))
    cases.append(("no reference", "tax", *_signed("tax", {**answer, "reference": ""}, TAX_SECRET), 422,
                  "invalid_request"))
    cases.append(("another protocol", "tax", *_signed("tax", {**answer, "protocol": "other/1"}, TAX_SECRET), 422,
                  "invalid_request"))
    cases.append(("a NUL", "tax", *_signed("tax", {**answer, "answer": "a\u0000b"}, TAX_SECRET), 400, "malformed_body"))
    cases.append(("not JSON", "tax", *_signed("tax", "{nope", TAX_SECRET), 400, "malformed_body"))
    cases.append(("NaN", "tax", *_signed("tax", '{"data": {"x": NaN}}', TAX_SECRET), 400, "malformed_body"))
    for name, agency, body_, headers_, status, error in cases:
        r = _post(agency, body_, headers_)
        assert (r.status_code, r.json()["code"]) == (status, error), (name, r.content)
    assert OutsideRequest.objects.get(task__dossier__code=code).state == OutsideRequest.State.SENT
    assert not DossierEvent.objects.filter(dossier__code=code, action="record_answer").exists()


def test_the_answers_endpoint_is_rate_limited(demo, agencies, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "outside_answer": "3/m", "outside_answer_ip": "3/m"}
    statuses = [_post("tax", *_signed("tax", {"x": 1}, TAX_SECRET, msg_id=f"m{i}")).status_code for i in range(5)]
    assert statuses[:3] == [422, 422, 422] and statuses[3:] == [429, 429]


def test_the_demo_tax_authority_accepts_then_delivers_its_answer_through_the_endpoint(demo, agencies):
    with freeze_time(MONDAY, tick=True):
        code = _waiting_for_tax()
        assert demo_outside.answer_later() == {"delivered": 1, "failed": 0}
        assert any(url.endswith("/api/v1/outside/tax/answers") for url in agencies)
        request = OutsideRequest.objects.get(task__dossier__code=code)
        assert request.state == OutsideRequest.State.ANSWERED and request.answer["reference"] == f"TB-{code}"
        assert request.answer["personal_income_tax"] == LAND["example"]["transfer_price"] * 2 // 100
        assert _tasks(code)["tax"].status == TaskStatus.DONE
        assert demo_outside.answer_later() == {"delivered": 0, "failed": 0}  # nothing left to answer
