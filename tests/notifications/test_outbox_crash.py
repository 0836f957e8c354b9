# ruff: noqa: S603 - the test starts the project's own commands (motcua …) with its own arguments
"""A task worker killed (SIGKILL) in the middle of delivering the outbox: every mail arrives, none is lost.

Real processes on a SQLite file of their own: `motcua scheduler --once` enqueues the outbox sweep,
`motcua db_worker` runs it against a real SMTP server on loopback (aiosmtpd). The server takes the
third mail and then holds its answer; the test kills the worker there, between sending and marking
(the worst moment), restarts it once the dead worker's claim has lapsed, and counts: every mail
delivered, the one in flight sent again under the same Message-ID (so the receiver can drop it),
every delivery marked sent.
"""

from __future__ import annotations

import asyncio
import email
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from email import policy
from pathlib import Path

from aiosmtpd.controller import Controller

from tests.notifications.test_notifications_mail import _free_port

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
MOTCUA = str(Path(sys.executable).parent / "motcua")
MAILS = 5
LEASE = 3
SETUP = f"""
from django.utils import timezone
from motcua.notifications.outbox import emit
for i in range({MAILS}):
    emit("mail", f"crash-{{i}}", {{"to": [f"person{{i}}@example.vn"], "subject": f"Mail {{i}}", "body": "x"}},
         timezone.now())
"""


class HoldingMailbox:
    """Keeps every mail it receives; holds its answer to the third one until told (the worker dies meanwhile)."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.holding = threading.Event()
        self.release = asyncio.Event()
        self.hold_at = 3

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        if len(self.messages) == self.hold_at:
            self.holding.set()
            try:
                await asyncio.wait_for(self.release.wait(), 60)
            except TimeoutError:
                pass
        return "250 Message accepted for delivery"


def _env(tmp: Path, smtp_port: int) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "PROMETHEUS_"))},
        "DATABASE_URL": f"sqlite:///{tmp / 'crash.sqlite3'}", "MOTCUA_VAR_DIR": str(tmp), "DEBUG": "false",
        "CATALOG_LOAD_ON_START": "false", "PYTHONPATH": str(ROOT), "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port), "EMAIL_TIMEOUT": "60", "NOTIFICATIONS_LEASE_SECONDS": str(LEASE),
        "TASKS_BACKEND": "database",
    }


def _rows(db: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(db) as c:
        return c.execute("SELECT status, attempts FROM notifications_delivery ORDER BY id").fetchall()


def _run(env, *argv: str) -> None:
    subprocess.run([MOTCUA, *argv], cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)


def test_a_worker_killed_mid_delivery_loses_nothing(tmp_path, migrated_sqlite):
    mailbox = HoldingMailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    env = _env(tmp_path, port)
    db, log = tmp_path / "crash.sqlite3", tmp_path / "worker.log"
    migrated_sqlite(db)  # the migrations replayed once per session (tests/conftest.py), not here
    try:
        _run(env, "migrate", "--verbosity", "0")
        _run(env, "shell", "-c", SETUP)
        _run(env, "scheduler", "--once")
        worker = subprocess.Popen([MOTCUA, "db_worker", "--interval", "0.2", "--no-startup-delay"], cwd=ROOT,
                                  env=env, stdout=log.open("a"), stderr=subprocess.STDOUT, start_new_session=True)
        assert mailbox.holding.wait(120), log.read_text()[-3000:]
        os.killpg(worker.pid, signal.SIGKILL)  # the third mail is with the server, its row not yet marked
        worker.wait()
        killed_at = time.monotonic()
        controller.loop.call_soon_threadsafe(mailbox.release.set)
        rows = _rows(db)
        assert len(rows) == MAILS and [s for s, _ in rows].count("sent") == 2, rows

        # The next round of the scheduler wakes a sweep again. A real round comes an interval later (60 s by
        # default), when the dead worker's claim (LEASE s) has lapsed; a round sooner than that finds the
        # rows still claimed and leaves them to the round after, which this test does not run: wait for it.
        time.sleep(max(0.0, LEASE + 0.5 - (time.monotonic() - killed_at)))
        _run(env, "scheduler", "--once")
        worker = subprocess.Popen([MOTCUA, "db_worker", "--interval", "0.2", "--no-startup-delay"], cwd=ROOT,
                                  env=env, stdout=log.open("a"), stderr=subprocess.STDOUT, start_new_session=True)
        try:
            for _ in range(600):
                if all(s == "sent" for s, _ in _rows(db)):
                    break
                time.sleep(0.1)
            recovered_in = time.monotonic() - killed_at
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(30)
    finally:
        controller.stop()

    assert all(s == "sent" for s, _ in _rows(db)), (_rows(db), log.read_text()[-3000:])
    assert recovered_in < 60  # the dead worker's claim lapsed (LEASE) and the restarted one took it over
    subjects = sorted(str(m["Subject"]) for m in mailbox.messages)
    ids = [m["Message-ID"] for m in mailbox.messages]
    # Every mail arrived; the one in flight when the worker died arrived twice, under the same Message-ID.
    assert sorted(set(subjects)) == [f"Mail {i}" for i in range(MAILS)]
    assert len(mailbox.messages) in (MAILS, MAILS + 1)
    assert len(set(ids)) == MAILS
    if len(mailbox.messages) == MAILS + 1:
        assert subjects.count("Mail 2") == 2

