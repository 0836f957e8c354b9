"""Decision 766 at scale: full rebuild of the counters and the dashboard of every unit over a year.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua_kpi_bench .venv/bin/python bench/kpi.py

1. (with --generate, or when the database holds fewer than --dossiers, default
   10,000,000) fills the database: bench/generate.py makes 1,000,000 dossiers
   (COPY: ~700 units, two years, with their histories and the facts the
   indicators read — component sources, e-ID authentication, online payment,
   dissatisfied ratings), then SQL copies of them shifted by 1…9 days make up
   the rest (~10 min in all on a 2-core machine);
2. times `rebuild()` — what `motcua kpi rebuild` runs — twice (the first run
   also reads the table from disk; target < 60 s);
3. times `query.report()` — what GET /api/v1/kpi and the dashboard compute —
   for every unit and the whole country over the last full year, ranking
   included (target p95 < 50 ms), after one warm-up pass;
4. (--verify) checks that the counters equal a rebuild (a second rebuild
   inside a rolled-back transaction, compared row by row);
5. (issue 23; --no-insights skips it, --only-insights runs only it) builds the
   insights' step-time tables and their monthly rollups from every finished dossier
   and its workflow steps with the set-based SQL build (`motcua insights rebuild`,
   target < 5 min at 10 million; wall time and the CPU time of the database backend and its parallel workers),
   times the scheduler's incremental round (nothing pending; one day's dossiers),
   scores every open dossier (one procedure's history in memory at a time) and times
   the leader's insight page (from the rollups, and the risk list) for every unit and
   the whole country over the default period (the current month and the two before;
   p95 < 100 ms). Every line says the load average, "noisy" above 1.5.

A database filled before with fewer dossiers than --dossiers grows by more shifted
copies of its generated base (no regeneration).

Prints the figures; exits 1 when a target is missed (with --strict).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REBUILD_TARGET_S = 60.0
INSIGHTS_BUILD_TARGET_S = 300.0  # the step-time tables for 10 million dossiers (issue 23)
INSIGHTS_P95_TARGET_MS = 100.0  # a leader's insight page
GENERATED = 1_000_000  # made by bench/generate.py; beyond it, shifted copies
DASHBOARD_P95_TARGET_MS = 50.0


def _extend_generator(seed: int) -> None:
    """The dossier facts of the h4 migration, drawn per row (bench/generate.py's extension hook)."""
    from bench import generate
    from motcua.dossiers.facts import sources_mask

    rng = random.Random(seed)
    masks: dict[str, int] = {}

    def component_sources(f: dict) -> int:
        text = f.get("components") or "[]"
        if text not in masks:
            masks[text] = sources_mask(json.loads(text))
        return masks[text]

    generate.DOSSIER_FIELDS["component_sources"] = component_sources
    generate.DOSSIER_FIELDS["vneid_auth"] = lambda f: f.get("channel") == 2 and rng.random() < 0.8
    # About one returned dossier in 25 rated "dissatisfied" (indicator 5.4).
    generate.DOSSIER_FIELDS["disliked"] = lambda f: f.get("status") == 10 and rng.random() < 0.04
    generate.DOSSIER_FIELDS["paid_online"] = lambda f: (
        rng.choice((1, 2, 2)) if f.get("fee", 0) > 0 and f.get("channel") == 2 and rng.random() < 0.7 else 0
    )


def _has_fewer_dossiers(n: int) -> bool:
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(os.environ["DATABASE_URL"])
    try:
        with psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                             password=db["PASSWORD"] or None, dbname=db["NAME"]) as conn:
            # The planner's estimate: counting millions of rows exactly would take longer than it helps.
            row = conn.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'dossiers_dossier'").fetchone()
            # A database generated before bench/generate.py wrote workflow steps: the insights need them.
            steps = conn.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'dossiers_task'").fetchone()
    except psycopg.Error:
        return True
    return row is None or row[0] < n * 0.99 or steps is None or steps[0] < row[0]


