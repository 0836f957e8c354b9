"""Dossier changes are announced to their subscribers (lib/events.py), in order, in the action's transaction;
each action's input is its own model, refused whole when it holds a field the action does not take."""

from __future__ import annotations

from datetime import timedelta

import pytest

from motcua.audit.models import AuditEntry
from motcua.dossiers import actions
from motcua.dossiers.models import Dossier, DossierEvent, Status
from motcua.identity.models import User
from motcua.lib import events
from motcua.lib.errors import Invalid
from motcua.monitoring.models import DailyCounter
from motcua.notifications.models import OutboxEvent
from tests.conftest import BIRTH, BIRTH_COMPONENTS


@pytest.fixture
def people(demo) -> dict[str, User]:
    return {n: User.objects.get(username=n) for n in ("citizen", "onestop_anbinh", "specialist_anbinh")}


@pytest.fixture
def listener():
    """A subscriber of the test's own, between the outbox and the counters; removed afterwards."""
    heard: list[events.DossierChanged] = []
    events.subscribe(events.DossierChanged, heard.append, order=50, name="test-listener", before=lambda d: d.status)
    yield heard
    events.unsubscribe(events.DossierChanged, "test-listener")


def _submit(people) -> Dossier:
    return actions.submit(people["citizen"], "1.001193", dict(BIRTH), components=BIRTH_COMPONENTS)


def test_the_subscribers_are_the_audit_log_the_outbox_the_integrations_and_the_counters_in_that_order():
    found = [(s.name, s.order) for s in events.subscribers(events.DossierChanged)]
    assert found == [("audit", 10), ("notifications", 20), ("integrations", 40), ("monitoring", 90)]
    # The same list by the kind's name; the counters alone look at the dossier before a change.
    assert events.subscribers("dossier.changed") == events.subscribers(events.DossierChanged)
    assert [s.name for s in events.subscribers(events.DossierChanged) if s.before] == ["monitoring"]


def test_subscribers_are_called_in_ascending_order_whatever_the_order_they_came_in():
    heard: list[str] = []
    for name, order in (("late", 30), ("early", 5), ("middle", 20)):
        events.subscribe("test.kind", lambda e, name=name: heard.append(name), order=order, name=name)
    events.subscribe("test.kind", lambda e: heard.append("middle again"), order=20, name="middle")  # replaces

    class Ping:
        kind = "test.kind"

    try:
        events.announce(Ping())
    finally:
        for name in ("late", "early", "middle"):
            events.unsubscribe("test.kind", name)
    assert heard == ["early", "middle again", "late"]
    assert events.subscribers("test.kind") == ()


def test_a_new_subscriber_hears_submit_and_perform(people, listener):
    dossier = _submit(people)
    actions.perform(dossier.code, "receive", people["onestop_anbinh"], reason="Đủ giấy tờ")
    submitted, received = listener
    assert (submitted.action, submitted.from_status, submitted.first, submitted.before) == ("submit", None, True, {})
    assert submitted.history == DossierEvent.objects.filter(dossier=dossier).order_by("id").first()
    assert (received.action, received.from_status, received.dossier.status) == ("receive", Status.SUBMITTED,
                                                                                  Status.RECEIVED)
    assert (received.actor, received.reason, received.first) == (people["onestop_anbinh"], "Đủ giấy tờ", False)
    # What each subscriber took before the change comes back under its name.
    assert received.before["test-listener"] == Status.SUBMITTED and "monitoring" in received.before
    assert received.data["due_at"] == received.dossier.due_at.isoformat()
    # Called before the counters (order 50 < 90), after the audit entry and the outbox event.
    assert AuditEntry.objects.filter(object_id=dossier.code).count() == 2
    assert OutboxEvent.objects.filter(key=dossier.code).count() == 2


def test_the_deadline_check_is_announced_too(people, listener):
    dossier = _submit(people)
    received = actions.perform(dossier.code, "receive", people["onestop_anbinh"])
    actions.mark_deadlines(received.due_at + timedelta(days=1))
    assert [e.action for e in listener] == ["submit", "receive", "deadline_late"]
    assert listener[-1].actor is None


def test_a_failing_subscriber_rolls_the_whole_action_back(people):
    dossier = _submit(people)
    counted = list(DailyCounter.objects.values_list("pk", "received"))

    def broken(event):
        raise RuntimeError("subscriber down")

    events.subscribe(events.DossierChanged, broken, order=95, name="test-broken")  # after the counters
    try:
        with pytest.raises(RuntimeError, match="subscriber down"):
            actions.perform(dossier.code, "receive", people["onestop_anbinh"])
        with pytest.raises(RuntimeError, match="subscriber down"):
            _submit(people)
    finally:
        events.unsubscribe(events.DossierChanged, "test-broken")
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert (fresh.status, fresh.received_at, fresh.due_at) == (Status.SUBMITTED, None, None)
    assert Dossier.objects.count() == 1
    assert DossierEvent.objects.filter(dossier=dossier).count() == 1  # the submission's only
    assert AuditEntry.objects.filter(object_id=dossier.code).count() == 1
    assert OutboxEvent.objects.filter(key=dossier.code).count() == 1
    assert list(DailyCounter.objects.values_list("pk", "received")) == counted  # the counters' change undone


