"""Backing up and restoring an installation: the database and the files, with a manifest to check against.

A backup is a directory:
- `database.sqlite3` (SQLite's online backup: a consistent copy while the site runs) or
  `database.dump` (PostgreSQL's `pg_dump --format=custom`, one consistent snapshot);
- `media.tar` (the uploads, results and letters under MEDIA_ROOT; with STORAGE=s3 the files
  live in the object store, whose versioning and replication are their backup);
- `manifest.json`: when, which engine, the row count of every table, the audit chain's head,
  and the SHA-256 of each file above.

Restore goes into an empty database (it refuses one that holds data unless forced), then
runs the drill: every table's row count as in the manifest, the KPI counters equal to a
rebuild, the audit chain verified. Signing keys (PKI_DIR) are secrets and are not in a backup:
keep them with the other secrets (docs/operations.md, "Backup and restore").
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection

SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
MEDIA_FILE = "media.tar"
MANIFEST = "manifest.json"
# Tables a freshly migrated database already fills: they do not make it "not empty".
BOOKKEEPING = {"django_migrations", "django_content_type", "auth_permission", "django_site"}


class BackupError(Exception):
    pass


def _tables() -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def row_counts() -> dict[str, int]:
    qn = connection.ops.quote_name
    counts = {}
    with connection.cursor() as cursor:
        for table in _tables():
            cursor.execute(f"SELECT COUNT(*) FROM {qn(table)}")  # noqa: S608 - model table names
            counts[table] = cursor.fetchone()[0]
    return counts


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[name] = str(db[key])
    env["PGDATABASE"] = db["NAME"]
    return env


def _run(args: list[str]) -> None:
    done = subprocess.run(args, env=_pg_env(), capture_output=True, text=True, check=False)  # noqa: S603 - fixed tools
    if done.returncode != 0:
        raise BackupError(f"{args[0]} failed: {done.stderr.strip()[-2000:]}")


def backup(path: Path) -> dict:
    """Write a backup of the database and the files into the new directory `path`; return the manifest."""
    from motcua.audit.models import AuditCheckpoint

    if path.exists() and any(path.iterdir()):
        raise BackupError(f"{path} exists and is not empty: choose a new directory")
    path.mkdir(parents=True, exist_ok=True)
    vendor = connection.vendor
    files = {}
    if vendor == "sqlite":
        target = path / SQLITE_FILE
        # A connection of its own, so the copy holds what is committed, as another process would see it.
        source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        dest = sqlite3.connect(target)
        with dest:
            source.backup(dest)
        dest.close()
        source.close()
        files[SQLITE_FILE] = target
    elif vendor == "postgresql":
        target = path / PG_FILE
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-acl", f"--file={target}"])
        files[PG_FILE] = target
    else:
        raise BackupError(f"backups of a {vendor} database are not supported")
    media = path / MEDIA_FILE
    with tarfile.open(media, "w") as tar:
        if Path(settings.MEDIA_ROOT).is_dir():
            tar.add(settings.MEDIA_ROOT, arcname=".")
    files[MEDIA_FILE] = media
    head = AuditCheckpoint.objects.order_by("-seq").values("seq", "chain").first()
    manifest = {
        "format": 1,
        "created_at": datetime.now(UTC).isoformat(),
        "engine": vendor,
        # Row counts read after the copy: a backup of a running site may hold a few rows more, never fewer.
        "tables": row_counts(),
        "audit_head": head,
        "files": {name: _sha256(p) for name, p in files.items()},
    }
    (path / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    return manifest


def read_manifest(path: Path) -> dict:
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} holds no readable {MANIFEST}: {exc}") from exc
    for name, digest in manifest.get("files", {}).items():
        if not (path / name).exists() or _sha256(path / name) != digest:
            raise BackupError(f"{path / name} is missing or does not match the manifest's SHA-256")
    return manifest


def is_empty() -> bool:
    counts = row_counts()
    return not any(n for table, n in counts.items() if table not in BOOKKEEPING)


def restore(path: Path, *, force: bool = False) -> dict:
    """Put the backup at `path` into this installation's database and MEDIA_ROOT; return its manifest."""
    manifest = read_manifest(path)
    vendor = connection.vendor
    if manifest["engine"] != vendor:
        raise BackupError(f"this backup is of a {manifest['engine']} database; this installation uses {vendor}")
    if _tables() and not is_empty() and not force:
        raise BackupError("the database is not empty: restore into an empty one, or pass --force to replace it")
    if vendor == "sqlite":
        connection.close()
        source = sqlite3.connect(path / SQLITE_FILE)
        dest = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        with dest:
            source.backup(dest)
        dest.close()
        source.close()
    else:
        connection.close()
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-acl", "--single-transaction",
              f"--dbname={settings.DATABASES['default']['NAME']}", str(path / PG_FILE)])
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path / MEDIA_FILE) as tar:
        tar.extractall(media_root, filter="data")  # "data": no absolute paths, no escaping "..", no devices
    return manifest


@dataclass
class Drill:
    tables_differing: dict[str, tuple[int, int]] = field(default_factory=dict)
    kpi_differences: dict[str, int] = field(default_factory=dict)
    audit: str = ""
    audit_ok: bool = True

    @property
    def ok(self) -> bool:
        return not self.tables_differing and not any(self.kpi_differences.values()) and self.audit_ok


def drill(manifest: dict) -> Drill:
    """Check a restored database against its backup's manifest, its KPI counters and its audit chain."""
    from motcua.audit.seal import verify
    from motcua.monitoring.rebuild import differences

    result = Drill()
    now = row_counts()
    for table, expected in manifest["tables"].items():
        if now.get(table) != expected:
            result.tables_differing[table] = (expected, now.get(table, -1))
    result.kpi_differences = differences()
    # The checkpoint log outside the database belongs to the installation backed up, not this one.
    report = verify(checkpoint_log="")
    result.audit_ok = report.ok and (manifest.get("audit_head") or {}).get("seq", 0) <= report.sealed
    result.audit = str(report.problem) if report.problem else f"{report.sealed:,} sealed entries hold"
    return result
