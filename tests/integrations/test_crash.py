# ruff: noqa: S603 - the test starts the project's own command (motcua db_worker) with its own arguments
"""A worker killed (SIGKILL) in the middle of a delivery: the message is delivered once a worker runs again.

Real worker processes (`motcua db_worker`) on the test database, real receivers on loopback. The first
worker is killed while the webhook receiver holds its request; the next one while the national portal
holds the sync; the third delivers both. The receivers got each message twice, with the same id
(webhook-id, and the change's idempotency id), so they can drop the duplicate; nothing was lost.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from motcua.integrations.models import NationalSync, State, WebhookDelivery
from tests.integrations.conftest import submit, subscribe

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
MOTCUA = str(Path(sys.executable).parent / "motcua")
LEASE = 3


def _database_url() -> str:
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _env(receiver) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "PROMETHEUS_"))},
        "DATABASE_URL": _database_url(), "PYTHONPATH": str(ROOT), "CATALOG_LOAD_ON_START": "false",
        "WEBHOOK_ALLOW_PRIVATE_URLS": "true", "WEBHOOK_TIMEOUT_SECONDS": "60", "NATIONAL_SYNC_TIMEOUT_SECONDS": "60",
        "NATIONAL_SYNC_URL": receiver.url("/hangnational"), "INTEGRATIONS_LEASE_SECONDS": str(LEASE),
    }


def _worker(env, log: Path) -> subprocess.Popen:
    # What `motcua scheduler` does every round, then a worker to run it.
    subprocess.run([MOTCUA, "shell", "-c", "from motcua.integrations.tasks import deliver_integrations as t; t.enqueue()"],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    return subprocess.Popen([MOTCUA, "db_worker", "--interval", "0.2", "--no-startup-delay", "--no-reload"], cwd=ROOT, env=env, stdout=log.open("a"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def _wait(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def _kill(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_delivery_loses_nothing(demo, as_user, receiver, settings, tmp_path):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.NATIONAL_SYNC_URL = receiver.url("/hangnational")
    made = subscribe(as_user, receiver.url("/hang-hook"), ["dossier.submit"])
    code = submit(as_user)
    env, log = _env(receiver), tmp_path / "worker.log"

    first = _worker(env, log)
    try:
        _wait(lambda: len(receiver.to("/hang-hook")) == 1, "the webhook to arrive")
    finally:
        _kill(first)  # killed while the receiver holds the request: no answer was recorded
    row = WebhookDelivery.objects.get()
    assert (row.state, row.attempts) == (State.PENDING, 0) and row.claimed_until is not None

    time.sleep(LEASE + 0.5)  # the dead worker's claim runs out
    second = _worker(env, log)
    try:
        _wait(lambda: len(receiver.to("/hangnational")) == 1, "the national sync to arrive")
        assert WebhookDelivery.objects.get().state == State.DELIVERED
    finally:
        _kill(second)
    assert NationalSync.objects.get(dossier_code=code).state == State.PENDING

    time.sleep(LEASE + 0.5)
    third = _worker(env, log)
    try:
        _wait(lambda: NationalSync.objects.get(dossier_code=code).state == State.DELIVERED, "the sync to be acknowledged")
    finally:
        _kill(third)

    hooks = receiver.to("/hang-hook")
    assert len(hooks) == 2 and hooks[0].headers["webhook-id"] == hooks[1].headers["webhook-id"]
    assert hooks[0].body == hooks[1].body
    from standardwebhooks.webhooks import Webhook

    Webhook(made["secret"]).verify(hooks[1].body, hooks[1].headers)
    changes = [json.loads(r.body) for r in receiver.to("/hangnational")]
    assert len(changes) == 2 and changes[0]["IdThayDoi"] == changes[1]["IdThayDoi"]
    assert changes[0]["MaHoSo"] == code and changes[0]["ThuTu"] == 1