def _base_and_copies() -> tuple[int, int] | None:
    """(generated dossiers, shifted copies made) of a filled database with workflow steps, else None."""
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(os.environ["DATABASE_URL"])
    try:
        with psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                             password=db["PASSWORD"] or None, dbname=db["NAME"]) as conn:
            if not conn.execute("SELECT EXISTS (SELECT 1 FROM dossiers_task)").fetchone()[0]:
                return None
            base = conn.execute("SELECT count(*) FROM dossiers_dossier WHERE code NOT LIKE '%-c%'").fetchone()[0]
            last = conn.execute("SELECT max(id) FROM dossiers_dossier WHERE code NOT LIKE '%-c%'").fetchone()[0]
            top = conn.execute("SELECT max(id) FROM dossiers_dossier").fetchone()[0]
    except psycopg.Error:
        return None
    return (base, (top - 1) // last) if base and last else None


def _copy_dossiers(connection, copies: int, first: int = 1) -> None:
    """Every dossier again `copies` times, k days earlier (k = 1…copies): the counters see k-shifted twins.

    A copy's id is the original's + k × (the largest original id), so its workflow steps and supplement
    rounds are copied with it (same shift) — what the insights' step tables are built from. The
    secondary indexes are dropped for the copy and built again after it, and the foreign-key
    triggers are off (the copied ids are the originals'): maintaining eight indexes row by row
    made the copy four times slower.
    """
    from motcua.dossiers.models import Dossier, SupplementRequest, Task

    def columns(model, skip=("id",)):
        fields = [f.column for f in model._meta.concrete_fields if f.column not in skip]
        times = {f.column for f in model._meta.concrete_fields if f.get_internal_type() == "DateTimeField"}
        return fields, ", ".join(f"{c} - k * interval '1 day'" if c in times else c for c in fields)

    fields, select = columns(Dossier, ("id", "code"))
    cols = ", ".join(fields)
    started = time.perf_counter()
    tables = [Dossier._meta.db_table, Task._meta.db_table, SupplementRequest._meta.db_table]
    with connection.cursor() as cur:
        cur.execute("SELECT max(id) FROM dossiers_dossier WHERE code NOT LIKE '%%-c%%'")
        last = cur.fetchone()[0]
        cur.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname "
            "JOIN pg_index x ON x.indexrelid = c.oid WHERE i.tablename = ANY(%s) AND NOT x.indisunique",
            [tables],
        )
        indexes = cur.fetchall()
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET session_replication_role = replica")
        for name, _definition in indexes:
            cur.execute(f'DROP INDEX "{name}"')
        for k in range(first, copies + 1):
            cur.execute(
                f"INSERT INTO dossiers_dossier (id, code, {cols}) SELECT id + k * %s, code || '-c{k}', {select} "
                f"FROM dossiers_dossier, (SELECT {k} AS k) s WHERE id <= %s",
                [last, last],
            )
            for model in (Task, SupplementRequest):
                f = columns(model)[0]
                times = {x.column for x in model._meta.concrete_fields if x.get_internal_type() == "DateTimeField"}
                sel = ", ".join(f"dossier_id + k * {int(last)}" if c == "dossier_id" else
                                f"{c} - k * interval '1 day'" if c in times else c for c in f)
                cur.execute(
                    f"INSERT INTO {model._meta.db_table} ({', '.join(f)}) SELECT {sel} "
                    f"FROM {model._meta.db_table}, (SELECT {k} AS k) s WHERE dossier_id <= %s",
                    [last],
                )
            print(f"  copy {k}: {time.perf_counter() - started:.0f} s", flush=True)
        cur.execute("SET session_replication_role = DEFAULT")
        cur.execute("SET maintenance_work_mem = '1GB'")
        for _name, definition in indexes:
            cur.execute(definition)
        for table in tables:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        print(f"  indexes built again: {time.perf_counter() - started:.0f} s", flush=True)
        for table in tables:
            cur.execute(f"VACUUM ANALYZE {table}")
    print(f"copied the dossiers {copies} times in {time.perf_counter() - started:.0f} s", flush=True)


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


NOISY_LOAD = 1.5  # above this load average (per the whole machine) a timing is flagged "noisy"


def _load() -> str:
    load = os.getloadavg()[0]
    return f"{load:.1f}{' (noisy)' if load > NOISY_LOAD else ''}"


