"""The texts (one SMS segment where they can be, in vi/en/bn), phone numbers, the profile's channels, the demo SMS
gateway, the officers' reminders, the dossier page's delivery block and the dead-letter page."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
from django.core import checks
from django.core.exceptions import ValidationError
from django.utils import translation

from motcua.dossiers import actions
from motcua.dossiers.models import Dossier
from motcua.identity.models import User
from motcua.notifications import delivery, phones
from motcua.notifications.models import Delivery, DeliveryStatus, DemoSms, OutboxEvent, Preference
from motcua.notifications.officers import remind_officers
from motcua.notifications.texts import TEMPLATES, sms_segments, sms_text, without_diacritics
from motcua.ops.checks import no_demo_in_production
from tests.notifications.test_notifications_mail import _submit

import_module("motcua.urls")
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CODE = "000.00.17.H56-261207-0012"  # a real code's length (25 characters)
LONG = {"code": CODE, "date": "10/12/2026", "amount": "1.250.000",
        "reason": "Giấy chứng sinh bị mờ, không đọc được số hiệu và ngày cấp; đề nghị chụp lại bản gốc rõ nét",
        "items": "Giấy chứng sinh; Văn bản ủy quyền; Giấy tờ chứng minh nơi cư trú của người mẹ",
        "when": "09:00 10/12/2026", "place": "Bếp ăn tập thể Công ty May An Bình, Khu công nghiệp An Bình, tỉnh Demo"}


# --- texts ----------------------------------------------------------------------------------------


def test_segments_count_gsm7_and_ucs2():
    assert sms_segments("a" * 160) == 1 and sms_segments("a" * 161) == 2 and sms_segments("{" * 80) == 1
    assert sms_segments("ấ" * 70) == 1 and sms_segments("ấ" * 71) == 2 and sms_segments("ক" * 134) == 2
    assert without_diacritics("Hồ sơ đã được nộp. Đăng ký") == "Ho so da duoc nop. Dang ky"


@pytest.mark.parametrize("language", ["vi", "en", "bn"])
def test_every_sms_fits_one_segment_in_every_language(language):
    with translation.override(language):
        for topic, template in TEMPLATES.items():
            text = sms_text(template, LONG, language)
            assert CODE in text, (topic, text)
            assert sms_segments(text) == 1, (language, topic, len(text), text)
            if language != "vi":  # translated, not the Vietnamese source
                assert "Hồ sơ" not in text and "Ho so" not in text, (language, topic, text)
            if language == "vi":
                assert text.isascii(), text  # GSM-7, 160 a segment


def test_a_long_value_is_shortened_in_the_sms_to_one_segment():
    items = LONG["items"] + "; " + LONG["items"]
    with translation.override("vi"):
        vi = sms_text(TEMPLATES["dossier.request_supplement"], {**LONG, "items": items}, "vi")
    assert vi.startswith(f"Ho so {CODE} can bo sung: Giay chung sinh; Van ban uy quyen") and vi.endswith("...")
    assert sms_segments(vi) == 1 and len(vi) > 150  # cut no more than needed
    with translation.override("bn"):
        bn = sms_text(TEMPLATES["dossier.request_supplement"], LONG, "bn")
    assert bn.endswith("...") and CODE in bn and sms_segments(bn) == 1


# --- phone numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "stored"), [
    ("0912 345 678", "+84912345678"), ("+84 912-345-678", "+84912345678"), ("+8801712345678", "+8801712345678"),
    ("+84 912 345 678", "+84912345678"), ("0912345678", "+84912345678"),
    ("+44 7911 123456", "+447911123456"),
])
def test_valid_numbers_are_stored_in_e164(given, stored):
    assert phones.normalize(given) == stored


@pytest.mark.parametrize("given", ["12345", "0912", "+84 123", "hello", "+999 1234567", "0912345678901234"])
def test_invalid_numbers_are_refused_with_a_reason(given):
    with pytest.raises(ValidationError) as err:
        phones.normalize(given)
    assert "Số điện thoại" in str(err.value.messages[0]) or "không tồn tại" in str(err.value.messages[0])


def test_a_landline_is_refused_for_sms():
    with pytest.raises(ValidationError) as err:
        phones.normalize("024 3825 3030")  # a Hanoi landline
    assert err.value.code == "not_mobile"


# --- the profile page --------------------------------------------------------------------------------


def test_the_profile_saves_channels_and_phone(people, client):
    client.force_login(people["citizen"])
    page = client.get("/profile/notifications/")
    assert page.status_code == 200 and 'type="tel"' in page.content.decode()
    saved = client.post("/profile/notifications/", {"email": "on", "sms": "on", "phone": "0912 345 678"})
    assert saved.status_code == 302
    pref = Preference.objects.get(user=people["citizen"])
    assert (pref.email, pref.sms, pref.phone) == (True, True, "+84912345678")


def test_the_profile_takes_the_address_the_mail_goes_to(people, client):
    # The e-ID gives no e-mail address: the person types the one they want the mail at.
    citizen = people["citizen"]
    citizen.email = ""
    citizen.save(update_fields=["email"])
    client.force_login(citizen)
    assert 'name="address"' in client.get("/profile/notifications/").content.decode()
    refused = client.post("/profile/notifications/", {"email": "on", "address": "an.nguyen@"})
    assert refused.status_code == 422 and "Địa chỉ thư điện tử không hợp lệ." in refused.content.decode()
    client.cookies["django_language"] = "en"
    refused = client.post("/profile/notifications/", {"email": "on", "address": "an.nguyen@"})
    assert refused.status_code == 422 and "The e-mail address is not valid." in refused.content.decode()
    citizen.refresh_from_db()
    assert citizen.email == ""
    saved = client.post("/profile/notifications/", {"email": "on", "sms": "on", "phone": "0912345678",
                                                   "address": "an.nguyen@example.vn"})
    assert saved.status_code == 302
    citizen.refresh_from_db()
    assert citizen.email == "an.nguyen@example.vn"
    assert 'value="an.nguyen@example.vn"' in client.get("/profile/notifications/").content.decode()
    code = _submit(people)
    delivery.fan_out()
    assert set(Delivery.objects.filter(key=code).values_list("channel", "address")) == {
        ("email", "an.nguyen@example.vn"), *( {("sms", "+84912345678")} if "sms" in _available() else set())}


def _available() -> list[str]:
    from motcua.notifications import channels

    return channels.available()


@pytest.mark.parametrize(("form", "message"), [
    ({"sms": "on", "phone": "12345"}, "không tồn tại trong kế hoạch đánh số"),
    ({"sms": "on", "phone": ""}, "Hãy nhập số điện thoại di động"),
    ({"sms": "on", "phone": "hello"}, "Số điện thoại không hợp lệ"),
])
def test_the_profile_refuses_a_bad_number_clearly(people, client, form, message):
    client.force_login(people["citizen"])
    answer = client.post("/profile/notifications/", form)
    assert answer.status_code == 422
    assert message in answer.content.decode()
    assert 'aria-invalid="true"' in answer.content.decode()


def test_the_profile_refuses_a_nul_before_anything_is_saved(people, client):
    # NUL is refused for every form by the middleware (api/middleware.py), before the view runs.
    client.force_login(people["citizen"])
    answer = client.post("/profile/notifications/", {"sms": "on", "phone": "0912\x00345678"})
    assert answer.status_code == 400
    assert not Preference.objects.filter(user=people["citizen"]).exists()
    assert not Preference.objects.exists()


def test_the_profile_in_english_says_it_in_english(people, client):
    client.force_login(people["citizen"])
    client.cookies["django_language"] = "en"
    answer = client.post("/profile/notifications/", {"sms": "on", "phone": "12345"})
    assert answer.status_code == 422
    assert "does not exist in the numbering plan" in answer.content.decode()


def test_the_profile_needs_a_signed_in_person(client, demo):
    answer = client.get("/profile/notifications/")
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


# --- the demo SMS gateway ---------------------------------------------------------------------------


def test_the_demo_gateway_receives_dedupes_and_answers_by_number(client, demo, settings):
    assert settings.DEMO_SMS_ENABLED
    url = "/demo-sms/api/messages"
    sent = client.post(url, {"id": "m-1", "to": "0912345678", "text": "Xin chao"}, content_type="application/json")
    assert sent.status_code == 201 and sent.json()["to"] == "+84912345678"
    again = client.post(url, {"id": "m-1", "to": "0912345678", "text": "Xin chao"}, content_type="application/json")
    assert again.status_code == 201 and DemoSms.objects.count() == 1  # the resend, dropped by its id
    answer = client.get(url, {"to": "+84912345678"})
    assert answer.status_code == 200
    assert [(m["id"], m["text"]) for m in answer.json()["messages"]] == [("m-1", "Xin chao")]
    assert client.get(url, {"to": "+8801712345678"}).json()["messages"] == []
    # The number typed in the URL as is: its "+" reaches the server as a space, and still means "+".
    bd = client.post(url, {"id": "m-2", "to": "+8801712345678", "text": "Hello"}, content_type="application/json")
    assert bd.status_code == 201
    for raw in ("+8801712345678", "%2B8801712345678", "+84912345678"):
        answer = client.get(f"{url}?to={raw}")
        assert answer.status_code == 200 and len(answer.json()["messages"]) == 1, raw
    assert client.get(f"{url}?to=+12345").status_code == 400
    assert client.get(url, {"to": "nonsense"}).status_code == 400
    for bad in ({"to": "0912345678", "text": "x", "extra": 1}, {"to": "0912345678", "text": "a\x00b"}, [1],
                {"to": "1", "text": "x"}, {"to": "0912345678", "text": 5}):
        assert client.post(url, bad, content_type="application/json").status_code in (400, 422), bad
    assert client.post(url, "not json", content_type="application/json").status_code == 400
    page = client.get("/demo-sms/", {"to": "0912345678"})
    assert page.status_code == 200 and "Xin chao" in page.content.decode()


def test_the_demo_provider_lands_texts_on_the_gateway(people, settings):
    settings.SMS_PROVIDER = "demo"
    Preference.objects.create(user=people["citizen"], email=False, sms=True, phone="+84912345678")
    code = _submit(people)
    assert delivery.deliver_pending() == {"delivered": 1, "failed": 0}
    [message] = DemoSms.objects.all()
    assert message.to == "+84912345678" and code in message.text
    assert message.message_id == str(Delivery.objects.get().uid)


def test_the_deploy_check_refuses_the_demo_gateway_without_debug(settings):
    settings.DEBUG = False
    settings.DEMO_SMS_ENABLED = True
    found = {m.id: m for m in no_demo_in_production(None)}
    assert "ops.E005" in found and isinstance(found["ops.E005"], checks.Error)
    settings.DEMO_SMS_ENABLED = False
    assert "ops.E005" not in {m.id for m in no_demo_in_production(None)}


# --- officers --------------------------------------------------------------------------------------


def test_officers_are_reminded_of_dossiers_due_tomorrow_and_late_once(people):
    officer = people["specialist_anbinh"]
    officer.email = "chuyenvien@example.vn"
    officer.save(update_fields=["email"])
    code = _submit(people)
    actions.perform(code, "receive", people["onestop_anbinh"])
    actions.perform(code, "start_processing", officer)
    due = Dossier.objects.get(code=code).due_at
    day_before = timezone_local(due) - timedelta(days=1)
    assert remind_officers(now=day_before) == {"due_tomorrow": 1, "late": 0}
    assert remind_officers(now=day_before) == {"due_tomorrow": 0, "late": 0}  # once
    assert remind_officers(now=due + timedelta(hours=1)) == {"due_tomorrow": 0, "late": 1}
    assert remind_officers(now=due + timedelta(hours=2)) == {"due_tomorrow": 0, "late": 0}
    delivery.deliver_pending()
    rows = Delivery.objects.filter(address="chuyenvien@example.vn").order_by("id")
    assert [(r.topic, r.audience) for r in rows] == [("officer.due_tomorrow", "officer"), ("officer.late", "officer")]
    assert all(r.status == DeliveryStatus.SENT for r in rows)
    assert rows[0].subject == f"Hồ sơ {code} đến hạn trả kết quả ngày mai"


def timezone_local(moment: datetime) -> datetime:
    return moment.astimezone(HCM).replace(hour=9, minute=0)


# --- the dossier page and the dead letters ------------------------------------------------------------


def test_the_dossier_page_shows_the_deliveries(people, client):
    Preference.objects.create(user=people["citizen"], email=True, sms=True, phone="+84912345678")
    people["citizen"].email = "an@example.vn"
    people["citizen"].save(update_fields=["email"])
    code = _submit(people)
    delivery.fan_out()
    client.force_login(people["citizen"])
    page = client.get(f"/my/dossiers/{code}/").content.decode()
    assert "Thông báo đã gửi" in page and "đang chờ gửi" in page and "SMS" in page
    client.force_login(people["onestop_anbinh"])
    page = client.get(f"/office/dossiers/{code}/").content.decode()
    assert "Thông báo đã gửi" in page and "+84912345678" in page


def test_dead_letters_page_for_administrators_only(people, client, settings):
    settings.SMS_PROVIDER = "http"
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/none"
    Preference.objects.create(user=people["citizen"], email=False, sms=True, phone="+84912345678")
    _submit(people)
    delivery.fan_out()
    row = Delivery.objects.get()
    Delivery.objects.filter(pk=row.pk).update(status=DeliveryStatus.DEAD, attempts=8, last_error="HTTP 400")
    for who in ("citizen", "onestop_anbinh"):
        client.force_login(people[who])
        assert client.get("/outbox/dead/").status_code == 404
        assert client.post("/outbox/dead/", {"replay": str(row.pk)}).status_code == 404
    admin = User.objects.create_superuser("root", "root@example.vn", "x")
    client.force_login(admin)
    page = client.get("/outbox/dead/")
    assert page.status_code == 200 and "+84912345678" in page.content.decode() and "HTTP 400" in page.content.decode()
    assert client.post("/outbox/dead/", {"replay": "1" * 40}).status_code == 400
    assert client.post("/outbox/dead/", {"replay": str(row.pk)}).status_code == 302
    assert Delivery.objects.get().status == DeliveryStatus.QUEUED and Delivery.objects.get().attempts == 0
    assert OutboxEvent.objects.count() == 1


def test_json_of_the_status_command_is_valid(demo, capsys):
    from django.core.management import call_command

    call_command("outbox", "status", "--json")
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"channels", "queues"}


@pytest.mark.parametrize("username", ["citizen", "specialist_anbinh"])
def test_everyone_reaches_their_notification_settings_from_their_name_in_the_header(demo, username):
    from tests.conftest import logged_in

    page = logged_in(username)
    home = page.get("/").content.decode()
    assert 'class="user-link" href="/profile/notifications/"' in home
    settings_page = page.get("/profile/notifications/")
    assert settings_page.status_code == 200
    assert 'aria-current="page"' in settings_page.content.decode().split('class="user-link"', 1)[1][:80]
