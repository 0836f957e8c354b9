"""The catalog over time and for the citizen: export/import, start-up loading, versions, search.

Search results are compared with an oracle computed here from each procedure's
current definition (not from the stored search text), so the checks hold
whatever procedures others add to procedures/.
"""

from __future__ import annotations

import copy
import io
import logging
import re
import unicodedata
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import Client
from django.utils import translation

from motcua.catalog import startup
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.catalog.search import MAX_WORDS, implementing_units
from motcua.dossiers import actions
from motcua.dossiers.models import Dossier
from motcua.identity.models import User
from motcua.lib.pdf import html_to_pdf
from motcua.lib.text import fold
from motcua.units.models import Unit, level_kinds
from tests.conftest import BIRTH as BIRTH_DATA
from tests.conftest import BIRTH_COMPONENTS

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())  # wherever the module sits
PROCEDURES = ROOT / "procedures"
BIRTH = "1.001193-dang-ky-khai-sinh.yaml"
RECORD = "3.000333-phieu-ly-lich-tu-phap.yaml"
RESIDENCE = "1.004222-dang-ky-thuong-tru.yaml"


def shipped(name: str) -> dict:
    return yaml.safe_load((PROCEDURES / name).read_text(encoding="utf-8"))


def write(directory: Path, name: str, definition: dict) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(yaml.safe_dump(definition, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def load(*paths: Path) -> list[str]:
    out = io.StringIO()
    call_command("catalog", "import", *map(str, paths), stdout=out)
    return out.getvalue().splitlines()


def files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.glob("*.yaml"))}


def digests() -> dict[str, str]:
    return dict(Procedure.objects.values_list("code", "current__digest"))


# --- export / import ----------------------------------------------------------------------------


def test_export_import_round_trip(db, tmp_path):
    source = files(PROCEDURES)
    assert all(line.endswith("v1 new version") for line in load(PROCEDURES))
    versions = ProcedureVersion.objects.count()
    assert versions == len(source)
    before = digests()

    one, two = tmp_path / "one", tmp_path / "two"
    call_command("catalog", "export", str(one), stdout=io.StringIO())
    # Importing what was exported changes nothing.
    lines = load(one)
    assert len(lines) == len(source) and all(line.endswith("v1 unchanged") for line in lines), lines
    assert ProcedureVersion.objects.count() == versions
    call_command("catalog", "export", str(two), stdout=io.StringIO())
    # Byte for byte: the files as written, comments, order and quoting included.
    assert files(one) == files(two) == source

    # A fresh catalog loaded from the export has the very same versions.
    Procedure.objects.update(current=None)
    ProcedureVersion.objects.all().delete()
    Procedure.objects.all().delete()
    assert all(line.endswith("v1 new version") for line in load(one))
    assert digests() == before


def test_export_keeps_line_endings(db, tmp_path):
    # read_text() turned CRLF into LF, so a file saved on Windows came back different.
    text = (PROCEDURES / BIRTH).read_text(encoding="utf-8").replace("\n", "\r\n")
    source = tmp_path / "in" / BIRTH
    source.parent.mkdir()
    source.write_bytes(text.encode())
    load(source)
    call_command("catalog", "export", str(tmp_path / "out"), stdout=io.StringIO())
    assert (tmp_path / "out" / BIRTH).read_bytes() == text.encode()
    assert Procedure.objects.get(code="1.001193").current.digest == ProcedureVersion.objects.get().digest


def test_export_of_two_procedures_from_files_of_the_same_name(db, tmp_path):
    # The second used to overwrite the first: the export lost a procedure.
    birth, record = shipped(BIRTH), shipped(RECORD)
    load(write(tmp_path / "a", "definition.yaml", birth), write(tmp_path / "b", "definition.yaml", record))
    call_command("catalog", "export", str(tmp_path / "out"), stdout=io.StringIO())
    written = files(tmp_path / "out")
    assert len(written) == 2
    assert {yaml.safe_load(text)["code"] for text in written.values()} == {"1.001193", "3.000333"}
    assert all(line.endswith("unchanged") for line in load(tmp_path / "out"))


# --- loading at start-up ------------------------------------------------------------------------


@pytest.fixture
def procedures_dir(settings, tmp_path) -> Path:
    directory = tmp_path / "procedures"
    directory.mkdir()
    for name in (BIRTH, RECORD):
        (directory / name).write_bytes((PROCEDURES / name).read_bytes())
    settings.PROCEDURES_DIR = directory
    settings.CATALOG_LOAD_ON_START = True
    return directory


