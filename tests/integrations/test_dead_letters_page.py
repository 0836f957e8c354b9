"""The administrators' dead-letter page lists and replays every queue's dead deliveries, not only mail and SMS.

A webhook delivery and a national-sync change that ran out of attempts are shown on /outbox/dead/ with
where they go, their attempts and last error, and each is replayed from the page on its own (the same
webhook-id, the same idempotency id); the change then reaches the portal and its dossier's next one follows.
"""

from __future__ import annotations

import json

from motcua.identity.models import User
from motcua.integrations import webhooks
from motcua.integrations.models import NationalSync, State, WebhookDelivery
from motcua.integrations.national import sync
from motcua.lib import deliveries
from tests.integrations.conftest import submit, subscribe


def test_webhook_and_national_dead_letters_are_listed_and_replayed_from_the_page(
        as_user, receiver, loopback_allowed, settings, monkeypatch, client):
    monkeypatch.setattr(deliveries, "MAX_ATTEMPTS", 1)
    hook = subscribe(as_user, receiver.url("/fail-hook"), ["dossier.submit"])
    settings.NATIONAL_SYNC_URL = receiver.url("/fail-portal")
    code = submit(as_user)
    assert webhooks.deliver_pending() == {"delivered": 0, "failed": 1}
    assert sync.sync_pending() == {"delivered": 0, "failed": 1}
    dead_hook = WebhookDelivery.objects.get(subscription_id=hook["id"])
    dead_change = NationalSync.objects.get(dossier_code=code)
    assert dead_hook.state == dead_change.state == State.DEAD

    for who in ("citizen", "admin_province"):  # a unit administrator is no site administrator
        client.force_login(User.objects.get(username=who))
        assert client.get("/outbox/dead/").status_code == 404
        assert client.post("/outbox/dead/", {"replay": f"webhooks:{dead_hook.pk}"}).status_code == 404
    client.force_login(User.objects.create_superuser("root", "root@example.vn", "x"))
    page = client.get("/outbox/dead/").content.decode()
    assert receiver.url("/fail-hook") in page and receiver.url("/fail-portal") in page
    assert "dossier.submit" in page and code in page and "HTTP 500" in page
    assert f'value="webhooks:{dead_hook.pk}"' in page and f'value="national:{dead_change.pk}"' in page

    assert client.post("/outbox/dead/", {"replay": f"nowhere:{dead_hook.pk}"}).status_code == 400
    assert client.post("/outbox/dead/", {"replay": f"webhooks:{'9' * 19}"}).status_code == 400
    # Replayed one by one: each pending again with a fresh budget and its own id kept.
    assert client.post("/outbox/dead/", {"replay": f"webhooks:{dead_hook.pk}"}).status_code == 302
    hook_row = WebhookDelivery.objects.get(pk=dead_hook.pk)
    assert (hook_row.state, hook_row.attempts, hook_row.message_id) == (State.PENDING, 0, dead_hook.message_id)
    assert NationalSync.objects.get(pk=dead_change.pk).state == State.DEAD  # not replayed with it
    assert client.post("/outbox/dead/", {"replay": f"national:{dead_change.pk}"}).status_code == 302

    settings.NATIONAL_SYNC_URL = receiver.url("/national")
    as_user("onestop_anbinh").act(code, "receive")
    assert sync.sync_pending() == {"delivered": 2, "failed": 0}
    sent = [json.loads(r.body) for r in receiver.to("/national")]
    assert [(c["ThuTu"], c["IdThayDoi"]) for c in sent][:1] == [(1, dead_change.idempotency_id)]
    assert [c["TrangThaiHoSo"] for c in sent] == [1, 2]
