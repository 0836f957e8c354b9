"""The published procedure format: every bad definition is refused with file, line, field and reason.

Each case writes a small broken copy of a shipped definition and checks that
`catalog validate` names the file, the line of the offending key (found in the
text the case wrote), the field path and the reason; that `catalog import`
refuses it and writes nothing, even beside valid changed files; and that the
`motcua` console script exits non-zero on it. Then the pieces the checks rely
on: conditions, fee quotes, and the folding that search uses.
"""

from __future__ import annotations

import copy
import io
import os
import re
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from motcua.catalog.fees import quote, standard_amount
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.lib.conditions import ConditionError, evaluate, fields_of
from motcua.lib.text import fold

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())  # wherever the module sits
PROCEDURES = ROOT / "procedures"
RECORD = "3.000333-phieu-ly-lich-tu-phap.yaml"
BIRTH = "1.001193-dang-ky-khai-sinh.yaml"
RESIDENCE = "1.004222-dang-ky-thuong-tru.yaml"
BUNDLE = "3.000722-lien-thong-khai-sinh-thuong-tru-bhyt.yaml"
COPY = "2.000815-chung-thuc-ban-sao-tu-ban-chinh.yaml"
MOTCUA = ROOT / ".venv" / "bin" / "motcua"


def shipped(name: str) -> dict:
    return yaml.safe_load((PROCEDURES / name).read_text(encoding="utf-8"))


def dump(definition: dict) -> str:
    # Block style: every key on its own line, so a report one line off is caught.
    return yaml.safe_dump(definition, allow_unicode=True, sort_keys=False, width=1000)


def line_no(text: str, *needles: str) -> int:
    """The 1-based line holding the last needle, searched after the line of the one before it.

    The first needle must be on exactly one line: the expected line is never a guess.
    """
    lines = text.splitlines()
    first = [i for i, line in enumerate(lines) if needles[0] in line]
    assert len(first) == 1, f"{needles[0]!r} is on lines {[i + 1 for i in first]}"
    at = first[0]
    for needle in needles[1:]:
        at = next(i for i in range(at + 1, len(lines)) if needle in lines[i])
    return at + 1


def exact_line(text: str, line: str) -> int:
    found = [i + 1 for i, candidate in enumerate(text.splitlines()) if candidate == line]
    assert len(found) == 1, f"{line!r} is on lines {found}"
    return found[0]


def steps(d: dict) -> list[dict]:
    return d["workflow"]["steps"]


@dataclass(frozen=True)
class Bad:
    """A broken copy of a shipped definition and what `validate` must say about it."""

    id: str
    source: str
    path: str  # the field path of the report
    message: str  # a regular expression the report's message must match
    change: Callable[[dict], None] | None = None  # applied to the loaded definition, then dumped
    edit: Callable[[str], str] | None = None  # or: applied to the shipped text itself
    needles: tuple[str, ...] = ()  # where the offending key is (see line_no)
    line: str | None = None  # or: the exact text of its line

    def write(self, directory: Path) -> tuple[Path, int]:
        if self.edit is not None:
            text = self.edit((PROCEDURES / self.source).read_text(encoding="utf-8"))
        else:
            definition = copy.deepcopy(shipped(self.source))
            assert self.change is not None
            self.change(definition)
            text = dump(definition)
        path = directory / self.source
        path.write_text(text, encoding="utf-8")
        line = exact_line(text, self.line) if self.line is not None else line_no(text, *self.needles)
        return path, line