def test_start_up_loads_the_procedures_dir(db, procedures_dir):
    startup.load_shipped_catalog()
    assert sorted(Procedure.objects.values_list("code", flat=True)) == ["1.001193", "3.000333"]
    assert ProcedureVersion.objects.count() == 2
    # The next start with a changed file: a new version; with none: nothing new.
    birth = shipped(BIRTH)
    birth["processing_days"] = 2
    write(procedures_dir, BIRTH, birth)
    startup.load_shipped_catalog()
    startup.load_shipped_catalog()
    assert Procedure.objects.get(code="1.001193").current.number == 2
    assert ProcedureVersion.objects.count() == 3


def test_start_up_with_a_broken_file_loads_nothing_and_keeps_serving(db, procedures_dir, caplog):
    broken = shipped(RESIDENCE)
    broken["workflow"]["steps"][1]["role"] = "boss"
    write(procedures_dir, RESIDENCE, broken)
    with caplog.at_level(logging.ERROR, logger="motcua.catalog.startup"), translation.override("en"):
        startup.load_shipped_catalog()  # does not raise
    assert not Procedure.objects.exists() and not ProcedureVersion.objects.exists()
    assert re.search(rf"{re.escape(str(procedures_dir / RESIDENCE))}:\d+: workflow/steps/1/role: unknown role 'boss'", caplog.text)


def test_start_up_loading_can_be_turned_off(db, procedures_dir, settings):
    settings.CATALOG_LOAD_ON_START = False
    startup.load_shipped_catalog()
    assert not Procedure.objects.exists()


def test_start_up_without_the_dir_or_the_tables_does_not_raise(db, procedures_dir, settings, monkeypatch, caplog):
    settings.PROCEDURES_DIR = procedures_dir / "nowhere"
    startup.load_shipped_catalog()
    settings.PROCEDURES_DIR = procedures_dir

    def before_migrate(paths):
        raise OperationalError("no such table: catalog_procedure")

    monkeypatch.setattr(startup, "load_paths", before_migrate)
    with caplog.at_level(logging.WARNING, logger="motcua.catalog.startup"):
        startup.load_shipped_catalog()
    assert "no such table" in caplog.text
    assert not Procedure.objects.exists()


# --- versions: a dossier keeps the version it was submitted under ------------------------------


def _birth_v2() -> dict:
    """Birth registration, revised: a new required field, one field dropped, a fee."""
    d = shipped(BIRTH)
    form = d["form"]
    del form["properties"]["father_name"]
    form["properties"]["child_ethnicity"] = {"type": "string", "title": "Dân tộc của trẻ", "minLength": 2, "maxLength": 50}
    form["required"].append("child_ethnicity")
    d["form_ui"]["sections"][1]["fields"].remove("father_name")
    d["form_ui"]["sections"][0]["fields"].append("child_ethnicity")
    d["form_ui"]["people"]["blocks"].pop()  # the father's block
    d["result"]["summary_fields"] = [f if f != "father_name" else "child_ethnicity" for f in d["result"]["summary_fields"]]
    del d["example"]["father_name"]
    d["example"]["child_ethnicity"] = "Kinh"
    d["fees"]["rules"][-1]["amount"] = 3000
    return d


