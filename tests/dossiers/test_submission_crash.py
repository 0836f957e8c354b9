"""A web worker killed in the middle of a submission's transaction: nothing half-written, nothing lost on retry.

A real server process (`motcua runserver`) on a PostgreSQL database of its own. The test locks the
outbox's table (reads still pass): the worker submitting a dossier has taken its code and written the
dossier, its tasks, history and audit entry, and waits to write the outbox event. The test kills it there (SIGKILL) — the database aborts the transaction with the
connection — then releases the lock, starts a new worker and submits again, as the client retries:
one dossier, with exactly one of each record.

PostgreSQL only: on SQLite a writing transaction holds the whole database from its first statement,
so no lock can stop a worker half-way through one (the payment and signing crash tests cover SQLite).
"""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import time
from pathlib import Path

import pytest
import requests
from django.db import connection

from tests.crash_server import ROOT, environment, free_port, prepare, serve

PORT = free_port()  # chosen at import: each xdist worker and each checkout its own
SETUP = """
from motcua.identity.models import ApiToken, User
print("TOKEN=" + ApiToken.issue(User.objects.get(username="citizen"), label="crash-test"))
"""

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks inside a transaction")


@pytest.fixture
def database():
    import psycopg

    from tests.conftest import create_migrated_postgres

    db = connection.settings_dict
    name = "motcua_crash_" + hashlib.sha256(str(ROOT).encode()).hexdigest()[:8]
    params = {"host": db.get("HOST") or None, "port": db.get("PORT") or None, "user": db.get("USER") or None,
              "password": db.get("PASSWORD") or None, "autocommit": True}
    with psycopg.connect(dbname="postgres", **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        create_migrated_postgres(admin, name)  # prepare() migrates it: already up to date
    auth = f"{db.get('USER') or ''}" + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    yield f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}", params | {"dbname": name}
    with psycopg.connect(dbname="postgres", **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


COUNTS = {
    "dossiers": "SELECT count(*) FROM dossiers_dossier WHERE applicant_id = (SELECT id FROM identity_user "
                "WHERE username = 'citizen')",
    "events": "SELECT count(*) FROM dossiers_dossierevent WHERE action = 'submit'",
    "audit": "SELECT count(*) FROM audit_auditentry WHERE action = 'dossier.submit'",
    "outbox": "SELECT count(*) FROM notifications_outboxevent",
    "codes": "SELECT coalesce(sum(last), 0) FROM dossiers_dailysequence",
}


def _counts(params: dict) -> dict[str, int]:
    import psycopg

    with psycopg.connect(**params) as c:
        return {name: c.execute(sql).fetchone()[0] for name, sql in COUNTS.items()}


def test_a_worker_killed_inside_a_submission_leaves_nothing_and_the_retry_files_once(tmp_path, database):
    from tests.conftest import BIRTH

    url_db, params = database
    env = environment(tmp_path, PORT, url_db)
    token = prepare(env, SETUP)["TOKEN"]
    api = f"http://127.0.0.1:{PORT}/api/v1/dossiers"
    body: dict = {"procedure": "1.001193", "data": dict(BIRTH)}
    headers = {"Authorization": f"Bearer {token}"}
    log = tmp_path / "server.log"
    before = _counts(params)

    server = serve(env, PORT, log)
    try:
        body["components"] = _uploaded(headers)
        _kill_inside_the_transaction(server, params, api, body, headers, log)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
    assert _counts(params) == before  # nothing half-written (the daily code number rolled back too)

    server = serve(env, PORT, log)
    try:
        body["components"] = _uploaded(headers)  # a staged upload is consumed by the dossier that names it
        retry = requests.post(api, json=body, headers=headers, timeout=120)
        assert retry.status_code == 201, retry.text
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
    after = _counts(params)
    assert {k: after[k] - before[k] for k in COUNTS if k != "outbox"} == {"dossiers": 1, "events": 1, "audit": 1,
                                                                          "codes": 1}
    assert after["outbox"] > before["outbox"]


def _uploaded(headers: dict) -> list[dict]:
    from tests.conftest import BIRTH_COMPONENTS, TINY_PDF

    found = []
    for record in BIRTH_COMPONENTS:
        r = requests.post(f"http://127.0.0.1:{PORT}/api/v1/uploads", headers=headers, timeout=60,
                          files={"file": (record["name"], TINY_PDF, "application/pdf")})
        assert r.status_code == 201, r.text
        found.append({"key": record["key"], "upload": r.json()["id"]})
    return found


def _kill_inside_the_transaction(server, params: dict, api: str, body: dict, headers: dict, log: Path) -> None:
    import psycopg

    answers: list[object] = []

    def call() -> None:
        try:
            answers.append(requests.post(api, json=body, headers=headers, timeout=120))
        except requests.RequestException as exc:
            answers.append(exc)

    # The lock in a transaction; the watch on another connection (pg_stat_activity is a snapshot per transaction).
    with psycopg.connect(**{**params, "autocommit": False}) as lock, psycopg.connect(**params) as watch:
        lock.execute("LOCK TABLE notifications_outboxevent IN EXCLUSIVE MODE")
        caller = threading.Thread(target=call)
        caller.start()
        waiting = ""
        for _ in range(600):  # until the worker's transaction waits on the lock, with its rows written
            waiting = watch.execute(
                "SELECT query FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            ).fetchone()
            if waiting:
                break
            time.sleep(0.1)
        assert waiting and "notifications_outboxevent" in waiting[0], (waiting, log.read_text()[-2000:])
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        caller.join(10)
        lock.rollback()
    assert isinstance(answers[0], requests.RequestException)  # the client saw no answer: it will retry
