"""Counter (channel 1) and postal (channel 3) filing through POST /api/v1/dossiers (issue 17)."""

from __future__ import annotations

from django.core.files.storage import default_storage

from motcua.dossiers.facts import PAPER, POPULATION_PREFILL, SCANNED
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.identity.models import CitizenProfile, User
from motcua.vault.models import AccessLog, VaultDocument
from tests.conftest import BIRTH, TINY_PDF

TAM_TRU = {
    "address": "Số 3 đường Lê Lợi, xã An Bình", "residence_basis": "thue", "owner_name": "Lê Văn Chủ",
    "stay_until": "2027-12-31", "registration_form": "ca_nhan", "persons": 1,
}


def _scans(officer, *keys: str) -> list[dict]:
    found = []
    for key in keys:
        r = officer.upload(f"{key}.pdf", TINY_PDF)
        assert r.status_code == 201, r.content
        found.append({"key": key, "upload": r.json()["id"]})
    return found


def _stored_files() -> int:
    try:
        return sum(len(default_storage.listdir(f"dossiers/{y}")[0]) for y in default_storage.listdir("dossiers")[0])
    except FileNotFoundError:
        return 0


def test_officer_files_a_walk_in_dossier_for_a_citizen_found_by_personal_id(as_user):
    officer = as_user("onestop_anbinh")
    body = {
        "procedure": "1.001193", "channel": 1, "applicant": {"personal_id": "001090012345"}, "data": BIRTH,
        "components": _scans(officer, "birth_certificate"),
    }
    r = officer.post("/dossiers", body)
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["channel"] == 1
    # Filed and received at the counter in one go: the receipt's return date is known.
    assert out["status"] == 2 and out["due_at"] and out["received_at"]
    assert [e["action"] for e in out["history"]] == ["submit", "receive"]
    assert out["history"][0]["actor"] == "onestop_anbinh"
    dossier = Dossier.objects.get(code=out["code"])
    assert dossier.applicant.username == "citizen"  # the existing account of that personal ID
    scan = dossier.components[0]
    assert scan["source"] == "paper" and scan["digitized"] is True and scan["digitized_by"] == "onestop_anbinh"
    assert scan["digitized_at"]
    assert dossier.component_sources & SCANNED and not dossier.component_sources & PAPER
    assert not dossier.vneid_auth  # not the applicant's own e-ID login
    # The applicant sees it in their portal and their vault keeps the scan.
    citizen = as_user("citizen")
    assert citizen.get(f"/dossiers/{out['code']}").status_code == 200
    assert VaultDocument.objects.filter(owner=dossier.applicant, source_dossier=out["code"]).exists()
    # The receipt handed over is among their documents too.
    kept = VaultDocument.objects.get(owner=dossier.applicant, reference=f"{out['code']}/receipt")
    assert kept.title.startswith("Giấy tiếp nhận hồ sơ và hẹn trả kết quả") and kept.content_type == "application/pdf"
    # The receipt with the return date, as a PDF, for the officer and the applicant.
    pdf = officer.client.get(f"/office/dossiers/{out['code']}/print/receipt.pdf")
    assert pdf.status_code == 302  # the API client's session is not logged in: pages need a login
    event = DossierEvent.objects.get(dossier=dossier, action="submit")
    assert event.data["channel"] == 1 and event.data["filed_by"] == "onestop_anbinh"
    assert event.data["applicant"]["personal_id"] == "001090012345"


def test_postal_filing_of_a_new_citizen_makes_their_account_from_the_population_registry(as_user):
    officer = as_user("onestop_anbinh")
    assert not CitizenProfile.objects.filter(personal_id="001192034567").exists()
    body = {
        "procedure": "1.001193", "channel": 3, "applicant": {"personal_id": "001192034567"},
        "data": {**BIRTH, "relationship": "me"}, "components": _scans(officer, "birth_certificate"),
    }
    r = officer.post("/dossiers", body)
    assert r.status_code == 201, r.content
    assert r.json()["channel"] == 3
    profile = CitizenProfile.objects.get(personal_id="001192034567")
    assert profile.full_name == "Trần Thị Hạnh"  # as the registry holds it
    assert profile.user.username == "eid-001192034567"  # what her first e-ID login finds
    assert profile.user.full_name == "Trần Thị Hạnh"
    assert not profile.user.has_usable_password()
    dossier = Dossier.objects.get(code=r.json()["code"])
    assert dossier.applicant == profile.user
    # The prefill read the population registry for this dossier: logged for her, and a 4.5b fact.
    assert AccessLog.objects.filter(citizen=profile.user, dossier=dossier.code).exists()
    assert dossier.component_sources & POPULATION_PREFILL


