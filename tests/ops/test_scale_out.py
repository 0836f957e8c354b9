# ruff: noqa: S603 - the test starts the project's own commands (gunicorn, motcua) with its own arguments
"""Scaling out: two web processes and two RQ task workers on one PostgreSQL database and Redis.

Shows that every task runs exactly once (many enqueued, each run counted) and
that a session opened on one web process is served by the other (sessions live
in the database, nothing in a process). Real processes: gunicorn and
`motcua rqworker`, started and stopped by the test.

It uses a PostgreSQL database of its own (MOTCUA_SCALE_DATABASE_URL; default: the
server of DATABASE_URL when that is PostgreSQL, else 127.0.0.1:5432, database
`<name>_scale`), created and dropped here, so it runs in the SQLite pass of CI too.
It skips, saying why, only when no PostgreSQL server answers; Redis is
MOTCUA_SCALE_REDIS_URL (default redis://127.0.0.1:6379/14, emptied before and after).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from email import message_from_string
from email.header import decode_header, make_header
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.request import HTTPCookieProcessor, Request, build_opener

import pytest

from tests.conftest import BIRTH

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())  # wherever the module sits
BIN = Path(sys.executable).parent
TASKS = 120
DOSSIERS = 12


def _scale_url() -> str:
    given = os.environ.get("MOTCUA_SCALE_DATABASE_URL")
    if given:
        return given
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith(("postgres://", "postgresql://")):
        parts = urllib.parse.urlsplit(base)
        return urllib.parse.urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_scale"))
    # One per checkout: two checkouts' suites on one machine dropped each other's database.
    return f"postgres://postgres@127.0.0.1:5432/motcua_scale_{hashlib.sha256(str(ROOT).encode()).hexdigest()[:8]}"


def _scale_redis_url() -> str:
    # One Redis database per checkout too (1-15; 0 is the installation's default), as for PostgreSQL above.
    return f"redis://127.0.0.1:6379/{1 + int(hashlib.sha256(str(ROOT).encode()).hexdigest()[:8], 16) % 15}"


def _queue_consumers(broker) -> int:
    """Clients of this Redis database blocked waiting on a list: workers consuming its queues."""
    db = str(broker.connection_pool.connection_kwargs.get("db", 0))
    return sum(1 for c in broker.client_list()
               if str(c.get("db")) == db and c.get("cmd") in ("blpop", "brpop", "blmove", "brpoplpush", "bzpopmin"))


def _admin(url: str):
    import psycopg

    parts = urllib.parse.urlsplit(url)
    return psycopg.connect(urllib.parse.urlunsplit(parts._replace(path="/postgres")), autocommit=True,
                           connect_timeout=3), parts.path.lstrip("/")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """The processes the test starts; all stopped (their whole process group) at the end."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.running: list[subprocess.Popen] = []

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "w")
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.running.append(proc)
        return proc

    def stop(self) -> None:
        for proc in self.running:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.running:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.log_dir.glob("*.log")))


@pytest.fixture
def cluster(tmp_path):
    import psycopg
    import redis

    from tests.conftest import create_migrated_postgres

    url = _scale_url()
    try:
        admin, name = _admin(url)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL server answers for the scale-out test ({url.split('@')[-1]}): {exc}")
    redis_url = os.environ.get("MOTCUA_SCALE_REDIS_URL", _scale_redis_url())
    broker = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
    try:
        broker.flushdb()
        strangers = _queue_consumers(broker)
    except redis.RedisError as exc:
        if os.environ.get("MOTCUA_NO_REDIS") == "1":
            pytest.skip(f"MOTCUA_NO_REDIS=1: Redis tests skipped on request ({redis_url}: {exc})")
        pytest.fail(f"Redis is not reachable at {redis_url} ({exc}); .ci/run starts one")
    if strangers:
        # A worker left running elsewhere would take half of the tasks into its own database: say so.
        pytest.fail(f"{strangers} other client(s) already wait for tasks on {redis_url} (an rqworker left "
                    "running by another run?); stop them, or set MOTCUA_SCALE_REDIS_URL to another database")
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        create_migrated_postgres(admin, name)  # `migrate` below finds the session's copy up to date
    env = {
        # Not PROMETHEUS_MULTIPROC_DIR: set even empty, it makes every process write metric files (into the
        # working directory when empty); the web processes get their own below.
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "PROMETHEUS_"))},
        "DATABASE_URL": url, "TASKS_BACKEND": "rq", "REDIS_URL": redis_url, "DEBUG": "false", "HTTPS": "false",
        "SECRET_KEY": "scale-out-test-" + "k" * 40, "ALLOWED_HOSTS": "127.0.0.1", "MOTCUA_VAR_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT),  # the workers import tests.scale_tasks
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    motcua = str(BIN / "motcua")
    for step in (["migrate", "--noinput"], ["load-demo"]):
        subprocess.run([motcua, *step], env=env, cwd=ROOT, check=True, capture_output=True, timeout=300)
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE scale_out_runs (n integer NOT NULL, pid integer NOT NULL)")
        conn.execute("UPDATE identity_user SET email = username || '@example.test' WHERE username LIKE 'citizen%%'")
    procs = Processes(tmp_path)
    webs = []
    try:
        for i in range(2):
            port = _free_port()
            procs.start(f"web{i}", [str(BIN / "gunicorn"), "-c", "python:motcua.ops.gunicorn", "--workers", "1",
                                    "--bind", f"127.0.0.1:{port}"],
                        {**env, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / f"prom{i}")})
            webs.append(f"http://127.0.0.1:{port}")
        for i in range(2):
            procs.start(f"worker{i}", [motcua, "rqworker", "default"], env)
        for base in webs:
            _wait_ready(base, procs)
        yield {"webs": webs, "env": env, "url": url, "procs": procs, "mail": tmp_path / "mail", "redis": broker}
    finally:
        procs.stop()
        broker.flushdb()
        admin, name = _admin(url)
        with admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait_ready(base: str, procs: Processes) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with build_opener().open(f"{base}/readyz", timeout=3) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if any(p.poll() is not None for p in procs.running):
            pytest.fail(f"a process exited early:\n{procs.logs()}")
        time.sleep(0.5)
    pytest.fail(f"{base} not ready in 90 s:\n{procs.logs()}")


