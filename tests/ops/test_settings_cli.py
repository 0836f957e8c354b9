"""Settings come only from the environment; the `motcua` console commands."""

from __future__ import annotations

import io
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from motcua import cli
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.demo.data import UNITS, USERS
from motcua.dossiers import actions, deadlines
from motcua.dossiers.models import Dossier
from motcua.identity.models import ApiToken, CitizenProfile, User
from motcua.units.models import Membership, Role
from tests.conftest import BIRTH, BIRTH_COMPONENTS, ApiClient

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())  # wherever the module sits
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "example.gov.vn",
    "DATABASE_URL": "postgres://motcua:secret@db.example.gov.vn:5432/motcua",
    # Nothing of the demo (ops.E001, ops.E002), and the national e-ID in its place (identity.W001).
    "DEMO_IDP_ENABLED": "false",
    "DEMO_REGISTRY_ENABLED": "false",
    "PAYMENT_SANDBOX_ENABLED": "false",  # ops.E004
    "OIDC_ISSUER": "https://id.example.gov.vn",
}


def _production(tmp_path: Path) -> dict[str, str]:
    """PRODUCTION, with the issuing authority's own signing key and certificates (results.W001 otherwise) and clamd."""
    from motcua.results.signing import _demo_material

    own = _demo_material(tmp_path / "authority")
    return {
        **PRODUCTION, "SIGNING_KEY_FILE": str(own.key_file), "SIGNING_CERT_FILE": str(own.cert_file),
        "SIGNING_CHAIN_FILES": str(own.chain_files[0]),
        "CLAMD_ADDRESS": "unix:///run/clamav/clamd.ctl",  # uploads scanned (vault.W001 otherwise)
    }


def _manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """manage.py in a fresh process whose environment holds only `env` (nothing from this test run)."""
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "MOTCUA_VAR_DIR": str(tmp_path / "var"),
        **env,
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


# --- settings -----------------------------------------------------------------------------------


def test_check_deploy_is_clean_with_production_values(tmp_path):
    done = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **_production(tmp_path))
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "WARNINGS" not in output and "ERRORS" not in output, output
    assert "no issues" in output


@pytest.mark.parametrize(
    ("override", "warning"),
    [
        ({"DEBUG": "true"}, "security.W018"),
        ({"SECRET_KEY": "too-short"}, "security.W009"),
        ({"HTTPS": "false"}, "security.W008"),
        ({"SIGNING_KEY_FILE": "", "SIGNING_CERT_FILE": "", "SIGNING_CHAIN_FILES": ""}, "results.W001"),
        ({"DEMO_IDP_ENABLED": "true"}, "ops.E001"),
        ({"DEMO_REGISTRY_ENABLED": "true"}, "ops.E002"),
        ({"PAYMENT_SANDBOX_ENABLED": "true"}, "ops.E004"),
        ({"CLAMD_ADDRESS": ""}, "vault.W001"),
    ],
)
def test_check_deploy_reports_unsafe_values(tmp_path, override, warning):
    # The clean run above means something only because the same check does report these.
    done = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **{**_production(tmp_path), **override})
    assert done.returncode != 0
    assert warning in done.stdout + done.stderr


def test_settings_are_read_from_the_environment(tmp_path):
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "db = s.DATABASES['default']; "
        "print(json.dumps({'debug': s.DEBUG, 'key': s.SECRET_KEY, 'hosts': s.ALLOWED_HOSTS, "
        "'engine': db['ENGINE'], 'name': db['NAME'], 'host': db['HOST'], 'demo': s.DEMO_IDP_ENABLED, "
        "'ssl': s.SECURE_SSL_REDIRECT, 'hsts': s.SECURE_HSTS_SECONDS, 'cookie': s.SESSION_COOKIE_SECURE, "
        "'ttl': s.API_TOKEN_TTL_HOURS}))"
    )
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "motcua.settings",
        "MOTCUA_VAR_DIR": str(tmp_path / "var"),
        **PRODUCTION,
        "DEMO_IDP_ENABLED": "false",
        "API_TOKEN_TTL_HOURS": "8",
    }
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60, check=True
    )
    got = json.loads(done.stdout)
    assert got == {
        "debug": False, "key": PRODUCTION["SECRET_KEY"], "hosts": ["example.gov.vn"],
        "engine": "django.db.backends.postgresql", "name": "motcua", "host": "db.example.gov.vn",
        "demo": False, "ssl": True, "hsts": 31536000, "cookie": True, "ttl": 8,
    }
    # The key came from the environment, so no fallback key was written to var/.
    assert not (tmp_path / "var" / "secret_key").exists()


def test_a_malformed_boolean_is_refused_not_guessed(tmp_path):
    done = _manage(tmp_path, "check", **{**PRODUCTION, "DEBUG": "maybe"})
    assert done.returncode != 0
    assert "DEBUG must be a boolean" in done.stderr


# --- motcua issue-token -------------------------------------------------------------------------