def _proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _backend_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine only): what the work cost
    whatever the other processes on the machine took, unlike the wall time."""
    from django.db import connection

    try:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
        return _proc_cpu(pid)
    except (OSError, IndexError, ValueError):
        return None


class _WorkerCpu:
    """The CPU seconds of the parallel workers of this connection's backend and of the database's other backends
    (the second connection of a rebuild on two, insights/sqlbuild.py) and their workers, while they run: each
    one's `/proc` stat sampled every 0.1 s by a thread (what a process used after its last sample, at most 0.1 s,
    is missed; a backend already there at the start counts from then). Added to the backend's own so that a
    parallel plan's cost shows."""

    def __init__(self) -> None:
        import threading

        self.seen: dict[int, float] = {}
        self.base: dict[int, float] = {}
        self.backends: set[int] = set()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.leader = None
        self.tag = b""

    def __enter__(self) -> _WorkerCpu:
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SELECT pg_backend_pid(), current_database()")
            self.leader, database = cur.fetchone()
        self.tag = f" {database} ".encode()
        for pid, cmdline in self._processes():
            if self.tag in cmdline and pid != self.leader:
                self.base[pid] = _proc_cpu(pid)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()

    @staticmethod
    def _processes():
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    cmdline = Path(entry.path, "cmdline").read_bytes()
                except OSError:
                    continue
                if cmdline.startswith(b"postgres"):
                    yield int(entry.name), cmdline

    def _poll(self) -> None:
        marker = b"parallel worker for PID "
        while not self.stop.wait(0.1):
            for pid, cmdline in self._processes():
                try:
                    if marker in cmdline:
                        owner = int(cmdline.split(marker, 1)[1].split()[0].strip(b"\0"))
                        if owner != self.leader and owner not in self.backends:
                            continue
                        self.seen[pid] = _proc_cpu(pid)
                    elif self.tag in cmdline and pid != self.leader:
                        self.backends.add(pid)
                        self.seen[pid] = _proc_cpu(pid)
                except (OSError, IndexError, ValueError):
                    continue

    @property
    def seconds(self) -> float:
        return sum(cpu - self.base.get(pid, 0.0) for pid, cpu in self.seen.items())


def _cpu_since(before: float | None, workers: _WorkerCpu | None = None) -> str:
    after = _backend_cpu()
    if before is None or after is None:
        return ""
    extra = workers.seconds if workers else 0.0
    return (f", {after - before + extra:.1f} s of the database's CPU"
            + (f" ({extra:.1f} s of it in {len(workers.seen) - len(workers.backends)} parallel workers and "
               f"{len(workers.backends)} other connections)" if workers and workers.seen else ""))


def _incremental(today) -> None:
    """The scheduler's round: the dossiers that ended on the history's last day traced (with their rollups)
    by `sqlbuild.build_all()`, as if they had just finished — inside a transaction rolled back after."""
    from django.db import transaction
    from django.db.models import Max

    from motcua.insights import rollup, sqlbuild
    from motcua.insights.models import DossierTrace, Rollup, StepTime

    t0 = time.perf_counter()
    idle = sqlbuild.build_all(recent=True)
    print(f"insights incremental, nothing pending: {time.perf_counter() - t0:.1f} s (the round's fixed cost)", flush=True)
    with transaction.atomic():
        day = DossierTrace.objects.aggregate(d=Max("ended_on"))["d"]
        month = day.replace(day=1)
        gone = DossierTrace.objects.filter(ended_on=day)
        StepTime.objects.filter(ended_on=day).delete()
        n = gone.count()
        gone.delete()
        Rollup.objects.filter(month=month).delete()
        rollup.add("x.ended_on >= %s AND x.ended_on < %s", [month, day])  # the month as it stood before that day
        cpu, t0 = _backend_cpu(), time.perf_counter()
        with _WorkerCpu() as workers:
            timing = sqlbuild.build_all(recent=True)
        print(f"insights incremental, one day ({day}): {timing.dossiers:,} dossiers ({n:,} pending), {timing.steps:,} "
              f"step rows in {time.perf_counter() - t0:.1f} s{_cpu_since(cpu, workers)}; load average {_load()}",
              flush=True)
        transaction.set_rollback(True)
    del idle


