
"""`make bench-outbox` (part of `make bench`): outbox delivery throughput, 2 workers, a slow receiver beside a fast one.

    .venv/bin/python bench/outbox.py
    BENCH_OUTBOX_EVENTS=2000 BENCH_OUTBOX_SLOW_MS=50 .venv/bin/python bench/outbox.py

On BENCH_OUTBOX_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/motcua_bench_outbox, emptied and
migrated each run): one demo citizen who chose e-mail and SMS, and BENCH_OUTBOX_EVENTS (1,000) outbox events
about their dossier, each making two messages (a mail, a text). Two worker processes sweep the outbox
(`deliver_pending`, as `motcua db_worker` runs it) against a fast SMTP server (aiosmtpd on loopback) and a
slow SMS provider (the generic HTTP provider against a receiver answering after BENCH_OUTBOX_SLOW_MS, 50 ms).
Prints events/s and messages/s end to end, when the last mail and the last text arrived, and writes
bench/results/outbox-<UTC date>.json.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
MOTCUA = str(Path(sys.executable).parent / "motcua")
SETUP = """
from django.utils import timezone
from motcua.dossiers import actions
from motcua.identity.models import User
from motcua.notifications.models import Preference
from motcua.notifications.outbox import emit
from tests.conftest import BIRTH, BIRTH_COMPONENTS
citizen = User.objects.get(username="citizen")
citizen.email = "an.nguyen@example.vn"
citizen.save(update_fields=["email"])
Preference.objects.update_or_create(user=citizen, defaults={"email": True, "sms": True, "phone": "+84912345678"})
d = actions.submit(citizen, "1.001193", dict(BIRTH), components=list(BIRTH_COMPONENTS))
from motcua.notifications.models import OutboxEvent
OutboxEvent.objects.all().delete()
now = timezone.now()
OutboxEvent.objects.bulk_create([OutboxEvent(topic="dossier.submit", key=d.code, created_at=now,
    payload={"code": d.code, "status": d.status}) for _ in range(%d)])
"""
WORKER = """
import time
from motcua.notifications.delivery import DUE, deliver_pending
from motcua.notifications.models import Delivery, OutboxEvent
while True:
    r = deliver_pending(limit=100)
    if r["delivered"] or r["failed"]:
        continue
    if not OutboxEvent.objects.filter(delivered_at__isnull=True).exists() and not Delivery.objects.filter(status__in=DUE).exists():
        break
    time.sleep(0.02)
"""


class Arrivals:
    def __init__(self) -> None:
        self.times: list[float] = []
        self.lock = threading.Lock()

    def add(self) -> None:
        with self.lock:
            self.times.append(time.monotonic())


class Smtp:
    def __init__(self, arrivals: Arrivals) -> None:
        self.arrivals = arrivals

    async def handle_DATA(self, server, session, envelope):
        self.arrivals.add()
        return "250 OK"


def _sms_server(arrivals: Arrivals, slow: float) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(slow)
            arrivals.add()
            self.send_response(201)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _recreate(database_url: str) -> None:
    if not database_url.startswith("postgres"):
        return
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    base = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    subprocess.run(["dropdb", *base, "--if-exists", name], check=True)
    subprocess.run(["createdb", *base, name], check=True)


def main() -> None:
    events = int(os.environ.get("BENCH_OUTBOX_EVENTS", "1000"))
    slow = int(os.environ.get("BENCH_OUTBOX_SLOW_MS", "50")) / 1000
    workers = int(os.environ.get("BENCH_OUTBOX_WORKERS", "2"))
    database_url = os.environ.get("BENCH_OUTBOX_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/motcua_bench_outbox")
    mails, texts = Arrivals(), Arrivals()
    smtp_port = _free_port()
    controller = Controller(Smtp(mails), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    sms = _sms_server(texts, slow)
    var = ROOT / "var" / "bench-outbox"
    var.mkdir(parents=True, exist_ok=True)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DATABASE_URL": database_url, "MOTCUA_VAR_DIR": str(var), "DEBUG": "false", "CATALOG_LOAD_ON_START": "false",
        "PYTHONPATH": str(ROOT), "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port), "SMS_PROVIDER": "http",
        "SMS_HTTP_URL": f"http://127.0.0.1:{sms.server_address[1]}/send", "DEMO_SMS_ENABLED": "false",
    }
    try:
        _recreate(database_url)
        for argv in (["migrate", "--verbosity", "0"], ["load_demo", "--verbosity", "0"], ["shell", "-c", SETUP % events]):
            subprocess.run([MOTCUA, *argv], cwd=ROOT, env=env, check=True, capture_output=True, timeout=1800)
        start = time.monotonic()
        procs = [subprocess.Popen([MOTCUA, "shell", "-c", WORKER], cwd=ROOT, env=env) for _ in range(workers)]
        for p in procs:
            p.wait(timeout=3600)
        elapsed = time.monotonic() - start
    finally:
        controller.stop()
        sms.shutdown()
    assert len(mails.times) >= events and len(texts.times) >= events, (len(mails.times), len(texts.times))
    result = {
        "scenario": "outbox", "events": events, "workers": workers, "slow_receiver_ms": slow * 1000,
        "database": urlsplit(database_url).scheme, "seconds": round(elapsed, 2),
        "events_per_s": round(events / elapsed, 1), "messages_per_s": round((len(mails.times) + len(texts.times)) / elapsed, 1),
        "mails": len(mails.times), "texts": len(texts.times),
        "last_mail_s": round(max(mails.times) - start, 2), "last_text_s": round(max(texts.times) - start, 2),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results" / f"outbox-{datetime.now(UTC):%Y-%m-%d}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