def test_issue_token_prints_a_token_that_works_against_the_api(demo):
    out = io.StringIO()
    call_command("issue_token", "citizen", stdout=out)
    token = out.getvalue().strip()
    assert token.startswith("mc_") and "\n" not in token
    api = ApiClient(None, token)
    r = api.post("/dossiers", {"procedure": "1.001193", "data": BIRTH})
    assert r.status_code == 201, r.content
    assert Dossier.objects.get(code=r.json()["code"]).applicant.username == "citizen"
    assert api.get("/dossiers").json()[0]["code"] == r.json()["code"]
    # Only the digest is stored.
    assert not ApiToken.objects.filter(digest=token).exists()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["motcua", "issue-token", "citizen"], ["motcua", "issue_token", "citizen"]),
        (["motcua", "demo-users", "--json"], ["motcua", "demo_users", "--json"]),
        (["motcua", "issue-token", "x"], ["motcua", "issue_token", "x"]),
        (["/venv/bin/motcua", "--help"], ["motcua", "--help"]),
    ],
)
def test_motcua_console_command_takes_dashed_names(monkeypatch, argv, expected):
    seen: list[list[str]] = []
    monkeypatch.setattr("django.core.management.execute_from_command_line", seen.append)
    monkeypatch.setattr(sys, "argv", argv)
    cli.main()
    assert seen == [expected]


def _motcua(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed `motcua` console script, on a fresh SQLite database in tmp_path."""
    script = Path(sys.executable).parent / "motcua"
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "MOTCUA_VAR_DIR": str(tmp_path / "var"),
        **env,
    }
    return subprocess.run(  # noqa: S603 - the project's own console script
        [str(script), *args], cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=180
    )


def test_motcua_issue_token_end_to_end(tmp_path, migrated_sqlite):
    """The console script on a fresh installation: the printed token opens the API; mistakes exit non-zero."""
    migrated_sqlite(tmp_path / "var" / "motcua.sqlite3")  # a copy of the session's migrated database
    migrated = _motcua(tmp_path, "migrate", "-v0")
    # No system check warning on the embedded SQLite (models.W040 about the KPI covering index was one).
    assert migrated.returncode == 0 and migrated.stderr == "", migrated.stderr
    assert _motcua(tmp_path, "load-demo").returncode == 0
    done = _motcua(tmp_path, "issue-token", "citizen")
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    probe = (
        "from django.test import Client; "
        f"r = Client().get('/api/v1/dossiers', headers={{'Authorization': 'Bearer {token}'}}); "
        "print(r.status_code, r.content.decode())"
    )
    served = _motcua(tmp_path, "shell", "-c", probe, ALLOWED_HOSTS="testserver", SECURE_SSL_REDIRECT="false")
    # The last line: Django's shell first says which models it imported.
    assert served.stdout.strip().splitlines()[-1] == "200 []", served.stdout + served.stderr
    wrong = _motcua(tmp_path, "shell", "-c", probe.replace(token, token[:-2]), ALLOWED_HOSTS="testserver",
                    SECURE_SSL_REDIRECT="false")
    assert wrong.stdout.strip().splitlines()[-1].startswith("401 "), wrong.stdout + wrong.stderr

    unknown = _motcua(tmp_path, "issue-token", "nobody")
    assert unknown.returncode != 0 and "no active user" in unknown.stderr and not unknown.stdout
    disabled = _motcua(tmp_path, "issue-token", "citizen", DEMO_IDP_ENABLED="false")
    assert disabled.returncode != 0 and "DEMO_IDP_ENABLED" in disabled.stderr and not disabled.stdout


def test_issue_token_refuses_when_the_demo_provider_is_disabled(demo, settings):
    settings.DEMO_IDP_ENABLED = False
    tokens = ApiToken.objects.count()
    with pytest.raises(CommandError, match="DEMO_IDP_ENABLED"):
        call_command("issue_token", "citizen", stdout=io.StringIO())
    assert ApiToken.objects.count() == tokens


@pytest.mark.parametrize("username", ["nobody", "", "citizen "])
def test_issue_token_refuses_unknown_users(demo, username):
    with pytest.raises(CommandError, match="no active user"):
        call_command("issue_token", username, stdout=io.StringIO())
    assert not ApiToken.objects.exists()


def test_issue_token_refuses_a_deactivated_user(demo):
    User.objects.filter(username="citizen2").update(is_active=False)
    with pytest.raises(CommandError, match="no active user"):
        call_command("issue_token", "citizen2", stdout=io.StringIO())


# --- motcua demo-users ----------------------------------------------------------------------------


def test_demo_users_json_lists_every_user_with_role_and_unit(demo):
    out = io.StringIO()
    call_command("demo_users", "--json", stdout=out)
    listing = json.loads(out.getvalue())
    users = {u["username"]: u for u in listing["users"]}
    assert set(users) == {u.username for u in USERS}
    unit_codes = {code for code, *_ in UNITS}
    for name, row in users.items():
        assert row["unit"] in unit_codes, row
        assert row["role"] in {"citizen", *Role.values}, row
        # The listing is the truth of the database the demo loaded.
        if row["role"] == "citizen":
            profile = CitizenProfile.objects.get(user__username=name)
            assert profile.home_unit.code == row["unit"] and profile.personal_id == row["personal_id"]
        else:
            assert Membership.objects.filter(user__username=name, unit__code=row["unit"], role=row["role"]).exists()
    # Every role has someone to play it.
    assert {r["role"] for r in users.values()} == {"citizen", *Role.values}
    # The shared password logs them in.
    assert User.objects.get(username="approver_police").check_password(listing["password"])


def test_demo_users_plain_listing(demo):
    out = io.StringIO()
    call_command("demo_users", stdout=out)
    text = out.getvalue()
    for u in USERS:
        assert u.username in text


def test_demo_users_into_a_closed_pipe_ends_quietly(tmp_path):
    """`motcua demo-users | head`: the reader leaves early; no traceback, the shell's SIGPIPE status."""
    script = Path(sys.executable).parent / "motcua"
    read_end, write_end = os.pipe()
    os.close(read_end)  # a reader already gone: the first write fails, whatever the buffering
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "MOTCUA_VAR_DIR": str(tmp_path / "var")}
    try:
        done = subprocess.run(  # noqa: S603 - the project's own console script
            [str(script), "demo-users"], stdout=write_end, stderr=subprocess.PIPE, env=env, text=True, timeout=180
        )
    finally:
        os.close(write_end)
    assert done.stderr == "" and done.returncode == 141


