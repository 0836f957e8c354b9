"""The vocabularies as data (catalog/*.yaml): checked like procedures, extended by an installation.

Adding a procedure never needs a code change: a document type, agency or registry it names is a
line in a catalog file, and an installation's own catalog directory (CATALOG_EXTRA_DIRS) adds to
the country's or replaces its entries. An unknown name is reported as `file:line: path: message`
with the known ones; a catalog file's own problems are reported the same way.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from motcua.catalog import vocab
from motcua.catalog.loader import DefinitionError, check_files, load_paths
from motcua.catalog.models import CatalogVersion, Procedure
from motcua.catalog.validate import problems

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
CATALOG = ROOT / "catalog"
PROCEDURES = ROOT / "procedures"
MARRIAGE = "1.004873-xac-nhan-tinh-trang-hon-nhan.yaml"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _new_procedure(directory: Path, document_type: str) -> Path:
    """A procedure written by an installation: the marital-status one, renumbered, with another result."""
    text = (PROCEDURES / MARRIAGE).read_text(encoding="utf-8")
    text = text.replace('code: "1.004873"', 'code: "1.099001"').replace(
        "document_type: marital_status_certificate", f"document_type: {document_type}"
    )
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "1.099001-ho-kinh-doanh.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def test_the_shipped_catalog_holds_today_s_vocabularies():
    v = vocab.current()
    assert v.levels == {"ministry", "province", "commune"}
    assert set(v.unit_kinds) == {"ministry", "province", "department", "commune", "one_stop"}
    assert set(v.roles) == vocab.PLATFORM_ROLES
    assert len(v.document_types) == 41 and "enterprise_registration_certificate" in v.document_types
    assert len(v.agencies) == 12 and len(v.registries) == 7
    assert set(v.programmes) == {"project-06"} and v.programmes["project-06"]["name"]["vi"].startswith("Đề án 06")
    # Who does the work (catalog/who.yaml): agencies that are not motcua users, kinds of teams.
    assert set(v.outside_agencies) == {"tax", "electricity", "exam_system"} and set(v.teams) == {"food_safety_inspection"}
    assert v.person_registries == {"population", "civil_status", "social_insurance", "driving_licence", "traffic_violations"}
    assert v.country["holidays"] == "VN" and v.currency["format"]["vi"] == "%(amount)s đồng"


def test_platform_roles_are_the_units_roles():
    from motcua.units.models import Role

    assert vocab.PLATFORM_ROLES == set(Role.values)


def test_an_unknown_result_document_type_is_reported_with_the_known_ones(tmp_path):
    path = _new_procedure(tmp_path / "procedures", "household_business_certificate")
    _definitions, reports = check_files([path])
    assert [str(r) for r in reports] == [
        f"{path}:{_line(path, 'document_type:')}: result/document_type: unknown document type "
        f"'household_business_certificate'; known: {vocab.known(vocab.current().document_types)}"
    ]


def test_an_installation_catalog_adds_a_document_type_without_code(db, tmp_path, settings):
    path = _new_procedure(tmp_path / "procedures", "household_business_certificate")
    extra = tmp_path / "catalog"
    extra.mkdir()
    (extra / "local.yaml").write_text(
        "catalog: 1\n"
        "document_types:\n"
        "  household_business_certificate: {name: {vi: Giấy chứng nhận đăng ký hộ kinh doanh, en: Household business certificate}}\n"
        "  # An entry of the country's catalog, renamed by this installation.\n"
        "  id_card: {name: {vi: Căn cước, en: Citizen identity card}}\n",
        encoding="utf-8",
    )
    settings.CATALOG_DIRS = [CATALOG, extra]
    v = vocab.current()
    assert "household_business_certificate" in v.document_types
    assert v.name("document_types", "id_card")["en"] == "Citizen identity card"
    assert "passport" in v.document_types  # the country's entries stay
    outcomes = load_paths([path])
    assert [o.procedure.code for o in outcomes] == ["1.099001"]
    # The catalog in force is recorded with the import, and exported with the procedures.
    recorded = CatalogVersion.objects.get()
    assert [f["name"] for f in recorded.files][-1] == "catalog-2/local.yaml"
    call_command("catalog", "export", str(tmp_path / "out"), stdout=io.StringIO())
    assert (tmp_path / "out" / "catalog-2" / "local.yaml").read_text(encoding="utf-8") == (extra / "local.yaml").read_text(encoding="utf-8")
    assert (tmp_path / "out" / "catalog" / "document_types.yaml").is_file()
    # Importing again with the same catalog records no new version.
    load_paths([path])
    assert CatalogVersion.objects.count() == 1


def test_validate_checks_procedures_against_the_catalog_given(tmp_path):
    # Another country's catalog on the command line is a whole catalog: Viet Nam's procedures name
    # what it does not have.
    path = tmp_path / MARRIAGE
    shutil.copy(PROCEDURES / MARRIAGE, path)
    _definitions, reports = check_files([ROOT / "countries" / "bd" / "catalog", path])
    where = {r.where for r in reports}
    assert {"code", "levels/0", "result/document_type"} <= where
    levels = next(r for r in reports if r.where == "levels/0")
    assert levels.message == "unknown level 'commune'; known: district, division, union, upazila"


# (case, text after `catalog: 1`, line, path, message)
BAD_CATALOGS = [
    ("currency", "country:\n  currency: XYZ\n", 3, "country/currency", "unknown currency 'XYZ'; known: VND"),
    ("holidays", "country:\n  holidays: QQ\n", 3, "country/holidays", "the holidays library has no calendar for 'QQ'"),
    ("time zone", "country:\n  time_zone: Mars/Olympus\n", 3, "country/time_zone", "unknown time zone 'Mars/Olympus'"),
    ("role", "roles:\n  clerk: {name: {vi: Văn thư, en: Clerk}}\n", 3, "roles/clerk",
     "unknown role 'clerk'; known: approver, catalog_approver, catalog_editor, monitor, one_stop_officer, specialist, unit_admin"),
    ("shape", "agencies:\n  Tax-Office: {name: {en: Tax}}\n", 2, "agencies", None),
    ("unknown section", "holidays: [2026-01-01]\n", 1, "(root)", "the key 'holidays' is not part of the format"),
]


@pytest.mark.parametrize(("case", "text", "line", "where", "message"), BAD_CATALOGS, ids=[c[0] for c in BAD_CATALOGS])
def test_a_catalog_file_s_problems_are_reported_where_they_are(tmp_path, case, text, line, where, message):
    catalog = tmp_path / "catalog"
    shutil.copytree(CATALOG, catalog)
    bad = catalog / "zz-local.yaml"
    bad.write_text("catalog: 1\n" + text, encoding="utf-8")
    _definitions, reports = check_files([catalog, PROCEDURES / MARRIAGE])
    assert reports, case
    report = reports[0]
    assert report.file == str(bad) and report.where == where, reports
    assert report.line == line, reports
    if message:
        assert report.message == message


def test_a_catalog_without_the_structural_kinds_is_refused(tmp_path):
    catalog = tmp_path / "catalog"
    shutil.copytree(CATALOG, catalog)
    units = yaml.safe_load((catalog / "units.yaml").read_text(encoding="utf-8"))
    del units["unit_kinds"]["one_stop"]
    (catalog / "units.yaml").write_text(yaml.safe_dump(units, allow_unicode=True), encoding="utf-8")
    _definitions, reports = check_files([catalog])
    assert [r.message for r in reports] == ["unit kind 'one_stop' is missing (every catalog needs it)"]


def test_prefill_names_a_registry_attribute_the_catalog_lists():
    definition = yaml.safe_load((PROCEDURES / "1.001456-cap-ho-chieu-pho-thong.yaml").read_text(encoding="utf-8"))
    field = next(iter(definition["form_ui"]["prefill"]))
    definition["form_ui"]["prefill"][field] = "population.shoe_size"
    found = [p for p in problems(definition) if p.path[:2] == ("form_ui", "prefill")]
    assert len(found) == 1 and found[0].message.startswith("registry population has no attribute 'shoe_size'; known: ")


def test_import_refuses_a_catalog_file_that_is_not_in_force(db, tmp_path):
    other = tmp_path / "catalog"
    shutil.copytree(CATALOG, other)
    with pytest.raises(DefinitionError) as refused:
        load_paths([other, PROCEDURES / MARRIAGE])
    assert all("outside CATALOG_DIRS" in r.message for r in refused.value.reports)
    assert not Procedure.objects.filter(code="1.004873").exists()
    with pytest.raises(CommandError):
        call_command("catalog", "import", str(other), stdout=io.StringIO(), stderr=io.StringIO())


def test_the_api_lists_levels_of_the_catalog(db):
    r = Client().get("/api/v1/procedures", {"level": "union"})
    assert r.status_code == 422
    assert "commune, ministry, province" in r.json()["message"]


def test_an_unknown_programme_is_reported_at_its_line_with_the_known_ones(tmp_path):
    text = (PROCEDURES / "1.004203-khai-bao-tam-vang.yaml").read_text(encoding="utf-8")
    path = tmp_path / "1.004203.yaml"
    path.write_text(text.replace("programmes: [project-06]", "programmes: [project-6]"), encoding="utf-8")
    _definitions, reports = check_files([path])
    assert [(r.line, r.where) for r in reports] == [(_line(path, "programmes:"), "programmes/0")]
    with translation.override("en"):
        _definitions, reports = check_files([path])
    assert reports[0].message == "unknown programme 'project-6'; known: project-06"


def test_programmes_in_an_installation_s_catalog_extend_the_country_s(tmp_path):
    (tmp_path / "local.yaml").write_text(
        "catalog: 1\nprogrammes:\n  digital-province: {name: {vi: Tỉnh số, en: Digital province}}\n", encoding="utf-8")
    vocabulary, _files, reports = vocab.read([CATALOG, tmp_path])
    assert reports == [] and set(vocabulary.programmes) == {"project-06", "digital-province"}
    (tmp_path / "local.yaml").write_text("catalog: 1\nprogrammes:\n  Bad_Key: {name: {vi: X}}\n", encoding="utf-8")
    _vocabulary, _files, reports = vocab.read([CATALOG, tmp_path])
    assert [r.where for r in reports] == ["programmes"]
