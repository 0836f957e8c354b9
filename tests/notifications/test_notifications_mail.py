"""Mail to the applicant, through a real SMTP server on loopback (aiosmtpd).

The outbox sweep (`delivery.deliver_pending`) fans each event out into its
messages and sends each mail once: not twice when it runs twice, nor when two
workers run at the same time; a server that is down leaves the mail for a
later sweep (back-off), a mail the server refuses for good goes dead at once
(an administrator may replay it), neither undoing nor holding back the others.
"""

from __future__ import annotations

import asyncio
import email
import hashlib
import socket
import threading
from datetime import date, datetime
from email import policy
from email.message import EmailMessage
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from freezegun import freeze_time

from motcua.dossiers import actions
from motcua.dossiers.models import ApologyLetter, Dossier, Status
from motcua.identity.models import User
from motcua.notifications import delivery
from motcua.notifications.models import Delivery, DeliveryStatus, OutboxEvent
from motcua.results import signing
from tests.conftest import BIRTH, BIRTH_COMPONENTS

# The URL conf imported before any freeze_time: its pydantic schemas must see the real datetime.
import_module("motcua.urls")

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
FROM = "Dịch vụ công <no-reply@dichvucong.example.vn>"
EMAILS = {"citizen": "an.nguyen@example.vn", "citizen2": "binh.tran@example.vn", "citizen3": "chau.le@example.vn"}


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=HCM)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler that keeps what it accepts and refuses the addresses it is told to."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self.refuse: set[str] = set()
        self.delay = 0.0
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)  # a slow server: concurrent sweeps overlap for real
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    @property
    def subjects(self) -> list[str]:
        # Django folds a long encoded subject onto the next line ("Subject: \r\n =?utf-8?b?…"):
        # unfolded, it starts with the folding space, which readers drop.
        return [str(m["Subject"]).strip() for _, _, m in self.messages]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1 and a free port; Django's SMTP backend points at it."""
    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = FROM
    mailbox.port = port
    yield mailbox
    controller.stop()


@pytest.fixture
def people(demo) -> dict[str, User]:
    names = ["citizen", "citizen2", "citizen3", "onestop_anbinh", "specialist_anbinh", "approver_anbinh"]
    people = {n: User.objects.get(username=n) for n in names}
    for name, address in EMAILS.items():
        people[name].email = address
        people[name].save(update_fields=["email"])
    return people


def _submit(people, who: str = "citizen") -> str:
    return actions.submit(people[who], "1.001193", dict(BIRTH), components=list(BIRTH_COMPONENTS)).code


