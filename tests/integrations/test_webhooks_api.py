"""POST/GET/DELETE /api/v1/webhooks: a unit administrator's subscriptions, scoped, strict, secret shown once."""

from __future__ import annotations

import base64

import pytest

from motcua.integrations.models import WebhookSubscription
from tests.integrations.conftest import ANBINH, HOATHUAN, PROVINCE, post, subscribe


def test_a_unit_administrator_subscribes_and_sees_the_secret_only_once(as_user, loopback_allowed):
    admin = as_user("admin_province")
    made = subscribe(as_user, "http://127.0.0.1:9/hook", ["dossier.receive", "dossier.submit"], unit=ANBINH)
    assert made["secret"].startswith("whsec_")
    assert len(base64.b64decode(made["secret"].removeprefix("whsec_"))) == 32
    assert made["unit"] == ANBINH and made["event_types"] == ["dossier.receive", "dossier.submit"]
    listed = admin.get("/webhooks")
    assert listed.status_code == 200
    assert [s["id"] for s in listed.json()] == [made["id"]]
    assert made["secret"] not in listed.content.decode()
    one = admin.get(f"/webhooks/{made['id']}")
    assert one.status_code == 200 and "secret" not in one.json()
    assert admin.client.delete(f"/api/v1/webhooks/{made['id']}", headers=admin.headers).status_code == 204
    assert admin.get("/webhooks").json() == []


@pytest.mark.parametrize("who", ["citizen", "onestop_anbinh", "monitor_province", "approver_anbinh"])
def test_anyone_but_an_administrator_of_the_unit_gets_not_found(as_user, loopback_allowed, who):
    made = subscribe(as_user, "http://127.0.0.1:9/hook", ["dossier.receive"])
    other = as_user(who)
    r = other.post("/webhooks", {"unit": ANBINH, "url": "http://127.0.0.1:9/x", "event_types": ["dossier.receive"]})
    assert r.status_code == 404 and r.json()["code"] == "unknown_unit"
    assert other.get(f"/webhooks/{made['id']}").status_code == 404
    assert other.get(f"/webhooks/{made['id']}/deliveries").status_code == 404
    assert other.post(f"/webhooks/{made['id']}/rotate-secret").status_code == 404
    assert other.client.delete(f"/api/v1/webhooks/{made['id']}", headers=other.headers).status_code == 404
    assert other.get("/webhooks").json() == []
    assert WebhookSubscription.objects.filter(pk=made["id"]).exists()


def test_no_unit_outside_the_administrators_subtree(as_user, loopback_allowed):
    r = as_user("admin_province").post("/webhooks", {"unit": "000.00.00.G12", "url": "http://127.0.0.1:9/x",
                                                      "event_types": ["dossier.receive"]})
    assert r.status_code == 404


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"unit": PROVINCE, "url": "http://127.0.0.1:9/x", "event_types": ["dossier.receive"], "secret": "mine"}, 422, None),
    ({"unit": PROVINCE, "url": "http://127.0.0.1:9/x", "event_types": []}, 422, None),
    ({"unit": PROVINCE, "url": "http://127.0.0.1:9/x", "event_types": ["dossier.exploded"]}, 422, "unknown_event_type"),
    ({"unit": PROVINCE, "url": "ftp://example.vn/x", "event_types": ["dossier.receive"]}, 422, "url_refused"),
    ({"unit": PROVINCE, "url": "http://a:b@example.vn/x", "event_types": ["dossier.receive"]}, 422, "url_refused"),
    ({"unit": PROVINCE, "url": "http://[::1/x", "event_types": ["dossier.receive"]}, 422, "url_refused"),
    ({"unit": PROVINCE, "url": "http://x\u0000y/", "event_types": ["dossier.receive"]}, 400, None),
    ({"unit": PROVINCE, "url": "http://127.0.0.1:9/x", "event_types": "dossier.receive"}, 422, None),
    ({"unit": PROVINCE, "url": "http://127.0.0.1:9/" + "x" * 600, "event_types": ["dossier.receive"]}, 422, None),
])
def test_bad_input_is_a_4xx(as_user, loopback_allowed, body, status, code):
    r = as_user("admin_province").post("/webhooks", body)
    assert r.status_code == status, r.content
    if code:
        assert r.json()["code"] == code
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.1.2.3/hook", "http://192.168.1.1/hook",
    "http://169.254.169.254/latest/meta-data", "http://[::1]/hook", "http://[::ffff:127.0.0.1]/hook",
    "http://0.0.0.0/hook", "http://100.64.0.1/hook", "https://foo.localhost/hook",
])
def test_private_and_own_addresses_are_refused_unless_the_administrator_allows_them(as_user, settings, url):
    r = as_user("admin_province").post("/webhooks", {"unit": PROVINCE, "url": url, "event_types": ["dossier.receive"]})
    assert r.status_code == 422 and r.json()["code"] == "url_refused", r.content
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    r = as_user("admin_province").post("/webhooks", {"unit": PROVINCE, "url": url, "event_types": ["dossier.receive"]})
    assert r.status_code == 201


def test_the_servers_own_address_is_refused(as_user, settings):
    settings.PUBLIC_URL = "https://dichvucong.example.vn"
    r = as_user("admin_province").post("/webhooks", {"unit": PROVINCE, "url": "https://dichvucong.example.vn/api/",
                                                      "event_types": ["dossier.receive"]})
    assert r.status_code == 422 and r.json()["code"] == "url_refused"


def test_an_idempotency_key_makes_a_retry_safe(as_user, loopback_allowed):
    body = {"unit": PROVINCE, "url": "http://127.0.0.1:9/x", "event_types": ["dossier.receive"]}
    admin = as_user("admin_province")
    first = post(admin, "/webhooks", body, {"Idempotency-Key": "k-1"})
    again = post(admin, "/webhooks", body, {"Idempotency-Key": "k-1"})
    # The retry is answered by the one Idempotency-Key mechanism (api/idempotency.py): the first answer, replayed.
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    other = post(admin, "/webhooks", {**body, "url": "http://127.0.0.1:9/y"}, {"Idempotency-Key": "k-1"})
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert post(admin, "/webhooks", body, {"Idempotency-Key": "k" * 129}).status_code == 422
    assert WebhookSubscription.objects.count() == 1


def test_rotation_answers_a_new_secret_and_keeps_the_old_one_signing_for_a_while(as_user, loopback_allowed):
    admin = as_user("admin_province")
    made = subscribe(as_user, "http://127.0.0.1:9/x", ["dossier.receive"])
    rotated = admin.post(f"/webhooks/{made['id']}/rotate-secret")
    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_") and rotated.json()["secret"] != made["secret"]
    assert rotated.json()["rotating_until"] is not None
    sub = WebhookSubscription.objects.get(pk=made["id"])
    assert (sub.secret, sub.previous_secret) == (rotated.json()["secret"], made["secret"])


def test_ids_out_of_range_are_not_found(as_user):
    admin = as_user("admin_province")
    assert admin.get(f"/webhooks/{2**70}").status_code == 404
    assert admin.get("/webhooks/1/deliveries?limit=0").status_code in (404, 422)
    assert admin.get(f"/webhooks/{HOATHUAN}").status_code == 404
