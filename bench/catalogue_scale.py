"""A province's whole catalogue (issue 24, item 6): 2,000 procedure files imported, then the pages read at that size.

    .venv/bin/python bench/catalogue_scale.py                     # SQLite, in a temporary directory
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/motcua_bench \\
        .venv/bin/python bench/catalogue_scale.py                 # PostgreSQL: creates and drops test_motcua_bench
    .venv/bin/python bench/catalogue_scale.py --generate DIR      # only write the 2,000 files (and DIR.zip)

It creates its own database (Django's test database machinery) with the demo's units and users, then:

1. generates 2,000 procedure files in the catalogue format: variations of the shipped procedures
   (procedures/*.yaml) with other codes, names in vi/en/bn with diacritics, sectors, levels, processing
   days, fees, components and workflow step times; every file is checked as `motcua catalog validate`
   checks it (a variation that does not validate is replaced by a milder one);
2. imports them through the real import paths, each timed (wall clock and this process's CPU time) with
   its number of SQL statements: `motcua catalog import DIR` (2,000 new procedures), `motcua catalog
   import FILE.zip` (the same 2,000 changed: a new version each), and the editor's zip import
   (authoring/bulk.py, POST /api/v1/catalog/imports: one draft per file, a few hundred of them);
   target: each under 60 s;
3. times the citizen's catalogue page (/) and the search API (/api/v1/procedures) with and without
   Vietnamese diacritics (target p95 < 30 ms), and the editor's list pages (the drafts list and its
   filters, a procedure's versions, and their API) with the number of SQL statements of each
   (target p95 < 50 ms; the statements must not grow with the catalogue: tests/authoring/test_list_scale.py).

The load average is printed before and after; above 1.5 at the start the run is "noisy" and no target
is judged (CPU time per operation, less sensitive to other work on the machine, is printed beside the
wall clock). The figures are written to bench/results/catalogue-<UTC date>-<database>.json.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

IMPORT_TARGET_S = 60.0
CITIZEN_TARGET_MS = 30.0
EDITOR_TARGET_MS = 50.0
NOISY_LOAD = 1.5
DRAFTS = 400  # the editor's zip import: a few hundred drafts beside the catalogue


def _prepare_environment() -> Path:
    """Settings for a throw-away run; must happen before Django reads them."""
    var_dir = Path(tempfile.mkdtemp(prefix="motcua-catalogue-bench-"))
    os.environ["MOTCUA_VAR_DIR"] = str(var_dir)  # SQLite's database and the local key live here
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    os.environ["DEBUG"] = "false"  # no query log in memory
    os.environ["HTTPS"] = "false"  # the test client speaks plain HTTP
    os.environ["CATALOG_LOAD_ON_START"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: nothing was collected
    return var_dir


# --- the generated catalogue ----------------------------------------------------------------------

# Bengali words for the generated names (the third language of the demo's catalogue).
BENGALI = ["নিবন্ধন", "সনদ", "অনুমতিপত্র", "নবায়ন", "সংশোধন", "প্রত্যয়ন", "আবেদন", "প্রশাসনিক", "লাইসেন্স",
           "পরিবর্তন", "প্রদান", "পুনঃপ্রদান", "বাতিল", "নিশ্চিতকরণ"]
BENGALI_FIELDS = {"ho_tich": "নাগরিক নিবন্ধন", "cu_tru": "আবাস", "dat_dai": "ভূমি", "thue": "কর", "y_te": "স্বাস্থ্য"}


def _templates() -> list[tuple[str, dict]]:
    """The shipped procedures of the installation's country (file name, data), the generator's models."""
    import yaml
    from django.conf import settings

    from motcua.catalog.loader import _JsonLoader, definition_files

    return [(p.name, yaml.load(p.read_text(encoding="utf-8"), Loader=_JsonLoader))
            for p in definition_files([settings.PROCEDURES_DIR])]


def _scale_fees(fees: object, factor: float) -> None:
    """Every amount of the fee rules times `factor`, rounded to 1,000 đồng (caps and floors alike)."""
    if isinstance(fees, dict):
        for key, value in fees.items():
            if key in ("amount", "cap", "min", "max") and isinstance(value, int) and not isinstance(value, bool) and value > 0:
                fees[key] = max(1000, round(value * factor / 1000) * 1000)
            else:
                _scale_fees(value, factor)
    elif isinstance(fees, list):
        for item in fees:
            _scale_fees(item, factor)


def _vary(rng: random.Random, template: dict, i: int, strength: int, revision: int, levels: list[str]) -> dict:
    """One generated procedure from a shipped one; `strength` 0 changes only its identity and names."""
    from bench.catalog_search import ACTIONS, FIELDS, OBJECTS, QUALIFIERS

    d = copy.deepcopy(template)
    action_vi, action_en = rng.choice(ACTIONS)
    object_vi, object_en = rng.choice(OBJECTS)
    qualifier_vi, qualifier_en = rng.choice(QUALIFIERS)
    field_code, field_vi, field_en = rng.choice(FIELDS)
    # Codes 4.xxxxxx are none of the shipped ones (1., 2., 3.): the generated catalogue is beside the real one.
    d["code"] = f"4.{100000 + i:06d}"
    d["name"] = {
        "vi": f"{action_vi} {object_vi} {qualifier_vi}".strip(),
        "en": f"{action_en} {object_en} {qualifier_en}".strip(),
        "bn": " ".join(rng.sample(BENGALI, 3)),
    }
    d["field"] = {"code": field_code, "vi": field_vi, "en": field_en,
                  "bn": BENGALI_FIELDS.get(field_code, rng.choice(BENGALI))}
    if revision:
        # A changed file of the same procedure (a new version at the next import).
        d["legal_basis"] = [*d.get("legal_basis", []), f"Quyết định {revision}{i:04d}/QĐ-UBND công bố thủ tục sửa đổi"]
    if strength >= 1:
        d["service_mode"] = rng.choice(["full", "partial"]) if d.get("service_mode") else d.get("service_mode")
        d.pop("unit_codes", None)
        d["levels"] = rng.choice([[lv] for lv in levels] + [levels[-2:]]) if len(levels) >= 2 else d["levels"]
        _scale_fees(d.get("fees"), rng.choice([0.5, 1.0, 1.5, 2.0, 3.0]))
        extra = rng.randint(0, 10)
        d["processing_days"] = d["processing_days"] + extra
    if strength >= 2:
        for component in d.get("components", []):
            for source in component.get("sources", []):
                upload = source.get("upload") if isinstance(source, dict) else None
                if isinstance(upload, dict) and "max_mb" in upload:
                    upload["max_mb"] = rng.choice([5, 10, 20])
        optional = [c for c in d.get("components", []) if not c.get("required") and "when" not in c]
        if optional and rng.random() < 0.5:
            d["components"].remove(rng.choice(optional))
        # Slower steps, within the longer processing time (the longest path must fit: validate checks it).
        for step in d.get("workflow", {}).get("steps", []):
            if isinstance(step.get("days"), int | float) and step["days"] >= 1 and rng.random() < 0.3:
                step["days"] = step["days"] + 1
                d["processing_days"] += 1
    return d


def generate(directory: Path, count: int = 2000, seed: int = 24, revision: int = 0,
             strengths: list[int] | None = None) -> tuple[list[Path], list[int]]:
    """Write `count` procedure files that all validate, and how much each was varied; the same seed gives the
    same codes. With another `revision` and the strengths of the first run, a changed file of each (a new
    version at the next import; not validated here: the import checks every file anyway)."""
    import yaml

    from motcua.catalog import vocab
    from motcua.catalog.loader import read_text

    directory.mkdir(parents=True, exist_ok=True)
    vocabulary = vocab.current()
    levels = sorted(vocabulary.levels)
    templates = _templates()
    written: list[Path] = []
    chosen: list[int] = []
    for i in range(count):
        name, template = templates[i % len(templates)]
        for strength in (2, 1, 0) if strengths is None else (strengths[i],):
            rng = random.Random(f"{seed}-{i}-{strength}")  # the same procedure whatever the revision
            d = _vary(rng, template, i, strength, revision, levels)
            text = f"# Generated by bench/catalogue_scale.py from {name}\n" + yaml.safe_dump(
                d, allow_unicode=True, sort_keys=False, width=120)
            if strengths is not None:
                break
            definition, reports = read_text(text, name, vocabulary)
            if definition is not None:
                break
        else:
            raise SystemExit(f"{name}: even its renamed copy does not validate: {reports[:3]}")
        path = directory / f"{d['code']}-{name.split('-', 1)[1]}"
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
        chosen.append(strength)
    return written, chosen


def zip_of(files: list[Path]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for f in files:
            archive.write(f, f"catalogue/{f.name}")
    return out.getvalue()


# --- measuring ------------------------------------------------------------------------------------


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


@dataclass
class Page:
    name: str
    target_ms: float
    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    statements: set[int] = field(default_factory=set)

    def summary(self) -> dict:
        return {
            "requests": len(self.wall_ms), "p50_ms": round(statistics.median(self.wall_ms), 2),
            "p95_ms": round(_percentile(self.wall_ms, 95), 2), "max_ms": round(max(self.wall_ms), 2),
            "cpu_mean_ms": round(statistics.mean(self.cpu_ms), 2), "cpu_p95_ms": round(_percentile(self.cpu_ms, 95), 2),
            "sql_statements": sorted(self.statements), "target_p95_ms": self.target_ms,
        }


class _Counter:
    """Counts the SQL statements run (CaptureQueriesContext keeps only the last 9,000, and their text)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _timed(call) -> tuple[object, float, float, int]:
    """The call's result, wall seconds, this process's CPU seconds and SQL statements."""
    from django.db import connection

    counter = _Counter()
    with connection.execute_wrapper(counter):
        cpu, wall = time.process_time(), time.perf_counter()
        result = call()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return result, wall, cpu, counter.count


