"""CPU and statements of a submit and of a receive, in process (issue 22's figures).

    BENCH_DATABASE_URL=postgres://… BENCH_DOSSIERS=100000 .venv/bin/python bench/cpu.py [N] [--root DIR] [--profile]
        [--db-options JSON] [--conn-max-age S]

Sends the next N (default 60) lines of var/bench/submit.tsv (bench/run.py writes it; this script
prepares it when missing) through Django's test client, then receives each dossier just filed as
its unit's one-stop officer (bench/run.py's act requests; not with --submit-only). Prints, for each kind, the CPU time of
this process per request (mean and median; `time.process_time`, which the machine's other load moves far less than
the wall clock) and of its PostgreSQL server process (/proc/<pid>/stat, PostgreSQL on this machine),
the statements of one request (`CaptureQueriesContext`, BEGIN/COMMIT counted apart), and with
`--profile` the function calls per request (cProfile on the CPU clock; independent of the load) and,
with PROFILE_SORT=cumulative|tottime, the profile itself (PROFILE_DUMP=PATH writes it to PATH.submit and
PATH.receive for pstats). SHOW_SQL=1 lists the statements. `--root DIR` runs another
checkout's code (e.g. /work/main) with this one's venv: the old and the new trees measured in the
same minutes. `--db-options '{"prepare_threshold": 0}'` adds to the database's OPTIONS (Django's
`server_side_binding`, psycopg's `prepare_threshold`, Django's `pool`…) and `--conn-max-age` replaces
CONN_MAX_AGE, before the first connection: server configurations compared without a settings change.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def _backend_pid(connection) -> int | None:
    """The PostgreSQL server process of this connection (None on SQLite)."""
    if connection.vendor != "postgresql":
        return None
    connection.ensure_connection()
    return connection.connection.info.backend_pid


def _cpu_of(pid: int | None) -> float:
    """CPU seconds (user + system) a process on this machine has used; 0 when unknown."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=60)
    parser.add_argument("--root", default=str(HERE))
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--submit-only", action="store_true", help="no receive after the submits")
    parser.add_argument("--skip", type=int, default=0, help="submit lines to skip (used by earlier runs)")
    parser.add_argument("--db-options", default="", help="JSON added to DATABASES['default']['OPTIONS']")
    parser.add_argument("--conn-max-age", type=int, default=None, help="DATABASES['default']['CONN_MAX_AGE']")
    args = parser.parse_args()
    root = Path(args.root).resolve()
    sys.path.insert(0, str(root))
    from bench import run as bench_run

    cfg = bench_run._config()
    cfg.work_dir = HERE / "var" / "bench"
    os.environ.update(bench_run._server_env(cfg))
    submit_file = cfg.work_dir / "submit.tsv"
    if not submit_file.exists():
        bench_run.prepare(cfg)
    # The request log as the bench's gunicorn writes it (a line per request, part of its cost), not shown.
    logging_target = open(os.devnull, "w")  # for the whole run
    sys.stderr = logging_target
    import django

    django.setup()
    from django.db import connection

    connection.close()  # the options below are read when the next connection opens
    if args.db_options:
        connection.settings_dict.setdefault("OPTIONS", {}).update(json.loads(args.db_options))
    if args.conn_max_age is not None:
        connection.settings_dict["CONN_MAX_AGE"] = args.conn_max_age
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import motcua
    from motcua.dossiers.models import Dossier

    assert Path(motcua.__file__).resolve().is_relative_to(root), motcua.__file__
    client = Client(SERVER_NAME="127.0.0.1")

    def call(line: str):
        _method, path, auth, _cookie, body = line.split("\t", 4)
        headers = {"Authorization": auth} if auth else {}
        answer = client.post(path, body, content_type="application/json", headers=headers)
        assert answer.status_code in (200, 201), (answer.status_code, answer.content[:500])
        return answer

    def measure(name: str, lines: list[str]) -> None:
        call(lines[0])  # warm-up: compiled queries, caches
        with CaptureQueriesContext(connection) as queries:
            call(lines[1])
        statements = [q["sql"] for q in queries.captured_queries]
        counted = [s for s in statements if s not in ("BEGIN", "COMMIT")]
        profiler = cProfile.Profile(time.process_time) if args.profile else None
        backend = _backend_pid(connection)
        server = _cpu_of(backend)
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        each = []  # the CPU of each request: its median moves less with the machine's other load than the mean
        for line in lines[2:]:
            started = time.process_time()
            call(line)
            each.append(time.process_time() - started)
        if profiler:
            profiler.disable()
        n = len(lines) - 2
        cpu_ms = (time.process_time() - cpu) / n * 1000
        wall_ms = (time.perf_counter() - wall) / n * 1000
        same = backend is not None and _backend_pid(connection) == backend
        db = f"{(_cpu_of(backend) - server) / n * 1000:.2f} ms" if same else "?"
        median = statistics.median(each) * 1000
        print(f"{name:8} {n} requests: CPU {cpu_ms:.2f} ms (median {median:.2f}; PostgreSQL backend {db}), wall {wall_ms:.2f} ms each; "
              f"{len(counted)} statements (+{len(statements) - len(counted)} BEGIN/COMMIT)", flush=True)
        if os.environ.get("SHOW_SQL"):
            for s in statements:
                print("   ", s[:200])
        if profiler:
            stats = pstats.Stats(profiler)
            if os.environ.get("PROFILE_DUMP"):
                stats.dump_stats(f"{os.environ['PROFILE_DUMP']}.{name}")
            print(f"{name:8} function calls per request: {stats.total_calls / n:,.0f}", flush=True)
            if os.environ.get("PROFILE_SORT"):
                stats.sort_stats(os.environ["PROFILE_SORT"]).print_stats(int(os.environ.get("PROFILE_LINES", "40")))

    lines = submit_file.read_text(encoding="utf-8").splitlines()
    # Each run files new dossiers from lines no earlier run used (a line per citizen token, any order).
    marker = cfg.work_dir / "cpu-next-line"
    start = int(marker.read_text()) if marker.exists() else args.skip
    chosen = lines[start : start + args.n + 2]
    marker.write_text(str(start + args.n + 2))
    mark = Dossier.objects.order_by("-id").values_list("id", flat=True).first() or 0
    connection.close()
    measure("submit", chosen)
    if args.submit_only:
        print(f"load average {os.getloadavg()[0]:.2f}")
        return 0
    act = bench_run.act_requests(cfg, mark).read_text(encoding="utf-8").splitlines()
    connection.close()
    measure("receive", act)
    options = {k: v for k, v in connection.settings_dict["OPTIONS"].items() if k in ("server_side_binding", "prepare_threshold", "pool")}
    print(f"options {options} CONN_MAX_AGE {connection.settings_dict['CONN_MAX_AGE']}; load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