def _replace_once(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        return text.replace(old, new)

    return edit


def _add_step(d: dict, step_id: str, **step: object) -> None:
    steps(d).append({"id": step_id, "name": {"vi": "Bước thêm", "en": "Extra step"}, "role": "specialist", "days": 1, **step})


def _form_field(d: dict, name: str, **schema: object) -> None:
    d["form"]["properties"][name] = schema


BAD = [
    Bad("unknown role", RECORD, "workflow/steps/1/role", r"unknown role 'chief_of_everything'; known: .*specialist",
        change=lambda d: steps(d)[1].update(role="chief_of_everything"), needles=("role: chief_of_everything",)),
    Bad("unknown signer role", RECORD, "result/signer_role", r"unknown role 'king'",
        change=lambda d: d["result"].update(signer_role="king"), needles=("signer_role: king",)),
    Bad("unknown unit kind", RECORD, "workflow/steps/1/unit/kind", r"unknown unit kind 'palace'",
        change=lambda d: steps(d)[1].update(unit={"kind": "palace"}), needles=("kind: palace",)),
    Bad("unknown agency of a step's unit", RECORD, "workflow/steps/2/unit/agency", r"unknown agency 'navy'",
        change=lambda d: steps(d)[2].update(unit={"kind": "department", "agency": "navy"}), needles=("agency: navy",)),
    Bad("unknown step in after", RECORD, "workflow/steps/2/after/1", r"unknown step 'inspection'",
        change=lambda d: steps(d)[2].update(after=["lookup", "inspection"]), needles=("- inspection",)),
    Bad("unknown step as the only one in after", RECORD, "workflow/steps/2/after/0", r"unknown step 'inspection'",
        change=lambda d: steps(d)[2].update(after=["inspection"]), needles=("- inspection",)),
    Bad("a step after itself", RECORD, "workflow/steps/1/after/1", r"cannot come after itself",
        change=lambda d: steps(d)[1].update(after=["receive", "lookup"]), needles=("- id: lookup", "- lookup")),
    Bad("unknown document type of a component source", RECORD, "components/0/sources/0/vault",
        r"unknown document type 'royal_charter'",
        change=lambda d: d["components"][0]["sources"][0].update(vault="royal_charter"), needles=("vault: royal_charter",)),
    Bad("unknown result document type", RECORD, "result/document_type", r"unknown document type 'royal_charter'",
        change=lambda d: d["result"].update(document_type="royal_charter"), needles=("document_type: royal_charter",)),
    Bad("unknown registry of a component source", RESIDENCE, "components/2/sources/0/registry",
        r"unknown registry 'tax_office'",
        change=lambda d: d["components"][2]["sources"][0].update(registry="tax_office"), needles=("registry: tax_office",)),
    Bad("unknown registry of a prefill", BUNDLE, "form_ui/prefill/health_facility", r"unknown registry 'tax_office'",
        change=lambda d: d["form_ui"]["prefill"].update(health_facility="tax_office.full_name"),
        needles=("health_facility: tax_office.full_name",)),
    Bad("unknown registry of a conditional prefill", BUNDLE, "form_ui/prefill/residence_address", r"unknown registry 'tax_office'",
        change=lambda d: d["form_ui"]["prefill"]["residence_address"].update({"from": "tax_office.full_name"}),
        needles=("prefill:", "residence_address:")),
    Bad("a conditional prefill on an unknown field", BUNDLE, "form_ui/prefill/residence_address/when",
        r"the condition reads field 'applicant_role', which the form does not have",
        change=lambda d: d["form_ui"]["prefill"]["residence_address"].update(when={"field": "applicant_role", "equals": "cha"}),
        needles=("prefill:", "residence_address:", "when:")),
    Bad("a people block asked before its relation", BIRTH, "form_ui/people/blocks/0/fields/mother_name",
        r"the relation field 'relationship' must be asked in a section before field 'mother_name'",
        change=lambda d: (d["form_ui"]["sections"][0]["fields"].remove("relationship"),
                          d["form_ui"]["sections"][1]["fields"].append("relationship"),
                          d["form_ui"]["people"]["blocks"].pop()),
        needles=("people:", "mother_name:")),
    Bad("a people block for a relation the form cannot take", BIRTH, "form_ui/people/blocks/1/as/chu",
        r"'chu' is not a value of field 'relationship'",
        change=lambda d: d["form_ui"]["people"]["blocks"][1]["as"].update(chu="self"),
        needles=("people:", "- id: father", "chu:")),
    Bad("a derived field counting days from a text", BIRTH, "form_ui/derived/registration_timing/days_since",
        r"'days_since' must be a date field \(format: date\); 'child_name' is not",
        change=lambda d: d["form_ui"]["derived"]["registration_timing"].update(days_since="child_name"),
        needles=("derived:", "registration_timing:", "days_since:")),
    Bad("no end step", RECORD, "workflow/steps", r"no step is marked 'end: true'",
        change=lambda d: steps(d)[-1].pop("end"), line="  steps:"),
    Bad("a step with no way to an end", RECORD, "workflow/steps/4", r"step 'archive' has no way to an end step",
        change=lambda d: _add_step(d, "archive", after=["sign"]), needles=("- id: archive",)),
    Bad("a cycle", RECORD, "workflow/steps/1/after/1", r"wait for each other in a cycle",
        change=lambda d: steps(d)[1].update(after=["receive", "sign"]), needles=("- id: lookup", "- sign")),
    Bad("a cycle through every step", RECORD, "workflow/steps", r"every step waits for another",
        change=lambda d: steps(d)[0].update(after=["return"]), line="  steps:"),
    Bad("a step without days", RECORD, "workflow/steps/1", r"missing required key 'days'",
        change=lambda d: steps(d)[1].pop("days"), needles=("- id: lookup",)),
    Bad("a fee rule over a missing field", RECORD, "fees/rules/0/when",
        r"a fee rule reads field 'income', which the form does not have",
        change=lambda d: d["fees"]["rules"][0].update(when={"field": "income", "lt": 5000000}),
        needles=("- id: reduced", "when:")),
    Bad("a fee rule over a missing field, deep in any/not", RECORD, "fees/rules/0/when",
        r"a fee rule reads field 'income', which the form does not have",
        change=lambda d: d["fees"]["rules"][0].update(
            when={"any": [{"field": "applicant_group", "in": ["hoc_sinh_sinh_vien"]}, {"not": {"field": "income", "gt": 0}}]}
        ),
        needles=("- id: reduced", "when:")),
    Bad("a fee extra per a missing field", RECORD, "fees/extras/0/per",
        r"a fee rule reads field 'pages', which the form does not have",
        change=lambda d: d["fees"]["extras"][0].update(per="pages"), needles=("per: pages",)),
    Bad("a fee extra per a text field", RECORD, "fees/extras/0/per", r"'per' must name an integer field or a repeating group; 'purpose' is neither",
        change=lambda d: d["fees"]["extras"][0].update(per="purpose"), needles=("per: purpose",)),
    Bad("fees times a text field", COPY, "fees/times", r"'times' must name an integer field or a repeating group; 'document_title' is neither",
        change=lambda d: d["fees"].update(times="document_title"), needles=("times: document_title",)),
    Bad("fees times a missing field", COPY, "fees/times", r"a fee rule reads field 'sheets', which the form does not have",
        change=lambda d: d["fees"].update(times="sheets"), needles=("times: sheets",)),
    Bad("a negative fee cap", COPY, "fees/cap", r"is below the minimum 0",
        change=lambda d: d["fees"].update(cap=-1), needles=("cap: -1",)),
    Bad("a fee extra when over a missing field", BIRTH, "fees/extras/0/when",
        r"a fee rule reads field 'express', which the form does not have",
        change=lambda d: d["fees"]["extras"][0].update(when={"field": "express", "equals": True}),
        needles=("- id: extract_copies", "when:")),
    Bad("a component condition over a missing field", RECORD, "components/0/when",
        r"the condition reads field 'agent', which the form does not have",
        change=lambda d: d["components"][0].update(when={"field": "agent", "present": True}),
        needles=("- key: authorization", "when:")),
    Bad("a step condition over a missing field", RECORD, "workflow/steps/1/when",
        r"the condition reads field 'risky', which the form does not have",
        change=lambda d: steps(d)[1].update(when={"field": "risky", "equals": True}), needles=("- id: lookup", "when:")),
    Bad("a choice's titles split at a comma", BIRTH, "form/properties/relationship/x-enum-titles/vi",
        r"6 titles for 5 options \(put a title with a comma in quotes\)",
        edit=_replace_once("        vi: [Cha, Mẹ, Ông/bà, Anh/chị/em, Người khác]\n", "        vi: [Cha, Mẹ, Ông, bà, Anh/chị/em, Người khác]\n"),
        needles=("vi: [Cha, Mẹ, Ông, bà",)),
    Bad("form_ui section naming a missing field", BIRTH, "form_ui/sections/1/fields/3",
        r"unknown form field 'grandmother_name'",
        change=lambda d: d["form_ui"]["sections"][1]["fields"].append("grandmother_name"), needles=("- grandmother_name",)),
    Bad("form_ui help for a missing field", BIRTH, "form_ui/help/nickname", r"unknown form field 'nickname'",
        change=lambda d: d["form_ui"]["help"].update(nickname={"vi": "Tên gọi", "en": "Nickname"}), needles=("nickname:",)),
    Bad("result summary naming a missing field", RECORD, "result/summary_fields/2", r"unknown form field 'stamp'",
        change=lambda d: d["result"]["summary_fields"].append("stamp"), needles=("- stamp",)),
    Bad("longest step path over processing_days", RECORD, "workflow",
        r"the longest path through the steps takes 10 working days, more than processing_days \(8\)",
        # Without its alternative time (15 days when verification is needed), which the steps would fit.
        change=lambda d: (d.update(processing_days=8), d.pop("processing_times")), line="workflow:"),
    Bad("longest parallel branch over processing_days", BIRTH, "workflow",
        r"takes 1\.25 working days, more than processing_days \(1\)",
        # `verify` runs beside `check` (both after receive); `sign` waits for both: 0.25 + 0.5 + 0.25 + 0.25.
        change=lambda d: (
            _add_step(d, "verify", after=["receive"], days=0.5),
            steps(d)[2].update(after=["check", "verify"]),
        ),
        line="workflow:"),
    Bad("invalid YAML", RECORD, "(yaml)", r"not valid YAML: mapping values are not allowed (here|in this context)",
        edit=_replace_once("      role: specialist\n", "      role: specialist: senior\n"),
        needles=("role: specialist: senior",)),
    Bad("a key written twice", RECORD, "workflow/steps/1/days", r"the key days is written twice",
        edit=_replace_once("      days: 7\n", "      days: 7\n      days: 70\n"), needles=("days: 70",)),
    Bad("a value JSON cannot hold", RECORD, "form/properties/purpose/x-sample", r"is not JSON data",
        change=lambda d: d["form"]["properties"]["purpose"].update({"x-sample": b"\x00\x01"}), needles=("x-sample:",)),
    Bad("a code longer than the database holds", RECORD, "code", r"longer than 32 characters",
        change=lambda d: d.update(code="3.000333." + "x" * 30), needles=("code: 3.000333.xxx",)),
    Bad("an example that does not fit the form", RECORD, "example/copies",
        r"the example does not fit the form: 'many' is not of type integer",
        change=lambda d: d["example"].update(copies="many"), needles=("copies: many",)),
    Bad("an example without a required field", RECORD, "example", r"the example does not fit the form: missing required key 'purpose'",
        change=lambda d: d["example"].pop("purpose"), line="example:"),
    Bad("a property the format does not have", RECORD, "workflow/steps/1",
        r"the key 'deadline' is not part of the format",
        change=lambda d: steps(d)[1].update(deadline=7), needles=("- id: lookup",)),
]


def _report_pattern(path: Path, line: int, bad: Bad, message: str | None = None) -> re.Pattern[str]:
    reason = bad.message if message is None else message
    return re.compile(rf"^{re.escape(str(path))}:{line}: {re.escape(bad.path)}: .*{reason}", re.MULTILINE)


@pytest.fixture(autouse=True)
def english():
    """The reports are read in English here; Vietnamese (the default) is checked on its own below."""
    with translation.override("en"):
        yield


@pytest.fixture
def catalog(demo) -> None:
    """The shipped procedures as imported (the demo, loaded once per session, imported them all)."""


def catalog_rows() -> tuple[int, int, list[tuple[str, int]]]:
    current = sorted(Procedure.objects.values_list("code", "current__number"))
    return Procedure.objects.count(), ProcedureVersion.objects.count(), current


def _validate(*paths: Path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match=r"problem\(s\) in \d+ file\(s\)"):
        call_command("catalog", "validate", *map(str, paths), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize("bad", BAD, ids=lambda b: b.id)
def test_validate_names_file_line_field_and_reason(tmp_path, bad):
    path, line = bad.write(tmp_path)
    _, err = _validate(path)
    assert _report_pattern(path, line, bad).search(err), f"expected {path}:{line}: {bad.path}: …{bad.message}\ngot:\n{err}"
    # One mistake, one report: no noise a reader has to see through.
    assert len([r for r in err.splitlines() if r.startswith(f"{path}:")]) == 1, err


def _valid_change_of_another(directory: Path, broken: str) -> Path:
    """A valid, changed copy of a shipped definition other than the broken one."""
    other = RESIDENCE if broken == BIRTH else BIRTH
    definition = shipped(other)
    definition["name"]["en"] += " (revised)"
    path = directory / other
    path.write_text(dump(definition), encoding="utf-8")
    return path


@pytest.mark.parametrize("bad", BAD, ids=lambda b: b.id)
def test_import_refuses_and_writes_nothing(catalog, tmp_path, bad):
    before = catalog_rows()
    broken_dir, mixed_dir = tmp_path / "broken", tmp_path / "mixed"
    broken_dir.mkdir()
    mixed_dir.mkdir()
    path, line = bad.write(broken_dir)
    with pytest.raises(CommandError, match=rf"(?s){re.escape(str(path))}:{line}: .*nothing was loaded"):
        call_command("catalog", "import", str(path), stdout=io.StringIO())
    assert catalog_rows() == before

    # Beside a valid changed definition (which alone would make a new version): still nothing.
    changed = _valid_change_of_another(mixed_dir, bad.source)
    bad.write(mixed_dir)
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("catalog", "import", str(mixed_dir), stdout=io.StringIO())
    assert catalog_rows() == before
    out = io.StringIO()
    call_command("catalog", "import", str(changed), stdout=out)
    assert out.getvalue().strip().endswith("v2 new version")


def _duplicate_code_dir(directory: Path) -> tuple[Path, Path, int]:
    text = (PROCEDURES / RECORD).read_text(encoding="utf-8")
    first, second = directory / "a-record.yaml", directory / "b-record-copy.yaml"
    first.write_text(text, encoding="utf-8")
    second.write_text(text.replace("en: Criminal record certificate No. 1\n", "en: Criminal record (copy)\n", 1), encoding="utf-8")
    # The line of `code:` (the file opens with a comment: not line 1).
    line = line_no(text, 'code: "3.000333"')
    assert line > 1
    return first, second, line


def test_a_code_defined_in_two_files_is_refused_at_the_second(catalog, tmp_path):
    first, second, line = _duplicate_code_dir(tmp_path)
    _, err = _validate(tmp_path)
    assert re.search(rf"^{re.escape(str(second))}:{line}: code: procedure 3\.000333 is also defined in {re.escape(str(first))}$",
                     err, re.MULTILINE), err
    assert str(first) + ":" not in err  # the first definition is sound
    before = catalog_rows()
    _valid_change_of_another(tmp_path, RECORD)
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("catalog", "import", str(tmp_path), stdout=io.StringIO())
    assert catalog_rows() == before


@pytest.mark.parametrize(
    ("case_id", "vietnamese", "bengali"),
    [
        ("unknown role", r"vai trò 'chief_of_everything' không có", r"অজানা ভূমিকা 'chief_of_everything'"),
        ("a step without days", r"thiếu khóa bắt buộc 'days'", r"আবশ্যক কী 'days' নেই"),
        ("invalid YAML", r"không phải YAML hợp lệ: mapping values are not allowed", r"বৈধ YAML নয়"),
        ("a cycle", r"các bước chờ nhau thành vòng lặp", r"চক্রাকারে"),
    ],
)
def test_reports_speak_the_reader_language(tmp_path, case_id, vietnamese, bengali):
    bad = next(b for b in BAD if b.id == case_id)
    path, line = bad.write(tmp_path)
    for language, reason in (("vi", vietnamese), ("bn", bengali)):
        with translation.override(language):
            _, err = _validate(path)
        assert _report_pattern(path, line, bad, reason).search(err), err
    # The YAML parser's own name for its input is not shown to an author.
    assert "<unicode string>" not in err


def test_validate_reports_every_problem_of_every_file(tmp_path):
    record = shipped(RECORD)
    steps(record)[1]["role"] = "boss"
    record["components"][0]["sources"][0]["vault"] = "royal_charter"
    record["result"]["document_type"] = "royal_charter"
    (tmp_path / RECORD).write_text(dump(record), encoding="utf-8")
    birth = shipped(BIRTH)
    birth["form_ui"]["sections"][0]["fields"].append("ghost")
    (tmp_path / BIRTH).write_text(dump(birth), encoding="utf-8")
    (tmp_path / "ok.yaml").write_text(dump(shipped(RESIDENCE)), encoding="utf-8")
    _, err = _validate(tmp_path)
    reports = err.splitlines()
    assert [r.split(": ", 2)[1] for r in reports] == [
        "form_ui/sections/0/fields/6",
        "components/0/sources/0/vault",
        "workflow/steps/1/role",
        "result/document_type",
    ], err
    assert all(re.match(rf"{re.escape(str(tmp_path))}/[^:]+\.yaml:\d+: ", r) for r in reports), err


@pytest.mark.parametrize("path", sorted(PROCEDURES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_procedure_validates(path):
    out, err = io.StringIO(), io.StringIO()
    call_command("catalog", "validate", str(path), stdout=out, stderr=err)
    assert err.getvalue() == "" and out.getvalue().strip() == "1 definition(s) valid"
    # Its example is a dossier the fee rules can price.
    definition = yaml.safe_load(path.read_text(encoding="utf-8"))
    for channel in (1, 2, 3):
        assert quote(definition.get("fees"), definition.get("example", {}), {"channel": channel}).total >= 0


def test_an_unquoted_date_is_text_not_a_crash(catalog, tmp_path):
    # yaml.safe_load makes a date of it, which passed `validate` and crashed `import` (not JSON).
    birth = (PROCEDURES / BIRTH).read_text(encoding="utf-8")
    text = _replace_once('  child_birth_date: "2026-11-20"\n', "  child_birth_date: 2026-11-20\n")(birth)
    text = _replace_once("      format: date\n", "      format: date\n      default: 2026-01-01\n")(text)
    path = tmp_path / BIRTH
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("catalog", "import", str(path), stdout=out)
    assert out.getvalue().strip() == "1.001193 v2 new version"
    definition = Procedure.objects.get(code="1.001193").current.definition
    assert definition["example"]["child_birth_date"] == "2026-11-20"
    assert definition["form"]["properties"]["child_birth_date"]["default"] == "2026-01-01"


# --- the console script -------------------------------------------------------------------------


def _motcua(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    script = MOTCUA if MOTCUA.exists() else Path(sys.executable).parent / "motcua"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "MOTCUA_VAR_DIR": str(tmp_path / "var"),
    }
    return subprocess.run(  # noqa: S603 - the project's own console script
        [str(script), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )


def test_console_script_exit_status(tmp_path):
    shipped_files = sorted(PROCEDURES.glob("*.yaml"))
    good = _motcua(tmp_path, "catalog", "validate", str(PROCEDURES))
    assert good.returncode == 0, good.stderr
    assert good.stdout.strip() == f"{len(shipped_files)} definition(s) valid"
    assert _motcua(tmp_path, "catalog", "validate").returncode == 0  # PROCEDURES_DIR by default

    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    role, no_days = BAD[0], next(b for b in BAD if b.id == "a step without days")
    role_path, role_line = role.write(bad_dir)
    # The console speaks the default language, Vietnamese.
    role_vi, no_days_vi = r"vai trò 'chief_of_everything' không có; các vai trò có: .*specialist", r"thiếu khóa bắt buộc 'days'"
    days_dir = tmp_path / "bad2"
    days_dir.mkdir()
    days_path, days_line = no_days.write(days_dir)
    done = _motcua(tmp_path, "catalog", "validate", str(PROCEDURES), str(role_path), str(days_path))
    assert done.returncode != 0
    assert _report_pattern(role_path, role_line, role, role_vi).search(done.stderr), done.stderr
    assert _report_pattern(days_path, days_line, no_days, no_days_vi).search(done.stderr), done.stderr
    assert f"2 problem(s) in {len(shipped_files) + 2} file(s)" in done.stderr

    missing = _motcua(tmp_path, "catalog", "validate", str(tmp_path / "nowhere.yaml"))
    assert missing.returncode != 0 and "nowhere.yaml" in missing.stderr


# --- conditions ---------------------------------------------------------------------------------

DATA = {"group": "student", "copies": 3, "note": "", "nothing": None, "flag": True, "count": 0, "ratio": 0.5}


@pytest.mark.parametrize(
    ("condition", "data", "context", "holds"),
    [
        (None, {}, None, True),
        ({"field": "group", "equals": "student"}, DATA, None, True),
        ({"field": "group", "equals": "Student"}, DATA, None, False),
        ({"field": "group", "not_equals": "student"}, DATA, None, False),
        ({"field": "group", "in": ["student", "veteran"]}, DATA, None, True),
        ({"field": "group", "in": []}, DATA, None, False),
        ({"field": "group", "not_in": ["veteran"]}, DATA, None, True),
        ({"field": "copies", "gt": 2}, DATA, None, True),
        ({"field": "copies", "gt": 3}, DATA, None, False),
        ({"field": "copies", "gte": 3}, DATA, None, True),
        ({"field": "copies", "lt": 3}, DATA, None, False),
        ({"field": "copies", "lte": 3}, DATA, None, True),
        ({"field": "ratio", "lt": 1}, DATA, None, True),
        ({"field": "count", "equals": 0}, DATA, None, True),
        # Order is between numbers only: text is never "greater" than a number.
        ({"field": "group", "gt": 1}, DATA, None, False),
        ({"field": "group", "lte": 1}, DATA, None, False),
        # JSON equality: true is not 1, 0 is not false.
        ({"field": "flag", "equals": True}, DATA, None, True),
        ({"field": "flag", "equals": 1}, DATA, None, False),
        ({"field": "flag", "in": [1, 3]}, DATA, None, False),
        ({"field": "flag", "gte": 1}, DATA, None, False),
        ({"field": "count", "equals": False}, DATA, None, False),
        ({"field": "flag", "not_in": [1]}, DATA, None, True),
        # A missing field (or null) holds nothing but `not_in` and `present: false`.
        ({"field": "absent", "equals": "x"}, DATA, None, False),
        ({"field": "absent", "not_equals": "x"}, DATA, None, False),
        ({"field": "absent", "in": ["x"]}, DATA, None, False),
        ({"field": "absent", "gt": 0}, DATA, None, False),
        ({"field": "absent", "lt": 0}, DATA, None, False),
        ({"field": "absent", "not_in": ["x"]}, DATA, None, True),
        ({"field": "nothing", "equals": None}, DATA, None, False),
        ({"field": "absent", "present": False}, DATA, None, True),
        ({"field": "absent", "present": True}, DATA, None, False),
        ({"field": "note", "present": True}, DATA, None, False),  # empty text is not an answer
        ({"field": "nothing", "present": False}, DATA, None, True),
        ({"field": "count", "present": True}, DATA, None, True),  # 0 is an answer
        ({"field": "flag", "present": True}, DATA, None, True),
        # $channel comes from the context: 1 in person, 2 online, 3 post.
        ({"field": "$channel", "in": [1, 3]}, {}, {"channel": 1}, True),
        ({"field": "$channel", "in": [1, 3]}, {}, {"channel": 2}, False),
        ({"field": "$channel", "equals": 2}, {}, {"channel": 2}, True),
        ({"field": "$channel", "in": [1, 3]}, {}, None, False),
        ({"field": "$channel", "not_in": [1, 3]}, {}, None, True),
        # …never from the form, even if the form has a field of that name.
        ({"field": "$channel", "equals": 1}, {"channel": 1, "$channel": 1}, {}, False),
        ({"field": "channel", "equals": 1}, {"channel": 1}, {"channel": 2}, True),
        # all / any / not, nested.
        ({"all": [{"field": "group", "equals": "student"}, {"field": "copies", "gte": 3}]}, DATA, None, True),
        ({"all": [{"field": "group", "equals": "student"}, {"field": "copies", "gt": 3}]}, DATA, None, False),
        ({"any": [{"field": "group", "equals": "veteran"}, {"field": "copies", "gt": 3}]}, DATA, None, False),
        ({"any": [{"field": "group", "equals": "veteran"}, {"field": "copies", "gte": 3}]}, DATA, None, True),
        ({"not": {"field": "group", "equals": "student"}}, DATA, None, False),
        ({"not": {"field": "absent", "equals": "x"}}, DATA, None, True),
        ({"not": {"not": {"field": "flag", "equals": True}}}, DATA, None, True),
        (
            {"all": [{"any": [{"field": "$channel", "equals": 2}, {"field": "group", "in": ["veteran"]}]},
                     {"not": {"field": "copies", "lt": 2}}]},
            DATA, {"channel": 2}, True,
        ),
        (
            {"all": [{"any": [{"field": "$channel", "equals": 2}, {"field": "group", "in": ["veteran"]}]},
                     {"not": {"field": "copies", "lt": 2}}]},
            DATA, {"channel": 1}, False,
        ),
    ],
)
def test_conditions(condition, data, context, holds):
    assert evaluate(condition, data, context) is holds


@pytest.mark.parametrize(
    "condition",
    [{}, {"field": "group"}, {"field": "group", "equals": "a", "in": ["a"]}, {"field": 3, "equals": 3}, {"equal": 1}],
)
def test_a_malformed_condition_is_an_error_not_an_answer(condition):
    with pytest.raises(ConditionError):
        evaluate(condition, DATA)


def test_fields_of_names_every_field_a_condition_reads():
    condition = {
        "all": [
            {"any": [{"field": "$channel", "equals": 2}, {"field": "group", "in": ["x"]}]},
            {"not": {"field": "copies", "lt": 2}},
            {"field": "note", "present": True},
        ]
    }
    assert sorted(fields_of(condition)) == ["$channel", "copies", "group", "note"]
    assert list(fields_of(None)) == []


# --- fee quotes on the shipped definitions -----------------------------------------------------


def _record(group: str = "thong_thuong", copies: int | str | None = 1) -> dict:
    data = {"purpose": "Xin việc", "residences": "Xã An Bình", "applicant_group": group, "requested_by": "ban_than"}
    if copies is not None:
        data["copies"] = copies
    return data


@pytest.mark.parametrize(
    ("data", "total", "lines"),
    [
        (_record(copies=1), 200_000, ["standard"]),
        (_record(copies=2), 200_000, ["standard"]),
        (_record(copies=3), 205_000, ["standard", "extra_copies"]),
        (_record(copies=10), 240_000, ["standard", "extra_copies"]),
        (_record("hoc_sinh_sinh_vien", 1), 100_000, ["reduced"]),
        (_record("hoc_sinh_sinh_vien", 4), 110_000, ["reduced", "extra_copies"]),
        (_record("nguoi_co_cong", 2), 100_000, ["reduced"]),
        (_record("than_nhan_liet_si", 3), 105_000, ["reduced", "extra_copies"]),
        (_record(copies=None), 200_000, ["standard"]),  # no count, nothing extra
        (_record(copies="5"), 200_000, ["standard"]),  # not an integer: not counted
    ],
)
def test_criminal_record_fee(data, total, lines):
    definition = shipped(RECORD)
    assert definition["code"] == "3.000333"
    got = quote(definition["fees"], data, {"channel": 2})
    assert got.total == total
    assert [line.rule for line in got.lines] == lines
    assert sum(line.amount for line in got.lines) == total
    assert all(line.label["vi"] and line.label["en"] for line in got.lines)
    assert standard_amount(definition["fees"]) == 200_000


def _residence(group: str) -> dict:
    return {"new_address": "Số 12 đường Lê Lợi", "residence_basis": "so_huu", "applicant_group": group}


@pytest.mark.parametrize(
    ("group", "channel", "total", "rule"),
    [
        ("thong_thuong", 1, 20_000, "in_person"),
        ("thong_thuong", 3, 20_000, "in_person"),  # by post: not online
        ("thong_thuong", 2, 10_000, "online"),
        ("thong_thuong", None, 10_000, "online"),  # no channel known: the rule without `when`
        ("tre_em", 1, 0, "exempt"),
        ("tre_em", 2, 0, "exempt"),
        ("nguoi_co_cong", 1, 0, "exempt"),
        ("ho_ngheo", 3, 0, "exempt"),
    ],
)
def test_residence_fee_depends_on_the_channel(group, channel, total, rule):
    definition = shipped(RESIDENCE)
    assert definition["code"] == "1.004222"
    context = {"channel": channel} if channel is not None else None
    got = quote(definition["fees"], _residence(group), context)
    assert (got.total, [line.rule for line in got.lines]) == (total, [rule])
    assert standard_amount(definition["fees"]) == 10_000


@pytest.mark.parametrize(
    ("pages", "copies", "total", "lines"),
    [
        (1, 1, 2_000, [("one_page", 2_000)]),
        (5, 1, 7_000, [("first_two_pages", 4_000), ("from_third_page", 3_000)]),
        (5, 2, 14_000, [("first_two_pages", 8_000), ("from_third_page", 6_000)]),
        # 4,000 + 196 × 1,000 = 200,000: exactly the cap, no cap line.
        (198, 1, 200_000, [("first_two_pages", 4_000), ("from_third_page", 196_000)]),
        # 4,000 + 298,000 = 302,000 per copy, capped at 200,000 — then per copy.
        (300, 1, 200_000, [("first_two_pages", 4_000), ("from_third_page", 298_000), ("cap", -102_000)]),
        (300, 3, 600_000, [("first_two_pages", 12_000), ("from_third_page", 894_000), ("cap", -306_000)]),
        (5, 0, 0, [("first_two_pages", 0), ("from_third_page", 0)]),
        (5, "2", 7_000, [("first_two_pages", 4_000), ("from_third_page", 3_000)]),  # not an integer: once
        (5, True, 7_000, [("first_two_pages", 4_000), ("from_third_page", 3_000)]),  # a boolean is no count
    ],
)
def test_certified_copy_fee_is_capped_per_copy_and_charged_per_copy(pages, copies, total, lines):
    definition = shipped(COPY)
    assert definition["code"] == "2.000815"
    got = quote(definition["fees"], {"pages": pages, "copies": copies}, {"channel": 2})
    assert got.total == total
    assert [(line.rule, line.amount) for line in got.lines] == lines
    assert sum(line.amount for line in got.lines) == total
    assert all(line.label["vi"] and line.label["en"] for line in got.lines)


def test_no_fees_costs_nothing():
    assert quote(None, {}).total == 0 and quote({}, {}).lines == ()
    assert standard_amount(None) == 0


# --- folding for search -------------------------------------------------------------------------

PAIRS = [
    ("Đăng ký khai sinh", "dang ky khai sinh"),
    ("Cấp Phiếu lý lịch tư pháp số 1", "cap phieu ly lich tu phap so 1"),
    ("Xác nhận tình trạng hôn nhân", "xac nhan tinh trang hon nhan"),
    ("Đăng ký thường trú", "dang ky thuong tru"),
    ("Giấy phép xây dựng", "giay phep xay dung"),
    ("Hộ chiếu phổ thông", "ho chieu pho thong"),
    ("Trợ cấp thất nghiệp", "tro cap that nghiep"),
    ("Chứng thực bản sao từ bản chính", "chung thuc ban sao tu ban chinh"),
    ("Ủy ban nhân dân phường Hòa Thuận", "uy ban nhan dan phuong hoa thuan"),
    ("Sở Nông nghiệp và Môi trường", "so nong nghiep va moi truong"),
    ("Thẻ bảo hiểm y tế", "the bao hiem y te"),
    ("Người được ủy quyền", "nguoi duoc uy quyen"),
    ("àáảãạ ằắẳẵặ ầấẩẫậ èéẻẽẹ ềếểễệ", "aaaaa aaaaa aaaaa eeeee eeeee"),
    ("ìíỉĩị òóỏõọ ồốổỗộ ờớởỡợ", "iiiii ooooo ooooo ooooo"),
    ("ùúủũụ ừứửữự ỳýỷỹỵ đĐ", "uuuuu uuuuu yyyyy dd"),
]


def test_fold_examples():
    assert fold("Đăng ký  Khai sinh") == "dang ky khai sinh"
    assert fold("  ĐĂNG\tKÝ\n") == "dang ky"
    assert fold("1.001193") == "1.001193"
    # Marks of other scripts are part of the spelling: Bengali keeps its vowel signs.
    assert fold("জন্ম নিবন্ধন") == "জন্ম নিবন্ধন"


@given(st.text())
def test_fold_is_idempotent(text):
    once = fold(text)
    assert fold(once) == once


@st.composite
def _spellings(draw) -> tuple[str, str, str]:
    """The same words written with diacritics and in ASCII, each in any case and spacing."""
    pairs = draw(st.lists(st.sampled_from(PAIRS), min_size=1, max_size=4))
    spaces = st.sampled_from([" ", "  ", "\t", " \n "])

    def recase(text: str) -> str:
        flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
        return "".join(c.upper() if up else c for c, up in zip(text, flips, strict=True))

    form = draw(st.sampled_from(["NFC", "NFD"]))
    vietnamese = draw(spaces).join(recase(unicodedata.normalize(form, vi)) for vi, _ in pairs)
    ascii_spelling = draw(spaces).join(recase(plain) for _, plain in pairs)
    return vietnamese, ascii_spelling, " ".join(plain for _, plain in pairs)


@given(_spellings())
def test_folding_vietnamese_equals_folding_its_ascii_spelling(spellings):
    vietnamese, ascii_spelling, expected = spellings
    assert fold(vietnamese) == fold(ascii_spelling) == expected
