"""`make bench`: how much one machine carries, as ratios to its own ceiling, measured in one run.

    .venv/bin/python bench/run.py                     # what `make bench` runs
    BENCH_DOSSIERS=100000 .venv/bin/python bench/run.py --only ceiling,submit

On PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/motcua_bench),
filled by bench/generate.py when it holds fewer dossiers than BENCH_DOSSIERS (default
1,000,000), it starts gunicorn (BENCH_WORKERS=2 workers of the production class, or BENCH_WORKER_CLASS with
BENCH_SERVER_THREADS threads, BENCH_PORT=18500 on 127.0.0.1)
and drives it with wrk (BENCH_CONNECTIONS=16 connections, BENCH_DURATION=20 s a run,
bench/replay.lua) through these scenarios:

- ceiling: a bare Django view that parses a JSON body and inserts one row (motcua.bench_urls,
  served only with MOTCUA_BENCH=true);
- same_work_submit / same_work_act: the same-work ceiling (motcua/bench_same_work.py), views that write
  in hand-written SQL, in one transaction, exactly the rows a submit / a receive writes (proven table by
  table in tests/ops/test_bench_same_work.py): the limit of the design, against which submit and act
  are judged (DESIGN.md §6: ≥ 0.5 × it, and ≥ 200 req/s);
- submit: POST /api/v1/dossiers, bearer tokens of many citizens, a valid dossier each time
  (the form validated against the schema, code, deadline, tasks, history, audit, outbox);
- act: POST /api/v1/dossiers/{code}/actions/receive by the unit's officer, each on a distinct
  dossier submitted in the submit run;
- counter: POST /api/v1/dossiers with "channel": 1 (every fifth 3, by post) and "applicant": {"personal_id"},
  the one-stop officer of the applicant's commune filing and receiving a birth registration at the counter
  (issue 17: the applicant found by personal ID, the form validated, the scan recorded as digitized, the
  dossier filed and received in one transaction, the receipt drawn and kept in the applicant's vault). Each
  request takes its own scan, an upload of the officer's (POST /uploads is a request of its own, as the
  submit scenario's vault documents are), BENCH_COUNTER_FILINGS of them (default 6000), each sent once;
- ipn: GET /payments/ipn/vnpay/, the gateway's notification (IPN) that a payment went through, each
  for a distinct pending payment of an open dossier with an amount due (prepared in the bench
  database), signed as VNPAY's own sample signs (tests/payments/vnpay_reference.py); afterwards every
  notice must have been answered "00" and its payment be paid;
- read_dossier / read_list: a citizen's dossier page and list of dossiers (portal, session cookie);
- search: the procedure search page;
- officer_search: GET /api/v1/dossiers?q=…&status=…, one-stop officers (bearer tokens) finding dossiers
  of their unit subtree by code, personal ID, applicant's name (with or without diacritics), and by
  status, channel, procedure and dates (issue 17; target: server p95 < 50 ms).

Prints requests/s, p50/p95/p99, errors and the ratio to the ceiling for each (submit and act also
to the same-work ceiling), and the peak RSS of a gunicorn worker, and writes bench/results/<UTC date>.json
with the machine's description and its load average before and after. A run that starts with a 1-minute
load average above 1.5 is reported as noisy: its targets are not judged.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SCENARIOS = ("ceiling", "same_work_submit", "submit", "same_work_act", "act", "counter", "ipn", "read_dossier",
             "read_list", "search", "officer_search")
SECRET = "bench-only-secret-key-" + "x" * 40
SUBMIT_PROCEDURE = "1.001193"  # birth registration at the commune: the most common dossier there is
GIVEN_NAMES = ["Nguyễn", "Minh", "Khang", "Thu", "Hà", "Gia", "Bảo"]
# The production gateway plugin (VNPAY 2.1.0) with a bench merchant code and secret; IPNs for the
# payments the ipn scenario prepares (BENCH_IPN_PAYMENTS of them, each notified once).
IPN_TMN_CODE, IPN_SECRET = "BENCH001", "BENCHONLYVNPAYHASHSECRET20261204"
IPN_FEE = 200_000
# The scan of a paper component at the counter: a small one-page PDF (checked by content on upload).
SCAN = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


@dataclass
class Config:
    database_url: str
    dossiers: int
    duration: int
    connections: int
    workers: int
    port: int
    ipn_payments: int = 6000
    counter_filings: int = 6000
    threads: int = 2
    # The worker class and threads: the production defaults (motcua/ops/gunicorn.py) unless
    # BENCH_WORKER_CLASS / BENCH_SERVER_THREADS name others (an A/B of the server configuration).
    server_options: tuple[str, ...] = ()
    work_dir: Path = field(default_factory=lambda: ROOT / "var" / "bench")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _config() -> Config:
    return Config(
        database_url=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/motcua_bench"),
        dossiers=int(os.environ.get("BENCH_DOSSIERS", "1000000")),
        duration=int(os.environ.get("BENCH_DURATION", "20")),
        connections=int(os.environ.get("BENCH_CONNECTIONS", "16")),
        workers=int(os.environ.get("BENCH_WORKERS", "2")),
        port=int(os.environ.get("BENCH_PORT", "18500")),
        ipn_payments=int(os.environ.get("BENCH_IPN_PAYMENTS", "6000")),
        counter_filings=int(os.environ.get("BENCH_COUNTER_FILINGS", "6000")),
        server_options=tuple(
            option for name, flag in (("BENCH_WORKER_CLASS", "--worker-class"), ("BENCH_SERVER_THREADS", "--threads"))
            if os.environ.get(name) for option in (flag, os.environ[name])
        ),
    )


def _server_env(cfg: Config) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": cfg.database_url, "DJANGO_SETTINGS_MODULE": "motcua.settings", "DEBUG": "false",
        "HTTPS": "false", "SECRET_KEY": SECRET, "ALLOWED_HOSTS": "127.0.0.1,localhost", "MOTCUA_BENCH": "true",
        "CATALOG_LOAD_ON_START": "false", "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "INFO"),
        # One JSON line per request with its server time (the time inside the worker, without the
        # wait in the listen queue): the figure the "server time" targets speak of.
        "LOG_FORMAT": "json", "LOG_REQUESTS": "true",
        "MOTCUA_VAR_DIR": str(cfg.work_dir / "var"),
        "VNPAY_TMN_CODE": IPN_TMN_CODE, "VNPAY_HASH_SECRET": IPN_SECRET,
        # wrk sends every notice from 127.0.0.1: the per-address limit would answer 429 after 120.
        "PAYMENT_IPN_RATE_PER_MINUTE": "1000000",
        # The benchmark measures the work, not the limits: every request comes from 127.0.0.1 (docs/security.md).
        "RATE_LIMITS_ENABLED": "false",
    })
    return env


# --- the data -------------------------------------------------------------------------------------


def ensure_data(cfg: Config) -> None:
    """Generate the database unless it already holds the dossiers asked for."""
    import psycopg

    have = 0
    try:
        with psycopg.connect(cfg.database_url, connect_timeout=5) as conn:
            row = conn.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'dossiers_dossier'").fetchone()
            generated = conn.execute("SELECT 1 FROM units_unit WHERE code = '000.00.00.H01'").fetchone() if row else None
            have = int(row[0]) if row and generated else 0
    except psycopg.OperationalError:
        have = 0  # no database yet
    if have >= cfg.dossiers * 0.95:
        print(f"== data: {have:,} dossiers already there; migrating it to this version", flush=True)
        # Data generated by an older checkout: its schema must be the code's before anything runs.
        subprocess.run([sys.executable, "-m", "motcua.cli", "migrate", "--noinput", "-v", "0"],
                       env=_server_env(cfg), check=True, cwd=ROOT)
        return
    print(f"== data: generating {cfg.dossiers:,} dossiers (bench/generate.py)", flush=True)
    env = _server_env(cfg)
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--dossiers", str(cfg.dossiers),
                    "--recreate"], env=env, check=True)


def _vault_components(user, definition: dict) -> list[dict]:
    """A vault document for every required component that accepts one (kept once per citizen)."""
    from datetime import date

    from motcua.lib.conditions import evaluate
    from motcua.vault.store import keep_issued

    found = []
    for c in definition["components"]:
        kinds = [s["vault"] for s in c.get("sources", []) if "vault" in s]
        if not kinds or not c.get("required", True) or not evaluate(c.get("when"), definition["example"], {"channel": 2}):
            continue
        doc = keep_issued(
            user, reference=f"bench-{kinds[0]}", document_type=kinds[0], title=kinds[0], issuer="bench",
            issued_on=date(2026, 1, 5), valid_until=None, content=b"%PDF-1.4\n% bench\n", file_name=f"{kinds[0]}.pdf",
        )
        found.append({"key": c["key"], "vault_document": doc.pk})
    return found


def prepare(cfg: Config, counts: int = 2000) -> dict[str, Path]:
    """Tokens, sessions and request files; run in this process with Django set up on the bench database."""
    os.environ.update(_server_env(cfg))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection

    from motcua.bench_urls import CEILING_TABLE
    from motcua.catalog.models import Procedure
    from motcua.dossiers.models import Dossier
    from motcua.identity.models import ApiToken, User

    with connection.cursor() as cur:
        cur.execute(f"CREATE TABLE IF NOT EXISTS {CEILING_TABLE} (id bigserial PRIMARY KEY, at timestamptz NOT NULL, "
                    "payload jsonb NOT NULL)")
        cur.execute(f"TRUNCATE {CEILING_TABLE}")
    rng = random.Random(11)
    files: dict[str, Path] = {}
    cfg.work_dir.mkdir(parents=True, exist_ok=True)

    def write(name: str, lines: list[str]) -> None:
        path = cfg.work_dir / f"{name}.tsv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        files[name] = path

    write("ceiling", [f'POST\t/bench/ceiling\t\t\t{{"n":{i},"text":"một cửa"}}' for i in range(1000)])

    # Citizens who live where the submit procedure is served, each with a bearer token.
    citizens = list(User.objects.filter(username__startswith="cd", citizen__home_unit__kind="commune")
                    .exclude(citizen__home_unit__code__endswith="H99").order_by("id")
                    .values_list("id", flat=True)[:200_000])
    chosen = rng.sample(citizens, min(counts, len(citizens)))
    users = {u.pk: u for u in User.objects.filter(pk__in=chosen)}
    tokens = {pk: ApiToken.issue(users[pk], label="bench") for pk in chosen}
    version = Procedure.objects.select_related("current").get(code=SUBMIT_PROCEDURE).current.definition
    example = version["example"]
    # The files: each citizen reuses a document the State already issued to them (their vault),
    # as the once-only principle means; an upload would be a request of its own (POST /uploads).
    # With its file the dossier is complete, so the act scenario can receive it.
    components = {pk: _vault_components(users[pk], version) for pk in chosen}
    lines = []
    for i in range(20_000):
        data = _birth(example, i)
        pk = chosen[i % len(chosen)]
        body = json.dumps({"procedure": SUBMIT_PROCEDURE, "data": data, "components": components[pk]},
                          ensure_ascii=False, separators=(",", ":"))
        lines.append(f"POST\t/api/v1/dossiers\tBearer {tokens[pk]}\t\t{body}")
    write("submit", lines)
    write("same_work_submit", same_work_submit_lines(version, {pk: users[pk] for pk in chosen}, components))

    # Sessions for the read runs: the citizens with the most dossiers, and any citizens.
    with connection.cursor() as cur:
        cur.execute("SELECT applicant_id FROM dossiers_dossier TABLESAMPLE SYSTEM (1) LIMIT %s", [counts])
        frequent = [r[0] for r in cur.fetchall()]
    readers = {u.pk: u for u in User.objects.filter(pk__in=frequent)}
    sessions = {}
    for pk, user in readers.items():
        s = SessionStore()
        s[SESSION_KEY], s[BACKEND_SESSION_KEY] = str(pk), settings.AUTHENTICATION_BACKENDS[0]
        s[HASH_SESSION_KEY] = user.get_session_auth_hash()
        s.create()
        sessions[pk] = s.session_key
    own = {}
    for applicant, code in Dossier.objects.filter(applicant__in=list(readers)).values_list("applicant", "code"):
        own.setdefault(applicant, []).append(code)
    dossier_lines, list_lines = [], []
    for pk, key in sessions.items():
        cookie = f"sessionid={key}; django_language=vi"
        for code in rng.sample(own[pk], min(3, len(own[pk]))):
            dossier_lines.append(f"GET\t/my/dossiers/{code}/\t\t{cookie}\t")
        list_lines.append(f"GET\t/my/dossiers/\t\t{cookie}\t")
    rng.shuffle(dossier_lines)
    write("read_dossier", dossier_lines)
    write("read_list", list_lines)
    words = ["khai sinh", "ket hon", "ho chieu", "thuong tru", "ly lich tu phap", "giay phep lai xe", "chung thuc",
             "that nghiep", "xay dung", "doanh nghiep", "tam tru", "khai tu", "birth", "passport"]
    write("search", [f"GET\t/?q={w.replace(' ', '+')}\t\t\t" for w in words])
    write("officer_search", officer_search_lines(rng, counts))
    write("counter", counter_lines(cfg, version, citizens, rng))
    return files


def _birth(example: dict, i: int) -> dict:
    """The procedure's example with the i-th child's name: a distinct dossier each time (still valid for the schema)."""
    return dict(example, child_name=f"{GIVEN_NAMES[i % 7]} {GIVEN_NAMES[i // 7 % 7]} {GIVEN_NAMES[i // 49 % 7]}")


def _one_stop_officers() -> dict:
    """A one-stop officer for each one-stop scope (the subtree a desk receives for), by the scope's path."""
    from motcua.units.models import Membership, Role

    officers = {}
    for m in Membership.objects.filter(role=Role.ONE_STOP_OFFICER).select_related("user", "unit__parent"):
        officers.setdefault(m.unit.scope_root.path, m.user)
    return officers