# --- motcua load-procedures -------------------------------------------------------------------------


def test_load_procedures_twice_creates_no_new_version(demo):
    versions = ProcedureVersion.objects.count()
    assert versions == len(list((ROOT / "procedures").glob("*.yaml")))
    out = io.StringIO()
    call_command("catalog", "import", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == versions and all(line.endswith("v1 unchanged") for line in lines), lines
    assert ProcedureVersion.objects.count() == versions


def _changed_birth_definition(tmp_path: Path, **changes: object) -> Path:
    source = ROOT / "procedures" / "1.001193-dang-ky-khai-sinh.yaml"
    definition = yaml.safe_load(source.read_text(encoding="utf-8"))
    definition.update(changes)
    target = tmp_path / source.name
    target.write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    return target


def test_a_changed_definition_makes_version_2_and_dossiers_in_flight_keep_version_1(demo, tmp_path):
    citizen, officer = ApiClient("citizen"), User.objects.get(username="onestop_anbinh")
    submission = {"procedure": "1.001193", "data": BIRTH, "components": citizen.references(BIRTH_COMPONENTS)}
    old_code = citizen.post("/dossiers", submission).json()["code"]

    out = io.StringIO()
    call_command("catalog", "import", str(_changed_birth_definition(tmp_path, processing_days=5, fees={"rules": [{"amount": 8000}]})), stdout=out)
    assert out.getvalue().strip() == "1.001193 v2 new version"
    procedure = Procedure.objects.get(code="1.001193")
    assert procedure.current.number == 2
    assert (procedure.processing_days, procedure.fee) == (5, 8000)
    assert list(procedure.versions.values_list("number", flat=True)) == [1, 2]

    # An upload is taken by one dossier only: the second one sends its own.
    new = citizen.post("/dossiers", {**submission, "components": citizen.references(BIRTH_COMPONENTS)}).json()
    assert new["procedure_version"] == 2 and new["fee"] == 8000
    old = citizen.get(f"/dossiers/{old_code}").json()
    assert old["procedure_version"] == 1 and old["fee"] == 0

    # The dossier in flight is still counted on version 1's deadline (1 working day), the new one on 5.
    for code, days in [(old_code, 1), (new["code"], 5)]:
        dossier = actions.perform(code, "receive", officer)
        assert dossier.due_at == deadlines.due_at(dossier.received_at, days)

    # Loading the same changed file again changes nothing.
    out = io.StringIO()
    call_command("catalog", "import", str(tmp_path / "1.001193-dang-ky-khai-sinh.yaml"), stdout=out)
    assert out.getvalue().strip() == "1.001193 v2 unchanged"
    assert ProcedureVersion.objects.filter(procedure=procedure).count() == 2


def test_a_broken_definition_loads_nothing(demo, tmp_path):
    _changed_birth_definition(tmp_path, processing_days=9)  # valid, changed
    (tmp_path / "zz-broken.yaml").write_text("code: '9.000001'\nname: {vi: Hỏng}\n", encoding="utf-8")
    versions = ProcedureVersion.objects.count()
    with pytest.raises(CommandError, match=r"zz-broken\.yaml"):
        call_command("catalog", "import", str(tmp_path), stdout=io.StringIO())
    assert ProcedureVersion.objects.count() == versions
    assert Procedure.objects.get(code="1.001193").current.number == 1
