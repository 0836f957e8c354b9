"""Same format both ways: every shipped procedure, edited through the API, exports, validates and re-imports the same."""

from __future__ import annotations

import copy
import io
import zipfile

import pytest
import yaml
from django.core.management import call_command

from motcua.catalog.loader import check_files, definition_files, digest_of, load_paths
from motcua.catalog.models import Procedure
from tests.conftest import ApiClient
from tests.walker import DEFINITIONS

DECISION = {"number": "77/QĐ-UBND", "date": "2026-12-01", "issuer": "Chủ tịch UBND tỉnh Demo"}


def test_every_shipped_procedure_round_trips_through_the_editor(demo, tmp_path):
    editor, approver = ApiClient("catalog_editor"), ApiClient("catalog_approver")
    edited: dict[str, dict] = {}
    for name, shipped in DEFINITIONS.items():
        definition = copy.deepcopy(shipped)
        definition["legal_basis"] = [*definition.get("legal_basis", []), "Quyết định 77/QĐ-UBND (thử nghiệm)"]
        r = editor.post("/catalog/drafts", definition)
        assert r.status_code == 201 and r.json()["problems"] == [], (name, r.content)
        draft_id = r.json()["id"]
        assert editor.post(f"/catalog/drafts/{draft_id}/submit").status_code == 200, name
        r = approver.post(f"/catalog/drafts/{draft_id}/publish", {"decision": DECISION})
        assert r.status_code == 200, (name, r.content)
        assert r.json()["version"] == Procedure.objects.get(code=shipped["code"]).current.number
        edited[shipped["code"]] = definition
    assert len(edited) == len(DEFINITIONS) >= 16

    out = tmp_path / "export"
    call_command("catalog", "export", str(out))
    # It validates (against the catalog exported with it) …
    definitions, reports = check_files([out])
    assert reports == []
    # … holds exactly what was published …
    by_code = {d.data["code"]: d for d in definitions}
    assert set(by_code) >= set(edited)
    for code, definition in edited.items():
        assert by_code[code].data == definition, code
        assert digest_of(by_code[code].data) == Procedure.objects.get(code=code).current.digest
    # … and re-imports to the same thing: no new version anywhere.
    outcomes = load_paths(definition_files([out]))
    assert outcomes and not [o.procedure.code for o in outcomes if o.created]
    # The shipped files read again at a start-up do not undo what the approver published.
    from django.conf import settings

    outcomes = load_paths([settings.PROCEDURES_DIR])
    assert not [o.procedure.code for o in outcomes if o.created]
    for code, definition in edited.items():
        assert Procedure.objects.get(code=code).current.definition == definition


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buffer.getvalue()


def _new(code: str) -> str:
    d = copy.deepcopy(DEFINITIONS["1.001193-dang-ky-khai-sinh.yaml"])
    d["code"] = code
    return yaml.safe_dump(d, allow_unicode=True, sort_keys=False)


def test_bulk_import_of_a_zip_reports_each_file(demo, tmp_path, capsys):
    broken = yaml.safe_load(_new("1.999102"))
    broken["workflow"]["steps"][0]["role"] = "clerk"
    files = {"a/1.999101.yaml": _new("1.999101"), "b/1.999102.yaml": yaml.safe_dump(broken, allow_unicode=True),
             "c/not-yaml.yaml": "code: [unclosed", "README.txt": "not a procedure"}
    path = tmp_path / "bulk.zip"
    path.write_bytes(_zip(files))
    # The CLI: all or nothing, one line per file.
    with pytest.raises(Exception, match="2 of 3 file"):
        call_command("catalog", "import", str(path))
    err = capsys.readouterr().err
    assert "b/1.999102.yaml: refused" in err and "workflow/steps/0/role" in err and "c/not-yaml.yaml: refused" in err
    assert not Procedure.objects.filter(code__in=["1.999101", "1.999102"]).exists()
    good = tmp_path / "good.zip"
    good.write_bytes(_zip({"x/1.999101.yaml": _new("1.999101"), "x/1.999103.yaml": _new("1.999103")}))
    call_command("catalog", "import", str(good))
    out = capsys.readouterr().out
    assert "x/1.999101.yaml: ok 1.999101 v1 new version" in out and "2 file(s) imported" in out
    # The API: a draft per readable file, a row per file.
    editor = ApiClient("catalog_editor")
    r = editor.client.post("/api/v1/catalog/imports", {"file": io.BytesIO(_zip(files))}, headers=editor.headers)
    assert r.status_code == 200, r.content
    rows = {row["file"]: row for row in r.json()}
    assert set(rows) == {"a/1.999101.yaml", "b/1.999102.yaml", "c/not-yaml.yaml"}
    assert rows["a/1.999101.yaml"]["ok"] and rows["a/1.999101.yaml"]["problems"] == []
    assert rows["b/1.999102.yaml"]["ok"] and rows["b/1.999102.yaml"]["problems"][0]["path"] == "workflow/steps/0/role"
    assert not rows["c/not-yaml.yaml"]["ok"]
    r = editor.client.post("/api/v1/catalog/imports", {"file": io.BytesIO(b"not a zip")}, headers=editor.headers)
    assert r.status_code == 422 and r.json()["code"] == "not_a_zip"
    citizen = ApiClient("citizen")
    r = citizen.client.post("/api/v1/catalog/imports", {"file": io.BytesIO(_zip(files))}, headers=citizen.headers)
    assert r.status_code == 403