def _nearest(officers: dict, path: str):
    """The officer of the deepest scope that holds the unit at `path`, or None."""
    scope = max((p for p in officers if path.startswith(p)), key=len, default=None)
    return None if scope is None else officers[scope]


def counter_lines(cfg: Config, version: dict, citizens: list[int], rng: random.Random) -> list[str]:
    """Counter filings: citizens named by personal ID at their commune's desk, each filing with scans of its own.

    A scan is an upload of the filing officer: the file is checked and stored once per officer (as
    POST /uploads does), and each filing gets its own upload of it, since a dossier takes its uploads
    (the run sends each line once).
    """
    import secrets

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from motcua.identity.models import ApiToken, CitizenProfile
    from motcua.lib.conditions import evaluate
    from motcua.vault import uploads
    from motcua.vault.models import Upload

    example = version["example"]
    keys = [c["key"] for c in version["components"]
            if c.get("required", True) and evaluate(c.get("when"), example, {"channel": 1})]
    officers = _one_stop_officers()
    sample = rng.sample(citizens, min(2000, len(citizens)))
    desks = [(pid, officer) for pid, path in CitizenProfile.objects.filter(user_id__in=sample)
             .values_list("personal_id", "home_unit__path") if (officer := _nearest(officers, path)) is not None]
    tokens: dict[int, str] = {}
    scans: dict[int, Upload] = {}
    fresh: list[Upload] = []
    lines = []
    now = timezone.now()
    for i in range(cfg.counter_filings if desks else 0):
        pid, officer = desks[i % len(desks)]
        if officer.pk not in tokens:
            tokens[officer.pk] = ApiToken.issue(officer, label="bench")
            scans[officer.pk] = uploads.receive(officer, SimpleUploadedFile("giay-chung-sinh.pdf", SCAN, "application/pdf"))
        stored = scans[officer.pk]
        components = []
        for key in keys:
            upload = Upload(token=secrets.token_hex(16), owner=officer, storage_name=stored.storage_name, name=stored.name,
                            size=stored.size, sha256=stored.sha256, content_type=stored.content_type, created_at=now)
            fresh.append(upload)
            components.append({"key": key, "upload": upload.token})
        body = json.dumps({"procedure": SUBMIT_PROCEDURE, "data": _birth(example, i), "channel": 3 if i % 5 == 4 else 1,
                           "applicant": {"personal_id": pid}, "components": components},
                          ensure_ascii=False, separators=(",", ":"))
        lines.append(f"POST\t/api/v1/dossiers\tBearer {tokens[officer.pk]}\t\t{body}")
    Upload.objects.bulk_create(fresh, batch_size=2000)
    return lines