def _insights(units, today, build_tables: bool = True) -> bool:
    """Issue 23: the step-time tables built from every finished dossier and its workflow steps
    (`motcua insights rebuild`: the set-based SQL build, insights/sqlbuild.py, with the monthly rollups),
    the incremental round, the open dossiers scored, then the leader's insight page (`summary.summarize`
    from the rollups, and the risk list) for every unit and the whole country over the last quarter, for
    the unit's busiest procedure. Each line carries the load average ("noisy" above NOISY_LOAD)."""
    from django.db.models import Max

    from motcua.catalog.models import Procedure
    from motcua.insights import risk, sqlbuild, summary
    from motcua.insights.models import DossierTrace, Rollup, StepTime
    from motcua.insights.views import at_risk, default_start

    print(f"insights: load average {_load()} on {os.cpu_count()} cores", flush=True)
    sqlbuild.PROBE = _backend_cpu  # each phase's CPU, per connection (a rebuild runs on two)
    cpu, t0 = _backend_cpu(), time.perf_counter()
    with _WorkerCpu() as workers:
        timing = sqlbuild.build_all(rebuild=True) if build_tables else sqlbuild.Timing(0, 0, 0.0, 0)
    built = time.perf_counter() - t0
    print(f"insights build (SQL): {timing.dossiers:,} finished dossiers, {timing.steps:,} step rows "
          f"({StepTime.objects.count():,} in all, {Rollup.objects.count():,} rollup rows) in {built:.1f} s "
          f"({timing.python:,} by the Python build{_cpu_since(cpu, workers) if build_tables else ''}); "
          + ", ".join(f"{k} {v:.1f} s" for k, v in (timing.phases or {}).items())
          + f"; load average after {_load()}", flush=True)
    if timing.cpu:
        print("… the CPU seconds of each phase's backend (parallel workers not in them): "
              + ", ".join(f"{k} {v:.1f} s" for k, v in timing.cpu.items()), flush=True)
    if build_tables:
        _incremental(today)
    t0 = time.perf_counter()
    scored = risk.score(everything=True)
    print(f"insights score: {scored:,} open dossiers in {time.perf_counter() - t0:.1f} s (one procedure's year of "
          f"history in memory at a time); load average {_load()}", flush=True)
    # The last quarter of the history (today's, unless the database's dossiers end earlier).
    last = DossierTrace.objects.aggregate(last=Max("ended_on"))["last"]
    today = min(today, last) if last else today
    start = default_start(today)  # the page's default: the current month and the two before, whole
    print(f"insight page period: {start} – {today}", flush=True)
    targets = []
    t0 = time.perf_counter()
    for u in [None, *units]:
        procedures = summary.procedures_in(u, start, today)
        targets.append((u, Procedure.objects.get(code=procedures[0]["code"]) if procedures else None))
    print(f"the procedures' list (the page without a procedure), every unit + national: "
          f"{(time.perf_counter() - t0) * 1000 / len(targets):.1f} ms a page on average (cold)", flush=True)
    for u, p in targets:  # warm-up: plans and the buffer cache, as for the dashboard
        summary.summarize(u, start, today, p)
    samples, figures, risks = [], [], []
    load_before = _load()
    for u, p in targets:
        t0 = time.perf_counter()
        summary.summarize(u, start, today, p)
        t1 = time.perf_counter()
        at_risk(u, p)
        t2 = time.perf_counter()
        samples.append((t2 - t0) * 1000)
        figures.append((t1 - t0) * 1000)
        risks.append((t2 - t1) * 1000)
    p95 = _percentile(samples, 95)
    print(f"insight page (last quarter, busiest procedure, every unit + national): {len(samples)} pages, "
          f"p50 {_percentile(samples, 50):.1f} ms, p95 {p95:.1f} ms, max {max(samples):.1f} ms "
          f"(figures p95 {_percentile(figures, 95):.1f} ms, risk list p95 {_percentile(risks, 95):.1f} ms); "
          f"load average before {load_before}, after {_load()}", flush=True)
    verdict = "not run" if not build_tables else "met" if built < INSIGHTS_BUILD_TARGET_S else "MISSED"
    print(f"targets: insights build < {INSIGHTS_BUILD_TARGET_S:.0f} s: {verdict}; "
          f"insight page p95 < {INSIGHTS_P95_TARGET_MS:.0f} ms: {'met' if p95 < INSIGHTS_P95_TARGET_MS else 'MISSED'}")
    return built < INSIGHTS_BUILD_TARGET_S and p95 < INSIGHTS_P95_TARGET_MS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=10_000_000)
    parser.add_argument("--generate", action="store_true", help="recreate the database and fill it first")
    parser.add_argument("--verify", action="store_true", help="also compare the counters with a rebuild")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--seed", type=int, default=766)
    parser.add_argument("--rebuilds", type=int, default=2, help="how many timed rebuilds (default 2)")
    parser.add_argument("--no-insights", dest="insights", action="store_false",
                        help="skip the insights' step-time build and page timings")
    parser.add_argument("--only-generate", action="store_true", help="fill the database and stop")
    parser.add_argument("--only-insights", action="store_true",
                        help="only the insights' build and page timings (no KPI rebuild nor dashboard)")
    parser.add_argument("--no-insights-build", dest="insights_build", action="store_false",
                        help="time the insight page on the tables as they are (no rebuild)")
    parser.add_argument("--generated", type=int, default=GENERATED,
                        help="how many dossiers bench/generate.py makes (default 1,000,000); the rest up to --dossiers "
                             "are shifted SQL copies of them (k days earlier, code suffixed -ck): minutes, not hours")
    args = parser.parse_args(argv)
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/motcua_kpi_bench")
    grow_from = 0
    if not args.generate and _has_fewer_dossiers(args.dossiers):
        made = _base_and_copies()
        if made and made[0] >= args.dossiers // 40:  # grown by more shifted copies of the generated base
            grow_from = made[1] + 1
            print(f"the database holds {made[0] * (made[1] + 1):,} dossiers: adding shifted copies up to "
                  f"{args.dossiers:,}", flush=True)
        else:
            print(f"the database holds fewer than {args.dossiers:,} dossiers (or no workflow steps): generating them",
                  flush=True)
            args.generate = True
    from bench import generate

    generate._setup_django()
    copies = 0
    if grow_from:
        made = _base_and_copies()
        copies = -(-args.dossiers // made[0]) - 1
    if args.generate:
        _extend_generator(args.seed)
        started = time.perf_counter()
        base = min(args.dossiers, args.generated)
        generate.main(["--dossiers", str(base), "--recreate", "--seed", str(args.seed)])
        print(f"generated {base:,} dossiers in {time.perf_counter() - started:.0f} s", flush=True)
        copies = -(-args.dossiers // base) - 1

    from django.db import connection

    from motcua.dossiers.models import Dossier
    from motcua.monitoring import query
    from motcua.monitoring.rebuild import differences, rebuild
    from motcua.units.models import Unit

    if connection.vendor != "postgresql":
        raise SystemExit("bench/kpi.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    if copies:
        _copy_dossiers(connection, copies, grow_from or 1)
    if args.only_generate:
        return 0
    if args.only_insights:
        from motcua.monitoring import query as q

        return 0 if _insights(list(Unit.objects.all()), q.today(), args.insights_build) or not args.strict else 1
    dossiers = Dossier.objects.count()
    units = list(Unit.objects.all())
    with connection.cursor() as cur:
        cur.execute("SELECT version()")
        version = cur.fetchone()[0].split(",")[0]
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size('dossiers_dossier'))")
        size = cur.fetchone()[0]
    print(f"kpi benchmark — {version}; {dossiers:,} dossiers ({size}), {len(units)} units; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)

    timings = []
    for attempt in range(1, args.rebuilds + 1):
        t = rebuild()
        timings.append(t.seconds)
        print(f"rebuild #{attempt}: {t.seconds:.1f} s — {t.daily:,} daily, {t.monthly:,} monthly, {t.open:,} open rows",
              flush=True)

    today = query.today()
    year = today.year - 1
    start, end = date(year, 1, 1), date(year, 12, 31)
    targets = [None, *units]
    for u in targets:  # warm-up: the catalogue facts, the plans, the buffer cache
        query.report(u, start, end)
    samples = []
    for u in targets:
        t0 = time.perf_counter()
        query.report(u, start, end)
        samples.append((time.perf_counter() - t0) * 1000)
    p50, p95, worst = _percentile(samples, 50), _percentile(samples, 95), max(samples)
    print(f"dashboard ({year}, every unit + national, ranking included): {len(samples)} reports, "
          f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {worst:.1f} ms, mean {statistics.mean(samples):.1f} ms", flush=True)
    national = query.report(None, start, end)
    print(f"national {year}: received {national.headline['denominator']:,} eligible, "
          f"full-process online rate {national.headline['rate'] or 0:.2f}%, total {national.total}")

    insights_ok = _insights(units, today) if args.insights else True

    rebuilt = bool(timings) and min(timings) < REBUILD_TARGET_S
    ok = rebuilt and p95 < DASHBOARD_P95_TARGET_MS and insights_ok
    if args.verify:
        t0 = time.perf_counter()
        found = differences()
        print(f"verify (counters vs rebuild): {found} in {time.perf_counter() - t0:.1f} s")
        ok = ok and not any(found.values())
    print(f"targets: rebuild < {REBUILD_TARGET_S:.0f} s: {'met' if rebuilt else 'MISSED' if timings else 'not run'}; "
          f"dashboard p95 < {DASHBOARD_P95_TARGET_MS:.0f} ms: {'met' if p95 < DASHBOARD_P95_TARGET_MS else 'MISSED'}")
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    raise SystemExit(main())
