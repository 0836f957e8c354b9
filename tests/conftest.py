from __future__ import annotations

import shutil
import sys
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from motcua.identity.models import ApiToken, User

MD5_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The property tests judge answers, not speed: on a machine shared with other work, Hypothesis's timing checks
# (a 200 ms deadline per example, "generating inputs too slowly") failed a correct test now and then.
hypothesis_settings.register_profile("motcua", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("motcua")


def _drives_a_browser(item) -> bool:
    """A test of a module that uses Playwright (directly or through tests/browser/__init__.py)."""
    module = getattr(item, "module", None)
    return module is not None and any(
        (getattr(value, "__module__", None) or getattr(value, "__name__", "")).startswith(("playwright", "tests.browser"))
        for value in vars(module).values()
    )


# The modules that take longest for their number of tests, started first by the xdist processes. `make test`
# runs `--dist loadfile --no-loadscope-reorder`: a module stays on one process, and the modules are handed out
# in the order of the collection, which on an xdist process is this one: these first (in this order), then
# the others by number of tests, most first (what xdist's own reorder does). With xdist's reorder the modules
# of one or two long tests (the matrix's shares, the browser journeys, the demo histories, the property tests)
# were handed out last, and one process kept working minutes after the other had finished.
# The longest parametrized modules are asked in shares (a module each, every case in exactly one: the matrix,
# the lifecycle paths, Project 06's walks, the KPI histories), ranked by the time of one share.
LONG_MODULES = (  # by the time each took in a whole run (2026-12-05, -n 2, SQLite), longest first
    "tests/ops/test_settings_cli.py",  # `motcua` processes in fresh installations
    "tests/ops/test_scale_out.py",
    "tests/browser/test_browser_journey.py",
    "tests/dossiers/test_lifecycle_paths_*.py",  # ~200 walks in three shares; each happy path's result drawn and signed
    "tests/catalog/test_project_06_*.py",  # 44 walks to a signed result in two shares
    "tests/monitoring/test_kpi_counters_*.py",  # a random history each
    "tests/browser/test_browser_insights.py",
    "tests/identity/test_oidc.py",
    "tests/*/test_*crash.py",  # a worker killed halfway: processes started and awaited
    "tests/dossiers/test_lifecycle_properties.py",
    "tests/browser/test_*.py",
    "tests/petitions/test_demo.py",
    "tests/monitoring/test_kpi_demo.py",
    "tests/payments/test_demo_payments.py",
    "tests/security/test_authorization_matrix_*.py",
    "tests/ops/test_backup.py",
    "tests/insights/test_*demo*.py",
    "tests/authoring/test_round_trip.py",
)


def _long_first(config, items) -> None:
    from fnmatch import fnmatch

    root = Path(str(config.rootpath))
    per_module: dict[str, list] = {}
    for item in items:
        per_module.setdefault(Path(str(item.path)).relative_to(root).as_posix(), []).append(item)

    def rank(module: str) -> tuple[int, int]:
        first = next((i for i, pattern in enumerate(LONG_MODULES) if fnmatch(module, pattern)), len(LONG_MODULES))
        return first, -len(per_module[module])

    items[:] = [item for module in sorted(per_module, key=rank) for item in per_module[module]]


def pytest_collection_modifyitems(config, items):
    # Every test that drives Chromium is marked `browser`: `make test-fast` (-m "not browser") leaves them out.
    for item in items:
        if _drives_a_browser(item):
            item.add_marker(pytest.mark.browser)
    if hasattr(config, "workerinput"):  # an xdist process (a plain run keeps the order of the files)
        _long_first(config, items)


@pytest.fixture(autouse=True, scope="session")
def _plain_http_live_server():
    # Session-scoped fixtures run before function-scoped ones, so the session-wide
    # `live_server` builds its middleware (SecurityMiddleware reads
    # SECURE_SSL_REDIRECT once, at construction) before `_plain_http` below runs:
    # without this its answers were redirects to https:// that the test cannot follow.
    with override_settings(SECURE_SSL_REDIRECT=False):
        yield


@pytest.fixture(autouse=True, scope="session")
def _audit_checkpoint_log_per_worker(tmp_path_factory):
    # The audit sealer appends each checkpoint to AUDIT_CHECKPOINT_LOG (audit/seal.py), which verify
    # compares with the database: the xdist workers' test databases differ, so each keeps its own.
    with override_settings(AUDIT_CHECKPOINT_LOG=str(tmp_path_factory.mktemp("audit") / "checkpoints.log")):
        yield


@pytest.fixture(autouse=True, scope="session")
def _signing_material_made_in_real_time():
    # The demo PKI (CA, TSA, CRL; results/pki.py) is otherwise made by the first result a test
    # issues, perhaps under freezegun: cryptography's Rust side then keeps freezegun's datetime
    # class and refuses every real datetime afterwards (TypeError in the certificate builder).
    # It is kept in var/pki/ between sessions; a unit's certificate is made with its first result.
    import weasyprint  # noqa: F401 - deferred by the product (lib/pdf.py); imported here in real time too

    from motcua.results import pki, signing

    signing.material()
    # cryptography's Rust side keeps the datetime class of the first certificate it builds in this
    # process; with var/pki/ already made, that would be a unit's certificate, perhaps under freezegun.
    pki.make_ca("motcua test warm-up")


@pytest.fixture(autouse=True, scope="session")
def _urls_imported_in_real_time():
    # The URLconf (and with it the API's pydantic schemas) is otherwise imported by a worker's first
    # request: under freezegun, pydantic met freezegun's datetime class and refused it, so a test file
    # whose first test freezes the clock failed when it ran first on a worker (alone, or distributed
    # differently).
    from django.urls import get_resolver

    assert get_resolver().url_patterns


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The demo load hashes 16 passwords: PBKDF2 made it ~4 s per test; what is
    # tested is the product, not the strength of the test hashes.
    settings.PASSWORD_HASHERS = MD5_HASHERS


@pytest.fixture(autouse=True)
def _plain_http(settings, tmp_path):
    # Production defaults redirect to HTTPS; the test client speaks plain HTTP.
    settings.SECURE_SSL_REDIRECT = False
    settings.MEDIA_ROOT = tmp_path / "media"


# --- The demo data, loaded once per test session (per xdist worker) ---------------------------------
#
# `load_demo` runs once, right after the test database is created and migrated; the rows it added
# are remembered (table → primary keys), the whole database is serialized, and the vault files it
# wrote stay in a session media directory. Then:
# - a test that asks for `demo` runs in pytest-django's transaction (rolled back at its end) over
#   the loaded data, with a copy of the demo's files in its own MEDIA_ROOT;
# - a test that uses the database without `demo` sees it as it was before the demo: the demo's rows
#   are deleted first, inside its transaction (committed only by a transactional test, below);
# - a transactional test (transactional_db, live_server, django_db(transaction=True)) ends with a
#   flush of every table: the database is then put back as the session load left it (every table
#   refilled from a SQL copy made after the load: same rows, same primary keys) before the next test.

_DEMO: dict = {}  # blocker, added (model → pks), tables (copied), media: filled by django_db_setup


def _models():
    from django.apps import apps
    from django.db import router

    return [
        m for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and router.allow_migrate_model("default", m)
    ]


def _row_values(models) -> dict:
    out = {}
    for m in models:
        fields = [f.attname for f in m._meta.concrete_fields]
        out[m] = {row[0]: row for row in m._base_manager.order_by().values_list("pk", *fields)}
    return out


# --- The SQLite test database: migrated once, then copied -----------------------------------------------
#
# Replaying every migration was ~85 % of a test process's own setup, paid by each xdist worker. On SQLite the
# test database now starts as a copy of a template, `var/test-migrated-<key>.sqlite3`, whose key is a digest of
# every installed app's migration files, the Django and SQLite versions and the installed apps: a change to any
# migration makes a new key, so a stale template is never used. The first process that finds no template
# migrates as before, under a file lock (the other workers wait for it, then copy), and publishes the migrated
# database as the template (VACUUM INTO, then an atomic rename); a clean checkout pays one migration per run,
# a kept var/ none. `migrate` still runs on the copy (it finds nothing to apply; post_migrate's handlers run).
# Not on PostgreSQL (each worker migrates its database), nor with --reuse-db, --create-db or --nomigrations.

_TEMPLATE: dict = {}  # "test": the worker's test database file; "publish": the template to write; "lock": its file


def _migrations_key() -> str:
    import hashlib
    import sqlite3

    import django
    from django.apps import apps
    from django.conf import settings

    digest = hashlib.sha256(f"{django.__version__} {sqlite3.sqlite_version} {settings.INSTALLED_APPS}".encode())
    for app in sorted(apps.get_app_configs(), key=lambda a: a.label):
        folder = Path(app.path) / "migrations"
        for file in sorted(folder.glob("*.py")) if folder.is_dir() else ():
            digest.update(f"{app.label}/{file.name}\0".encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_modify_db_settings):
    """pytest-django's (True with --reuse-db); also True on SQLite when the test database starts from the template."""
    import fcntl

    from django.db import connection

    reuse = request.config.getvalue("reuse_db")
    if reuse or request.config.getvalue("create_db") or request.config.getvalue("nomigrations"):
        return reuse
    name = connection.settings_dict["TEST"].get("NAME") or ""  # with the xdist worker's suffix by now
    if connection.vendor != "sqlite" or not name or connection.creation.is_in_memory_db(name):
        return False
    test = Path(name)
    template = test.parent / f"test-migrated-{_migrations_key()}.sqlite3"
    test.parent.mkdir(parents=True, exist_ok=True)
    lock = open(test.parent / "test-migrated.lock", "w")  # held until the template is published
    fcntl.flock(lock, fcntl.LOCK_EX)
    _remove_sqlite(test)
    if template.exists():
        shutil.copyfile(template, test)
        lock.close()
    else:
        _TEMPLATE.update(publish=template, lock=lock)  # this process migrates, then publishes (django_db_setup)
    _TEMPLATE["test"] = test
    return True  # Django keeps the file made here (a copy, or nothing: a new, empty database) and migrates it


def _publish_template() -> None:
    import os

    from django.db import connection

    template = _TEMPLATE.pop("publish", None)
    if template is None:
        return
    for old in template.parent.glob("test-migrated-*.sqlite3"):
        old.unlink(missing_ok=True)  # made for other migration files
    partial = template.with_name(template.name + ".partial")
    partial.unlink(missing_ok=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(partial)])
    os.replace(partial, template)
    _TEMPLATE.pop("lock").close()


