"""Security headers, cookies, the staff idle timeout, the demo registry and secrets from files."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from motcua.env import env_secret
from motcua.identity.idle import LAST_SEEN
from motcua.identity.models import User
from motcua.ops.headers import content_security_policy
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_every_answer_carries_a_strict_policy(client):
    r = client.get("/")
    policy = r["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
                      "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in policy
    assert "camera=()" in r["Permissions-Policy"] and "geolocation=()" in r["Permissions-Policy"]
    assert r["X-Frame-Options"] == "DENY" and r["Referrer-Policy"] == "same-origin"
    assert r["X-Content-Type-Options"] == "nosniff"


def test_forms_may_go_on_to_the_e_id_provider_and_the_gateways_only(settings):
    settings.OIDC_ISSUER = "https://id.example.gov.vn/oidc"
    settings.PAYMENT_GATEWAYS = {"vnpay": {"pay_url": "https://pay.example.vn/paymentv2/vpcpay.html"}}
    form_action = next(d for d in content_security_policy().split("; ") if d.startswith("form-action"))
    assert form_action == "form-action 'self' https://id.example.gov.vn https://pay.example.vn"


def test_hsts_and_upgrade_with_https(settings, client):
    settings.HTTPS = True
    settings.SECURE_HSTS_SECONDS = 31536000
    r = client.get("/", secure=True)
    assert r["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "upgrade-insecure-requests" in content_security_policy()


def test_anonymous_catalogue_pages_may_be_cached_but_personal_answers_not(demo):
    assert "no-store" not in Client().get("/").get("Cache-Control", "")
    officer = Client()
    officer.force_login(User.objects.get(username="onestop_anbinh"))
    assert officer.get("/office/")["Cache-Control"] == "no-store"
    citizen = Client()
    citizen.force_login(User.objects.get(username="citizen"))
    for path in ("/my/dossiers/", "/my/documents/", "/"):
        assert citizen.get(path)["Cache-Control"] == "no-store", path
    api = ApiClient("citizen")
    for path in ("/dossiers", "/vault/documents", "/vault/access-log"):
        assert api.get(path)["Cache-Control"] == "no-store", path


def test_production_cookies_are_secure_httponly_and_samesite(settings, demo):
    from django.conf import settings as live

    assert live.SESSION_COOKIE_HTTPONLY and live.CSRF_COOKIE_HTTPONLY and live.LANGUAGE_COOKIE_HTTPONLY
    assert live.SESSION_COOKIE_SAMESITE == live.CSRF_COOKIE_SAMESITE == "Lax"
    settings.SESSION_COOKIE_SECURE = True
    client = Client()
    r = client.post("/accounts/login/", {"username": "onestop_anbinh", "password": "demo-motcua"})
    assert r.status_code == 302
    cookie = r.cookies["sessionid"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"


def test_an_idle_officer_is_signed_out(demo, settings):
    settings.STAFF_SESSION_IDLE_MINUTES = 30
    officer = Client()
    officer.force_login(User.objects.get(username="onestop_anbinh"))
    assert officer.get("/office/").status_code == 200
    session = officer.session
    session[LAST_SEEN] = int(time.time()) - 31 * 60
    session.save()
    r = officer.get("/office/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    # A citizen idle as long stays signed in (their session follows SESSION_COOKIE_AGE).
    citizen = Client()
    citizen.force_login(User.objects.get(username="citizen"))
    citizen.get("/my/dossiers/")
    session = citizen.session
    session[LAST_SEEN] = int(time.time()) - 31 * 60
    session.save()
    assert citizen.get("/my/dossiers/").status_code == 200


def test_the_demo_registry_does_not_answer_visitors_in_production(client, settings):
    settings.DEBUG = False
    key = "079195054321"
    assert client.get(f"/demo-registry/population/{key}").status_code == 200  # this machine's adapter
    assert client.get(f"/demo-registry/population/{key}", REMOTE_ADDR="203.0.113.5").status_code == 404
    relayed = client.get(f"/demo-registry/population/{key}", headers={"X-Forwarded-For": "203.0.113.5"})
    assert relayed.status_code == 404


def test_secrets_come_from_files_too(tmp_path, monkeypatch):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("SOME_SECRET", "from-the-environment")
    assert env_secret("SOME_SECRET") == "from-the-environment"
    monkeypatch.setenv("SOME_SECRET_FILE", str(secret))
    assert env_secret("SOME_SECRET") == "from-a-file"


def test_the_deploy_check_refuses_every_demo_part(settings):
    from django.core import checks

    settings.DEBUG = False
    settings.DEMO_IDP_ENABLED = settings.DEMO_REGISTRY_ENABLED = settings.PAYMENT_SANDBOX_ENABLED = True
    ids = {m.id for m in checks.run_checks(include_deployment_checks=True) if m.level >= checks.ERROR}
    assert {"ops.E001", "ops.E002", "ops.E004"} <= ids
