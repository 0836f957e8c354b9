"""The whole way of a dossier through the API, on whichever database DATABASE_URL names."""

from __future__ import annotations

from datetime import datetime

from motcua.audit.log import verify_chain
from motcua.audit.models import AuditEntry
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.notifications.models import OutboxEvent
from tests.conftest import BIRTH, BIRTH_COMPONENTS


def test_birth_registration_from_submission_to_downloaded_result(as_user):
    citizen = as_user("citizen")
    officer, specialist, approver = as_user("onestop_anbinh"), as_user("specialist_anbinh"), as_user("approver_anbinh")

    r = citizen.post("/dossiers", {"procedure": "1.001193", "data": BIRTH, "components": citizen.references(BIRTH_COMPONENTS)})
    assert r.status_code == 201, r.content
    body = r.json()
    code = body["code"]
    assert code.startswith("000.11.00.H99-") and code.endswith("-0001")
    assert body["status"] == 1 and body["due_at"] is None
    assert body["allowed_actions"] == ["withdraw"]

    r = officer.act(code, "receive")
    assert r.status_code == 200, r.content
    received = r.json()
    assert received["status"] == 2
    due = datetime.fromisoformat(received["due_at"])
    assert due > datetime.fromisoformat(received["received_at"])

    for actor, action, status in [
        (specialist, "start_processing", 4),
        (specialist, "transfer", 4),
        (approver, "approve", 4),
        (approver, "issue_result", 9),
        (officer, "return_result", 10),
    ]:
        r = actor.act(code, action)
        assert r.status_code == 200, (action, r.content)
        assert r.json()["status"] == status

    final = citizen.get(f"/dossiers/{code}").json()
    assert [e["action"] for e in final["history"]] == [
        "submit", "receive", "start_processing", "transfer", "approve", "issue_result", "return_result",
    ]
    # What is left is the applicant's satisfaction rating.
    assert final["finished_at"] and final["returned_at"] and final["allowed_actions"] == ["rate"]

    pdf = citizen.get(f"/dossiers/{code}/result")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    content = b"".join(pdf.streaming_content)
    assert content.startswith(b"%PDF-")

    # Every change left one history event, one chained audit entry and one outbox event.
    assert DossierEvent.objects.filter(dossier__code=code).count() == 7
    assert AuditEntry.objects.filter(object_id=code).count() == 7
    assert OutboxEvent.objects.filter(key=code).count() == 7
    assert verify_chain("dossier", code)


def test_dossier_keeps_the_version_it_was_submitted_under(as_user):
    r = as_user("citizen").post("/dossiers", {"procedure": "1.001193", "data": BIRTH})
    dossier = Dossier.objects.get(code=r.json()["code"])
    assert dossier.procedure_version.number == r.json()["procedure_version"] == 1