def _remove_test_database() -> None:
    from django.db import connections

    test = _TEMPLATE.pop("test", None)
    if test is not None:  # kept by Django (keepdb): removed here, as Django removes the database it made
        connections.close_all()
        _remove_sqlite(test)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, tmp_path_factory):

    media = tmp_path_factory.mktemp("demo-media")
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=MD5_HASHERS, MEDIA_ROOT=media):
        _publish_template()
        _keep_migrated(tmp_path_factory)
        models = _models()
        before = _row_values(models)
        call_command("load_demo", verbosity=0)
        after = _row_values(models)
        changed = [m.__name__ for m in models if any(after[m].get(pk) != row for pk, row in before[m].items())]
        if changed:
            # Deleting the demo's rows would not give back the rows it changed.
            raise RuntimeError(f"load_demo changed rows that existed before it ({changed}): tests/conftest.py")
        _DEMO.update(
            blocker=django_db_blocker,
            added={m: sorted(set(after[m]) - set(before[m])) for m in models if set(after[m]) - set(before[m])},
            tables=_snapshot_tables(),
            media=media,
        )
    yield
    _DEMO.clear()
    with django_db_blocker.unblock():
        _forget_migrated()
        _remove_test_database()


# --- A migrated, empty SQLite database for the tests that start the project's commands in a subprocess ---
#
# The settings CLI, crash and outbox tests each set up an installation of their own: `motcua migrate` on
# a new SQLite file replayed every migration (~8 s of CPU) in each of them. They now start from a copy of
# one migrated database per session (per xdist worker), then run the same commands: `migrate` finds it
# up to date. On SQLite it is the suite's own test database as the migrations left it (before the
# demo), copied with VACUUM INTO; else (the suite on PostgreSQL, or no database test on this worker yet)
# it is made once by `motcua migrate`. On PostgreSQL the test database as the migrations left it is also
# kept as a template, which the PostgreSQL crash and scale-out tests copy (CREATE DATABASE … TEMPLATE).

