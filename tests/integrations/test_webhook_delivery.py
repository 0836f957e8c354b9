"""Webhook deliveries to real HTTP receivers on loopback, signed per Standard Webhooks.

Signatures are checked with the reference implementation (`standardwebhooks` on PyPI), not our own code.
A receiver that fails, hangs, answers garbage, redirects in a loop or cannot be reached is retried on the
shared schedule and then dead, without delaying the deliveries to the others.
"""

from __future__ import annotations

import json
import socket
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from motcua.dossiers import actions
from motcua.identity.models import User
from motcua.integrations import webhooks
from motcua.integrations.models import NationalSync, State, WebhookDelivery, WebhookSubscription
from motcua.lib import deliveries
from tests.integrations.conftest import ANBINH, HOATHUAN, submit, subscribe


def _verify(secret: str, seen) -> dict:
    return Webhook(secret).verify(seen.body, seen.headers)


def test_a_change_is_delivered_signed_to_the_subscribers_of_its_units_subtree(as_user, receiver, loopback_allowed):
    province = subscribe(as_user, receiver.url("/ok-province"), ["dossier.submit", "dossier.receive"])
    commune = subscribe(as_user, receiver.url("/ok-anbinh"), ["dossier.receive"], unit=ANBINH)
    subscribe(as_user, receiver.url("/ok-hoathuan"), ["dossier.submit", "dossier.receive"], unit=HOATHUAN)
    subscribe(as_user, receiver.url("/ok-refusals"), ["dossier.refuse"])
    code = submit(as_user)
    assert as_user("onestop_anbinh").act(code, "receive").status_code == 200
    assert WebhookDelivery.objects.count() == 3  # submit + receive to the province, receive to An Bình

    assert webhooks.deliver_pending() == {"delivered": 3, "failed": 0}
    # Sent several at once: in any order (a receiver orders by the payload's timestamp if it must).
    to_province = sorted(receiver.to("/ok-province"), key=lambda s: json.loads(s.body)["timestamp"])
    assert [_verify(province["secret"], s)["type"] for s in to_province] == ["dossier.submit", "dossier.receive"]
    payload = _verify(commune["secret"], receiver.to("/ok-anbinh")[0])
    assert payload["data"]["code"] == code and payload["data"]["status"] == 2 and payload["data"]["from_status"] == 1
    assert payload["data"]["unit"] == ANBINH and payload["data"]["procedure"] == "1.001193"
    assert receiver.to("/ok-hoathuan") == [] and receiver.to("/ok-refusals") == []
    with pytest.raises(WebhookVerificationError):  # another subscription's secret does not verify
        _verify(commune["secret"], to_province[0])
    # Delivered once: a second sweep sends nothing.
    assert webhooks.deliver_pending() == {"delivered": 0, "failed": 0}
    log = as_user("admin_province").get(f"/webhooks/{province['id']}/deliveries").json()
    assert [(d["event_type"], d["state"], d["attempts"], d["last_status_code"]) for d in log] == [
        ("dossier.receive", "delivered", 1, 200), ("dossier.submit", "delivered", 1, 200)]
    assert log[0]["message_id"] == to_province[1].headers["webhook-id"]


def test_during_a_rotation_both_secrets_sign_so_receivers_switch_without_downtime(as_user, receiver, loopback_allowed):
    made = subscribe(as_user, receiver.url("/ok"), ["dossier.submit"])
    new = as_user("admin_province").post(f"/webhooks/{made['id']}/rotate-secret").json()["secret"]
    submit(as_user)
    webhooks.deliver_pending()
    seen = receiver.to("/ok")[0]
    assert len(seen.headers["webhook-signature"].split(" ")) == 2
    assert _verify(made["secret"], seen) == _verify(new, seen)  # a receiver that knows either one accepts it

    WebhookSubscription.objects.filter(pk=made["id"]).update(previous_expires_at=timezone.now() - timedelta(seconds=1))
    submit(as_user)
    webhooks.deliver_pending()
    later = receiver.to("/ok")[1]
    assert len(later.headers["webhook-signature"].split(" ")) == 1
    _verify(new, later)
    with pytest.raises(WebhookVerificationError):
        _verify(made["secret"], later)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nobody listens there once the socket is closed