def test_the_fee_rules_channel_conditions_apply(as_user):
    officer = as_user("onestop_anbinh")
    components = _scans(officer, "ct01", "lawful_residence")
    r = officer.post("/dossiers", {
        "procedure": "1.004194", "channel": 1, "applicant": {"personal_id": "001090012345"}, "data": TAM_TRU,
        "components": components,
    })
    assert r.status_code == 201, r.content
    assert r.json()["fee"] == 15000  # in person; online it is 7,000 đ
    online = as_user("citizen").post("/dossiers", {
        "procedure": "1.004194", "data": TAM_TRU, "components": as_user("citizen").references(
            [{"key": "ct01", "name": "ct01.pdf"}, {"key": "lawful_residence", "name": "hd.pdf"}]),
    })
    assert online.status_code == 201, online.content
    assert online.json()["fee"] == 7000 and online.json()["channel"] == 2


def test_a_foreigner_by_passport_and_a_company_by_tax_code(as_user):
    officer = as_user("onestop_anbinh")
    r = officer.post("/dossiers", {
        "procedure": "1.004194", "channel": 1,
        "applicant": {"passport": "c1234567", "full_name": "John Michael Smith", "nationality": "Canada"},
        "data": TAM_TRU, "components": _scans(officer, "ct01", "lawful_residence"),
    })
    assert r.status_code == 201, r.content
    foreigner = Dossier.objects.get(code=r.json()["code"]).applicant
    assert foreigner.username == "passport-C1234567" and foreigner.full_name == "John Michael Smith"
    assert not hasattr(foreigner, "citizen")
    # The same passport again is the same applicant.
    again = officer.post("/dossiers", {
        "procedure": "1.004194", "channel": 1, "applicant": {"passport": "C1234567", "full_name": "John Michael Smith"},
        "data": TAM_TRU, "components": _scans(officer, "ct01", "lawful_residence"),
    })
    assert again.status_code == 201, again.content
    assert Dossier.objects.get(code=again.json()["code"]).applicant == foreigner

    company = officer.post("/dossiers", {
        "procedure": "1.004194", "channel": 3, "applicant": {"tax_code": "0109876543"},
        "data": TAM_TRU, "components": _scans(officer, "ct01", "lawful_residence"),
    })
    assert company.status_code == 201, company.content
    org = Dossier.objects.get(code=company.json()["code"]).applicant
    # The enterprise registry's name, not a typed one.
    assert org.username == "org-0109876543" and org.full_name == "Công ty TNHH Nông sản An Bình"


def test_refusals_store_nothing(as_user):
    officer = as_user("onestop_anbinh")
    users, dossiers, files = User.objects.count(), Dossier.objects.count(), _stored_files()

    def refused(body: dict, status: int, code: str) -> None:
        r = officer.post("/dossiers", {"procedure": "1.001193", "channel": 1, "data": BIRTH, **body})
        assert r.status_code == status, r.content
        assert r.json()["code"] == code, r.content

    # A personal ID whose first three digits are no province code ("checksum"), or not 12 digits.
    refused({"applicant": {"personal_id": "999190012345"}}, 422, "invalid_personal_id")
    refused({"applicant": {"personal_id": "00109001234"}}, 422, "invalid_personal_id")
    # A valid number the registry does not know, without a typed name.
    refused({"applicant": {"personal_id": "001099999999"}}, 422, "person_not_found")
    refused({"applicant": {"passport": "12", "full_name": "A B"}}, 422, "invalid_passport")
    refused({"applicant": {"tax_code": "12ab"}}, 422, "invalid_tax_code")
    refused({"applicant": {}}, 422, "applicant_required")
    refused({"applicant": {"personal_id": "001090012345", "extra": 1}}, 422, "invalid_request")
    refused({"applicant": {"personal_id": "001090012345"}, "channel": 7}, 422, "invalid_request")
    # A procedure the officer's unit does not offer (passports: the Ministry of Public Security).
    r = officer.post("/dossiers", {"procedure": "1.001456", "channel": 1, "data": {},
                                   "applicant": {"personal_id": "001090012345"}})
    assert r.status_code == 422 and r.json()["code"] == "procedure_not_offered", r.content
    # An invalid form, and a missing required component (receive refuses it): all rolled back.
    refused({"applicant": {"personal_id": "001192034567"}, "data": {**BIRTH, "child_sex": "x"}}, 422, "invalid_form")
    refused({"applicant": {"personal_id": "001192034567"}, "data": {**BIRTH, "relationship": "me"}}, 422, "incomplete")
    assert (User.objects.count(), Dossier.objects.count()) == (users, dossiers)
    assert not CitizenProfile.objects.filter(personal_id="001192034567").exists()
    assert _stored_files() == files


def test_a_scan_that_is_not_a_pdf_or_image_is_refused(as_user):
    officer = as_user("onestop_anbinh")
    files = _stored_files()
    for name in ("giay-chung-sinh.pdf", "scan.docx"):
        r = officer.upload(name, b"PK\x03\x04 a zip file")
        assert r.status_code == 415 and r.json()["code"] == "upload_wrong_type", r.content
    assert _stored_files() == files


