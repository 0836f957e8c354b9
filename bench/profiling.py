"""Profile one scenario in process: its SQL (count, slowest) and where Python spends the time.

    BENCH_DATABASE_URL=postgres://… .venv/bin/python bench/profiling.py submit|act|read_dossier|read_list|search [N]

Replays the first N (default 30) requests of var/bench/<scenario>.tsv (written by
bench/run.py) through Django's test client, after one warm-up request; prints
the queries of one request and the top functions of all (cProfile, cumulative).
For a live server, py-spy (dev dependency) works too:
`py-spy record -o profile.svg --pid <gunicorn worker pid>`.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from bench.run import _config, _server_env

    scenario = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    cfg = _config()
    os.environ.update(_server_env(cfg))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    lines = (cfg.work_dir / f"{scenario}.tsv").read_text(encoding="utf-8").splitlines()
    client = Client(SERVER_NAME="127.0.0.1")

    def call(line: str):
        method, path, auth, cookie, body = line.split("\t", 4)
        headers = {}
        if auth:
            headers["Authorization"] = auth
        if cookie:
            for part in cookie.split("; "):
                k, _, v = part.partition("=")
                client.cookies[k] = v
        if method == "POST":
            return client.post(path, body, content_type="application/json", headers=headers)
        return client.get(path, headers=headers)

    call(lines[0])
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        answer = call(lines[1])
        took = time.perf_counter() - started
    print(f"one request: {answer.status_code} in {took * 1000:.1f} ms, {len(queries)} queries")
    for q in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:12]:
        print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:220]}")
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for line in lines[2 : 2 + n]:
        call(line)
    profiler.disable()
    print(f"{n} requests: {(time.perf_counter() - started) / n * 1000:.1f} ms each")
    pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(35)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
