"""Gunicorn settings for motcua: `gunicorn -c python:motcua.ops.gunicorn motcua.wsgi`.

Prometheus multiprocess mode: every worker writes its metrics into
PROMETHEUS_MULTIPROC_DIR (one is made under MOTCUA_VAR_DIR when unset) and
/metrics sums them; a dead worker's live gauges are dropped. Other settings come
from GUNICORN_CMD_ARGS or the command line (--workers, --bind, …).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or str(
    Path(os.environ.get("MOTCUA_VAR_DIR", "var")).resolve() / "prometheus"
)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _dir

wsgi_app = "motcua.wsgi"
bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# WEB_THREADS > 1: gunicorn's gthread worker, that many requests at once per process (one database
# connection each, DB_CONN_MAX_AGE); 1 (the default): the sync worker, one request at a time per
# process. docs/operations.md ("Sizing") has the measurements behind the default.
threads = int(os.environ.get("WEB_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
# The request log is motcua's own (LOG_FORMAT=json, one line per request); gunicorn's access log is off.
accesslog = None


def on_starting(server) -> None:
    # Files of a previous run would be summed into this one's figures.
    shutil.rmtree(_dir, ignore_errors=True)
    Path(_dir).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