def same_work_submit_lines(version: dict, users: dict, components: dict[int, list[dict]]) -> list[str]:
    """The same dossiers for the same-work ceiling: what the real submit would resolve, named in the body."""
    from django.utils import timezone

    from motcua.catalog.models import Procedure
    from motcua.dossiers.actions.filing import _resolve_unit
    from motcua.vault import submission

    procedure = Procedure.objects.select_related("current").get(code=SUBMIT_PROCEDURE)
    first = next(iter(users.values()))
    # The registry values the real submit takes for the example's answers (the same for every citizen).
    registries = submission.prepare(first, procedure.current, dict(version["example"]), components[first.pk],
                                    channel=2, now=timezone.now()).registry_fields
    units = {pk: _resolve_unit(procedure, user, None)[0].pk for pk, user in users.items()}
    pks = list(users)
    lines = []
    for i in range(20_000):
        data = _birth(version["example"], i)
        pk = pks[i % len(pks)]
        body = json.dumps({"procedure": SUBMIT_PROCEDURE, "applicant": pk, "unit": units[pk], "data": data,
                           "registries": registries, "components": components[pk]}, ensure_ascii=False, separators=(",", ":"))
        lines.append(f"POST\t/bench/same-work/submit\t\t\t{body}")
    return lines


def officer_search_lines(rng: random.Random, counts: int) -> list[str]:
    """Officers' searches over their subtree: each sampled dossier is looked for by its own unit's nearest
    one-stop officer, by code, personal ID, name (as written and folded) and by filters."""
    from urllib.parse import urlencode

    from django.db import connection

    from motcua.identity.models import ApiToken
    from motcua.lib.text import fold

    officers = _one_stop_officers()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT d.code, d.status, d.channel, p.code, u.path, c.personal_id, c.full_name, d.submitted_at "
            "FROM dossiers_dossier d TABLESAMPLE SYSTEM (1) JOIN units_unit u ON u.id = d.unit_id "
            "JOIN catalog_procedure p ON p.id = d.procedure_id JOIN identity_citizenprofile c ON c.user_id = d.applicant_id "
            "LIMIT %s", [counts])
        sampled = cur.fetchall()
    tokens: dict[int, str] = {}
    lines = []
    for code, status, channel, procedure, path, pid, name, submitted in sampled:
        user = _nearest(officers, path)
        if user is None:
            continue
        if user.pk not in tokens:
            tokens[user.pk] = ApiToken.issue(user, label="bench")
        day = submitted.date()
        for params in (
            {"q": code}, {"q": pid}, {"q": name}, {"q": fold(name), "status": status},
            {"status": status, "channel": channel, "procedure": procedure},
            {"from": (day - timedelta(days=7)).isoformat(), "to": day.isoformat(), "q": fold(name)},
        ):
            lines.append(f"GET\t/api/v1/dossiers?{urlencode(params)}\tBearer {tokens[user.pk]}\t\t")
    rng.shuffle(lines)
    return lines