_MIGRATED: dict = {}  # "sqlite": Path of the migrated, empty SQLite file; "postgres": the template's name


def _keep_migrated(tmp_path_factory) -> None:
    from django.db import connection

    if connection.vendor == "sqlite":
        path = tmp_path_factory.mktemp("migrated") / "migrated.sqlite3"
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(path)])
        _MIGRATED["sqlite"] = path
    elif connection.vendor == "postgresql":
        # A copy of the test database as the migrations left it, for CREATE DATABASE … TEMPLATE (a template
        # must have no other connection while it is copied: Django's is closed, it reconnects when asked).
        name = connection.settings_dict["NAME"]
        template = f"{name}_migrated"[:63]
        connection.close()
        with _postgres_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{template}"')
            admin.execute(f'CREATE DATABASE "{template}" TEMPLATE "{name}"')
        _MIGRATED["postgres"] = template


def _forget_migrated() -> None:
    template = _MIGRATED.pop("postgres", None)
    if template:
        with _postgres_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')


def _postgres_admin():
    import psycopg
    from django.db import connection

    db = connection.settings_dict
    return psycopg.connect(dbname="postgres", host=db.get("HOST") or None, port=db.get("PORT") or None,
                           user=db.get("USER") or None, password=db.get("PASSWORD") or None, autocommit=True)


