"""`motcua backup` and `motcua restore`: the drill restores into an empty database and checks it all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from motcua.audit.seal import seal
from motcua.dossiers import actions
from motcua.identity.models import User
from motcua.ops.backup import MANIFEST, row_counts
from tests.conftest import BIRTH, BIRTH_COMPONENTS

ROOT = Path(__file__).resolve().parents[2]
MOTCUA = str(Path(sys.executable).parent / "motcua")


@pytest.fixture
def target_database(tmp_path):
    """An empty database of the suite's engine, and the URL a restore process connects to."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    db = settings.DATABASES["default"]
    name = f"{db['NAME']}_restore"[:63]
    params = {"host": db.get("HOST") or None, "port": db.get("PORT") or None, "user": db.get("USER") or None,
              "password": db.get("PASSWORD") or None, "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = f"{db.get('USER') or ''}" + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    yield f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"
    with psycopg.connect(**params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _restore(path: Path, url: str, media: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "MEDIA_ROOT": str(media), "DEBUG": "true"}
    return subprocess.run(  # noqa: S603 - our own command
        [MOTCUA, "restore", str(path), *extra], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_a_backup_restores_into_an_empty_database_and_passes_the_drill(
    transactional_db, demo, tmp_path, target_database, settings
):
    settings.AUDIT_CHECKPOINT_LOG = str(tmp_path / "checkpoints.log")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    (tmp_path / "media" / "results").mkdir(parents=True)
    (tmp_path / "media" / "results" / "KQ-1.pdf").write_bytes(b"%PDF-1.7 a result")
    citizen, officer = User.objects.get(username="citizen"), User.objects.get(username="onestop_anbinh")
    code = actions.submit(citizen, "1.001193", dict(BIRTH), components=BIRTH_COMPONENTS).code
    actions.perform(code, "receive", officer)
    assert seal() == 2

    call_command("backup", str(tmp_path / "backup"))
    manifest = json.loads((tmp_path / "backup" / MANIFEST).read_text())
    assert manifest["tables"] == row_counts()
    assert manifest["tables"]["dossiers_dossier"] > 0 and manifest["audit_head"]["seq"] > 0

    restored_media = tmp_path / "restored-media"
    done = _restore(tmp_path / "backup", target_database, restored_media)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "row counts: as in the manifest" in done.stdout
    assert "KPI counters against a rebuild: DailyCounter 0, MonthlyCounter 0, OpenCounter 0 rows differ" in done.stdout
    assert f"{manifest['audit_head']['seq']:,} sealed entries hold" in done.stdout
    assert "the drill passed" in done.stdout
    assert (restored_media / "results" / "KQ-1.pdf").read_bytes() == b"%PDF-1.7 a result"

    # A second restore would overwrite what is there now: refused unless forced.
    again = _restore(tmp_path / "backup", target_database, restored_media)
    assert again.returncode != 0 and "not empty" in again.stderr


def test_a_damaged_backup_is_refused(transactional_db, demo, tmp_path, target_database, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("backup", str(tmp_path / "backup"))
    media = tmp_path / "backup" / "media.tar"
    media.write_bytes(media.read_bytes() + b"\0")
    done = _restore(tmp_path / "backup", target_database, tmp_path / "restored-media")
    assert done.returncode != 0 and "does not match the manifest" in done.stderr


def test_a_backup_never_overwrites_a_directory(db, tmp_path):
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "something").write_text("x")
    with pytest.raises(Exception, match="not empty"):
        call_command("backup", str(tmp_path / "backup"))