def act_requests(cfg: Config, after_id: int, until_id: int | None = None, same_work: bool = False) -> Path:
    """Receive each dossier the submit run created (ids after `after_id`, up to `until_id`), as its unit's
    one-stop officer (a token each); `same_work`: through the same-work ceiling's receive instead."""
    from motcua.dossiers.models import Dossier, Status
    from motcua.identity.models import ApiToken

    found = Dossier.objects.filter(status=Status.SUBMITTED, id__gt=after_id)
    if until_id is not None:
        found = found.filter(id__lte=until_id)
    pending = list(found.order_by("id").values_list("code", "unit__path", "unit_id"))
    officers = _one_stop_officers()
    tokens: dict[int, str] = {}
    lines = []
    for code, path, _unit in pending:
        user = _nearest(officers, path)  # the nearest officer whose scope holds the unit
        if user is None:
            continue
        if same_work:
            lines.append(f'POST\t/bench/same-work/receive/{code}\t\t\t{{"officer":{user.pk}}}')
            continue
        if user.pk not in tokens:
            tokens[user.pk] = ApiToken.issue(user, label="bench")
        lines.append(f'POST\t/api/v1/dossiers/{code}/actions/receive\tBearer {tokens[user.pk]}\t\t{{}}')
    path = cfg.work_dir / ("same_work_act.tsv" if same_work else "act.tsv")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def ipn_requests(cfg: Config) -> tuple[Path, list[int]]:
    """Pending VNPAY payments for open dossiers with the fee due, and the gateway's signed IPN for each.

    Written straight to the bench database (what `start_payment` leaves: the payment pending, the
    amount due on the dossier); the IPNs are signed by VNPAY's published sample, not by motcua.
    """
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from motcua.dossiers.actions.context import OPEN_STATUSES
    from motcua.dossiers.models import Dossier
    from motcua.payments.models import OPEN, Payment, Purpose, State
    from tests.payments import vnpay_reference as ref

    busy = Payment.objects.filter(state__in=OPEN).values("dossier_id")
    open_dossiers = Dossier.objects.filter(status__in=OPEN_STATUSES).exclude(id__in=busy)
    missing = cfg.ipn_payments - open_dossiers.count()
    if missing > 0:
        # A small database has few dossiers still open (most generated history is finished): file more.
        print(f"   ipn: filing {missing:,} dossiers first (too few open ones to pay for)", flush=True)
        _file_dossiers(missing)
    now = timezone.now()
    dossiers = list(open_dossiers.order_by("-id").values_list("id", "applicant_id")[:cfg.ipn_payments])
    stamp = f"{now:%y%m%d%H%M%S}"
    payments = [
        Payment(dossier_id=d, purpose=Purpose.REQUESTED, amount=IPN_FEE, gateway="vnpay", order_ref=f"B{stamp}{i:06d}",
                state=State.PENDING, payer_id=applicant, created_at=now, updated_at=now,
                expires_at=now + timedelta(hours=2))
        for i, (d, applicant) in enumerate(dossiers)
    ]
    with transaction.atomic():
        Payment.objects.bulk_create(payments, batch_size=2000)
        Dossier.objects.filter(id__in=[d for d, _ in dossiers]).update(payment_due=IPN_FEE)
    pay_date = f"{now + timedelta(hours=7):%Y%m%d%H%M%S}"  # GMT+7, as VNPAY writes it
    lines = []
    for i, p in enumerate(payments):
        fields = {
            "vnp_Amount": str(IPN_FEE * 100), "vnp_BankCode": "NCB", "vnp_BankTranNo": f"VNP{stamp}{i:06d}",
            "vnp_CardType": "ATM", "vnp_OrderInfo": f"Thanh toan le phi ho so {p.order_ref}", "vnp_PayDate": pay_date,
            "vnp_ResponseCode": "00", "vnp_TmnCode": IPN_TMN_CODE, "vnp_TransactionNo": str(14_000_000 + i),
            "vnp_TransactionStatus": "00", "vnp_TxnRef": p.order_ref,
        }
        lines.append(f"GET\t{ref.payment_url('/payments/ipn/vnpay/', fields, IPN_SECRET)}\t\t\t")
    path = cfg.work_dir / "ipn.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, [p.pk for p in payments]


