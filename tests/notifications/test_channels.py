"""Channels: e-mail (real SMTP, aiosmtpd) and SMS through the generic HTTP provider (a real HTTP receiver).

The applicant hears on the channels they chose, in their language; a channel that fails or
cannot be reached holds back no other; a refused text goes dead and is replayed by
`motcua outbox replay`; `motcua outbox status --json` counts every queue; a rolled-back
action sends nothing; a dead worker's claim comes back within its lease.
"""

from __future__ import annotations

import io
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import import_module

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from freezegun import freeze_time

from motcua.dossiers import actions
from motcua.lib import deliveries
from motcua.notifications import delivery
from motcua.notifications.models import Delivery, DeliveryStatus, OutboxEvent, Preference
from motcua.notifications.texts import sms_segments
from tests.notifications.test_notifications_mail import EMAILS, _free_port, _submit

import_module("motcua.urls")  # before any freeze_time (pydantic schemas of datetime)
PHONE = "+84912345678"


class SmsReceiver:
    """A provider's send endpoint on loopback: keeps what it accepts, answers `status` (default 201)."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, dict]] = []  # (body, headers)
        self.status = 201
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if receiver.delay:
                    threading.Event().wait(receiver.delay)
                if receiver.status < 300:
                    receiver.received.append((body, dict(self.headers)))
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sms(settings):
    receiver = SmsReceiver()
    settings.SMS_PROVIDER, settings.SMS_HTTP_URL, settings.SMS_HTTP_TOKEN = "http", receiver.url, "provider-token"
    settings.SMS_HTTP_TIMEOUT = 5
    yield receiver
    receiver.stop()


def _choose(user, *, email=True, sms=True, phone=PHONE, language=""):
    Preference.objects.update_or_create(user=user, defaults={"email": email, "sms": sms, "phone": phone})
    if language:
        user.language = language
        user.save(update_fields=["language"])


def test_the_applicant_hears_by_sms_and_mail_in_their_language(people, smtp, sms):
    _choose(people["citizen"])
    _choose(people["citizen2"], language="en", phone="+8801712345678")  # a Bangladeshi number, English
    vi, en = _submit(people), _submit(people, "citizen2")

    assert delivery.deliver_pending() == {"delivered": 4, "failed": 0}
    texts = {body["to"]: (body, headers) for body, headers in sms.received}
    body, headers = texts[PHONE]
    # Vietnamese SMS without diacritics (GSM-7: 160 characters a segment), one segment.
    assert body["text"] == f"Ho so {vi} da duoc nop, dang cho tiep nhan." and sms_segments(body["text"]) == 1
    assert headers["Authorization"] == "Bearer provider-token"
    row = Delivery.objects.get(channel="sms", address=PHONE)
    assert body["id"] == headers["Idempotency-Key"] == str(row.uid)  # the provider can drop a resend
    body, _ = texts["+8801712345678"]
    assert body["text"] == f"Dossier {en} has been submitted and awaits reception."
    assert sorted(m["To"] for _, _, m in smtp.messages) == sorted([EMAILS["citizen"], EMAILS["citizen2"]])


def test_sms_only_sends_no_mail(people, smtp, sms):
    _choose(people["citizen"], email=False)
    _submit(people)
    assert delivery.deliver_pending() == {"delivered": 1, "failed": 0}
    assert smtp.messages == [] and len(sms.received) == 1


def test_a_failing_sms_provider_holds_back_no_mail(people, smtp, sms):
    _choose(people["citizen"])
    code = _submit(people)
    sms.status = 500
    assert delivery.deliver_pending() == {"delivered": 1, "failed": 1}
    assert [m["To"] for _, _, m in smtp.messages] == [EMAILS["citizen"]]
    row = Delivery.objects.get(channel="sms")
    assert row.status == DeliveryStatus.FAILED and row.last_error.startswith("RuntimeError: HTTP 500")
    # Retried after its back-off, then sent.
    sms.status = 201
    with freeze_time(row.next_attempt_at + timedelta(seconds=1)):
        assert delivery.deliver_pending() == {"delivered": 1, "failed": 0}
    assert [b["text"] for b, _ in sms.received] == [f"Ho so {code} da duoc nop, dang cho tiep nhan."]


def test_an_unreachable_provider_stops_sms_only(people, smtp, sms, settings):
    for who in ("citizen", "citizen2", "citizen3"):
        _choose(people[who], phone=PHONE)
        _submit(people, who)
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{_free_port()}/down"
    # The three texts of the batch were tried at once (the provider's parallel sends), all refused a
    # connection; the channel is then down for this sweep, and the mails go all the same.
    assert delivery.deliver_pending() == {"delivered": 3, "failed": 3}
    statuses = sorted(Delivery.objects.filter(channel="sms").values_list("status", "attempts"))
    assert statuses == [("failed", 1)] * 3
    assert len(smtp.messages) == 3
    assert all("ConnectionError" in e for e in Delivery.objects.filter(channel="sms").values_list("last_error", flat=True))


def test_a_text_refused_for_good_is_dead_then_replayed_from_the_command(people, smtp, sms):
    _choose(people["citizen"], email=False)
    _submit(people)
    sms.status = 400  # the provider refuses the number
    assert delivery.deliver_pending() == {"delivered": 0, "failed": 1}
    row = Delivery.objects.get()
    assert row.status == DeliveryStatus.DEAD and row.attempts == 1

    out = io.StringIO()
    call_command("outbox", "status", "--json", stdout=out)
    status = json.loads(out.getvalue())
    assert status["channels"]["sms"] == {"pending": 0, "delivered": 0, "dead": 1}
    assert status["queues"]["notifications"]["sms"]["dead"] == 1

    sms.status = 201
    out = io.StringIO()
    call_command("outbox", "replay", stdout=out)
    assert "notifications: 1 replayed" in out.getvalue()
    assert Delivery.objects.get().status == DeliveryStatus.QUEUED
    assert delivery.deliver_pending() == {"delivered": 1, "failed": 0}
    out = io.StringIO()
    call_command("outbox", "status", "--json", stdout=out)
    assert json.loads(out.getvalue())["channels"]["sms"] == {"pending": 0, "delivered": 1, "dead": 0}


def test_dead_after_the_last_attempt(people, sms):
    _choose(people["citizen"], email=False)
    _submit(people)
    sms.status = 503
    now = timezone.now()
    for attempt in range(1, deliveries.MAX_ATTEMPTS + 1):
        with freeze_time(now):
            assert delivery.deliver_pending() == {"delivered": 0, "failed": 1}
        row = Delivery.objects.get()
        assert row.attempts == attempt
        now = row.next_attempt_at + timedelta(seconds=1)
    assert row.status == DeliveryStatus.DEAD
    with freeze_time(now + timedelta(days=2)):
        assert delivery.deliver_pending() == {"delivered": 0, "failed": 0}  # dead waits for a replay


def test_status_counts_every_registered_queue(people, sms):
    class Other:
        name = "webhooks-test"

        def counts(self):
            return {"webhook": deliveries.Counts(pending=2, delivered=5, dead=1)}

        def replay(self, ids=None):
            return 1

    deliveries.register(Other())
    try:
        out = io.StringIO()
        call_command("outbox", "status", "--json", stdout=out)
        assert json.loads(out.getvalue())["channels"]["webhook"] == {"pending": 2, "delivered": 5, "dead": 1}
        out = io.StringIO()
        call_command("outbox", "replay", stdout=out)
        assert "webhooks-test: 1 replayed" in out.getvalue()
    finally:
        deliveries._queues.pop("webhooks-test")


def test_a_rolled_back_action_sends_nothing(people, smtp, sms):
    _choose(people["citizen"])

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        _submit(people)
        assert OutboxEvent.objects.count() == 1
        raise Abort
    assert not OutboxEvent.objects.exists()
    assert delivery.deliver_pending() == {"delivered": 0, "failed": 0}
    assert smtp.messages == [] and sms.received == [] and not Delivery.objects.exists()


def test_a_dead_workers_claim_comes_back_within_its_lease(people, smtp, settings):
    assert settings.NOTIFICATIONS_LEASE_SECONDS <= 60  # "released within a minute"
    _submit(people)
    delivery.fan_out()
    [claimed] = delivery._claim(10, exclude=set(), down=set())  # a worker claims it, then dies
    assert claimed.claimed_until <= timezone.now() + timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS)
    assert delivery.deliver_pending() == {"delivered": 0, "failed": 0}  # held by the dead worker
    with freeze_time(claimed.claimed_until + timedelta(seconds=1)):
        assert delivery.deliver_pending() == {"delivered": 1, "failed": 0}
    assert len(smtp.messages) == 1 and smtp.messages[0][2]["Message-ID"] == claimed.message_id


def test_the_officer_assigned_hears_of_it(people, smtp):
    officer = people["specialist_anbinh"]
    officer.email = "chuyenvien@example.vn"
    officer.save(update_fields=["email"])
    code = _submit(people)
    actions.perform(code, "receive", people["onestop_anbinh"])
    # The approver of the unit hands the open step to a specialist.
    actions.perform(code, "assign", people["approver_anbinh"], payload=actions.Payload(assignee="specialist_anbinh"))
    delivery.deliver_pending()
    to_officer = [m for _, _, m in smtp.messages if m["To"] == "chuyenvien@example.vn"]
    assert [str(m["Subject"]).strip() for m in to_officer] == [f"Bạn được giao xử lý hồ sơ {code}"]
    assert Delivery.objects.get(address="chuyenvien@example.vn").audience == "officer"


@pytest.mark.parametrize("answer", ["timeout", "redirect", "500"])
def test_a_provider_that_hangs_redirects_or_fails_is_retried_then_dead_and_the_mail_goes(people, smtp, sms, settings,
                                                                                        monkeypatch, answer):
    monkeypatch.setattr(deliveries, "MAX_ATTEMPTS", 2)
    settings.SMS_HTTP_TIMEOUT = 1
    if answer == "timeout":
        sms.delay = 2.5
    else:
        sms.status = 302 if answer == "redirect" else 500
    _choose(people["citizen"])
    _submit(people)
    assert delivery.deliver_pending() == {"delivered": 1, "failed": 1}
    assert [m["To"] for _, _, m in smtp.messages] == [EMAILS["citizen"]]  # the mail went all the same
    row = Delivery.objects.get(channel="sms")
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 1)
    expected = {"timeout": "ReadTimeout", "redirect": "HTTP 302", "500": "HTTP 500"}[answer]
    assert expected in row.last_error
    with freeze_time(row.next_attempt_at + timedelta(seconds=1)):
        assert delivery.deliver_pending() == {"delivered": 0, "failed": 1}
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.DEAD, 2)


def test_a_provider_that_hangs_costs_one_timeout_a_sweep_not_one_per_batch(people, smtp, sms, settings):
    # Twenty dossiers, each a text and a mail: several claims of CLAIM_SIZE rows. Each batch's texts waiting out
    # the timeout would hold the mail of every batch behind them; the first timeout stops SMS for this sweep.
    settings.SMS_HTTP_TIMEOUT = 1
    sms.delay = 3
    _choose(people["citizen"])
    codes = [_submit(people) for _ in range(20)]
    started = time.monotonic()
    totals = delivery.deliver_pending()
    took = time.monotonic() - started
    assert totals["delivered"] == 20 and len(smtp.messages) == 20  # every mail went
    tried = Delivery.objects.filter(channel="sms", attempts=1)
    assert 1 <= tried.count() <= delivery.CLAIM_SIZE  # only the first batch's texts waited for the provider
    assert all("ReadTimeout" in e for e in tried.values_list("last_error", flat=True))
    untried = Delivery.objects.filter(channel="sms", attempts=0, status=DeliveryStatus.QUEUED, claimed_until=None)
    assert untried.count() == len(codes) - tried.count()  # handed back, due at the next sweep
    assert took < 3 * settings.SMS_HTTP_TIMEOUT + 2, took
