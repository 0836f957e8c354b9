# ruff: noqa: S603 - the crash tests start the project's own command (motcua) with their own arguments
"""A real `motcua runserver` process for the crash tests, which kill it mid-request (SIGKILL).

Shared by tests/payments/test_ipn_crash.py, tests/results/test_signing_crash.py and
tests/dossiers/test_submission_crash.py: an installation of its own (database, var/ folder, port),
prepared with the commands an operator runs, then served until the test kills it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
MOTCUA = str(Path(sys.executable).parent / "motcua")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(tmp: Path, port: int, database_url: str, **settings: str) -> dict[str, str]:
    """The server's environment: the test's own without pytest's and Django's, a production-like setup."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "PROMETHEUS_"))},
        "DATABASE_URL": database_url, "MOTCUA_VAR_DIR": str(tmp), "DEBUG": "false",
        "PUBLIC_URL": f"http://127.0.0.1:{port}", "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "false",
        "CATALOG_LOAD_ON_START": "false", "PYTHONPATH": str(ROOT), **settings,
    }


def prepare(env: dict[str, str], setup: str) -> dict[str, str]:
    """Migrate, load the demo, run `setup` in `motcua shell`; what it printed as NAME=value lines."""
    for argv in (["migrate", "--verbosity", "0"], ["load_demo", "--verbosity", "0"]):
        subprocess.run([MOTCUA, *argv], cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)
    out = subprocess.run([MOTCUA, "shell", "-c", setup], cwd=ROOT, env=env, check=True, capture_output=True,
                         text=True, timeout=300).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """The server, once it answers /healthz (its own process group, so a SIGKILL takes it all)."""
    proc = subprocess.Popen([MOTCUA, "runserver", f"127.0.0.1:{port}", "--noreload"], cwd=ROOT, env=env,
                            stdout=log.open("a"), stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(150):
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except requests.ConnectionError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    pytest.fail(f"the server did not start: {log.read_text()[-2000:]}")