def _file_dossiers(count: int) -> None:
    """Birth registrations by generated citizens, through the actions layer, as the submit scenario files them."""
    from motcua.catalog.models import Procedure
    from motcua.dossiers import actions
    from motcua.identity.models import User

    version = Procedure.objects.select_related("current").get(code=SUBMIT_PROCEDURE).current.definition
    citizens = list(User.objects.filter(username__startswith="cd", citizen__home_unit__kind="commune")
                    .exclude(citizen__home_unit__code__endswith="H99").order_by("id")[:500])
    components = {}
    for i in range(count):
        user = citizens[i % len(citizens)]
        if user.pk not in components:
            components[user.pk] = _vault_components(user, version)
        data = dict(version["example"], child_name=f"{GIVEN_NAMES[i % 7]} {GIVEN_NAMES[i // 7 % 7]} Thanh Toán")
        actions.submit(user, SUBMIT_PROCEDURE, data, components=components[user.pk])


def ipn_outcome(payment_ids: list[int]) -> dict:
    """What the notices did: the answers motcua gave (VNPAY's RspCode) and the payments now paid."""
    from django.db.models import Count

    from motcua.payments.models import Notice, Payment, State

    seen = None
    for _ in range(30):
        # The notices wrk had in flight when its time ran out are still being handled: read until it settles.
        time.sleep(0.5)
        answers = dict(Notice.objects.filter(payment_id__in=payment_ids).values_list("answer").annotate(n=Count("id")))
        paid = Payment.objects.filter(pk__in=payment_ids, state=State.PAID).count()
        if (answers, paid) == seen:
            break
        seen = (answers, paid)
    return {"ipn_answers": answers, "payments_paid": paid}