def test_a_v1_dossier_is_processed_on_v1_after_v2_requires_a_new_field(as_user, tmp_path, monkeypatch):
    citizen = as_user("citizen")
    officer, specialist, approver = as_user("onestop_anbinh"), as_user("specialist_anbinh"), as_user("approver_anbinh")
    first = citizen.post("/dossiers", {"procedure": "1.001193", "data": BIRTH_DATA, "components": citizen.references(BIRTH_COMPONENTS)})
    assert first.status_code == 201, first.content
    old = first.json()["code"]

    assert load(write(tmp_path, BIRTH, _birth_v2())) == ["1.001193 v2 new version"]

    # A new dossier is held to v2: a field v2 dropped is refused, and the old answers no longer suffice…
    dropped = citizen.post("/dossiers", {"procedure": "1.001193", "data": BIRTH_DATA})
    assert dropped.status_code == 422 and dropped.json()["code"] == "unknown_fields", dropped.json()
    v2_data = {k: v for k, v in BIRTH_DATA.items() if k != "father_name"}
    refused = citizen.post("/dossiers", {"procedure": "1.001193", "data": v2_data})
    assert refused.status_code == 422 and refused.json()["code"] == "invalid_form"
    assert any("child_ethnicity" in e["field"] for e in refused.json()["errors"]), refused.json()
    new = citizen.post("/dossiers", {"procedure": "1.001193", "data": {**v2_data, "child_ethnicity": "Kinh"}}).json()
    assert (new["procedure_version"], new["fee"]) == (2, 3000)

    # …while the v1 dossier goes all the way on v1: its form, its fee, its result summary.
    rendered: list[str] = []

    def drawn(html: str) -> bytes:
        rendered.append(html)
        return html_to_pdf("<p>test</p>")  # a real (small) PDF: the result is signed after rendering

    monkeypatch.setattr("motcua.results.issue.html_to_pdf", drawn)
    for actor, action in [
        (officer, "receive"), (specialist, "start_processing"), (specialist, "transfer"), (approver, "approve"),
        (approver, "issue_result"), (officer, "return_result"),
    ]:
        r = actor.act(old, action)
        assert r.status_code == 200, (action, r.content)
    done = citizen.get(f"/dossiers/{old}").json()
    assert (done["status"], done["procedure_version"], done["fee"]) == (10, 1, 0)
    dossier = Dossier.objects.get(code=old)
    assert dossier.procedure_version.number == 1 and dossier.data == BIRTH_DATA
    [html] = rendered
    assert "Họ và tên cha" in html and BIRTH_DATA["father_name"] in html  # v1's summary field
    assert "Dân tộc" not in html

    # The pages show each dossier with the form it was filed on.
    page = Client()
    page.force_login(User.objects.get(username="citizen"))
    old_page = page.get(f"/my/dossiers/{old}/").content.decode()
    new_page = page.get(f"/my/dossiers/{new['code']}/").content.decode()
    assert "Họ và tên cha" in old_page and "Dân tộc của trẻ" not in old_page
    assert "Dân tộc của trẻ" in new_page and "Họ và tên cha" not in new_page
    office = Client()
    office.force_login(User.objects.get(username="onestop_anbinh"))
    assert "Họ và tên cha" in office.get(f"/office/dossiers/{old}/").content.decode()


def test_a_v1_dossier_not_yet_received_is_received_on_v1(demo, tmp_path):
    citizen, officer = User.objects.get(username="citizen"), User.objects.get(username="onestop_anbinh")
    old = actions.submit(citizen, "1.001193", dict(BIRTH_DATA), components=BIRTH_COMPONENTS)
    load(write(tmp_path, BIRTH, _birth_v2()))
    # Receiving, refusing or withdrawing never re-checks the data against the newer form.
    assert actions.perform(old.code, "receive", officer).status == 2
    v2_data = {k: v for k, v in BIRTH_DATA.items() if k != "father_name"}  # v2 dropped the father's name
    other = actions.submit(User.objects.get(username="citizen3"), "1.001193", dict(v2_data, child_ethnicity="Tày"))
    assert other.procedure_version.number == 2
    assert actions.perform(other.code, "refuse", officer, reason="Thiếu giấy tờ").status == 3
    assert Dossier.objects.get(code=old.code).procedure_version.number == 1


# --- search -------------------------------------------------------------------------------------

ANBINH, ANBINH_POLICE, PROVINCE_POLICE, ONE_STOP = "000.11.00.H99", "000.11.30.H99", "000.00.30.H99", "000.00.01.H99"


def _extra_definitions() -> list[tuple[str, dict]]:
    """Three more procedures, so that every filter has something to keep and something to drop."""
    permit = copy.deepcopy(shipped(RECORD))
    permit.update(
        code="9.100001",
        name={"vi": "Cấp giấy phép xây dựng nhà ở riêng lẻ", "en": "Construction permit for a detached house"},
        field={"code": "xay_dung", "vi": "Hoạt động xây dựng", "en": "Construction"},
        levels=["province"], agency="construction", service_mode="partial",
    )
    permit["result"]["document_type"] = "construction_permit"
    foreign = copy.deepcopy(shipped(BIRTH))
    foreign.update(
        code="9.100002",
        name={"vi": "Đăng ký khai sinh có yếu tố nước ngoài", "en": "Birth registration with a foreign element"},
        levels=["province"], agency="justice",
    )
    pharmacy = copy.deepcopy(shipped(RECORD))
    pharmacy.update(
        code="9.100003",
        name={"vi": "Cấp chứng chỉ hành nghề dược", "en": "Pharmacy practising certificate"},
        field={"code": "duoc", "vi": "Dược", "en": "Pharmacy"},
        levels=["ministry"],
    )
    del pharmacy["agency"]
    pharmacy["result"]["document_type"] = "practising_certificate_pharmacy"
    return [("9.100001.yaml", permit), ("9.100002.yaml", foreign), ("9.100003.yaml", pharmacy)]


