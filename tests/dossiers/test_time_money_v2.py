"""Procedures that use format v2's time and money walk to their results with the right due dates and fees.

3.000333 (15 working days when verification is needed), an obligation that stops the clock and a
step's inner deadline in calendar days, 1.004873 (valid six months, the holder reminded), a
province's own fee table for a period, and 2.002040's two charges on the payment's lines and receipt.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from unittest import mock

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from motcua.catalog import timing
from motcua.dossiers import deadlines
from motcua.dossiers.actions.expiry_job import remind_expiring
from motcua.dossiers.models import DossierEvent, Status
from motcua.monitoring.contributions import ALWAYS_ON_TIME, in_time_ends, open_key
from motcua.monitoring.rebuild import differences
from motcua.notifications.models import OutboxEvent
from motcua.payments.models import Payment
from motcua.payments.receipts import line_label
from motcua.vault.models import Origin, VaultDocument
from tests.conftest import logged_in
from tests.walker import DEFINITIONS, Walker, worker

RECORD = "3.000333-phieu-ly-lich-tu-phap.yaml"
MARITAL = "1.004873-xac-nhan-tinh-trang-hon-nhan.yaml"
COMPANY = "2.002040-dang-ky-thanh-lap-cong-ty-tnhh-mot-thanh-vien.yaml"


def _import(tmp_path, definition: dict) -> dict:
    """A changed definition imported as the procedure's new version (the test's transaction undoes it)."""
    path = tmp_path / f"{definition['code']}.yaml"
    path.write_text(yaml.safe_dump(definition, allow_unicode=True, sort_keys=False), encoding="utf-8")
    call_command("catalog", "import", str(path))
    return definition


def _received_due(walker: Walker, days: int):
    d = walker.dossier
    return deadlines.due_at(d.received_at, days, d.unit)


def test_verification_needed_gives_fifteen_working_days(demo):
    definition = DEFINITIONS[RECORD]
    walker = Walker(definition)
    walker.submit(data={**definition["example"], "needs_verification": True})
    walker.receive()
    assert walker.dossier.due_at == _received_due(walker, 15)
    walker.process()
    assert walker.finish()["status"] == 10


def test_the_plain_case_keeps_ten_working_days(demo):
    walker = Walker(DEFINITIONS[RECORD])
    walker.submit()
    walker.receive()
    assert walker.dossier.due_at == _received_due(walker, 10)


def test_a_shorter_time_by_channel_shrinks_the_steps(demo, tmp_path):
    definition = copy.deepcopy(DEFINITIONS[RECORD])
    definition["processing_times"] = [{"when": {"field": "$channel", "equals": 2}, "days": 5}]
    _import(tmp_path, definition)
    walker = Walker(definition)
    walker.submit()
    walker.receive()
    assert walker.dossier.due_at == _received_due(walker, 5)
    lookup = next(t for t in walker.tasks() if t.step == "lookup")
    assert lookup.days == 3.5  # 7 of 10 days: 7 × 5/10


def test_an_obligation_stops_the_clock_and_an_inner_deadline_is_shown(demo, tmp_path):
    definition = copy.deepcopy(DEFINITIONS[RECORD])
    definition["obligations"] = [{"id": "financial", "name": {"vi": "Nộp thuế", "en": "Pay the taxes"},
                                  "steps": ["lookup"]}]
    next(s for s in definition["workflow"]["steps"] if s["id"] == "lookup")["calendar_days"] = 3
    _import(tmp_path, definition)
    walker = Walker(definition)
    walker.submit()
    walker.receive()
    lookup = walker.open_work()[0]
    who = worker(lookup.unit, lookup.role)
    walker.act(who, "start_processing", {"task": "lookup"})
    task = next(t for t in walker.tasks() if t.step == "lookup")
    # Seven working days' share, but the law's three calendar days come first.
    assert task.due_at == timing.inner_due(task.opened_at, 3, timezone.get_current_timezone())
    due_before = walker.dossier.due_at
    walker.act(who, "request_obligation", {"obligation": "unknown"}, expect=422)
    # Asked from the officer's page: its form offers the procedure's obligations.
    page = logged_in(who)
    detail = page.get(reverse("backoffice:dossier", args=[walker.code]))
    assert b'name="obligation"' in detail.content and b'value="financial"' in detail.content
    r = page.post(reverse("backoffice:act", args=[walker.code, "request_obligation"]), {"obligation": "financial"})
    assert r.status_code == 302, r.content
    assert walker.get()["status"] == Status.PAYMENT_REQUESTED
    walker.actions.append("request_obligation")
    assert b"fulfil_obligation" in page.get(reverse("backoffice:dossier", args=[walker.code])).content
    d = walker.dossier
    assert d.paused_at is not None and d.payment_due == 0
    # Nothing to pay online: the obligation is outside motcua.
    assert walker.citizen.post(f"/dossiers/{walker.code}/payments", {}).status_code == 409
    # A week later the officer confirms it: every due date moves by them.
    later = timezone.now() + timedelta(days=7)
    with mock.patch("django.utils.timezone.now", return_value=later):
        walker.forget_tokens()
        walker.act(who, "fulfil_obligation", {"reference": "BL-2026/001"})
    d = walker.dossier
    calendar = deadlines.calendar(d.unit)
    waited = calendar.working_days_between(timezone.localdate(), timezone.localdate(later))
    assert waited >= 3
    assert d.status == Status.PROCESSING and d.paused_at is None and d.paused_days == waited
    assert d.due_at == deadlines.shift(due_before, waited, calendar)
    event = DossierEvent.objects.filter(dossier=d, action="fulfil_obligation").get()
    assert event.data == {"paused_days": waited, "reference": "BL-2026/001"}


def test_an_obligation_awaited_past_the_legal_date_does_not_make_the_dossier_late(demo, tmp_path):
    """§5.1: the legal due date moves by the obligation's wait, and while it waits the verdict stands still."""
    definition = copy.deepcopy(DEFINITIONS[RECORD])
    definition["obligations"] = [{"id": "financial", "name": {"vi": "Nộp thuế", "en": "Pay the taxes"},
                                  "steps": ["lookup"]}]
    _import(tmp_path, definition)
    walker = Walker(definition)
    walker.submit()
    walker.receive()
    lookup = walker.open_work()[0]
    who = worker(lookup.unit, lookup.role)
    walker.act(who, "start_processing", {"task": "lookup"})
    walker.act(who, "request_obligation", {"obligation": "financial"})
    d = walker.dossier
    legal = d.legal_due_at
    # Waiting, the dossier is judged as it stood when the clock stopped: within its date, whatever the day.
    for by_date in (False, True):
        assert open_key(d, by_date) == ALWAYS_ON_TIME
        assert in_time_ends(d, by_date) is None
    assert differences() == {"DailyCounter": 0, "MonthlyCounter": 0, "OpenCounter": 0}
    # Done a month later, well past the legal date it had: that date moved by the wait, so it is still in time.
    later = legal + timedelta(days=30)
    with mock.patch("django.utils.timezone.now", return_value=later):
        walker.forget_tokens()
        walker.act(who, "fulfil_obligation", {"reference": "BL-2026/002"})
    d = walker.dossier
    assert d.legal_due_at > later
    assert open_key(d, False) == timezone.localtime(d.legal_due_at).date()
    assert differences() == {"DailyCounter": 0, "MonthlyCounter": 0, "OpenCounter": 0}