def create_migrated_postgres(admin, name: str) -> None:
    """CREATE DATABASE `name` on `admin`'s server: a copy of the session's migrated database when the suite runs
    on that server, else empty (the caller migrates it either way: `migrate` finds a copy up to date)."""
    import psycopg

    template = _MIGRATED.get("postgres")
    if template:
        try:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            return
        except psycopg.errors.InvalidCatalogName:  # another server than the suite's
            pass
    admin.execute(f'CREATE DATABASE "{name}"')


def _migrated_sqlite(tmp_path_factory) -> Path:
    # The suite runs on PostgreSQL, or no test of this worker used the database yet (its test database
    # is made only then): migrate a SQLite file once, as an operator would.
    if "sqlite" not in _MIGRATED:
        import os
        import subprocess

        folder = tmp_path_factory.mktemp("migrated")
        path = folder / "migrated.sqlite3"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "PROMETHEUS_"))},
            "DATABASE_URL": f"sqlite:///{path}", "MOTCUA_VAR_DIR": str(folder), "CATALOG_LOAD_ON_START": "false",
        }
        subprocess.run([str(Path(sys.executable).parent / "motcua"), "migrate", "--verbosity", "0"],  # noqa: S603
                       env=env, check=True, capture_output=True, timeout=600)
        _MIGRATED["sqlite"] = path
    return _MIGRATED["sqlite"]


@pytest.fixture
def migrated_sqlite(tmp_path_factory):
    """Put a migrated, empty SQLite database at a path (a fresh installation's, without replaying the migrations)."""

    def copy_to(target: Path) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_migrated_sqlite(tmp_path_factory), target)
        return target

    return copy_to


SNAPSHOT = "demo_snapshot"  # PostgreSQL: a schema; SQLite: a prefix of table names Django does not know


def _snapshot_name(table: str) -> str:
    from django.db import connection

    qn = connection.ops.quote_name
    return f"{SNAPSHOT}.{qn(table)}" if connection.vendor == "postgresql" else qn(f"{SNAPSHOT}__{table}")