def test_paper_only_components_are_recorded_with_their_reason(as_user):
    officer = as_user("onestop_anbinh")
    r = officer.post("/dossiers", {
        "procedure": "1.001193", "channel": 1, "applicant": {"personal_id": "001090012345"}, "data": BIRTH,
        "components": [{"key": "birth_certificate", "paper_reason": "Bản giấy bị rách, không quét được"}],
    })
    assert r.status_code == 201, r.content
    dossier = Dossier.objects.get(code=r.json()["code"])
    record = dossier.components[0]
    assert record["source"] == "paper" and record["digitized"] is False
    assert record["paper_reason"] == "Bản giấy bị rách, không quét được" and record["kept_by"] == "onestop_anbinh"
    assert dossier.component_sources & PAPER


def test_citizens_cannot_file_at_the_counter(as_user):
    citizen = as_user("citizen")
    for body in (
        {"channel": 1},
        {"channel": 3},
        {"applicant": {"personal_id": "001090012345"}},
        {"channel": 1, "applicant": {"personal_id": "001090012345"}},
    ):
        r = citizen.post("/dossiers", {"procedure": "1.001193", "data": BIRTH, **body})
        assert r.status_code == 403 and r.json()["code"] == "not_one_stop_officer", r.content
    r = citizen.post("/dossiers", {"procedure": "1.001193", "data": BIRTH,
                                   "components": [{"key": "birth_certificate", "paper_reason": "x"}]})
    assert r.status_code == 422 and r.json()["code"] == "counter_only"
    assert not Dossier.objects.filter(channel__in=[1, 3]).exists()
    # A specialist is no one-stop officer either.
    r = as_user("specialist_anbinh").post("/dossiers", {
        "procedure": "1.001193", "channel": 1, "applicant": {"personal_id": "001090012345"}, "data": BIRTH})
    assert r.status_code == 403 and r.json()["code"] == "not_one_stop_officer"


def test_an_officer_of_another_unit_neither_files_there_nor_sees_the_dossier(as_user):
    officer = as_user("onestop_anbinh")
    r = officer.post("/dossiers", {
        "procedure": "1.001193", "channel": 1, "applicant": {"personal_id": "001090012345"}, "data": BIRTH,
        "components": _scans(officer, "birth_certificate"),
    })
    code = r.json()["code"]
    other = as_user("onestop_hoathuan")
    assert other.get(f"/dossiers/{code}").status_code == 404
    assert other.act(code, "return_result").status_code == 404
    scan = other.upload("scan.pdf", TINY_PDF).json()["id"]
    assert other.post(f"/dossiers/{code}/actions/digitize", {"key": "birth_certificate", "upload": scan}).status_code == 404
    # Naming a unit it does not serve is answered as an unknown unit.
    r = other.post("/dossiers", {
        "procedure": "1.001193", "channel": 1, "unit": "000.11.00.H99", "applicant": {"personal_id": "001090012345"},
        "data": BIRTH, "components": _scans(other, "birth_certificate"),
    })
    assert r.status_code == 422 and r.json()["code"] == "unknown_unit", r.content


def test_a_retried_counter_filing_with_the_same_idempotency_key_files_once(as_user):
    officer = as_user("onestop_anbinh")
    body = {"procedure": "1.001193", "channel": 1, "applicant": {"personal_id": "001090012345"}, "data": BIRTH,
            "components": _scans(officer, "birth_certificate")}
    headers = {**officer.headers, "Idempotency-Key": "counter-1"}
    first = officer.client.post("/api/v1/dossiers", body, content_type="application/json", headers=headers)
    assert first.status_code == 201, first.content
    again = officer.client.post("/api/v1/dossiers", body, content_type="application/json", headers=headers)
    assert again.status_code == 201 and again.json() == first.json()  # the first answer, replayed (api/idempotency.py)
    assert Dossier.objects.filter(channel=1).count() == 1


def test_digitize_through_the_api_takes_an_upload_never_a_path(as_user):
    officer = as_user("onestop_anbinh")
    r = officer.post("/dossiers", {
        "procedure": "1.001193", "channel": 1, "applicant": {"personal_id": "001090012345"}, "data": BIRTH,
        "components": [{"key": "birth_certificate", "paper_reason": "Chỉ có bản giấy"}],
    })
    code = r.json()["code"]
    path = "dossiers/2026/01/" + "ab" * 16 + "/someone-elses.pdf"
    r = officer.post(f"/dossiers/{code}/actions/digitize", {"key": "birth_certificate", "scan": {"path": path}})
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"
    scan = officer.upload("ban-quet.pdf", TINY_PDF).json()["id"]
    r = officer.post(f"/dossiers/{code}/actions/digitize", {"key": "birth_certificate", "upload": scan})
    assert r.status_code == 200, r.content
    record = Dossier.objects.get(code=code).components[0]
    assert record["digitized"] is True and record["digitized_by"] == "onestop_anbinh" and record["path"] != path
    assert r.json()["history"][-1]["action"] == "digitize"
    # The citizen may not digitize.
    mine = as_user("citizen").upload("x.pdf", TINY_PDF).json()["id"]
    r = as_user("citizen").post(f"/dossiers/{code}/actions/digitize", {"key": "birth_certificate", "upload": mine})
    assert r.status_code == 403
