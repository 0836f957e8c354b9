"""Webhook delivery throughput: two worker processes, a fast receiver beside a slow one.

    .venv/bin/python bench/webhooks.py                 # part of `make bench`; or alone: make bench-webhooks
    WEBHOOK_BENCH_EVENTS=4000 WEBHOOK_BENCH_SLOW_MS=500 .venv/bin/python bench/webhooks.py

A database of its own (WEBHOOK_BENCH_DATABASE_URL; default a SQLite file in a temporary directory),
two subscriptions of one unit, WEBHOOK_BENCH_EVENTS events (default 2,000) queued for each; receivers
on loopback, one answering at once, one after WEBHOOK_BENCH_SLOW_MS (default 200 ms). Two `motcua
shell` workers sweep (webhooks.deliver_pending) until nothing is pending. Prints the events/s the fast
receiver got while the slow one was served beside it, and the overall deliveries/s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MOTCUA = str(Path(sys.executable).parent / "motcua")
EVENTS = int(os.environ.get("WEBHOOK_BENCH_EVENTS", "2000"))
SLOW = int(os.environ.get("WEBHOOK_BENCH_SLOW_MS", "200")) / 1000

SETUP = """
from django.db import transaction
from django.utils import timezone
from motcua.identity.models import User
from motcua.integrations import signing, webhooks
from motcua.integrations.models import WebhookSubscription
from motcua.units.models import Unit
unit = Unit.objects.create(code="000.00.00.B01", name="Bench", kind="province")
user = User.objects.create(username="bench-admin", full_name="Bench")
now = timezone.now()
for url in (FAST, SLOW):
    WebhookSubscription.objects.create(unit=unit, url=url, event_types=["dossier.receive"], secret=signing.new_secret(),
                                       created_by=user, created_at=now)
with transaction.atomic():
    for i in range(EVENTS):
        webhooks.enqueue("dossier.receive", [unit.pk], {"code": f"B-{i}", "status": 2}, now)
"""

WORKER = """
import time
from motcua.integrations import webhooks
from motcua.integrations.models import WebhookDelivery
while True:
    if webhooks.deliver_pending(limit=10_000) == {"delivered": 0, "failed": 0}:
        if not WebhookDelivery.objects.filter(state="pending").exists():
            break
        time.sleep(0.05)
"""


def receiver(delay: float) -> tuple[ThreadingHTTPServer, list[float]]:
    seen: list[float] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if delay:
                time.sleep(delay)
            seen.append(time.monotonic())
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


def main() -> None:
    fast, fast_seen = receiver(0)
    slow, slow_seen = receiver(SLOW)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ, "MOTCUA_VAR_DIR": tmp, "PYTHONPATH": str(ROOT), "CATALOG_LOAD_ON_START": "false",
            "DATABASE_URL": os.environ.get("WEBHOOK_BENCH_DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3"),
            "WEBHOOK_ALLOW_PRIVATE_URLS": "true", "DEBUG": "false",
        }
        subprocess.run([MOTCUA, "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True)
        setup = (f"FAST_URL = {f'http://127.0.0.1:{fast.server_address[1]}/'!r}\n"
                 f"SLOW_URL = {f'http://127.0.0.1:{slow.server_address[1]}/'!r}\nEVENTS = {EVENTS}\n"
                 + SETUP.replace("(FAST, SLOW)", "(FAST_URL, SLOW_URL)"))
        subprocess.run([MOTCUA, "shell", "-c", setup], cwd=ROOT, env=env, check=True)
        started = time.monotonic()
        workers = [subprocess.Popen([MOTCUA, "shell", "-c", WORKER], cwd=ROOT, env=env) for _ in range(2)]
        for w in workers:
            w.wait()
        ended = time.monotonic()
    fast.shutdown()
    slow.shutdown()
    fast_time = max(fast_seen) - started if fast_seen else float("nan")
    result = {
        "events": EVENTS, "slow_ms": SLOW * 1000, "workers": 2,
        "fast_received": len(fast_seen), "slow_received": len(slow_seen),
        "fast_events_per_s": round(len(fast_seen) / fast_time, 1),
        "slow_events_per_s": round(len(slow_seen) / (max(slow_seen) - started), 1) if slow_seen else None,
        "all_deliveries_per_s": round((len(fast_seen) + len(slow_seen)) / (ended - started), 1),
        "seconds": round(ended - started, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