@pytest.fixture
def catalog(demo, tmp_path) -> None:
    load(*(write(tmp_path / "extra", name, d) for name, d in _extra_definitions()))


def _words(text: str) -> list[str]:
    """Folded words; punctuation and symbols are spaces, but for a dot or comma between two digits."""
    folded = fold(text)
    spaced = "".join(
        " " if unicodedata.category(c)[0] in "PS" and not (
            c in ".," and 0 < i < len(folded) - 1 and folded[i - 1].isdigit() and folded[i + 1].isdigit()
        ) else c
        for i, c in enumerate(folded)
    )
    return spaced.split()


def oracle(q: str = "", field: str = "", level: str = "", unit: str = "", full: bool = False) -> list[str]:
    """The codes search must find, computed from the current definitions."""
    target = Unit.objects.get(code=unit) if unit else None
    words = _words(q)[:MAX_WORDS]
    found = []
    for p in Procedure.objects.filter(active=True, current__isnull=False).select_related("current"):
        d = p.current.definition
        parts = [" ".join(_words(t)) for t in [d["code"], *d["name"].values(), *(v for k, v in d["field"].items() if k != "code")]]
        # A word is found inside one part, or inside one part with its spaces left out ("khaisinh").
        if not all(any(w in part or w in part.replace(" ", "") for part in parts) for w in words):
            continue
        if field and d["field"]["code"] != field:
            continue
        if level and level not in d["levels"]:
            continue
        if full and d["service_mode"] != "full":
            continue
        # A unit lists what it receives and decides, and what its desk takes in for a higher level (`hand_over`).
        hands_over = target is not None and target.kind in level_kinds() and target.level in (d.get("hand_over") or {}).get("levels", [])
        if target is not None and not hands_over and not implementing_units(p).filter(pk=target.pk).exists():
            continue
        found.append(p.code)
    return sorted(found)


def api_search(**params: object) -> list[str]:
    r = Client().get("/api/v1/procedures", {"limit": 500, **params})
    assert r.status_code == 200, r.content
    codes = [p["code"] for p in r.json()]
    assert codes == sorted(codes)
    return codes