# --- the server and the load --------------------------------------------------------------------


class Server:
    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        log = open(cfg.work_dir / "gunicorn.log", "w")
        self.proc = subprocess.Popen(
            # The production configuration (Prometheus multiprocess metrics included).
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "python:motcua.ops.gunicorn", "--workers", str(cfg.workers),
             "--bind", f"127.0.0.1:{cfg.port}", *cfg.server_options, "--backlog", "2048",
             "--graceful-timeout", "5", "--timeout", "60"],
            cwd=ROOT, env=_server_env(cfg), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{cfg.base}/healthz", timeout=2).read()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise SystemExit(f"gunicorn exited; see {cfg.work_dir / 'gunicorn.log'}") from None
                time.sleep(0.3)
        self.stop()
        raise SystemExit("gunicorn did not answer in 60 s")

    def log_offset(self) -> int:
        return (self.cfg.work_dir / "gunicorn.log").stat().st_size

    def server_times(self, since: int) -> dict:
        """Percentiles of the server time of the requests logged since `since` (bytes into the log)."""
        with open(self.cfg.work_dir / "gunicorn.log", "rb") as log:
            log.seek(since)
            durations, moments = [], []
            for raw in log:
                if b'"motcua.request"' not in raw:
                    continue
                try:
                    line = json.loads(raw)
                    durations.append(line["duration_ms"])
                    moments.append(datetime.fromisoformat(line["time"]))
                except (ValueError, KeyError):
                    continue
        if not durations:
            return {}
        durations.sort()

        def at(q: float) -> float:
            return round(durations[min(len(durations) - 1, int(q * len(durations)))], 1)

        span = (max(moments) - min(moments)).total_seconds() + 1  # the log's clock has whole seconds
        return {"server_p50_ms": at(0.50), "server_p95_ms": at(0.95), "server_p99_ms": at(0.99),
                "logged": len(durations), "logged_seconds": span}

    def workers(self) -> list[int]:
        try:
            out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True, text=True)
        except OSError:
            return []
        return [int(p) for p in out.stdout.split()]

    def peak_rss_mb(self) -> float:
        """The highest peak resident set (VmHWM) of any worker so far."""
        peak = 0
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            found = re.search(r"VmHWM:\s+(\d+) kB", status)
            peak = max(peak, int(found.group(1)) if found else 0)
        return round(peak / 1024, 1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def _summed(per_thread: list[dict[str, int]]) -> dict[str, int]:
    """wrk's threads each count answers by status: the run's totals."""
    total: dict[str, int] = {}
    for counts in per_thread:
        for status, n in counts.items():
            total[status] = total.get(status, 0) + n
    return total


def wrk(cfg: Config, requests: Path, duration: int, once: bool = False) -> dict:
    env = dict(os.environ, BENCH_REQUESTS=str(requests), BENCH_THREADS=str(cfg.threads), BENCH_ONCE="1" if once else "0")
    out = subprocess.run(
        ["wrk", "-t", str(cfg.threads), "-c", str(cfg.connections), "-d", f"{duration}s", "--timeout", "10s",
         "-s", str(ROOT / "bench" / "replay.lua"), cfg.base],
        env=env, capture_output=True, text=True, timeout=duration + 60,
    )
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no result:\n{out.stdout}\n{out.stderr}")
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"], "seconds": round(seconds, 2), "rps": round(raw["requests"] / seconds, 1),
        "p50_ms": raw["p50_us"] / 1000, "p95_ms": raw["p95_us"] / 1000, "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000, "errors": raw["status_errors"] + raw["socket_errors"],
        "statuses": _summed(raw["statuses"]), "first_errors": raw["first_errors"],
    }


