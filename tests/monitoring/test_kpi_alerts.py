"""The daily digest to leaders: dossiers at risk and indicators below target, through the outbox and mail."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core import mail

from motcua.dossiers import actions
from motcua.identity.models import User
from motcua.monitoring.alerts import send_digests
from motcua.notifications.delivery import deliver_pending
from motcua.notifications.models import OutboxEvent
from tests.conftest import BIRTH, BIRTH_COMPONENTS

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def test_leaders_get_one_digest_a_day_with_late_dossiers_and_missed_targets(demo, settings, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    User.objects.filter(username__in=["monitor_province", "approver_anbinh"]).update(email="leader@example.org")
    User.objects.filter(username="monitor_province").update(language="en")  # chose English on the site
    citizen = User.objects.get(username="citizen")
    # An in-person birth registration received on a Monday, due the next day, still open on Friday: late.
    received = datetime(2026, 3, 2, 9, 0, tzinfo=HCM)
    monkeypatch.setattr("django.utils.timezone.now", lambda: received)
    dossier = actions.submit(citizen, "1.001193", dict(BIRTH), components=BIRTH_COMPONENTS, channel=1)
    actions.perform(dossier.code, "receive", User.objects.get(username="onestop_anbinh"))
    friday = received + timedelta(days=4)
    monkeypatch.setattr("django.utils.timezone.now", lambda: friday)
    actions.mark_deadlines(friday)

    assert send_digests(friday.replace(hour=6)) == 0  # before 07:00: not yet
    assert send_digests(friday) == 2  # the province monitor and the commune's approver
    assert send_digests(friday + timedelta(hours=3)) == 0  # once a day
    events = list(OutboxEvent.objects.filter(topic="mail").order_by("key"))
    # The commune approver's digest (they never chose a language: Vietnamese).
    body = next(e.payload["body"] for e in events if "approver_anbinh" in e.key)
    assert dossier.code in body and "Quá hạn" in body
    assert "Tỷ lệ hồ sơ trực tuyến toàn trình: 0.00% (chỉ tiêu" in body  # in person only: 0 % of 70 %
    assert deliver_pending()["delivered"] >= 2
    digests = [m for m in mail.outbox if m.to == ["leader@example.org"]]
    assert len(digests) == 2
    # Each leader reads it in their own language: the commune's approver never chose (Vietnamese).
    assert sorted(m.subject.startswith("Bản tin chỉ số") for m in digests) == [False, True]
    english = next(m for m in digests if not m.subject.startswith("Bản tin chỉ số"))
    assert dossier.code in english.body and "(Overdue)" in english.body and "Quá hạn" not in english.body
