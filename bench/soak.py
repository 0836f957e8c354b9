"""`make bench-soak`: ten minutes at 70 % of the measured maximum submit rate, mixed with reads.

    .venv/bin/python bench/soak.py                       # what `make bench-soak` runs
    SOAK_SECONDS=60 BENCH_DOSSIERS=20000 .venv/bin/python bench/soak.py   # a short try

On the benchmark's database and server (bench/run.py: PostgreSQL, gunicorn with BENCH_WORKERS
workers, wrk), it first measures the maximum submit rate for BENCH_DURATION seconds, then replays,
paced, for SOAK_SECONDS (600) at SOAK_SHARE (0.7) of it: submissions and, beside each, a citizen's
dossier page and list of dossiers. Every 30 s it samples each worker's resident memory (VmRSS).

Passes (exit 0) when no request failed (no 5xx, no 4xx, no socket error) and the workers' memory is
flat: the mean RSS of the last third of the samples at most SOAK_RSS_GROWTH (10 %) above that of the
first third after the first minute (imports, caches and connection pools fill in that minute).
Writes bench/results/soak-<UTC date>.json with the machine's description and load average.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import RESULTS, ROOT, Server, _config, ensure_data, machine, prepare, wrk

SAMPLE_SECONDS = 30


def _rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            found = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
        except OSError:
            continue
        total = max(total, int(found.group(1)) if found else 0)
    return round(total / 1024, 1)


def _mixed(files: dict[str, Path], out: Path) -> Path:
    """One submission, one dossier page, one list page, in turn (as many lines as there are submissions)."""
    submit = files["submit"].read_text(encoding="utf-8").splitlines()
    pages = files["read_dossier"].read_text(encoding="utf-8").splitlines()
    lists = files["read_list"].read_text(encoding="utf-8").splitlines()
    lines = []
    for i, line in enumerate(submit):
        lines += [line, pages[i % len(pages)], lists[i % len(lists)]]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def main() -> int:
    cfg = _config()
    seconds = int(os.environ.get("SOAK_SECONDS", "600"))
    share = float(os.environ.get("SOAK_SHARE", "0.7"))
    growth = float(os.environ.get("SOAK_RSS_GROWTH", "0.10"))
    ensure_data(cfg)
    files = prepare(cfg)
    from django.db import connection

    connection.close()
    server = Server(cfg)
    samples: list[tuple[float, float]] = []
    try:
        # Warm-up, not measured: each worker's first requests import and compile what they use.
        wrk(cfg, files["search"], 10)
        wrk(cfg, files["submit"], 10)
        peak = wrk(cfg, files["submit"], cfg.duration)
        if not peak["rps"]:
            raise SystemExit(f"no submission was answered while measuring the maximum rate: {peak}")
        rate = peak["rps"] * share
        # Each submission comes with two reads: the paced rate of the mixed lines is three times it.
        delay_ms = max(1, round(cfg.connections * 1000 / (3 * rate)))
        print(f"== maximum submit rate {peak['rps']:.1f} req/s (errors {peak['errors']}); soaking {seconds} s at "
              f"{rate:.1f} submissions/s + {2 * rate:.1f} reads/s ({cfg.connections} connections, {delay_ms} ms "
              "between a connection's requests)", flush=True)
        mixed = _mixed(files, cfg.work_dir / "soak.tsv")
        stop = threading.Event()
        start = time.monotonic()

        def sample() -> None:
            while not stop.wait(SAMPLE_SECONDS):
                samples.append((round(time.monotonic() - start), _rss_mb(server.workers())))
                print(f"   {samples[-1][0]:5d} s  worker RSS {samples[-1][1]:.1f} MB", flush=True)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        os.environ["BENCH_DELAY_MS"] = str(delay_ms)
        try:
            soak = wrk(cfg, mixed, seconds)
        finally:
            os.environ.pop("BENCH_DELAY_MS", None)
            stop.set()
            sampler.join()
    finally:
        server.stop()
    settled = [mb for at, mb in samples if at >= 60] or [mb for _, mb in samples]
    third = max(1, len(settled) // 3)
    first, last = sum(settled[:third]) / third, sum(settled[-third:]) / third
    flat = last <= first * (1 + growth)
    ok = soak["errors"] == 0 and flat
    print(f"soak: {soak['requests']:,} requests in {soak['seconds']:.0f} s = {soak['rps']:.1f} req/s, "
          f"errors {soak['errors']} {soak['statuses']}, p99 {soak['p99_ms']:.1f} ms")
    print(f"worker RSS: {first:.1f} MB → {last:.1f} MB ({'flat' if flat else 'GROWING'}); "
          f"load average {os.getloadavg()[0]:.2f}")
    if soak["first_errors"]:
        print(f"first error: {soak['first_errors'][0][:300]}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    out = RESULTS / f"soak-{now:%Y-%m-%d}.json"
    out.write_text(json.dumps({
        "at": now.isoformat(timespec="seconds"), "machine": machine(cfg), "seconds": seconds, "share": share,
        "max_submit": peak, "soak": soak, "rss_samples_mb": samples, "rss_first_mb": round(first, 1),
        "rss_last_mb": round(last, 1), "flat": flat, "passed": ok,
    }, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written: {out.relative_to(ROOT)}  {'PASSED' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