SEARCHES = [
    # (query parameters, must be found, must not be found)
    ({"q": "dang ky khai sinh"}, {"1.001193", "9.100002"}, {"1.004222", "3.000333"}),
    ({"q": "DANG KY"}, {"1.001193", "1.004222", "9.100002"}, {"3.000333"}),
    ({"q": "khai sinh"}, {"1.001193", "9.100002"}, {"1.004873"}),
    ({"q": "Đăng ký khai sinh"}, {"1.001193", "9.100002"}, {"1.004222"}),
    ({"q": "ĐĂNG KÝ KHAI SINH"}, {"1.001193", "9.100002"}, {"1.004222"}),
    ({"q": "đăng ky khai sinh"}, {"1.001193"}, set()),  # half with marks, half without
    ({"q": "Birth registration"}, {"1.001193", "9.100002"}, {"3.000333"}),
    ({"q": "criminal RECORD certificate"}, {"3.000333"}, {"1.001193"}),
    ({"q": "1.001193"}, {"1.001193"}, {"1.004222", "1.004873", "3.000333", "9.100002"}),
    ({"q": "sinh khai ky dang"}, {"1.001193", "9.100002"}, {"1.004222"}),
    ({"q": "khai   sinh  nuoc ngoai"}, {"9.100002"}, {"1.001193"}),
    ({"q": "ho tich"}, {"1.001193", "1.004873"}, {"3.000333"}),  # the field's name
    ({"q": "civil status"}, {"1.001193", "1.004873"}, {"3.000333"}),
    ({"q": "জন্ম নিবন্ধন"}, {"1.001193"}, {"3.000333"}),  # the Bengali name
    # Hyphens, other punctuation and missing spaces (issue 14).
    ({"q": "khai-sinh"}, {"1.001193", "9.100002"}, {"1.004873"}),
    ({"q": "khaisinh"}, {"1.001193", "9.100002"}, {"1.004873"}),
    ({"q": "dangkykhaisinh"}, {"1.001193", "9.100002"}, {"1.004222"}),
    ({"q": "Khai Sinh"}, {"1.001193", "9.100002"}, {"1.004873"}),
    ({"q": "khai_sinh, (birth)"}, {"1.001193", "9.100002"}, {"1.004873"}),
    ({"q": "Khai-Sinh"}, {"1.001193", "9.100002"}, {"1.004873"}),
    ({"q": "đăng-ký khai/sinh"}, {"1.001193", "9.100002"}, {"1.004222"}),
    ({"q": "xyzzy"}, set(), {"1.001193"}),
    ({"q": "khai sinh xyzzy"}, set(), {"1.001193"}),
    ({"field": "ho_tich"}, {"1.001193", "1.004873", "9.100002"}, {"3.000333", "1.004222", "9.100001"}),
    ({"field": "no_such_field"}, set(), {"1.001193"}),
    ({"level": "province"}, {"3.000333", "9.100001", "9.100002"}, {"1.001193", "9.100003"}),
    ({"level": "ministry"}, {"9.100003"}, {"1.001193", "3.000333"}),
    ({"level": "commune"}, {"1.001193", "1.004222", "1.004873"}, {"3.000333", "9.100003"}),
    ({"full": "true"}, {"1.001193", "3.000333", "9.100002"}, {"1.004222", "9.100001"}),
    ({"unit": ANBINH}, {"1.001193", "1.004873"}, {"1.004222", "3.000333", "9.100002"}),
    ({"unit": ANBINH_POLICE}, {"1.004222"}, {"1.001193", "3.000333"}),
    ({"unit": PROVINCE_POLICE}, {"3.000333"}, {"1.004222", "9.100001"}),
    ({"unit": ONE_STOP}, set(), {"1.001193", "3.000333"}),  # a one-stop desk receives for others
    ({"q": "dang ky", "field": "ho_tich", "level": "commune", "full": "true"}, {"1.001193"}, {"1.004222", "9.100002"}),
    ({"q": "dang ky", "unit": ANBINH_POLICE}, {"1.004222"}, {"1.001193"}),
    ({"q": "khai sinh", "level": "province"}, {"9.100002"}, {"1.001193"}),
    ({"q": "giay phep", "full": "true"}, set(), {"9.100001"}),
    ({"q": "khai sinh", "unit": PROVINCE_POLICE}, set(), {"1.001193", "9.100002"}),
]


def _portal_codes(page: str) -> tuple[int, list[str]]:
    count = re.search(r'<p role="status">(\d+) thủ tục phù hợp', page)
    codes = re.findall(r'<h2><a href="/procedures/([^/]+)/">', page)
    return (int(count.group(1)) if count else -1), codes


@pytest.mark.parametrize(("params", "found", "not_found"), SEARCHES, ids=[str(s[0]) for s in SEARCHES])
def test_search_through_the_api_and_the_portal(catalog, client, params, found, not_found):
    expected = oracle(**{k: (v == "true" if k == "full" else v) for k, v in params.items()})
    assert found <= set(expected) and not (not_found & set(expected)), expected

    assert api_search(**params) == expected

    r = client.get("/", {k: ("1" if k == "full" else v) for k, v in params.items()})
    assert r.status_code == 200
    count, codes = _portal_codes(r.content.decode())
    assert count == len(expected)
    assert codes == expected[:30]  # the first page


def test_api_paging_follows_the_code_order(catalog):
    everything = api_search()
    assert everything == oracle()
    r = Client().get("/api/v1/procedures", {"limit": 2, "offset": 1})
    assert [p["code"] for p in r.json()] == everything[1:3]
    summary = next(p for p in Client().get("/api/v1/procedures", {"q": "1.001193"}).json())
    assert summary["name"] == "Đăng ký khai sinh" and summary["field_code"] == "ho_tich"
    assert summary["levels"] == ["commune"] and summary["service_mode"] == "full" and summary["version"] == 1


