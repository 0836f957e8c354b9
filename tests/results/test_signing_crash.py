"""A web worker killed while it signs a result: nothing half-written, and the retry issues it once.

A real server process (`motcua runserver`) on a SQLite file of its own, with TSA_URL pointing at a
time-stamping authority that accepts the request and never answers: the worker has rendered and signed
the PDF and waits, inside the action's transaction, for the timestamp of the PAdES signature. The test
kills it there (SIGKILL), then starts a new worker with the bundled TSA and asks again: one result, one
history event, one audit entry, one file; the dossier was never seen half-issued.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import threading
from pathlib import Path

import requests

from tests.crash_server import environment, free_port, prepare, serve

PORT = free_port()  # chosen at import: each xdist worker and each checkout its own
SETUP = """
from motcua.dossiers import actions
from motcua.identity.models import ApiToken, User
from tests.conftest import BIRTH, BIRTH_COMPONENTS

u = {n: User.objects.get(username=n) for n in ("citizen", "onestop_anbinh", "specialist_anbinh", "approver_anbinh")}
code = actions.submit(u["citizen"], "1.001193", dict(BIRTH), components=BIRTH_COMPONENTS).code
for who, action in (("onestop_anbinh", "receive"), ("specialist_anbinh", "start_processing"),
                    ("specialist_anbinh", "transfer"), ("approver_anbinh", "approve")):
    actions.perform(code, action, u[who])
print("CODE=" + code)
print("TOKEN=" + ApiToken.issue(u["approver_anbinh"], label="crash-test"))
"""


def _env(tmp: Path, tsa_url: str = "") -> dict[str, str]:
    return environment(tmp, PORT, f"sqlite:///{tmp / 'crash.sqlite3'}", TSA_URL=tsa_url, TSA_TIMEOUT="120")


def _state(tmp: Path, code: str) -> tuple[int, int, int, int, list[str]]:
    with sqlite3.connect(tmp / "crash.sqlite3") as c:
        status = c.execute("SELECT status FROM dossiers_dossier WHERE code = ?", (code,)).fetchone()[0]
        results = c.execute("SELECT count(*) FROM results_result").fetchone()[0]
        events = c.execute("SELECT count(*) FROM dossiers_dossierevent WHERE action = 'issue_result'").fetchone()[0]
        audit = c.execute("SELECT count(*) FROM audit_auditentry WHERE action = 'dossier.issue_result'").fetchone()[0]
    files = sorted(p.name for p in (tmp / "media").rglob(f"{code}*.pdf"))
    return status, results, events, audit, files


class SilentTSA:
    """Accepts connections, reads the timestamp request, never answers: a signer waits on it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.received = threading.Event()
        self.held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/tsa"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)
            conn.recv(65536)
            self.received.set()

    def close(self) -> None:
        for conn in self.held:
            conn.close()
        self.sock.close()


def test_a_worker_killed_while_signing_leaves_nothing_and_the_retry_issues_once(tmp_path, migrated_sqlite):
    tsa = SilentTSA()
    env = _env(tmp_path, tsa.url)
    migrated_sqlite(tmp_path / "crash.sqlite3")  # prepare() migrates it: already up to date
    printed = prepare(env, SETUP)
    code, token = printed["CODE"], printed["TOKEN"]
    url = f"http://127.0.0.1:{PORT}/api/v1/dossiers/{code}/actions/issue_result"
    headers = {"Authorization": f"Bearer {token}"}
    log = tmp_path / "server.log"
    before = _state(tmp_path, code)
    assert before[:4] == (4, 0, 0, 0)

    server = serve(env, PORT, log)
    answers: list[object] = []

    def call() -> None:
        try:
            answers.append(requests.post(url, json={}, headers=headers, timeout=120))
        except requests.RequestException as exc:
            answers.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    try:
        assert tsa.received.wait(120), log.read_text()[-2000:]  # rendered, signed, waiting for the timestamp
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        caller.join(10)
        tsa.close()
    assert isinstance(answers[0], requests.RequestException)  # the officer saw no answer
    assert _state(tmp_path, code) == before  # nothing half-written: no row, no event, no entry, no file

    server = serve(_env(tmp_path), PORT, log)  # the bundled time-stamping authority again
    try:
        first = requests.post(url, json={}, headers=headers, timeout=120)
        assert first.status_code == 200, first.text
        again = requests.post(url, json={}, headers=headers, timeout=120)
        assert again.status_code == 409, again.text  # issued once; the retry is a conflict, not a second result
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
    status, results, events, audit, files = _state(tmp_path, code)
    assert (status, results, events, audit, len(files)) == (9, 1, 1, 1, 1)
