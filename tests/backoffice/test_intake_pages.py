"""The one-stop counter's pages: /office/intake/, the receipt, digitization (issue 17), without JavaScript."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from motcua.dossiers import actions
from motcua.dossiers.facts import PAPER, SCANNED
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.identity.models import User
from motcua.vault.models import AccessLog, VaultDocument
from tests.conftest import BIRTH, TINY_PDF

APPLICANT = {"kind": "citizen", "personal_id": "001090012345", "procedure": "1.001193", "channel": "1"}
FORM = {k: v for k, v in BIRTH.items() if k != "registration_timing"}


def officer(username: str = "onestop_anbinh") -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_the_first_step_lists_the_procedures_of_the_officers_unit(demo):
    html = officer().get("/office/intake/").content.decode()
    assert "1.001193" in html  # birth registration: the commune's
    assert "1.001456" not in html  # passports: the Ministry of Public Security's
    assert "Tiếp nhận hồ sơ tại quầy" in html


def test_specialists_and_citizens_do_not_reach_the_counter(demo):
    assert officer("specialist_anbinh").get("/office/intake/").status_code == 403
    assert officer("citizen").get("/office/intake/").status_code == 403


def test_the_form_is_the_procedures_own_with_the_applicants_registry_data(demo):
    response = officer().get("/office/intake/", APPLICANT)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nguyễn Văn An" in html and "001090012345" in html
    assert 'name="child_name"' in html and 'name="component-birth_certificate"' in html
    assert 'name="paper-birth_certificate"' in html


def test_an_officer_reading_a_known_persons_registry_record_is_logged_for_them(demo):
    # Unemployment benefit prefills the name and the social-insurance number: the employment centre's
    # officer reads them on the counter's form, and the citizen sees it in "Who read my data".
    assert not AccessLog.objects.filter(citizen__username="citizen", actor__username="onestop_employment").exists()
    response = officer("onestop_employment").get(
        "/office/intake/", {**APPLICANT, "procedure": "1.014748"})
    assert response.status_code == 200
    assert AccessLog.objects.filter(citizen__username="citizen", actor__username="onestop_employment").exists()


def test_a_bad_personal_id_is_refused_on_the_first_step(demo):
    response = officer().get("/office/intake/", {**APPLICANT, "personal_id": "999190012345"})
    assert response.status_code == 422
    assert "Số định danh cá nhân không hợp lệ" in response.content.decode()


def test_register_with_a_scan_then_the_receipt_and_its_pdf(demo):
    client = officer()
    response = client.post("/office/intake/", {
        **APPLICANT, **FORM, "component-birth_certificate": SimpleUploadedFile("giay-chung-sinh.pdf", TINY_PDF),
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier = Dossier.objects.get(channel=1)
    assert response["Location"] == f"/office/dossiers/{dossier.code}/print/receipt/"
    assert dossier.status == 2 and dossier.due_at is not None
    assert dossier.components[0]["digitized_by"] == "onestop_anbinh"
    html = client.get(response["Location"]).content.decode()
    assert dossier.code in html and "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in html
    assert "bản giấy, đã số hóa" in html and "Ngô Thị Mai" in html
    assert dossier.due_at.astimezone().strftime("%d/%m/%Y") in html or "Thời gian trả kết quả" in html
    pdf = client.get(f"/office/dossiers/{dossier.code}/print/receipt.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    # The applicant has an account: the dossier and its receipt are on their portal, the scan in their vault.
    citizen = officer("citizen")
    assert citizen.get(f"/my/dossiers/{dossier.code}/").status_code == 200
    assert citizen.get(f"/my/dossiers/{dossier.code}/receipt.pdf").status_code == 200
    assert VaultDocument.objects.filter(owner__username="citizen", source_dossier=dossier.code).exists()
    assert VaultDocument.objects.filter(owner__username="citizen", reference=f"{dossier.code}/receipt").exists()


def test_a_scan_that_is_no_pdf_or_image_is_refused_and_nothing_is_stored(demo):
    response = officer().post("/office/intake/", {
        **APPLICANT, **FORM, "component-birth_certificate": SimpleUploadedFile("scan.pdf", b"PK\x03\x04 zip"),
    })
    assert response.status_code == 422
    assert "không phải là PDF" in response.content.decode()
    assert not Dossier.objects.filter(channel=1).exists()


def test_an_incomplete_dossier_is_refused_with_the_officers_language(demo):
    client = officer()
    client.post("/i18n/setlang/", {"language": "en"})
    response = client.post("/office/intake/", {**APPLICANT, **FORM})
    assert response.status_code == 422
    assert not Dossier.objects.filter(channel=1).exists()
    assert "component" in response.content.decode().lower()


def test_paper_only_then_digitized_later_on_the_digitization_page(demo):
    client = officer()
    response = client.post("/office/intake/", {**APPLICANT, **FORM, "paper-birth_certificate": "Giấy bị rách"})
    assert response.status_code == 302
    dossier = Dossier.objects.get(channel=1)
    assert dossier.component_sources & PAPER
    page = client.get(f"/office/dossiers/{dossier.code}/digitize/").content.decode()
    assert "chỉ lưu bản giấy" in page and "Giấy bị rách" in page
    # Not a PDF or image: refused, nothing changes.
    bad = client.post(f"/office/dossiers/{dossier.code}/digitize/", {
        "action": "digitize", "key": "birth_certificate", "scan": SimpleUploadedFile("x.pdf", b"GIF89a")})
    assert bad.status_code == 422
    done = client.post(f"/office/dossiers/{dossier.code}/digitize/", {
        "action": "digitize", "key": "birth_certificate", "scan": SimpleUploadedFile("ban-quet.pdf", TINY_PDF)})
    assert done.status_code == 302
    dossier.refresh_from_db()
    assert dossier.component_sources & SCANNED and not dossier.component_sources & PAPER
    event = DossierEvent.objects.filter(dossier=dossier).latest("id")
    assert (event.action, event.actor.username) == ("digitize", "onestop_anbinh")
    # Another unit's officer: 404, as for a dossier that does not exist.
    assert officer("onestop_hoathuan").get(f"/office/dossiers/{dossier.code}/digitize/").status_code == 404


def test_the_result_of_a_paper_dossier_is_digitized(demo):
    client = officer()
    client.post("/office/intake/", {
        **APPLICANT, **FORM, "component-birth_certificate": SimpleUploadedFile("gcs.pdf", TINY_PDF)})
    dossier = Dossier.objects.get(channel=1)
    for who, action in [("specialist_anbinh", "start_processing"), ("specialist_anbinh", "transfer"),
                        ("approver_anbinh", "approve"), ("approver_anbinh", "issue_result")]:
        actions.perform(dossier.code, action, User.objects.get(username=who))
    response = client.post(f"/office/dossiers/{dossier.code}/digitize/", {
        "action": "digitize_result", "scan": SimpleUploadedFile("ket-qua-ban-giay.pdf", TINY_PDF)})
    assert response.status_code == 302
    event = DossierEvent.objects.filter(dossier=dossier, action="digitize_result").get()
    assert event.data["result_scan"]["name"] == "ket-qua-ban-giay.pdf" and event.data["digitized_by"] == "onestop_anbinh"
    assert VaultDocument.objects.filter(owner=dossier.applicant, title__contains="Bản số hóa kết quả").exists()