def _body(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def walk_to_the_result(p) -> str:
    """A birth registration from submission to its returned result through every moment that concerns the
    applicant: received, a supplement asked and given, the fee asked and paid, at risk and apologised for,
    the result issued and returned (Monday 7 to Tuesday 8 December 2026)."""
    # The unit's signing certificate made in real time: made under freeze_time, cryptography would keep
    # freezegun's datetime class and refuse every real one afterwards (see tests/conftest.py).
    signing.unit_material(p["approver_anbinh"].memberships.first().unit)
    with freeze_time(_at(7, 9)):
        code = _submit(p)
        actions.perform(code, "receive", p["onestop_anbinh"])
        actions.perform(
            code, "request_supplement", p["onestop_anbinh"], reason="Giấy chứng sinh bị mờ",
            payload=actions.Payload(items=[{"key": "birth_certificate", "reason": "Ảnh chụp mờ, không đọc được"}]),
        )
    with freeze_time(_at(7, 15)):
        actions.perform(code, "submit_supplement", p["citizen"], payload=actions.Payload(components=list(BIRTH_COMPONENTS)))
        actions.perform(code, "start_processing", p["specialist_anbinh"])
        actions.perform(code, "request_payment", p["specialist_anbinh"], payload=actions.Payload(amount=8000))
        actions.perform(code, "confirm_payment", p["onestop_anbinh"], payload={"receipt_number": "BL-1"})
    actions.mark_deadlines(now=_at(8, 9))  # due Tuesday 17:00: at risk
    with freeze_time(_at(8, 10)):
        actions.perform(
            code, "issue_apology", p["specialist_anbinh"], reason="Cần xác minh thêm với bệnh viện",
            payload=actions.Payload(new_due_date=date(2026, 12, 10)),
        )
        actions.perform(code, "transfer", p["specialist_anbinh"])
        actions.perform(code, "approve", p["approver_anbinh"])
        actions.perform(code, "issue_result", p["approver_anbinh"])
        actions.perform(code, "return_result", p["onestop_anbinh"])
    return code


def test_a_dossier_walk_mails_the_applicant_each_moment_that_concerns_them(people, smtp):
    p = people
    code = walk_to_the_result(p)
    assert Dossier.objects.get(code=code).status == Status.RETURNED
    events = OutboxEvent.objects.filter(key=code).count()
    assert events == 13  # 12 actions and the deadline flag

    assert delivery.deliver_pending() == {"delivered": 8, "failed": 0}

    assert smtp.subjects == [
        f"Hồ sơ {code} đã được nộp",
        f"Hồ sơ {code} đã được tiếp nhận",
        f"Hồ sơ {code} cần bổ sung",
        f"Hồ sơ {code} cần thanh toán phí, lệ phí",
        f"Hồ sơ {code} đã được thanh toán",
        f"Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ {code}",
        f"Hồ sơ {code} đã có kết quả",
        f"Hồ sơ {code} đã được trả kết quả",
    ]
    for mail_from, rcpt_tos, message in smtp.messages:
        assert mail_from == "no-reply@dichvucong.example.vn" and rcpt_tos == [EMAILS["citizen"]]
        assert message["To"] == EMAILS["citizen"]
        assert f"Hồ sơ: {code}" in _body(message) and "Thủ tục: Đăng ký khai sinh" in _body(message)
    received, supplement, payment, paid, apology, result, returned = (m for _, _, m in smtp.messages[1:])
    assert "Số tiền đã thanh toán: 8.000 đồng" in _body(paid) and "Trạng thái: Đã trả kết quả" in _body(returned)
    # Each mail tells the status the event announced, not the dossier's status when the sweep ran.
    assert "Trạng thái: Đã tiếp nhận" in _body(received) and "Ngày hẹn trả kết quả: 17:00 08/12/2026" in _body(received)
    assert "Trạng thái: Yêu cầu bổ sung" in _body(supplement)
    assert "Lý do: Giấy chứng sinh bị mờ" in _body(supplement)
    assert "Thành phần cần bổ sung: Giấy chứng sinh" in _body(supplement)
    assert "Số tiền cần thanh toán: 8.000 đồng" in _body(payment)
    assert "Trạng thái: Đã xử lý xong" in _body(result)

    # The apology letter travels as its PDF, the very file kept with the dossier.
    body = _body(apology)
    assert "Lý do: Cần xác minh thêm với bệnh viện" in body and "Ngày hẹn trả kết quả mới: 17:00 10/12/2026" in body
    letter = ApologyLetter.objects.get(dossier__code=code)
    [attachment] = list(apology.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"{letter.number}.pdf"
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF-") and hashlib.sha256(pdf).hexdigest() == letter.sha256

    # Every mail is sent once, each with its own stable Message-ID; a second sweep finds nothing to send.
    assert set(Delivery.objects.values_list("status", "attempts", "claimed_until", "last_error")) == {
        ("sent", 1, None, "")}
    assert not OutboxEvent.objects.filter(delivered_at__isnull=True).exists()
    assert delivery.deliver_pending() == {"delivered": 0, "failed": 0}
    assert len(smtp.messages) == 8
    ids = [m["Message-ID"] for _, _, m in smtp.messages]
    assert ids == [d.message_id for d in Delivery.objects.order_by("id")] and len(set(ids)) == 8


def test_the_mail_speaks_the_language_the_applicant_chose_on_the_site(people, smtp, client):
    # The choice is made on the site, signed in, with the language switch of every page.
    client.force_login(people["citizen2"])
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert switched.status_code == 302
    people["citizen2"].refresh_from_db()
    assert people["citizen2"].language == "en"
    english = _submit(people, "citizen2")
    vietnamese = _submit(people, "citizen")  # never chose: the national language
    assert delivery.deliver_pending() == {"delivered": 2, "failed": 0}
    mails = {m["To"]: m for _, _, m in smtp.messages}
    en, vi = mails[EMAILS["citizen2"]], mails[EMAILS["citizen"]]
    assert str(en["Subject"]).strip() != str(vi["Subject"]).strip()
    assert english in str(en["Subject"]) and "Hồ sơ" not in str(en["Subject"])
    assert f"Hồ sơ {vietnamese} đã được nộp" == str(vi["Subject"]).strip()
    assert "Birth registration" in _body(en) and "Đăng ký khai sinh" in _body(vi)


def test_an_unknown_language_is_not_remembered(people, client):
    client.force_login(people["citizen2"])
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    people["citizen2"].refresh_from_db()
    assert people["citizen2"].language in ("", "vi")


def test_nothing_is_mailed_to_an_applicant_without_an_address(people, smtp):
    people["citizen"].email = ""
    people["citizen"].save(update_fields=["email"])
    _submit(people)
    assert delivery.deliver_pending() == {"delivered": 0, "failed": 0}
    assert smtp.messages == [] and not Delivery.objects.exists()
    assert OutboxEvent.objects.get().delivered_at is not None  # fanned out: to nobody


def test_a_server_that_is_down_leaves_the_mail_for_a_later_sweep(people, smtp, settings, caplog):
    codes = [_submit(people, who) for who in ("citizen", "citizen2", "citizen3")]
    settings.EMAIL_PORT = _free_port()  # nothing listens there

    assert delivery.deliver_pending() == {"delivered": 0, "failed": 1}  # the channel stops at the first refusal
    assert smtp.messages == []
    first, *rest = Delivery.objects.order_by("id")
    assert first.status == "failed" and first.attempts == 1 and "ConnectionRefusedError" in first.last_error
    assert first.next_attempt_at > first.created_at  # back-off: not before 30 s
    # The others were given back untried, for the next sweep.
    assert [(d.status, d.attempts, d.claimed_until) for d in rest] == [("queued", 0, None)] * 2
    assert "failed, attempt 1" in caplog.text

    settings.EMAIL_PORT = smtp.port  # the server is back
    assert delivery.deliver_pending() == {"delivered": 2, "failed": 0}
    assert delivery.deliver_pending() == {"delivered": 0, "failed": 0}  # the failed one waits its back-off
    with freeze_time(first.next_attempt_at):
        assert delivery.deliver_pending() == {"delivered": 1, "failed": 0}
    assert sorted(smtp.subjects) == sorted(f"Hồ sơ {code} đã được nộp" for code in codes)
    assert [rcpt for _, rcpt, _ in smtp.messages] == [[EMAILS["citizen2"]], [EMAILS["citizen3"]], [EMAILS["citizen"]]]
    assert Delivery.objects.get(pk=first.pk).attempts == 2


def test_a_refused_mail_goes_dead_without_holding_back_the_others_and_is_replayed(people, smtp, caplog):
    codes = {who: _submit(people, who) for who in ("citizen", "citizen2", "citizen3")}
    smtp.refuse.add(EMAILS["citizen2"])

    assert delivery.deliver_pending() == {"delivered": 2, "failed": 1}
    assert [rcpt for _, rcpt, _ in smtp.messages] == [[EMAILS["citizen"]], [EMAILS["citizen3"]]]
    refused = Delivery.objects.get(key=codes["citizen2"])
    # Refused for good (550): dead at once, no retry wasted on it.
    assert refused.status == DeliveryStatus.DEAD and refused.attempts == 1
    assert "SMTPRecipientsRefused" in refused.last_error and "dead" in caplog.text
    assert Delivery.objects.filter(status="sent").count() == 2

    newer = _submit(people, "citizen3")
    assert delivery.deliver_pending() == {"delivered": 1, "failed": 0}
    assert smtp.subjects[-1] == f"Hồ sơ {newer} đã được nộp"

    smtp.refuse.clear()  # the mailbox exists again; the administrator replays
    assert delivery.QUEUE.replay() == 1
    assert delivery.deliver_pending() == {"delivered": 1, "failed": 0}
    assert [rcpt for _, rcpt, _ in smtp.messages].count([EMAILS["citizen2"]]) == 1
    assert len(smtp.messages) == 4 == Delivery.objects.filter(status="sent").count()


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_each_mail_exactly_once(people, smtp, monkeypatch):
    # On PostgreSQL the claims skip each other's locked rows (SELECT … FOR UPDATE SKIP LOCKED);
    # on SQLite they queue on the database lock. Small claims and a slow server make the two overlap.
    codes = [_submit(people, who) for _ in range(6) for who in ("citizen", "citizen2")]
    monkeypatch.setattr(delivery, "CLAIM_SIZE", 2)
    smtp.delay = 0.02
    barrier = threading.Barrier(2)
    answers: list[dict] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            barrier.wait(timeout=10)
            answers.append(delivery.deliver_pending())
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sum(a["delivered"] for a in answers) == len(codes) and all(a["failed"] == 0 for a in answers)
    assert all(a["delivered"] > 0 for a in answers), answers  # both took part
    assert sorted(smtp.subjects) == sorted(f"Hồ sơ {code} đã được nộp" for code in codes)
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert not OutboxEvent.objects.filter(delivered_at__isnull=True).exists()