def test_failing_receivers_are_retried_then_dead_without_delaying_the_others(as_user, receiver, loopback_allowed,
                                                                            settings, monkeypatch):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    receiver.slow_seconds = 3
    monkeypatch.setattr(deliveries, "MAX_ATTEMPTS", 3)
    bad = {name: subscribe(as_user, url, ["dossier.submit"]) for name, url in {
        "fail": receiver.url("/fail"), "slow": receiver.url("/slow"), "loop": receiver.url("/loop"),
        "unreachable": f"http://127.0.0.1:{_closed_port()}/hook",
    }.items()}
    garbage = subscribe(as_user, receiver.url("/garbage"), ["dossier.submit"])
    good = subscribe(as_user, receiver.url("/ok"), ["dossier.submit"])
    gone = subscribe(as_user, receiver.url("/gone"), ["dossier.submit"])
    submit(as_user)

    started = time.monotonic()
    assert webhooks.deliver_pending() == {"delivered": 2, "failed": 5}
    assert receiver.to("/ok")[0].at - started < 0.9  # not queued behind the receiver that hangs
    assert time.monotonic() - started < 2.5  # the slow one was cut at its timeout, not waited for
    assert len(receiver.to("/loop")) == 1  # the redirect was not followed
    state = {s.subscription_id: s for s in WebhookDelivery.objects.all()}
    assert state[good["id"]].state == state[garbage["id"]].state == State.DELIVERED
    assert state[gone["id"]].state == State.DEAD
    assert not WebhookSubscription.objects.get(pk=gone["id"]).active  # 410 Gone ends the subscription
    for name, sub in bad.items():
        row = state[sub["id"]]
        assert (row.state, row.attempts) == (State.PENDING, 1), name
        assert row.next_attempt_at >= timezone.now() + timedelta(seconds=deliveries.RETRY_BASE_SECONDS - 5), name
    assert state[bad["fail"]["id"]].last_status_code == 500
    assert state[bad["loop"]["id"]].last_status_code == 302
    assert "Timeout" in state[bad["slow"]["id"]].last_error
    assert "Connection" in state[bad["unreachable"]["id"]].last_error

    assert webhooks.deliver_pending() == {"delivered": 0, "failed": 0}  # not due yet
    for _ in range(2):
        WebhookDelivery.objects.filter(state=State.PENDING).update(next_attempt_at=timezone.now())
        assert webhooks.deliver_pending()["failed"] == 4
    assert set(WebhookDelivery.objects.filter(subscription_id__in=[s["id"] for s in bad.values()])
               .values_list("state", "attempts")) == {(State.DEAD, 3)}
    log = as_user("admin_province").get(f"/webhooks/{bad['fail']['id']}/deliveries").json()
    assert (log[0]["state"], log[0]["attempts"], log[0]["last_error"]) == ("dead", 3, "HTTP 500")

    # `motcua outbox status` counts them; a replay gives the dead ones a fresh budget, with the same id.
    queue = next(q for q in deliveries.queues() if q.name == "webhooks")
    assert queue.counts()["webhook"] == deliveries.Counts(pending=0, delivered=2, dead=5)
    assert queue.replay([state[bad["fail"]["id"]].pk]) == 1
    row = WebhookDelivery.objects.get(pk=state[bad["fail"]["id"]].pk)
    assert (row.state, row.attempts) == (State.PENDING, 0)
    # The subscriber's administrator replays one from the delivery log; another subscription's is not theirs.
    admin = as_user("admin_province")
    slow_row = state[bad["slow"]["id"]]
    replayed = admin.post(f"/webhooks/{bad['slow']['id']}/deliveries/{slow_row.pk}/replay")
    assert replayed.status_code == 200 and replayed.json()["state"] == "pending"
    assert replayed.json()["message_id"] == slow_row.message_id
    assert admin.post(f"/webhooks/{bad['loop']['id']}/deliveries/{slow_row.pk}/replay").status_code == 404


def test_a_rolled_back_action_sends_nothing(as_user, receiver, loopback_allowed):
    subscribe(as_user, receiver.url("/ok"), ["dossier.receive"])
    code = submit(as_user)
    WebhookDelivery.objects.all().delete()
    NationalSync.objects.all().delete()
    officer = User.objects.get(username="onestop_anbinh")
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.perform(code, "receive", officer)
        assert WebhookDelivery.objects.count() == 1  # written in the action's transaction…
        raise RuntimeError("the request failed after the action")
    assert WebhookDelivery.objects.count() == 0 and NationalSync.objects.count() == 0  # …and gone with it
    assert webhooks.deliver_pending() == {"delivered": 0, "failed": 0}
    assert receiver.requests == []


def test_the_payload_carries_no_personal_data(as_user, receiver, loopback_allowed):
    subscribe(as_user, receiver.url("/ok"), ["dossier.submit"])
    submit(as_user)
    webhooks.deliver_pending()
    body = json.loads(receiver.to("/ok")[0].body)
    assert set(body) == {"type", "timestamp", "data"}
    assert "Nguyễn" not in receiver.to("/ok")[0].body.decode()