def _get(client, url: str, headers: dict | None = None):
    response = client.get(url, headers=headers or {})
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
    return response


def _measure(pages: dict[str, Page], name: str, client, urls: list[str], rounds: int, headers: dict | None = None) -> None:
    from django.db import connection

    page = pages[name]
    for url in urls:  # warm-up (a first view may save the session), then the statements of each (untimed)
        _get(client, url, headers)
        counter = _Counter()
        with connection.execute_wrapper(counter):
            _get(client, url, headers)
        page.statements.add(counter.count)
    for _ in range(rounds):
        for url in urls:
            cpu, wall = time.process_time(), time.perf_counter()
            _get(client, url, headers)
            page.wall_ms.append((time.perf_counter() - wall) * 1000)
            page.cpu_ms.append((time.process_time() - cpu) * 1000)


def run(count: int, rounds: int, seed: int, work: Path, write: bool) -> int:
    from urllib.parse import urlencode

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from bench.catalog_search import _analyze, query_mix
    from motcua.authoring import bulk
    from motcua.authoring.models import DraftStatus, ProcedureDraft
    from motcua.catalog.loader import load_paths
    from motcua.catalog.models import Procedure, ProcedureVersion
    from motcua.demo.data import load_units_and_users
    from motcua.identity.models import ApiToken, User
    from motcua.lib.text import fold

    load_before = [round(x, 2) for x in os.getloadavg()]
    noisy = load_before[0] > NOISY_LOAD
    vendor = connection.vendor
    db_version = str(connection.pg_version) if vendor == "postgresql" else connection.Database.sqlite_version
    print(f"catalogue at scale — {vendor} {db_version}, {count:,} generated procedures, {os.cpu_count()} CPUs")
    print(f"load average (1, 5, 15 min) at the start: {load_before}{'  — NOISY (> 1.5): no target is judged' if noisy else ''}")

    load_units_and_users()
    load_paths([Path(os.environ.get("PROCEDURES_DIR", "")) if os.environ.get("PROCEDURES_DIR") else _shipped_dir()])
    editor = User.objects.get(username="catalog_editor")

    t0 = time.perf_counter()
    files, strengths = generate(work / "v1", count, seed)
    changed, _ = generate(work / "v2", count, seed, revision=2, strengths=strengths)
    drafts_files, _ = generate(work / "v3", min(count, DRAFTS), seed, revision=3, strengths=strengths)
    generated_s = time.perf_counter() - t0
    print(f"generated and validated {count:,} files (and {count + len(drafts_files):,} changed ones) in {generated_s:.1f} s; "
          f"{strengths.count(2)} varied in identity, levels, fees, times, components and steps, "
          f"{strengths.count(1)} without the components and steps, {strengths.count(0)} renamed only "
          f"({sum(f.stat().st_size for f in files) / len(files) / 1024:.1f} KB a file on average)")

    imports: dict[str, dict] = {}

    def record(name: str, outcome: tuple, n: int) -> None:
        _result, wall, cpu, statements = outcome
        imports[name] = {"files": n, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                         "sql_statements": statements, "statements_per_file": round(statements / n, 1),
                         "target_s": IMPORT_TARGET_S}
        print(f"  {name:<44}{wall:8.1f} s wall {cpu:8.1f} s CPU {statements:8,} statements "
              f"({statements / n:.1f} a file)")

    print("\nimports")
    record("motcua catalog import DIR (new)", _timed(lambda: call_command("catalog", "import", str(work / "v1"),
                                                                        stdout=io.StringIO())), count)
    assert Procedure.objects.filter(code__startswith="4.").count() == count
    zip_path = work / "changed.zip"
    zip_path.write_bytes(zip_of(changed))
    record("motcua catalog import FILE.zip (changed)",
           _timed(lambda: call_command("catalog", "import", str(zip_path), stdout=io.StringIO())), count)
    assert ProcedureVersion.objects.filter(procedure__code__startswith="4.", number=2).count() == count
    # The editor's zip: a few hundred files become drafts (one a file, as POST /api/v1/catalog/imports).
    drafts_n = len(drafts_files)
    upload = io.BytesIO(zip_of(drafts_files))
    outcome = _timed(lambda: bulk.drafts_from_zip(editor, upload, None))
    rows = outcome[0]
    assert all(row.ok for row in rows) and len(rows) == drafts_n, [r for r in rows if not r.ok][:3]
    record("editor's zip import → drafts (authoring/bulk.py)", outcome, drafts_n)
    # Drafts in every state, as a province's catalogue has them.
    ids = list(ProcedureDraft.objects.order_by("pk").values_list("pk", flat=True))
    ProcedureDraft.objects.filter(pk__in=ids[::4]).update(status=DraftStatus.SUBMITTED, submitted_by=editor)
    ProcedureDraft.objects.filter(pk__in=ids[1::8]).update(status=DraftStatus.RETURNED, comments="Sửa lại lệ phí")
    _analyze()

    # The pages.
    pages = {name: Page(name, target) for name, target in (
        ("citizen / ?q= (diacritics)", CITIZEN_TARGET_MS), ("citizen / ?q= (ascii)", CITIZEN_TARGET_MS),
        ("citizen / (pages, filters)", CITIZEN_TARGET_MS),
        ("API /procedures?q= (diacritics)", CITIZEN_TARGET_MS), ("API /procedures?q= (ascii)", CITIZEN_TARGET_MS),
        ("editor /office/catalog/ (drafts)", EDITOR_TARGET_MS), ("editor drafts ?status=", EDITOR_TARGET_MS),
        ("editor versions of a procedure", EDITOR_TARGET_MS), ("API /catalog/drafts", EDITOR_TARGET_MS),
        ("API /procedures/{code}/versions", EDITOR_TARGET_MS),
    )}
    mix = query_mix(seed)
    with_marks = [q.q for q in mix if q.kind == "word (diacritics)"]
    ascii_words = [fold(q) for q in with_marks]
    citizen = Client()
    _measure(pages, "citizen / ?q= (diacritics)", citizen, [f"/?{urlencode({'q': q})}" for q in with_marks], rounds)
    _measure(pages, "citizen / ?q= (ascii)", citizen, [f"/?{urlencode({'q': q})}" for q in ascii_words], rounds)
    browse = ["/", "/?page=2", "/?page=40", "/?field=ho_tich", "/?level=commune", "/?full=1", "/?level=province&full=1",
              f"/?{urlencode({'q': 'giấy phép', 'page': 3})}", "/?programme=project-06"]
    _measure(pages, "citizen / (pages, filters)", citizen, browse, rounds * 4)
    _measure(pages, "API /procedures?q= (diacritics)", citizen,
             [f"/api/v1/procedures?{urlencode({'q': q})}" for q in with_marks], rounds)
    _measure(pages, "API /procedures?q= (ascii)", citizen,
             [f"/api/v1/procedures?{urlencode({'q': q})}" for q in ascii_words], rounds)

    office = Client()
    office.force_login(editor)
    _measure(pages, "editor /office/catalog/ (drafts)", office, ["/office/catalog/", "/office/catalog/?page=2", "/office/catalog/?page=8"],
             rounds * 7)
    _measure(pages, "editor drafts ?status=", office, [f"/office/catalog/?status={s}" for s in DraftStatus.values],
             rounds * 5)
    rng = random.Random(seed)
    codes = rng.sample(sorted(Procedure.objects.filter(code__startswith="4.").values_list("code", flat=True)), 40)
    _measure(pages, "editor versions of a procedure", office, [f"/office/catalog/procedures/{c}/" for c in codes], rounds)
    token = ApiToken.issue(editor, "catalogue bench")
    bearer = {"Authorization": f"Bearer {token}"}
    _measure(pages, "API /catalog/drafts", citizen,
             ["/api/v1/catalog/drafts", "/api/v1/catalog/drafts?status=submitted", "/api/v1/catalog/drafts?limit=500",
              "/api/v1/catalog/drafts?offset=300"], rounds * 5, bearer)
    _measure(pages, "API /procedures/{code}/versions", citizen, [f"/api/v1/procedures/{c}/versions" for c in codes], rounds)

    load_after = [round(x, 2) for x in os.getloadavg()]
    print(f"\npages ({ProcedureDraft.objects.count():,} drafts, {Procedure.objects.count():,} procedures, "
          f"{ProcedureVersion.objects.count():,} versions); wall clock and this process's CPU time")
    print(f"{'':<36}{'count':>6}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}{'cpu ms':>8}{'target':>8}  SQL statements")
    for page in pages.values():
        s = page.summary()
        print(f"{page.name:<36}{s['requests']:>6}{s['p50_ms']:>8.1f}{s['p95_ms']:>8.1f}{s['max_ms']:>8.1f}"
              f"{s['cpu_mean_ms']:>8.1f}{page.target_ms:>8g}  {', '.join(map(str, s['sql_statements']))}")
    print(f"load average (1, 5, 15 min): {load_before} at the start, {load_after} at the end")

    checks = {f"{name} < {IMPORT_TARGET_S:g} s": r["wall_s"] < IMPORT_TARGET_S for name, r in imports.items()}
    checks |= {f"{p.name} p95 < {p.target_ms:g} ms": _percentile(p.wall_ms, 95) < p.target_ms for p in pages.values()}
    if noisy:
        print(f"NOISY RUN: the load average was {load_before[0]} (> {NOISY_LOAD}) at the start; no target is judged")
    for text, ok in checks.items():
        print(f"  {'noisy' if noisy else 'met  ' if ok else 'MISS '} {text}")
    if write:
        out = ROOT / "bench" / "results" / f"catalogue-{datetime.now(UTC):%Y-%m-%d}-{vendor}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({
            "at": datetime.now(UTC).isoformat(timespec="seconds"), "database": f"{vendor} {db_version}",
            "cpus": os.cpu_count(), "procedures_generated": count, "rounds": rounds, "seed": seed,
            "load_average_before": load_before, "load_average_after": load_after, "noisy": noisy,
            "generated_s": round(generated_s, 1), "imports": imports,
            "pages": {name: page.summary() for name, page in pages.items()},
            "targets": {} if noisy else checks,
        }, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"written: {out.relative_to(ROOT)}")
    return 1 if not noisy and not all(checks.values()) else 0


def _shipped_dir() -> Path:
    from django.conf import settings

    return Path(settings.PROCEDURES_DIR)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procedures", type=int, default=2000, help="procedures generated (default 2000)")
    parser.add_argument("--rounds", type=int, default=3, help="times each page's URLs are timed (default 3)")
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument("--generate", type=Path, metavar="DIR", help="only write the files to DIR (and DIR.zip)")
    parser.add_argument("--no-write", action="store_true", help="print only, write no results file")
    args = parser.parse_args()

    var_dir = _prepare_environment()
    import django

    django.setup()
    if args.generate:
        files, _ = generate(args.generate, args.procedures, args.seed)
        args.generate.with_suffix(".zip").write_bytes(zip_of(files))
        print(f"{len(files)} files in {args.generate}, and {args.generate.with_suffix('.zip')}")
        shutil.rmtree(var_dir, ignore_errors=True)
        return 0
    from django.test.utils import (
        setup_databases,
        setup_test_environment,
        teardown_databases,
        teardown_test_environment,
    )

    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        return run(args.procedures, args.rounds, args.seed, var_dir / "files", not args.no_write)
    finally:
        teardown_databases(old_config, verbosity=0)
        teardown_test_environment()
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