def _wait_for(condition, what: str, procs: Processes, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}:\n{procs.logs()}")


def test_two_web_processes_and_two_workers_share_sessions_and_run_each_task_once(cluster):
    import psycopg

    web_a, web_b = cluster["webs"]
    procs = cluster["procs"]

    # A session opened on one web process is served by the other.
    jar = CookieJar()
    browser = build_opener(HTTPCookieProcessor(jar))
    page = browser.open(f"{web_a}/accounts/login/", timeout=10).read().decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"username": "citizen", "password": "demo-motcua", "csrfmiddlewaretoken": csrf})
    browser.open(Request(f"{web_a}/accounts/login/", data=form.encode(), headers={"Referer": f"{web_a}/accounts/login/"}),
                 timeout=10).read()
    assert any(c.name == "sessionid" for c in jar), "the login on the first web process gave no session"
    with browser.open(f"{web_b}/my/dossiers/", timeout=10) as answer:
        body = answer.read().decode()
        assert answer.status == 200 and answer.url.endswith("/my/dossiers/"), answer.url  # not sent to log in
    assert "Nguyễn Văn An" in body or "citizen" in body

    # Every task runs exactly once: enqueued from outside, run by two workers competing on one queue.
    script = ("from tests.scale_tasks import record_run\n"
              f"for n in range({TASKS}):\n    record_run.enqueue(n)\n")
    subprocess.run([str(BIN / "motcua"), "shell", "-c", script], env=cluster["env"], cwd=ROOT, check=True,
                   capture_output=True, timeout=120)

    def runs() -> list[tuple[int, int]]:
        with psycopg.connect(cluster["url"]) as conn:
            return conn.execute("SELECT n, pid FROM scale_out_runs").fetchall()

    _wait_for(lambda: len(runs()) >= TASKS and cluster["redis"].llen("rq:queue:default") == 0, "the tasks", procs)
    time.sleep(1)  # a duplicate would show up now
    done = runs()
    assert sorted(n for n, _ in done) == list(range(TASKS))  # each once, none lost, none twice
    assert len({pid for _, pid in done}) == 2, "both workers took tasks"

    # The same for the outbox: dossiers submitted on both web processes, each receipt mailed once.
    token = subprocess.run([str(BIN / "motcua"), "issue-token", "citizen"], env=cluster["env"], cwd=ROOT, check=True,
                           capture_output=True, text=True, timeout=60).stdout.split()[-1]
    codes = []
    for i in range(DOSSIERS):
        body = json.dumps({"procedure": "1.001193", "data": {**BIRTH, "child_name": f"Trẻ số {i}"},
                           # No file: the API takes components only as uploads it received itself
                           # (POST /uploads); the receipt mail is what this part counts.
                           "components": []}).encode()
        request = Request(f"{(web_a, web_b)[i % 2]}/api/v1/dossiers", data=body, method="POST",
                          headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        with build_opener().open(request, timeout=20) as answer:
            assert answer.status == 201
            codes.append(json.loads(answer.read())["code"])

    def undelivered() -> int:
        with psycopg.connect(cluster["url"]) as conn:
            return conn.execute("SELECT count(*) FROM notifications_outboxevent WHERE delivered_at IS NULL").fetchone()[0]

    _wait_for(lambda: undelivered() == 0 and cluster["redis"].llen("rq:queue:default") == 0, "the outbox", procs)
    time.sleep(1)
    subjects = [
        str(make_header(decode_header(message_from_string(chunk.strip())["Subject"] or "")))
        for path in cluster["mail"].glob("*.log")
        for chunk in path.read_text(encoding="utf-8").split("-" * 79)
        if chunk.strip()
    ]
    for code in codes:
        assert sum(code in s for s in subjects) == 1, (code, subjects)