# --- the machine -------------------------------------------------------------------------------------


def machine(cfg: Config) -> dict:
    import django
    import psycopg

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    with psycopg.connect(cfg.database_url) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.splitlines()[0:1]
    import gunicorn

    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem / 1024 / 1024, 1),
        "postgresql": pg, "python": platform.python_version(), "django": django.get_version(),
        "gunicorn": gunicorn.__version__, "wrk": wrk_version[0] if wrk_version else "", "os": platform.platform(),
        "server": {"workers": cfg.workers, "options": list(cfg.server_options) or "motcua/ops/gunicorn.py defaults"},
        # Other work on the machine slows every figure; the ratios to the ceiling are what compare.
        "load_average_1_5_15_min": [round(x, 2) for x in os.getloadavg()],
    }


def _ipn_exact(r: dict) -> bool:
    """Every notice motcua received was answered "00" and paid its own payment (none twice, none lost)."""
    answers = r.get("ipn_answers") or {}
    return set(answers) == {"00"} and r.get("payments_paid") == answers["00"] >= r.get("requests", 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The benchmark: ceiling, submit, act, ipn and read")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios")
    parser.add_argument("--no-write", action="store_true", help="print only, write no results file")
    args = parser.parse_args(argv)
    only = [s for s in args.only.split(",") if s]
    cfg = _config()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (Debian: apt-get install wrk); `make bench` installs it")
    ensure_data(cfg)
    # The machine's load before anything of the run: above 1.5, other work skews every figure.
    load_before = [round(x, 2) for x in os.getloadavg()]
    files = prepare(cfg)
    from django.db import connection

    from motcua.dossiers.models import Dossier

    marks: dict[str, int] = {}  # the last dossier id before each submit-like run
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM dossiers_dossier")
        dossiers = cur.fetchone()[0]
    connection.close()
    print(f"== gunicorn: {cfg.workers} workers on {cfg.base}; wrk: {cfg.connections} connections, "
          f"{cfg.duration} s a run; {dossiers:,} dossiers in the database", flush=True)
    server = Server(cfg)
    results: dict[str, dict] = {}
    try:
        wrk(cfg, files["search"], 3)  # warm-up: imports, connections, caches (not measured)
        wrk(cfg, files["ceiling"], 2)
        for name in only:
            if name in ("submit", "same_work_submit"):
                marks[name] = Dossier.objects.order_by("-id").values_list("id", flat=True).first() or 0
                connection.close()
            if name in ("act", "same_work_act"):
                # Each receives what its own submit run filed: the dossiers after that run's mark, up to
                # the next run's mark (the real ones after the same-work ones, or before them).
                own = "submit" if name == "act" else "same_work_submit"
                start = marks.get(own, 0)
                later = [m for m in marks.values() if m > start]
                files[name] = act_requests(cfg, start, min(later) if later else None, same_work=name == "same_work_act")
                connection.close()
            if name == "ipn":
                files["ipn"], ipn_payments = ipn_requests(cfg)
                connection.close()
            since = server.log_offset()
            # Each request acts on a distinct dossier (payment, scan) once.
            once = name in ("act", "same_work_act", "ipn", "counter")
            results[name] = wrk(cfg, files[name], cfg.duration, once=once)
            results[name].update(server.server_times(since))
            if name == "ipn":
                results[name].update(ipn_outcome(ipn_payments))
                connection.close()
            if once and results[name]["requests"] >= len(files[name].read_text().splitlines()):
                # Every prepared request was sent before the time was up: the rate is over the
                # time the requests took, not the whole run (wrk's threads stopped when done).
                r = results[name]
                r["pool_exhausted"] = True
                r["rps"] = round(r["requests"] / min(r["seconds"], r.get("logged_seconds", r["seconds"])), 1)
            results[name]["worker_peak_rss_mb"] = server.peak_rss_mb()
            r = results[name]
            print(f"   {name:13} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  "
                  f"p99 {r['p99_ms']:6.1f} ms  errors {r['errors']}  server p95 {r.get('server_p95_ms', '-')} ms",
                  flush=True)
            if r["first_errors"]:
                print(f"     first error: {r['first_errors'][0][:200]}")
            if name == "ipn":
                print(f"     IPN answers {r['ipn_answers']}; payments paid {r['payments_paid']} "
                      f"of {len(ipn_payments)} prepared", flush=True)
    finally:
        server.stop()
    load_after = [round(x, 2) for x in os.getloadavg()]
    ceiling = results.get("ceiling", {}).get("rps")
    for r in results.values():
        r["ratio_to_ceiling"] = round(r["rps"] / ceiling, 3) if ceiling else None
    for name, same in (("submit", "same_work_submit"), ("act", "same_work_act")):
        if name in results and results.get(same, {}).get("rps"):
            results[name]["ratio_to_same_work"] = round(results[name]["rps"] / results[same]["rps"], 3)
    peak = max((r["worker_peak_rss_mb"] for r in results.values()), default=0)
    print()
    print("latency: at the client (wrk: includes the wait for a free worker); server: inside the worker")
    print(f"{'scenario':17}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}{'× ceiling':>11}"
          f"{'× same work':>13}{'server p50':>12}{'server p95':>12}{'server p99':>12}")
    for name, r in results.items():
        ratio = f"{r['ratio_to_ceiling']:.3f}" if r["ratio_to_ceiling"] is not None else "-"
        same = f"{r['ratio_to_same_work']:.3f}" if r.get("ratio_to_same_work") is not None else "-"
        server_cols = "".join(f"{r.get(k, float('nan')):12.1f}" for k in ("server_p50_ms", "server_p95_ms", "server_p99_ms"))
        print(f"{name:17}{r['rps']:9.1f}{r['p50_ms']:9.1f}{r['p95_ms']:9.1f}{r['p99_ms']:9.1f}{r['errors']:8d}{ratio:>11}"
              f"{same:>13}" + server_cols)
    print(f"load average (1, 5, 15 min): {load_before} at the start, {load_after} at the end")
    print(f"peak RSS of a gunicorn worker: {peak} MB")
    checks = {  # DESIGN.md §6: (scenarios needed, met?)
        "submit ≥ 0.5 × the same-work ceiling":
            (("submit", "same_work_submit"), (results.get("submit", {}).get("ratio_to_same_work") or 0) >= 0.5),
        "submit ≥ 200 req/s": (("submit",), results.get("submit", {}).get("rps", 0) >= 200),
        "act ≥ 0.5 × the same-work ceiling":
            (("act", "same_work_act"), (results.get("act", {}).get("ratio_to_same_work") or 0) >= 0.5),
        "act ≥ 200 req/s": (("act",), results.get("act", {}).get("rps", 0) >= 200),
        "submit p99 < 100 ms": (("submit",), results.get("submit", {}).get("p99_ms", 1e9) < 100),
        "every IPN answered 00 and its payment paid once": (("ipn",), _ipn_exact(results.get("ipn", {}))),
        "citizen dossier page p95 < 30 ms (server time)":
            (("read_dossier",), results.get("read_dossier", {}).get("server_p95_ms", 1e9) < 30),
        "citizen list page p95 < 30 ms (server time)":
            (("read_list",), results.get("read_list", {}).get("server_p95_ms", 1e9) < 30),
        "officer search p95 < 50 ms (server time)":
            (("officer_search",), results.get("officer_search", {}).get("server_p95_ms", 1e9) < 50),
    }
    noisy = load_before[0] > 1.5
    targets = {text: ok for text, (needs, ok) in checks.items() if all(n in results for n in needs)}
    if noisy:
        print(f"NOISY RUN: the load average was {load_before[0]} (> 1.5) at the start; no target is judged")
    for text, ok in targets.items():
        print(f"  {'noisy' if noisy else 'met  ' if ok else 'MISS '} {text}")
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        now = datetime.now(UTC)
        out = RESULTS / f"{now:%Y-%m-%d}.json"
        out.write_text(json.dumps({
            "at": now.isoformat(timespec="seconds"), "machine": machine(cfg), "config": {
                **{k: v for k, v in asdict(cfg).items() if k not in ("work_dir", "database_url")},
                "dossiers_in_database": dossiers},
            "load_average_before": load_before, "load_average_after": load_after, "noisy": noisy,
            "scenarios": results, "worker_peak_rss_mb": peak, "targets": {} if noisy else targets,
        }, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"written: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
