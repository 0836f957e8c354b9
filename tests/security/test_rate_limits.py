"""Rate limits and lockouts (motcua/lib/ratelimit.py): 429 with Retry-After on pages and in the API."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client

from motcua.identity.models import ApiToken, User
from motcua.lib.ratelimit import Rate, hit
from motcua.petitions.models import Petition
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_rates_are_read_as_count_per_period():
    assert Rate.parse("5/15m") == Rate(5, 900)
    assert Rate.parse("30/m") == Rate(30, 60)
    assert Rate.parse("1000/h") == Rate(1000, 3600)
    for bad in ("5", "x/m", "5/15y", "5/m5"):
        with pytest.raises(ValueError):
            Rate.parse(bad)


def test_a_window_counts_and_tells_how_long_to_wait(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "verify": "3/m"}
    keys = ["ip:192.0.2.1"]
    assert [hit("verify", keys, now=1000.0) for _ in range(3)] == [None, None, None]
    assert hit("verify", keys, now=1010.0) == 10  # the window of [960, 1020) ends in 10 s
    assert hit("verify", ["ip:192.0.2.2"], now=1010.0) is None  # another address has its own count
    assert hit("verify", keys, now=1020.0) is None  # a new window


def test_limits_can_be_turned_off(settings):
    settings.RATE_LIMITS_ENABLED = False
    assert all(hit("verify", ["ip:192.0.2.1"]) is None for _ in range(100))


def _login(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_wrong_passwords_lock_the_account_even_to_the_right_one(demo, settings):
    settings.LANGUAGE_CODE = "vi"
    client = Client()
    for _ in range(5):
        r = _login(client, "onestop_anbinh", "wrong-password")
        assert r.status_code == 200
    r = _login(client, "onestop_anbinh", "demo-motcua")
    assert r.status_code == 429
    assert 800 <= int(r["Retry-After"]) <= 900
    page = r.content.decode()
    assert "Đăng nhập sai quá nhiều lần" in page and "15 phút" in page
    assert "_auth_user_id" not in client.session
    # Another account from another address is not locked.
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert _login(other, "onestop_hoathuan", "demo-motcua").status_code == 302


def test_the_lockout_message_is_in_the_users_language(demo):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(6):
        r = _login(client, "citizen", "nope")
    assert r.status_code == 429 and "Too many failed log-ins" in r.content.decode()


def test_many_accounts_from_one_address_lock_the_address(demo):
    client = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [_login(client, f"nobody{i}", "x").status_code for i in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429
    assert _login(Client(REMOTE_ADDR="203.0.113.10"), "nobody0", "x").status_code == 200


def test_a_right_password_before_the_limit_forgets_the_accounts_failures(demo):
    client = Client()
    for _ in range(4):
        _login(client, "onestop_anbinh", "wrong")
    assert _login(client, "onestop_anbinh", "demo-motcua").status_code == 302
    client.logout()
    for _ in range(4):
        assert _login(client, "onestop_anbinh", "wrong").status_code == 200


def test_the_demo_e_id_provider_locks_out_too(demo, settings):
    client = Client()
    for _ in range(5):
        assert client.post("/idp/login/", {"username": "citizen", "password": "bad"}).status_code == 200
    r = client.post("/idp/login/", {"username": "citizen", "password": "demo-motcua"})
    assert r.status_code == 429 and r["Retry-After"]


def test_unknown_api_tokens_from_one_address_get_429(demo):
    bad = ApiClient(None, token="not-a-token")
    statuses = [bad.get("/dossiers").status_code for _ in range(31)]
    assert statuses[:30] == [401] * 30
    r = bad.get("/dossiers")
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    assert r.json()["code"] == "too_many_requests"
    # Even a good token from that address waits: the address is locked, not the token.
    good = ApiClient(None, token=ApiToken.issue(User.objects.get(username="citizen")))
    assert good.get("/dossiers").status_code == 429
    elsewhere = Client(REMOTE_ADDR="198.51.100.20")
    assert elsewhere.get("/api/v1/dossiers", headers=good.headers).status_code == 200


def test_failed_e_id_callbacks_are_limited(db):
    client = Client()
    statuses = [client.get("/oidc/callback/?code=x&state=made-up").status_code for _ in range(21)]
    assert statuses[:20] == [400] * 20
    r = client.get("/oidc/callback/?code=x&state=made-up")
    assert r.status_code == 429 and r["Retry-After"]


def test_the_provider_token_endpoint_is_limited(demo, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "oauth_token": "3/m"}
    client = Client()
    statuses = [client.post("/idp/token/", {"grant_type": "authorization_code", "code": "x"}).status_code
                for _ in range(4)]
    assert statuses[:3] == [400, 400, 400] or all(s < 429 for s in statuses[:3])
    assert statuses[3] == 429


def test_submissions_are_limited_by_account(demo, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "submit": "2/h"}
    citizen = ApiClient("citizen")
    statuses = [citizen.post("/dossiers", {"procedure": "nope", "data": {}}).status_code for _ in range(3)]
    assert statuses[:2] != [429, 429] and statuses[2] == 429
    r = citizen.post("/dossiers", {"procedure": "nope", "data": {}})
    assert r.status_code == 429 and r.json()["code"] == "too_many_requests" and int(r["Retry-After"]) <= 3600
    # Another citizen still submits (the address allowance is higher).
    assert ApiClient("citizen2").post("/dossiers", {"procedure": "nope", "data": {}}).status_code != 429


def test_uploads_are_limited(demo, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "upload": "2/h"}
    citizen = ApiClient("citizen")
    assert [citizen.upload().status_code for _ in range(3)] == [201, 201, 429]


def test_verify_is_limited_by_address_with_a_page(db, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "verify": "2/m"}
    client = Client()
    assert [client.get("/verify/").status_code for _ in range(2)] == [200, 200]
    r = client.get("/verify/")
    assert r.status_code == 429 and r["Retry-After"] and r["Content-Type"].startswith("text/html")
    assert "Quá nhiều yêu cầu" in r.content.decode()


def test_the_time_stamping_authority_is_limited(db, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "tsa": "1/m"}
    client = Client()
    assert client.post("/pki/tsa", b"junk", content_type="application/timestamp-query").status_code != 429
    r = client.post("/pki/tsa", b"junk", content_type="application/timestamp-query")
    assert r.status_code == 429 and r["Retry-After"]


def test_petition_filing_is_limited_in_the_api_and_on_the_page(demo, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "petition": "2/h"}
    citizen = ApiClient("citizen")
    body = {"kind": "feedback", "subject": "Đèn đường hỏng", "body": "Thôn 2 tối.", "unit": "000.11.00.H99"}
    assert [citizen.post("/petitions", body).status_code for _ in range(2)] == [201, 201]
    r = citizen.post("/petitions", body)
    assert r.status_code == 429 and r.json()["code"] == "too_many_requests" and 0 < int(r["Retry-After"]) <= 3600
    # The page: the same limit by account (its own window), a 429 page with Retry-After, nothing filed.
    page = Client()
    page.force_login(User.objects.get(username="citizen2"))
    for _ in range(2):
        page.post("/petitions/new/", {"kind": "feedback"})  # invalid forms count too: each is a filing attempt
    filed = Petition.objects.count()
    r = page.post("/petitions/new/", {**body, "topic": "other"})
    assert r.status_code == 429 and int(r["Retry-After"]) > 0 and r["Content-Type"].startswith("text/html")
    assert Petition.objects.count() == filed
    assert page.get("/petitions/new/").status_code == 200  # reading the form is not limited


def test_the_per_contact_petition_limit_answers_the_same_429_on_the_page(demo, settings, monkeypatch):
    from datetime import timedelta

    monkeypatch.setattr("motcua.petitions.limits.FILING_LIMITS", ((1, timedelta(hours=1)),))
    citizen = ApiClient("citizen")
    body = {"kind": "feedback", "subject": "Đèn đường hỏng", "body": "Thôn 2 tối.", "unit": "000.11.00.H99"}
    assert citizen.post("/petitions", body).status_code == 201
    r = citizen.post("/petitions", body)
    assert r.status_code == 429 and r.json()["code"] == "too_many_requests" and int(r["Retry-After"]) > 0
    page = Client()
    page.force_login(User.objects.get(username="citizen"))
    r = page.post("/petitions/new/", {**body, "topic": "other"})
    assert r.status_code == 429 and int(r["Retry-After"]) > 0 and "text/html" in r["Content-Type"]


def test_webhook_subscriptions_are_limited(demo, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "webhook": "2/h"}
    admin = ApiClient("admin_province")
    body = {"unit": "999.99.99.X", "url": "https://example.org/hook", "event_types": ["dossier.submitted"]}
    statuses = [admin.post("/webhooks", body).status_code for _ in range(3)]
    assert 429 not in statuses[:2] and statuses[2] == 429
    r = admin.post("/webhooks", body)
    assert r.status_code == 429 and r.json()["code"] == "too_many_requests" and 0 < int(r["Retry-After"]) <= 3600
    assert admin.get("/webhooks").status_code == 200  # listing is not limited


def test_catalogue_drafts_and_imports_are_limited(demo, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "catalog_write": "2/h", "catalog_import": "1/h"}
    editor = ApiClient("catalog_editor")
    answers = [editor.post("/catalog/drafts", {"code": "1.999501"}).status_code for _ in range(3)]
    assert answers == [201, 201, 429]
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").close()  # an empty zip: no file, no draft

    def send():
        return editor.client.post("/api/v1/catalog/imports", {"file": io.BytesIO(buffer.getvalue())},
                                  headers=editor.headers)

    first, second = send(), send()
    assert (first.status_code, second.status_code) == (200, 429) and second["Retry-After"]
