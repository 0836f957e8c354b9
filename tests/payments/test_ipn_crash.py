"""A web worker killed between an IPN's arrival and its commit: the gateway's retry pays exactly once.

A real server process (`motcua runserver`) on a SQLite file of its own. The test holds the database's
write lock, so the worker receives the IPN, checks its signature, finds the order and then waits
inside the payment's transaction; the test kills it there (SIGKILL), releases the lock, starts a new
worker and sends the same IPN again, as VNPAY retries: paid once, "00"; a further retry answers "02".
"""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import requests

from tests.crash_server import environment, free_port, prepare, serve

PORT = free_port()  # chosen at import: each xdist worker and each checkout its own
SETUP = """
from motcua.catalog.models import Procedure
from motcua.dossiers import actions
from motcua.dossiers.actions.payments import start_payment
from motcua.identity.models import User
from motcua.payments import sandbox, vnpay
from tests.walker import components_for

citizen = User.objects.get(username="citizen")
definition = Procedure.objects.get(code="3.000333").current.definition
data = {**definition["example"], "copies": 1}
comps = [{**c, "name": c.get("name", "x.pdf")} for c in components_for(definition, data) if c["source"] != "upload"]
d = actions.submit(citizen, "3.000333", data, components=comps)
p = start_payment(d.code, citizen, return_url="http://127.0.0.1/payments/return/sandbox/").payment
f = {"vnp_TmnCode": sandbox.config()["tmn_code"], "vnp_TxnRef": p.order_ref, "vnp_Amount": str(p.amount * 100),
     "vnp_ResponseCode": "00", "vnp_TransactionStatus": "00", "vnp_TransactionNo": "90000001",
     "vnp_PayDate": "20261204100000", "vnp_BankCode": "NCB"}
f["vnp_SecureHash"] = vnpay.sign_query(f, sandbox.config()["hash_secret"])
print("IPN=" + "&".join(k + "=" + v for k, v in f.items()))
print("REF=" + p.order_ref)
"""


def _paid(db: Path, ref: str) -> tuple[str, int]:
    with sqlite3.connect(db) as c:
        state = c.execute("SELECT state FROM payments_payment WHERE order_ref = ?", (ref,)).fetchone()[0]
        events = c.execute("SELECT count(*) FROM dossiers_dossierevent WHERE action = 'payment_paid'").fetchone()[0]
    return state, events


def test_a_worker_killed_before_the_commit_leaves_nothing_and_the_retry_pays_once(tmp_path, migrated_sqlite):
    env = environment(tmp_path, PORT, f"sqlite:///{tmp_path / 'crash.sqlite3'}", PAYMENT_SANDBOX_IN_PROCESS="false")
    migrated_sqlite(tmp_path / "crash.sqlite3")  # prepare() migrates it: already up to date
    printed = prepare(env, SETUP)
    ipn_query, ref = printed["IPN"], printed["REF"]
    db, log = tmp_path / "crash.sqlite3", tmp_path / "server.log"
    url = f"http://127.0.0.1:{PORT}/payments/ipn/sandbox/?{ipn_query}"
    assert _paid(db, ref) == ("pending", 0)

    server = serve(env, PORT, log)
    lock = sqlite3.connect(db, timeout=60, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # the worker will wait for the write lock inside its transaction
    answers: list[object] = []

    def call() -> None:
        try:
            answers.append(requests.get(url, timeout=60).json())
        except requests.RequestException as exc:
            answers.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(3)  # the IPN has arrived and waits for the lock
    assert not answers, answers
    os.killpg(server.pid, signal.SIGKILL)  # the worker dies between the IPN's arrival and its commit
    server.wait()
    caller.join(10)
    lock.execute("ROLLBACK")
    lock.close()
    assert isinstance(answers[0], requests.RequestException)  # the gateway got no answer: it will retry
    assert _paid(db, ref) == ("pending", 0)  # nothing half-written

    server = serve(env, PORT, log)
    try:
        assert requests.get(url, timeout=30).json() == {"RspCode": "00", "Message": "Confirm Success"}
        assert requests.get(url, timeout=30).json()["RspCode"] == "02"
        assert requests.get(f"http://127.0.0.1:{PORT}/payments/ipn/sandbox/?{urlencode({'vnp_TxnRef': ref})}",
                            timeout=30).json()["RspCode"] == "97"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(20)
    assert _paid(db, ref) == ("paid", 1)
