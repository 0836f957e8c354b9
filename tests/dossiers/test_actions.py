"""The actions layer: each transition writes one history event, one chained audit entry and one
outbox event, in the same transaction as the change; who may do what, from which status."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from motcua.audit.log import verify_chain
from motcua.audit.models import AuditEntry
from motcua.dossiers import actions, deadlines
from motcua.dossiers.models import Dossier, DossierEvent, Status
from motcua.identity.models import User
from motcua.lib.errors import Conflict, Forbidden, Invalid, NotFound
from motcua.notifications.models import OutboxEvent
from motcua.results.models import Result
from tests.conftest import BIRTH, BIRTH_COMPONENTS

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())  # wherever the module sits


@pytest.fixture
def people(demo) -> dict[str, User]:
    names = ["citizen", "citizen2", "onestop_anbinh", "specialist_anbinh", "approver_anbinh", "onestop_hoathuan"]
    return {n: User.objects.get(username=n) for n in names}


def _submit(people, who: str = "citizen", procedure: str = "1.001193") -> Dossier:
    return actions.submit(people[who], procedure, dict(BIRTH), components=BIRTH_COMPONENTS)


def _trail(code: str) -> tuple[int, int, int]:
    return (
        DossierEvent.objects.filter(dossier__code=code).count(),
        AuditEntry.objects.filter(object_type="dossier", object_id=code).count(),
        OutboxEvent.objects.filter(key=code).count(),
    )


PATHS = {
    "to the result": [
        ("onestop_anbinh", "receive", Status.RECEIVED),
        ("specialist_anbinh", "start_processing", Status.PROCESSING),
        ("specialist_anbinh", "transfer", Status.PROCESSING),
        ("approver_anbinh", "approve", Status.PROCESSING),
        ("approver_anbinh", "issue_result", Status.PROCESSED),
        ("onestop_anbinh", "return_result", Status.RETURNED),
    ],
    "refused": [("onestop_anbinh", "refuse", Status.REFUSED)],
    "withdrawn at once": [("citizen", "withdraw", Status.WITHDRAWN)],
    "withdrawn after receipt": [
        ("onestop_anbinh", "receive", Status.RECEIVED),
        ("citizen", "withdraw", Status.WITHDRAWN),
    ],
}


@pytest.mark.parametrize("path", PATHS, ids=list(PATHS))
def test_every_transition_writes_one_event_one_audit_entry_one_outbox_event(people, path):
    dossier = _submit(people)
    code = dossier.code
    assert _trail(code) == (1, 1, 1)
    submit_event = OutboxEvent.objects.get(key=code)
    assert submit_event.topic == "dossier.submit" and submit_event.payload["status"] == Status.SUBMITTED

    for step, (who, action, status) in enumerate(PATHS[path], start=2):
        before = Dossier.objects.get(code=code).status
        reason = "Thiếu giấy chứng sinh" if action == "refuse" else ""
        actions.perform(code, action, people[who], reason=reason)
        assert _trail(code) == (step, step, step), action
        assert Dossier.objects.get(code=code).status == status

        event = DossierEvent.objects.filter(dossier__code=code).latest("id")
        assert (event.action, event.from_status, event.to_status, event.actor) == (action, before, status, people[who])
        assert event.reason == reason
        entry = AuditEntry.objects.filter(object_id=code).latest("id")
        assert entry.action == f"dossier.{action}" and entry.actor == people[who]
        assert (entry.data["from"], entry.data["to"], entry.data["reason"]) == (before, status, reason)
        assert entry.at == event.at
        outbox = OutboxEvent.objects.filter(key=code).latest("id")
        assert outbox.topic == f"dossier.{action}"
        assert (outbox.payload["from_status"], outbox.payload["status"]) == (before, status)
        assert outbox.created_at == event.at and outbox.delivered_at is None
        assert verify_chain("dossier", code)

    # Nothing written about any other dossier.
    assert AuditEntry.objects.exclude(object_id=code).filter(object_type="dossier").count() == 0


def test_the_audit_chain_links_entries_and_detects_tampering(people):
    code = _submit(people).code
    actions.perform(code, "receive", people["onestop_anbinh"])
    actions.perform(code, "start_processing", people["specialist_anbinh"])
    entries = list(AuditEntry.objects.filter(object_id=code).order_by("id"))
    assert entries[0].prev_hash == ""
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert verify_chain("dossier", code)
    # Rewriting history behind the model's back (it refuses updates, even a queryset's) breaks the chain.
    with pytest.raises(RuntimeError):
        AuditEntry.objects.filter(pk=entries[1].pk).update(data={})
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET data = %s WHERE id = %s",
                       [json.dumps({**entries[1].data, "reason": "sửa lén"}), entries[1].pk])
    assert not verify_chain("dossier", code)
    with pytest.raises(RuntimeError):
        entries[0].save()


def test_a_failure_inside_an_action_leaves_nothing_behind(people, monkeypatch):
    dossier = _submit(people)
    trail, counts = _trail(dossier.code), (DossierEvent.objects.count(), AuditEntry.objects.count())

    def broken_emit(*args, **kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr("motcua.notifications.subscribers.emit", broken_emit)
    with pytest.raises(RuntimeError, match="outbox down"):
        actions.perform(dossier.code, "receive", people["onestop_anbinh"])
    # The history event and audit entry written before the failure rolled back with the status change.
    assert _trail(dossier.code) == trail
    assert (DossierEvent.objects.count(), AuditEntry.objects.count()) == counts
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert (fresh.status, fresh.received_at, fresh.due_at) == (Status.SUBMITTED, None, None)
    with pytest.raises(RuntimeError):
        actions.submit(people["citizen"], "1.001193", dict(BIRTH))
    assert Dossier.objects.count() == 1


# --- withdraw ------------------------------------------------------------------------------------------


def test_withdraw_from_status_1(people):
    code = _submit(people).code
    assert actions.allowed_actions(Dossier.objects.get(code=code), people["citizen"]) == ["withdraw"]
    assert actions.perform(code, "withdraw", people["citizen"]).status == Status.WITHDRAWN


def test_withdraw_from_status_2(people):
    code = _submit(people).code
    actions.perform(code, "receive", people["onestop_anbinh"])
    assert actions.allowed_actions(Dossier.objects.get(code=code), people["citizen"]) == ["withdraw"]
    assert actions.perform(code, "withdraw", people["citizen"]).status == Status.WITHDRAWN


@pytest.mark.parametrize(
    "steps",
    [
        [("onestop_anbinh", "receive"), ("specialist_anbinh", "start_processing")],  # status 4
        [("onestop_anbinh", "refuse")],  # status 3
        [("citizen", "withdraw")],  # status 7: not twice
    ],
    ids=["processing", "refused", "withdrawn"],
)
def test_withdraw_is_refused_once_processing_started_or_finished(people, steps):
    code = _submit(people).code
    for who, action in steps:
        actions.perform(code, action, people[who], reason="lý do")
    status, trail = Dossier.objects.get(code=code).status, _trail(code)
    with pytest.raises(Conflict) as err:
        actions.perform(code, "withdraw", people["citizen"])
    assert err.value.status == 409
    assert err.value.extra["allowed"] == []
    assert err.value.extra["status"] == status
    assert Dossier.objects.get(code=code).status == status and _trail(code) == trail


def test_withdraw_via_the_api_from_4_is_a_409_naming_what_is_allowed(as_user):
    citizen = as_user("citizen")
    code = citizen.post(
        "/dossiers", {"procedure": "1.001193", "data": BIRTH, "components": citizen.references(BIRTH_COMPONENTS)}
    ).json()["code"]
    assert as_user("onestop_anbinh").act(code, "receive").status_code == 200
    assert as_user("specialist_anbinh").act(code, "start_processing").status_code == 200
    r = citizen.act(code, "withdraw")
    assert r.status_code == 409
    assert r.json()["code"] == "illegal_transition" and r.json()["allowed"] == [] and r.json()["status"] == 4
    # The approver, asked to sign while the specialist's step is still open, is told what they can do
    # instead: hand the open step to someone (assign) or stop the processing, not approve yet.
    approver = as_user("approver_anbinh")
    r = approver.act(code, "issue_result")
    assert r.status_code == 409 and r.json()["allowed"] == ["assign", "stop"]
    assert as_user("specialist_anbinh").act(code, "transfer").status_code == 200
    r = approver.act(code, "issue_result")
    assert r.status_code == 409 and r.json()["allowed"] == ["claim", "assign", "approve", "stop"]


def test_only_the_applicant_withdraws(people):
    code = _submit(people).code
    with pytest.raises(Forbidden) as err:
        actions.perform(code, "withdraw", people["onestop_anbinh"])
    assert err.value.extra["allowed"] == ["receive", "refuse", "request_supplement"]
    with pytest.raises(NotFound):
        actions.perform(code, "withdraw", people["citizen2"])
    assert Dossier.objects.get(code=code).status == Status.SUBMITTED


# --- who may do what ---------------------------------------------------------------------------------


def test_allowed_actions_by_role_and_status(people):
    code = _submit(people).code
    allowed = lambda who: actions.allowed_actions(Dossier.objects.get(code=code), people[who])  # noqa: E731
    assert allowed("citizen") == ["withdraw"]
    assert allowed("onestop_anbinh") == ["receive", "refuse", "request_supplement"]
    assert allowed("specialist_anbinh") == [] and allowed("approver_anbinh") == []
    assert allowed("onestop_hoathuan") == [] and allowed("citizen2") == []
    actions.perform(code, "receive", people["onestop_anbinh"])
    # Received: the specialist's step is open in the unit's queue.
    assert allowed("specialist_anbinh") == ["claim", "start_processing"]
    assert allowed("approver_anbinh") == ["assign", "stop"]
    assert allowed("citizen") == ["withdraw"]
    actions.perform(code, "start_processing", people["specialist_anbinh"])
    # The step is now the specialist's: they finish it (transfer) or ask for documents.
    assert allowed("specialist_anbinh") == ["request_supplement", "request_payment", "transfer"]
    assert allowed("approver_anbinh") == ["assign", "stop"]
    assert allowed("citizen") == [] and allowed("onestop_anbinh") == ["request_payment"]
    with pytest.raises(Conflict):  # the approval step has not opened yet
        actions.perform(code, "approve", people["approver_anbinh"])
    actions.perform(code, "transfer", people["specialist_anbinh"])
    assert allowed("approver_anbinh") == ["claim", "assign", "approve", "stop"]
    assert allowed("specialist_anbinh") == ["request_payment"]
    actions.perform(code, "approve", people["approver_anbinh"])
    assert allowed("approver_anbinh") == ["assign", "issue_result", "stop"]
    with pytest.raises(Conflict):  # approval is given once
        actions.perform(code, "approve", people["approver_anbinh"])
    with pytest.raises(Conflict):  # and the specialist's step is done
        actions.perform(code, "transfer", people["specialist_anbinh"])


def test_issue_result_needs_approval_first(people):
    code = _submit(people).code
    actions.perform(code, "receive", people["onestop_anbinh"])
    actions.perform(code, "start_processing", people["specialist_anbinh"])
    with pytest.raises(Conflict):
        actions.perform(code, "issue_result", people["approver_anbinh"])
    assert not Result.objects.exists()


def test_refuse_keeps_the_reason(people):
    code = _submit(people).code
    with pytest.raises(Invalid):
        actions.perform(code, "refuse", people["onestop_anbinh"], reason="  ")
    actions.perform(code, "refuse", people["onestop_anbinh"], reason="  Thiếu giấy chứng sinh ")
    event = DossierEvent.objects.filter(dossier__code=code).latest("id")
    assert event.reason == "Thiếu giấy chứng sinh"


def test_an_officer_of_another_unit_sees_no_such_dossier(people):
    code = _submit(people).code
    with pytest.raises(NotFound):
        actions.perform(code, "receive", people["onestop_hoathuan"])
    # The provincial one-stop centre reads every unit's dossiers, but receives a commune's only for a
    # procedure received regardless of boundary (tests/security/test_scopes.py): refused, not hidden.
    provincial = User.objects.get(username="onestop_prov")
    with pytest.raises(Forbidden):
        actions.perform(code, "receive", provincial)
    assert actions.perform(code, "receive", people["onestop_anbinh"]).status == Status.RECEIVED


# --- deadlines ------------------------------------------------------------------------------------------


def _at_local(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=HCM)


@pytest.fixture
def same_day_procedure(demo, tmp_path) -> str:
    """A copy of birth registration with a 0-working-day deadline (result the same day)."""
    definition = yaml.safe_load((ROOT / "procedures" / "1.001193-dang-ky-khai-sinh.yaml").read_text(encoding="utf-8"))
    definition.update(code="9.000000", processing_days=0)
    for step in definition["workflow"]["steps"]:
        step["days"] = 0  # the steps must fit in the whole
    path = tmp_path / "same-day.yaml"
    path.write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    call_command("catalog", "import", str(path), stdout=io.StringIO())
    return "9.000000"


@pytest.mark.parametrize(
    ("procedure", "received", "due"),
    [
        # 1 working day, received the Friday before Tết 2026: due the Monday after it.
        ("1.001193", _at_local(2026, 2, 13, 10), _at_local(2026, 2, 23, 17)),
        # Received during Tết: counted from Mon 23 Feb.
        ("1.001193", _at_local(2026, 2, 18, 9), _at_local(2026, 2, 24, 17)),
        # 10 working days across 30/4–1/5 2026 and the Hùng Kings day off (Mon 27 Apr):
        # Apr 28, 29, May 4, 5, 6, 7, 8, 11, 12, 13.
        ("3.000333", _at_local(2026, 4, 24, 9), _at_local(2026, 5, 13, 17)),
        # Same day: before closing, due at closing.
        ("9.000000", _at_local(2026, 3, 3, 9), _at_local(2026, 3, 3, 17)),
        # Same day, received after closing: due the next working day, never before receipt.
        ("9.000000", _at_local(2026, 3, 3, 20), _at_local(2026, 3, 4, 17)),
        ("9.000000", _at_local(2026, 2, 13, 17, 30), _at_local(2026, 2, 23, 17)),
        ("9.000000", _at_local(2026, 2, 14, 23, 59), _at_local(2026, 2, 23, 17)),
    ],
)
def test_due_date_on_receipt_is_never_before_receipt(people, same_day_procedure, monkeypatch, procedure, received, due):
    monkeypatch.setattr(timezone, "now", lambda: received)
    dossier = actions.submit(
        people["citizen"], procedure, _data_for(procedure), unit_code=_unit_for(procedure),
        components=[] if procedure == "3.000333" else BIRTH_COMPONENTS,
    )
    officer = people["onestop_anbinh"] if procedure != "3.000333" else User.objects.get(username="onestop_prov")
    if dossier.payment_due:  # the fee paid with the submission, here at the counter
        actions.perform(dossier.code, "confirm_payment", officer, payload={"receipt_number": "BL-1"})
    dossier = actions.perform(dossier.code, "receive", officer)
    stored = Dossier.objects.get(pk=dossier.pk)
    assert stored.received_at == received
    assert stored.due_at == due
    assert stored.due_at >= stored.received_at
    assert stored.due_at == deadlines.due_at(received, stored.procedure_version.processing_days)
    event = DossierEvent.objects.filter(dossier=stored).latest("id")
    assert datetime.fromisoformat(event.data["due_at"]) == due


CRIMINAL_RECORD = {
    "purpose": "Xin việc làm", "residences": "Xã An Bình, tỉnh Demo", "copies": 1,
    "applicant_group": "thong_thuong", "requested_by": "ban_than",
}


def _data_for(procedure: str) -> dict:
    return dict(CRIMINAL_RECORD) if procedure == "3.000333" else dict(BIRTH)


def _unit_for(procedure: str) -> str | None:
    return "000.00.30.H99" if procedure == "3.000333" else None


def test_asking_for_documents_after_the_step_was_handed_on_is_a_conflict_not_a_refusal(people):
    # The holder hands the step on (from one device) and then asks for a paper (from another): the
    # step that could ask is done, so the answer is 409 "no longer possible", not 403 "not your right".
    code = _submit(people).code
    actions.perform(code, "receive", people["onestop_anbinh"])
    actions.perform(code, "start_processing", people["specialist_anbinh"])
    actions.perform(code, "transfer", people["specialist_anbinh"])
    trail = _trail(code)
    ask = actions.Payload(items=[{"key": "birth_certificate", "reason": "Bản chụp mờ"}])
    with pytest.raises(Conflict) as err:
        actions.perform(code, "request_supplement", people["specialist_anbinh"], reason="Bản chụp mờ", payload=ask)
    assert err.value.code == "illegal_transition" and err.value.extra["allowed"] == ["request_payment"]
    # Nobody else may ask at this step either (the signing step may not).
    with pytest.raises(Conflict):
        actions.perform(code, "request_supplement", people["approver_anbinh"], reason="Bản chụp mờ", payload=ask)
    assert _trail(code) == trail and Dossier.objects.get(code=code).status == Status.PROCESSING


def test_the_audit_chain_holds_whatever_zone_the_moment_is_given_in(people):
    # The periodic check may be handed a local moment; the database gives every moment back in UTC.
    code = _submit(people).code
    actions.perform(code, "receive", people["onestop_anbinh"])
    due = Dossier.objects.get(code=code).due_at
    assert actions.mark_deadlines(now=(due + timedelta(hours=1)).astimezone(HCM)) == {"at_risk": 0, "late": 1}
    assert AuditEntry.objects.filter(object_id=code).latest("id").action == "dossier.deadline_late"
    assert verify_chain("dossier", code)