def test_marital_status_certificate_is_valid_six_months_and_its_holder_is_reminded(demo):
    walker = Walker(DEFINITIONS[MARITAL])
    walker.submit()
    assert walker.walk()["status"] == 10
    doc = VaultDocument.objects.get(source_dossier=walker.code, origin=Origin.RESULT)
    issued = doc.issued_on
    assert doc.valid_until == timing.valid_until({"validity": {"months": 6}}, issued)
    assert remind_expiring(doc.valid_until - timedelta(days=31)) == 0
    assert remind_expiring(doc.valid_until - timedelta(days=30)) == 1
    assert remind_expiring(doc.valid_until - timedelta(days=29)) == 0  # once
    event = OutboxEvent.objects.filter(topic="dossier.remind_expiry", key=walker.code).get()
    assert event.payload["valid_until"] == doc.valid_until.isoformat()


@pytest.mark.parametrize(("start", "expected"), [(-10, 0), (10, 5000)])
def test_a_provinces_own_table_in_its_period(demo, tmp_path, start, expected):
    definition = copy.deepcopy(DEFINITIONS[MARITAL])
    walker = Walker(definition)
    today = timezone.localdate()
    definition["fees"]["local"] = [{
        "units": [walker.unit.parent.code if walker.unit.parent else walker.unit.code],
        "from": (today + timedelta(days=start)).isoformat(), "until": (today + timedelta(days=400)).isoformat(),
        "when": {"field": "$channel", "equals": 2}, "basis": "NQ 23/2026/NQ-HĐND",
        "rules": [{"id": "online_free", "amount": 0}],
    }]
    _import(tmp_path, definition)
    body = walker.submit()
    assert body["fee"] == expected
    assert walker.walk()["status"] == 10


def test_two_charges_each_have_their_receipt_line(demo):
    definition = DEFINITIONS[COMPANY]
    walker = Walker(definition)
    assert walker.submit()["fee"] == 100000  # online: no registration fee, the publication fee
    walker.receive()
    task = walker.open_work()[0]
    who = worker(task.unit, task.role)
    walker.act(who, "start_processing", {"task": task.step})
    assert walker.act(who, "request_payment")["status"] == Status.PAYMENT_REQUESTED
    walker.pay()  # through the sandbox gateway (VNPAY's protocol), its IPN applied
    payment = Payment.objects.get(dossier__code=walker.code)
    assert payment.amount == 100000
    assert [(x["charge"], x["amount"]) for x in payment.lines] == [("registration", 0), ("publication", 100000)]
    assert line_label(payment.lines[1]) == "Phí công bố nội dung đăng ký doanh nghiệp: Phí công bố nội dung đăng ký doanh nghiệp"
    walker.process()
    assert walker.finish()["status"] == 10