def _snapshot_tables() -> list[str]:
    """Copy every model table as the demo load left it, in SQL (a restore is then one INSERT … SELECT a table)."""
    from django.db import connection

    tables = sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP SCHEMA IF EXISTS {SNAPSHOT} CASCADE; CREATE SCHEMA {SNAPSHOT}")
        for table in tables:
            copy = _snapshot_name(table)
            cursor.execute(f"DROP TABLE IF EXISTS {copy}")
            cursor.execute(f"CREATE TABLE {copy} AS SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - model tables
    return tables


def _without_demo_rows() -> None:
    """Delete the demo's rows (foreign keys are checked at commit on SQLite and PostgreSQL)."""
    from django.db import connection, transaction

    # In one transaction: a transactional test deletes in autocommit mode otherwise.
    with transaction.atomic(), connection.cursor() as cursor:
        qn = connection.ops.quote_name
        for model, pks in _DEMO["added"].items():
            for i in range(0, len(pks), 500):
                chunk = pks[i : i + 500]
                cursor.execute(
                    f"DELETE FROM {qn(model._meta.db_table)} WHERE {qn(model._meta.pk.column)} IN "  # noqa: S608 - table and column names from the models
                    f"({', '.join(['%s'] * len(chunk))})",
                    chunk,
                )


def _restore_demo() -> None:
    """After a transactional test's flush: the database as the session load left it.

    Every model table emptied and refilled from its SQL copy, in one transaction (foreign keys are
    checked at commit on both databases): ~50 statements, where Django's deserializer saved the
    demo's rows one by one.
    """
    from django.db import connection, transaction

    qn = connection.ops.quote_name
    with _DEMO["blocker"].unblock():
        with transaction.atomic(), connection.cursor() as cursor:
            tables = _DEMO["tables"]
            if connection.vendor == "postgresql":
                cursor.execute(f"TRUNCATE {', '.join(map(qn, tables))}")
            else:
                for table in tables:
                    cursor.execute(f"DELETE FROM {qn(table)}")  # noqa: S608 - model tables
            for table in tables:
                cursor.execute(f"INSERT INTO {qn(table)} SELECT * FROM {_snapshot_name(table)}")  # noqa: S608
        connection.close()  # as TransactionTestCase leaves it


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    names = getattr(item, "fixturenames", ())
    return bool(
        (marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
        or "transactional_db" in names or "live_server" in names
    )


def _uses_db(item) -> bool:
    names = getattr(item, "fixturenames", ())
    return bool(item.get_closest_marker("django_db")) or "db" in names or _is_transactional(item)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    try:
        return (yield)
    finally:
        if _DEMO and _is_transactional(item):
            _restore_demo()


@pytest.fixture(autouse=True)
def _demo_or_empty(request, _plain_http, settings):
    """The demo's files for a test using `demo`; no demo rows for any other test using the database."""
    if not _uses_db(request.node):
        yield
        return
    request.getfixturevalue("db")  # the test's transaction (or transactional flush) is set up first
    if "demo" in request.fixturenames:
        shutil.copytree(_DEMO["media"], settings.MEDIA_ROOT, dirs_exist_ok=True)
    else:
        _without_demo_rows()
    yield


def _forget_between_tests() -> None:
    from django.core.cache import caches
    from django.utils import translation

    from motcua.dossiers import deadlines
    from motcua.monitoring import catalog_facts, config

    deadlines.forget_calendars()
    config.forget()
    walker = sys.modules.get("tests.walker")  # imported by the tests that walk dossiers (not here: it reads 16 files)
    if walker is not None:
        walker.forget_workers()
    catalog_facts._memo = None
    # Django's cache (a per-process LocMemCache in tests) outlives a test's rolled-back rows: the
    # catalogue facts are keyed by row counts and ids a later test may take again, the OIDC
    # discovery and keys by a provider another test stops.
    for cache in caches.all():
        cache.clear()
    # A request through the test client leaves its language active in the thread (LocaleMiddleware):
    # a later test's messages came out in Bengali after a page test ran in Bengali.
    translation.deactivate()


@pytest.fixture(autouse=True)
def _nothing_left_between_tests():
    """Module caches filled from rows a rolled-back test wrote, and the active language, stay with their test."""
    _forget_between_tests()
    yield
    _forget_between_tests()


@pytest.fixture
def demo(db):
    """The demo province, its staff, citizens and the shipped procedures (loaded once per session)."""


# --- Results drawn and signed for real only where a test looks at them -------------------------------
#
# Issuing a result draws its PDF with WeasyPrint (~0.5 s of CPU) and signs it with pyHanko, timestamped,
# with its validation data (B-LTA, ~0.4 s): about half of a walk to the result. The tests that walk
# many dossiers for something else (the paths between statuses, the counters, the random action
# sequences, the demo's history) ask for `unsigned_results`: the result's HTML is still rendered from
# its template (a template error still fails them), the PDF is a blank page drawn once per process
# with the rendered HTML's digest appended (each result its own bytes and sha256), and it is not
# signed. Each shipped procedure's result is still drawn and signed for real by its happy path
# (tests/dossiers/lifecycle_paths.py), signatures are checked by tests/results/ and tests/portal/.

_BLANK_PDF: list[bytes] = []


def _light_pdf(html: str) -> bytes:
    import hashlib

    from motcua.lib.pdf import html_to_pdf

    if not _BLANK_PDF:
        _BLANK_PDF.append(html_to_pdf("<p>motcua test</p>"))
    return _BLANK_PDF[0] + b"% " + hashlib.sha256(html.encode()).hexdigest().encode() + b"\n"


@pytest.fixture
def unsigned_results(monkeypatch):
    """Results issued as a light, unsigned PDF (see above): for tests that check neither layout nor signature.

    MOTCUA_TEST_REAL_RESULTS=1 draws and signs them for real here too (slower, the same assertions)."""
    import os

    from motcua.results import issue

    if os.environ.get("MOTCUA_TEST_REAL_RESULTS"):
        return

    monkeypatch.setattr(issue, "html_to_pdf", _light_pdf)
    monkeypatch.setattr(issue, "sign_pdf", lambda pdf, **how: pdf)


TINY_PDF = b"%PDF-1.4\n% motcua test\n"
# A small file of each kind a component may take (uploads are checked by content).


def tiny_image(kind: str) -> bytes:
    """A real 4×4 image (uploads are decoded, not only sniffed: vault/content_checks.py)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, kind)
    return out.getvalue()


TINY_PNG, TINY_JPEG = tiny_image("PNG"), tiny_image("JPEG")
MAGIC_FILES = {"pdf": TINY_PDF, "png": TINY_PNG, "jpg": TINY_JPEG, "jpeg": TINY_JPEG}


def user(username: str) -> User:
    return User.objects.get(username=username)


def logged_in(username: str) -> Client:
    """A fresh client (another browser, another device) holding `username`'s session."""
    client = Client()
    client.force_login(user(username))
    return client


class ApiClient:
    """A user's view of the API: JSON in, JSON out, with the user's bearer token."""

    def __init__(self, username: str | None, token: str | None = None) -> None:
        self.client = Client()
        self.username = username
        if token is None and username is not None:
            token = ApiToken.issue(User.objects.get(username=username))
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **kw):
        return self.client.get(f"/api/v1{path}", headers=self.headers, **kw)

    def post(self, path: str, body: object | None = None, **kw):
        return self.client.post(
            f"/api/v1{path}", body if body is not None else {}, content_type="application/json", headers=self.headers, **kw
        )

    def act(self, code: str, action: str, reason: str = ""):
        return self.post(f"/dossiers/{code}/actions/{action}", {"reason": reason} if reason else None)

    def upload(self, name: str = "tep.pdf", content: bytes = TINY_PDF, **fields: str):
        """POST /uploads (multipart): the answer, whose "id" a dossier component then names."""
        return self.client.post(
            "/api/v1/uploads", {"file": SimpleUploadedFile(name, content), **fields}, headers=self.headers
        )

    def references(self, records: list[dict]) -> list[dict]:
        """Records as the portal stores them → what the API takes: an upload, a vault document, a registry."""
        found = []
        user = User.objects.get(username=self.username)
        for record in records:
            key, source = record["key"], record.get("source", "upload")
            if source == "upload":
                name = str(record.get("name") or f"{key}.pdf")
                r = self.upload(name, MAGIC_FILES.get(name.rsplit(".", 1)[-1].lower(), TINY_PDF))
                assert r.status_code == 201, r.content
                found.append({"key": key, "upload": r.json()["id"]})
            elif source == "vault":
                found.append({"key": key, "vault_document": vault_document_for(user, record).pk})
            else:
                found.append({"key": key, "source": "registry"})
        return found



def vault_document_for(user: User, record: dict):
    """A valid document of the record's `document_type`, kept in `user`'s vault."""
    from motcua.vault.store import keep_issued

    document_type = record["document_type"]
    return keep_issued(
        user, reference=f"test/{document_type}", document_type=document_type, title=f"Test {document_type}",
        issuer="UBND xã An Bình", issued_on=date(2024, 1, 1), valid_until=None, content=TINY_PDF,
        file_name=f"{document_type}.pdf",
    )


@pytest.fixture
def as_user(demo):
    return ApiClient


BIRTH = {
    "child_name": "Nguyễn Minh Khang",
    "child_birth_date": "2026-11-20",
    "child_sex": "nam",
    "birth_place": "Bệnh viện Đa khoa tỉnh Demo",
    "mother_name": "Trần Thị Hạnh",
    "father_name": "Nguyễn Văn An",
    "relationship": "cha",
    "registration_timing": "on_time",
}
# The required component of birth registration, as the portal records an upload.
BIRTH_COMPONENTS = [{"key": "birth_certificate", "source": "upload", "name": "giay-chung-sinh.pdf"}]
