"""The petitions' actions layer: filing, deadlines in working days, each step with its history, audit
entry and outbox event, who may act, forwarding, the filer's verdict and reopening."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from freezegun import freeze_time

from motcua.audit.log import verify_chain
from motcua.audit.models import AuditEntry
from motcua.dossiers import actions as dossier_actions
from motcua.identity.models import User
from motcua.lib.errors import Conflict, Forbidden, Invalid, NotFound
from motcua.notifications.models import OutboxEvent
from motcua.petitions import otp
from motcua.petitions.actions import Filing, file_petition, perform, register_petition
from motcua.petitions.models import Petition, PetitionEvent
from tests.conftest import BIRTH, BIRTH_COMPONENTS, TINY_PDF

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
ANBINH = "000.11.00.H99"
HOATHUAN = "000.12.00.H99"


@pytest.fixture
def people(demo) -> dict[str, User]:
    names = ["citizen", "citizen2", "onestop_anbinh", "specialist_anbinh", "approver_anbinh", "onestop_hoathuan"]
    return {n: User.objects.get(username=n) for n in names}


def _file(people, who="citizen", **kw) -> Petition:
    f = Filing(kind=kw.pop("kind", "feedback"), subject=kw.pop("subject", "Đường vào xã ngập nước"),
               body=kw.pop("body", "Đề nghị xã sửa đường."), unit=kw.pop("unit", ANBINH), **kw)
    petition, created = file_petition(f, user=people[who])
    assert created
    return petition


def _trail(code: str) -> tuple[int, int, int]:
    return (PetitionEvent.objects.filter(petition__code=code).count(),
            AuditEntry.objects.filter(object_type="petition", object_id=code).count(),
            OutboxEvent.objects.filter(key=code).exclude(topic="mail").count())


def test_filing_gives_a_code_and_working_day_deadlines(people):
    # Friday 4 Dec 2026, 10:00 local: 2 working days → Tuesday 8 Dec; 15 → Thursday 24 Dec, 17:00.
    with freeze_time(datetime(2026, 12, 4, 10, 0, tzinfo=HCM)):
        p = _file(people)
    assert p.code.startswith("PAKN-261204-")
    assert p.status == "received"
    assert p.refuse_due_at == datetime(2026, 12, 8, 17, 0, tzinfo=HCM)
    assert p.info_due_at == datetime(2026, 12, 11, 17, 0, tzinfo=HCM)
    assert p.due_at == datetime(2026, 12, 25, 17, 0, tzinfo=HCM)
    assert p.first_received_at == p.received_at
    assert _trail(p.code) == (1, 1, 1)
    assert verify_chain("petition", p.code)


def test_every_step_writes_history_audit_and_outbox(people):
    people["citizen"].email = "an@example.org"
    people["citizen"].save(update_fields=["email"])
    p = _file(people)
    perform(p.code, "request_information", people["onestop_anbinh"], payload={"reason": "Đoạn đường nào?"})
    perform(p.code, "provide_information", people["citizen"], payload={"body": "Đoạn qua thôn 3."})
    perform(p.code, "answer", people["specialist_anbinh"], payload={"answer": "Xã sẽ sửa trong tháng."})
    perform(p.code, "publish", people["approver_anbinh"])
    perform(p.code, "dislike", people["citizen"])
    perform(p.code, "complain_again", people["citizen"], payload={"reason": "Chưa sửa."})
    p.refresh_from_db()
    assert p.status == "received" and p.complained_again and p.reopen_count == 1 and p.dislikes == 1
    assert "Đoạn qua thôn 3." in p.body
    assert _trail(p.code) == (7, 7, 7)
    assert verify_chain("petition", p.code)
    # The filer was mailed at filing, the request, and the publication (through the outbox).
    mails = OutboxEvent.objects.filter(key=p.code, topic="mail")
    assert mails.count() == 3
    assert all(m.payload["to"] == ["an@example.org"] for m in mails)
    assert [m.payload["subject"].split()[-1] for m in mails] != []


def test_the_clock_stops_while_waiting_for_information(people):
    with freeze_time(datetime(2026, 12, 7, 9, 0, tzinfo=HCM)):  # Monday
        p = _file(people)
        due = p.due_at
        perform(p.code, "request_information", people["onestop_anbinh"], payload={"reason": "Ảnh chụp?"})
    with freeze_time(datetime(2026, 12, 10, 9, 0, tzinfo=HCM)):  # Thursday: 3 working days waited
        perform(p.code, "provide_information", people["citizen"], payload={"body": "Đây."})
    p.refresh_from_db()
    assert p.paused_days == 3
    assert p.due_at.astimezone(HCM).date() == datetime(2026, 12, 31).date()
    assert due.astimezone(HCM).date() == datetime(2026, 12, 28).date()


def test_only_the_competent_unit_handles_and_another_unit_sees_nothing(people):
    p = _file(people)
    with pytest.raises(NotFound):
        perform(p.code, "answer", people["onestop_hoathuan"], payload={"answer": "x"})
    with pytest.raises(Forbidden):
        perform(p.code, "answer", people["citizen"], payload={"answer": "x"})
    with pytest.raises(NotFound):
        perform(p.code, "like", people["citizen2"])
    with pytest.raises(Conflict):
        perform(p.code, "publish", people["onestop_anbinh"])
    with pytest.raises(Invalid):
        perform(p.code, "answer", people["onestop_anbinh"], payload={"answer": "x", "extra": 1})
    with pytest.raises(Invalid):
        perform(p.code, "refuse", people["onestop_anbinh"], payload={"reason": ""})
    with pytest.raises(NotFound):
        perform(p.code, "approve", people["onestop_anbinh"])


def test_forwarding_keeps_the_first_received_time_and_moves_who_may_act(people):
    p = _file(people)
    first = p.first_received_at
    perform(p.code, "forward", people["onestop_anbinh"], payload={"unit": HOATHUAN, "reason": "Thuộc phường"})
    p.refresh_from_db()
    assert p.unit.code == HOATHUAN and p.forwarded and p.first_received_at == first
    assert p.first_unit.code == ANBINH
    with pytest.raises(Forbidden):  # still seen by the unit that forwarded it, no longer handled there
        perform(p.code, "answer", people["onestop_anbinh"], payload={"answer": "x"})
    perform(p.code, "answer", people["onestop_hoathuan"], payload={"answer": "Phường đã nhận."})


def test_refusal_and_its_deadline_flag(people):
    with freeze_time(datetime(2026, 12, 4, 10, 0, tzinfo=HCM)):
        p = _file(people)
    with freeze_time(datetime(2026, 12, 9, 10, 0, tzinfo=HCM)):  # after the 2-day deadline
        perform(p.code, "refuse", people["onestop_anbinh"], payload={"reason": "Không thuộc thẩm quyền"})
    event = PetitionEvent.objects.get(petition=p, action="refuse")
    assert event.data["late"] is True and event.reason == "Không thuộc thẩm quyền"


def test_a_complaint_about_ones_own_dossier_is_linked_to_it(people):
    dossier = dossier_actions.submit(people["citizen"], "1.001193", dict(BIRTH), components=BIRTH_COMPONENTS)
    p = _file(people, kind="complaint", dossier=dossier.code, unit=None)
    dossier.refresh_from_db()
    assert dossier.complained and p.unit_id == dossier.unit_id and p.topic == "dossier"
    assert dossier.events.filter(action="link_complaint").count() == 1
    with pytest.raises(NotFound):  # someone else's dossier
        _file(people, who="citizen2", kind="complaint", dossier=dossier.code, unit=None)
    with pytest.raises(Invalid):
        _file(people, kind="complaint", unit=ANBINH)


def test_an_officer_registers_one_received_by_phone(people):
    p = register_petition(
        Filing(kind="feedback", subject="Cán bộ chậm", body="Gọi điện phản ánh.", unit=ANBINH),
        people["onestop_anbinh"], origin="phone", contact_name="Nguyễn Thị Hoa", contact="0912345678",
    )
    assert p.origin == "phone" and p.registered_by == people["onestop_anbinh"] and p.filer is None
    with pytest.raises(NotFound):
        register_petition(Filing(kind="feedback", subject="x", body="y", unit=ANBINH), people["onestop_hoathuan"],
                          origin="letter", contact_name="A")


def test_attachments_are_checked_by_content(people):
    good = SimpleUploadedFile("anh.pdf", TINY_PDF)
    p, _ = file_petition(Filing(kind="feedback", subject="s", body="b", unit=ANBINH), user=people["citizen"], files=[good])
    assert p.attachments[0]["content_type"] == "application/pdf"
    bad = SimpleUploadedFile("anh.pdf", b"MZ\x90\x00 not a pdf")
    with pytest.raises(Invalid):
        file_petition(Filing(kind="feedback", subject="s", body="b", unit=ANBINH), user=people["citizen"], files=[bad])


def test_anonymous_filing_with_a_verified_contact(people, mailoutbox=None):
    now = datetime(2026, 12, 4, 3, 0, tzinfo=ZoneInfo("UTC"))
    contact = otp.send_code("Dan@Example.org", now)
    mail = OutboxEvent.objects.filter(topic="mail", key="petition-code").last()
    code = next(w for w in mail.payload["body"].split() if w.isdigit() and len(w) == 6)
    with pytest.raises(Invalid):
        otp.verify_code(contact, "000000" if code != "000000" else "111111", now)
    token = otp.verify_code(contact, code, now)
    assert otp.contact_for_token(token, now + timedelta(minutes=30)) == "dan@example.org"
    assert otp.contact_for_token(token, now + timedelta(hours=2)) == ""
    with pytest.raises(Invalid):
        otp.verify_code(contact, code, now)  # used once
    with freeze_time(now):
        p, _ = file_petition(Filing(kind="petition", subject="s", body="b", unit=ANBINH), contact=contact)
        assert p.filer is None and p.contact == "dan@example.org"
        perform(p.code, "answer", people["onestop_anbinh"], payload={"answer": "a"})
        perform(p.code, "like", None, contact=contact)
        with pytest.raises(NotFound):
            perform(p.code, "dislike", None, contact="other@example.org")