BAD_PARAMETERS = [
    ({"unit": "000.99.99.H99"}, "unknown_unit"),
    ({"unit": "x" * 33}, "invalid_request"),
    ({"level": "district"}, "invalid_request"),
    ({"level": "Province"}, "invalid_request"),
    ({"q": "a" * 201}, "invalid_request"),
    ({"q": "đ" * 201}, "invalid_request"),
    ({"field": "x" * 65}, "invalid_request"),
    ({"full": "maybe"}, "invalid_request"),
    ({"limit": 0}, "invalid_request"),
    ({"limit": 501}, "invalid_request"),
    ({"offset": -1}, "invalid_request"),
    ({"limit": "ten"}, "invalid_request"),
]


def test_api_search_refuses_bad_parameters_with_422(catalog):
    for params, code in BAD_PARAMETERS:
        r = Client().get("/api/v1/procedures", params)
        assert r.status_code == 422, (params, r.content)
        body = r.json()
        assert body["code"] == code and body["message"], (params, body)
    # The limits themselves are fine.
    assert Client().get("/api/v1/procedures", {"q": "đ" * 200, "limit": 500, "field": "x" * 64}).status_code == 200


ODD_QUERIES = [
    "%", "_", "\\", "'", '"', "%_%", "' OR 1=1 --", "<script>alert(1)</script>", "😀 khai sinh", "\u0301", "ﬁ",
    " ", "|", "a " * 100, "đ" * 200, "مرحبا", "ß", "K", "\t\n", "1.", "...", "%d%s", "NULL",
]


def test_odd_queries_never_fail(catalog, client):
    for q in ODD_QUERIES:
        assert api_search(q=q) == oracle(q=q), q
        r = client.get("/", {"q": q})
        assert r.status_code == 200, q
        assert _portal_codes(r.content.decode())[0] in (-1, len(oracle(q=q.strip()[:200]))), q


def test_bad_input_on_the_portal_is_never_a_500(catalog, client):
    for params in [{"q": "k" * 5000}, {"level": "district"}, {"unit": "nope"}, {"unit": "x" * 500},
                   {"field": "f" * 500}, {"page": "abc"}, {"page": "99999"}, {"full": "yes"}]:
        assert client.get("/", params).status_code == 200, params
    # NUL is refused before it reaches the database (PostgreSQL cannot compare it).
    assert client.get("/", {"q": "khai\x00sinh"}).status_code == 400
    assert Client().get("/api/v1/procedures", {"q": "khai\x00sinh"}).status_code == 400
    # A very long query is cut at 200 characters, not refused.
    count, codes = _portal_codes(client.get("/", {"q": "khai sinh " + "x" * 500}).content.decode())
    assert count == 0 and codes == []


def test_every_procedure_is_found_by_its_words_in_any_order_and_spelling(catalog):
    for p in Procedure.objects.filter(active=True, current__isnull=False):
        for language in ("vi", "en"):
            words = p.names[language].split()
            for q in (" ".join(reversed(words)), fold(p.names[language]).upper(), p.names[language].lower()):
                assert p.code in api_search(q=q), (p.code, q)


def test_search_text_stored_the_old_way_is_refreshed_by_the_next_load(catalog):
    # It joined the parts with " | " and had no words run together: "khaisinh" found nothing.
    Procedure.objects.filter(code="1.001193").update(search_text="1.001193 | dang ky khai sinh | ho tich")
    assert "1.001193" not in api_search(q="khaisinh")
    versions = ProcedureVersion.objects.count()
    load(PROCEDURES)
    assert ProcedureVersion.objects.count() == versions
    assert "1.001193" in api_search(q="khaisinh") and "1.001193" in api_search(q="khai sinh birth")
    # A symbol alone is no word: it finds what an empty search finds.
    assert api_search(q="|") == api_search()


@pytest.mark.postgres
def test_postgresql_has_a_trigram_index_for_search(db):
    if connection.vendor != "postgresql":
        pytest.skip("an index for LIKE '%word%' exists on PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'catalog_procedure_search_trgm'")
        [(definition,)] = cursor.fetchall()
    assert "gin (search_text gin_trgm_ops) WITH (fastupdate=off)" in definition


def test_an_inactive_procedure_is_not_found(catalog):
    Procedure.objects.filter(code="1.001193").update(active=False)
    assert "1.001193" not in api_search(q="khai sinh")
    assert "9.100002" in api_search(q="khai sinh")