def test_the_dossiers_room_imports_neither_audit_nor_outbox_nor_counters():
    from pathlib import Path

    room = Path(actions.__file__).resolve().parent.parent
    for path in room.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for other in ("motcua.monitoring", "motcua.notifications", "motcua.audit"):
            assert other not in text, (path, other)


# --- each action's input ----------------------------------------------------------------------------


def test_a_field_the_action_does_not_take_is_refused_with_422(people, as_user):
    dossier = _submit(people)
    officer = as_user("onestop_anbinh")
    r = officer.post(f"/dossiers/{dossier.code}/actions/receive", {"reason": "Đủ", "amount": 5000})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "invalid_request"
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("body.amount", "extra_forbidden")]
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUBMITTED
    # The field request_supplement takes is not one issue_apology takes, and the other way round.
    r = officer.post(f"/dossiers/{dossier.code}/actions/request_supplement",
                     {"reason": "Thiếu", "items": [{"key": "birth_certificate"}], "new_due_date": "2026-12-08"})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "extra_forbidden"
    # What the action takes, and a reason alone, still work.
    r = officer.post(f"/dossiers/{dossier.code}/actions/receive", {"reason": "Đủ giấy tờ"})
    assert r.status_code == 200 and r.json()["status"] == Status.RECEIVED


@pytest.mark.parametrize("body", [
    {"amount": 10**20}, {"amount": 0}, {"amount": "năm nghìn"}, {"amount": 1.5}, {"paid_online": 2},
    {"receipt_number": "x" * 65}, {"receipt_number": "a b"},
])
def test_out_of_range_numbers_and_wrong_types_are_a_4xx(people, as_user, body):
    dossier = _submit(people)
    action = "confirm_payment" if "paid_online" in body or "receipt_number" in body else "request_payment"
    r = as_user("onestop_anbinh").post(f"/dossiers/{dossier.code}/actions/{action}", body)
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"


def test_in_process_callers_are_refused_in_the_actions_words(people):
    dossier = _submit(people)
    officer = people["onestop_anbinh"]
    with pytest.raises(Invalid) as err:
        actions.perform(dossier.code, "receive", officer, payload={"reason": "Đủ", "amount": 5})
    assert err.value.code == "invalid_request" and err.value.extra["errors"][0]["field"] == "amount"
    # A NUL character (PostgreSQL cannot store it) is refused before anything is written.
    with pytest.raises(Invalid) as err:
        actions.perform(dossier.code, "refuse", officer, payload={"reason": "thiếu\x00giấy"})
    assert err.value.code == "invalid_request" and err.value.extra["errors"][0]["field"] == "reason"
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUBMITTED
    # A value out of its range is refused as the action refuses it (the officer's form shows it by the field).
    actions.perform(dossier.code, "receive", officer)
    actions.perform(dossier.code, "start_processing", people["specialist_anbinh"])
    for payload in ({"amount": 0}, actions.Payload(amount=-5)):
        with pytest.raises(Invalid) as err:
            actions.perform(dossier.code, "request_payment", people["specialist_anbinh"], payload=payload)
        assert err.value.code == "invalid_amount"


def test_the_openapi_shows_each_actions_body(as_user):
    schema = as_user("citizen").get("/openapi.json").json()

    def body(action: str) -> dict:
        content = schema["paths"][f"/api/v1/dossiers/{{code}}/actions/{action}"]["post"]["requestBody"]["content"]
        ref = next(s["$ref"] for s in content["application/json"]["schema"]["anyOf"] if "$ref" in s)
        return schema["components"]["schemas"][ref.rsplit("/", 1)[1]]

    supplement, apology, receive = body("request_supplement"), body("issue_apology"), body("receive")
    assert set(supplement["properties"]) == {"reason", "items"}
    assert set(apology["properties"]) == {"reason", "new_due_date"}
    assert set(receive["properties"]) == {"reason"}
    assert all(b["additionalProperties"] is False for b in (supplement, apology, receive))
    assert set(body("submit_supplement")["properties"]) == {"reason", "components", "data"}
    for name in actions.RULES:
        assert f"/api/v1/dossiers/{{code}}/actions/{name}" in schema["paths"], name
