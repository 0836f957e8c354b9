"""Decisions during processing and several results (issue 21, items 5 and 6), walked on the shipped procedures.

- 1.011537, the death bundle: the deceased looked up by their personal ID; three documents, each of its own
  type and agency, each in its holder's vault (the household head's residence notice, the organiser's
  funeral allowance decision); the funeral allowance only when asked for.
- 1.001699, the disability certificate: the council's choice and the level it records, printed on the
  certificate held by the represented child; the refusal path ends with a signed refusal letter.
- 2.000591, the food-safety certificate: pass / to be completed (one re-inspection) / fail at the inspection,
  the certificate held by the business.
"""

from __future__ import annotations

import hashlib
import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from pyhanko.pdf_utils.reader import PdfFileReader

from motcua.catalog.models import Procedure
from motcua.dossiers.models import Dossier, DossierEvent, TaskStatus
from motcua.results import signing
from motcua.vault import prefill
from motcua.vault.models import Origin, VaultDocument
from tests.backoffice.helpers import pdf_text
from tests.conftest import ApiClient, logged_in, user
from tests.walker import DEFINITIONS, Walker, components_for, worker

DEATH = "1.011537-lien-thong-khai-tu-xoa-thuong-tru-mai-tang.yaml"
DISABILITY = "1.001699-xac-dinh-muc-do-khuyet-tat.yaml"
FOOD = "2.000591-cap-giay-chung-nhan-co-so-du-dieu-kien-attp.yaml"


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def result_text(walker: Walker) -> str:
    pdf = walker.citizen.get(f"/dossiers/{walker.code}/result")
    assert pdf.status_code == 200
    return squeeze(pdf_text(b"".join(pdf.streaming_content)))


def started(name: str, data: dict | None = None) -> Walker:
    walker = Walker(DEFINITIONS[name])
    example = dict(DEFINITIONS[name]["example"], **(data or {}))
    walker.submit(components=components_for(walker.definition, example), data=example)
    walker.receive()
    return walker


def finish_step(walker: Walker, step: str, body: dict, expect: int = 200) -> dict:
    task = next(t for t in walker.tasks(TaskStatus.OPEN) if t.step == step)
    who = worker(task.unit, task.role)
    if walker.dossier.status == 2:
        walker.act(who, "start_processing", {"task": step})
    action = "approve" if task.role == "approver" else "transfer"
    return walker.act(who, action, {"task": step, **body}, expect=expect)


# --- the death bundle --------------------------------------------------------------------------------


def test_the_deceased_is_looked_up_by_the_id_the_form_gives_and_cannot_be_forged(demo):
    version = Procedure.objects.get(code="1.011537").current
    found = prefill.lookup(user("citizen"), version, data={"deceased_id_number": "001045098765"})
    assert found["deceased_name"].value == "Nguyễn Văn Bảy" and found["deceased_name"].read_only
    assert found["deceased_address"].value.startswith("Số 12 đường Lê Lợi")
    # The applicant's own record never fills the deceased's fields, and no ID means no look-up.
    assert "deceased_name" not in prefill.lookup(user("citizen"), version, data={})
    assert "deceased_name" not in prefill.lookup(user("citizen"), version, data={"deceased_id_number": "123"})
    walker = Walker(DEFINITIONS[DEATH])
    forged = dict(walker.definition["example"], deceased_name="Người Khác", deceased_birth_date="1999-01-01")
    walker.submit(components=components_for(walker.definition, forged), data=forged)
    data = walker.dossier.data
    assert (data["deceased_name"], data["deceased_birth_date"]) == ("Nguyễn Văn Bảy", "1945-03-08")


def document_pdfs(walker: Walker) -> dict[str, tuple[dict, bytes]]:
    """{document type: (its line in the dossier's API answer, its PDF)} of the documents issued with the result."""
    listed = walker.citizen.get(f"/dossiers/{walker.code}").json()["result_documents"]
    found = {}
    for doc in listed:
        answer = walker.citizen.get(doc["url"].removeprefix("/api/v1"))
        assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf", doc
        found[doc["document_type"]] = (doc, b"".join(answer.streaming_content))
    return found


def test_the_death_bundle_gives_three_documents_each_signed_by_its_agency_in_its_holders_vault(demo):
    # The household head is citizen3 (Lê Minh Châu): the residence notice goes to her vault.
    walker = started(DEATH, {"household_head_name": "Lê Minh Châu", "household_head_id": "031201067890"})
    walker.process()
    walker.finish()
    tasks = {t.step: t for t in walker.dossier.tasks.select_related("unit", "done_by")}
    text = result_text(walker)
    # The death extract is the commune's own file; it names the two documents issued with it.
    assert "TRÍCH LỤC KHAI TỬ" in text and "Nguyễn Văn Bảy" in text and "08/03/1945" in text
    assert "THÔNG BÁO VỀ VIỆC XÓA ĐĂNG KÝ THƯỜNG TRÚ" not in text  # not a page of it any more
    assert "Thông báo về việc xóa đăng ký thường trú, số " in text and "do Công an xã An Bình ban hành" in text
    documents = document_pdfs(walker)
    assert set(documents) == {"residence_deletion_notice", "funeral_allowance_decision"}
    expected = {
        "residence_deletion_notice": ("delete_residence", "THÔNG BÁO VỀ VIỆC XÓA ĐĂNG KÝ THƯỜNG TRÚ",
                                      "Người được cấp: Lê Minh Châu (số định danh / mã số 031201067890)"),
        "funeral_allowance_decision": ("funeral_allowance", "QUYẾT ĐỊNH TRỢ CẤP MAI TÁNG",
                                       "Người được cấp: Nguyễn Văn An (số định danh / mã số 001090012345)"),
    }
    for kind, (step, title, holder) in expected.items():
        line, pdf = documents[kind]
        task = tasks[step]
        part = squeeze(pdf_text(pdf))
        assert title in part and holder in part and "TRÍCH LỤC KHAI TỬ" not in part, kind
        assert task.unit.name.upper() in part and task.done_by.get_full_name() in part, kind
        assert line["unit"] == task.unit.code and line["number"].startswith(f"KQ-{walker.code}-")
        # Its own signature, valid, by the certificate of the unit that did the step, naming its officer.
        verdict = signing.verify_pdf(pdf)
        assert verdict.valid, (kind, verdict)
        assert verdict.signer == task.unit.name[:64], kind
        [embedded] = PdfFileReader(io.BytesIO(pdf)).embedded_regular_signatures
        assert embedded.sig_object["/Name"] == task.done_by.get_full_name(), kind
        assert embedded.sig_object["/Location"] == task.unit.name, kind
    # The police signed the residence notice; the commune (another unit) the extract and the allowance.
    assert tasks["delete_residence"].unit.agency == "police" and tasks["delete_residence"].unit != walker.dossier.unit
    result = walker.dossier.result
    with result.file.open("rb") as f:
        assert signing.verify_pdf(f.read()).signer == walker.dossier.unit.name[:64]
    docs = {d.document_type: (d.owner.username, d.sha256) for d in VaultDocument.objects.filter(
        source_dossier=walker.code, origin=Origin.RESULT)}
    assert {k: v[0] for k, v in docs.items()} == {"death_extract": "citizen", "residence_deletion_notice": "citizen3",
                                                 "funeral_allowance_decision": "citizen"}
    # Each vault document is its own file: the household head gets the police's notice, not the family's papers.
    assert docs["residence_deletion_notice"][1] == hashlib.sha256(documents["residence_deletion_notice"][1]).hexdigest()
    assert len({v[1] for v in docs.values()}) == 3
    # The public check page knows each file, and names the agency that issued it.
    page = Client().post("/verify/", {"document": SimpleUploadedFile(
        "thong-bao.pdf", documents["residence_deletion_notice"][1], content_type="application/pdf")})
    html = page.content.decode()
    assert page.status_code == 200 and "Văn bản hợp lệ" in html and "Công an xã An Bình" in html
    # A number that is not one of the dossier's documents: 404; another citizen: 404.
    assert walker.citizen.get(f"/dossiers/{walker.code}/results/KQ-{walker.code}-9").status_code == 404
    number = documents["funeral_allowance_decision"][0]["number"]
    assert ApiClient("citizen2").get(f"/dossiers/{walker.code}/results/{number}").status_code == 404
    # The applicant's page links each document.
    page = logged_in("citizen").get(f"/my/dossiers/{walker.code}/").content.decode()
    assert f"/my/dossiers/{walker.code}/results/{number}.pdf" in page


def test_without_the_funeral_allowance_the_bundle_gives_two_documents(demo):
    walker = started(DEATH, {"funeral_allowance": False})
    walker.process()
    walker.finish()
    text = result_text(walker)
    assert "Thông báo về việc xóa đăng ký thường trú" in text and "Quyết định trợ cấp mai táng" not in text
    assert set(document_pdfs(walker)) == {"residence_deletion_notice"}
    assert set(VaultDocument.objects.filter(source_dossier=walker.code, origin=Origin.RESULT).values_list("document_type", flat=True)) == {
        "death_extract", "residence_deletion_notice"}


# --- the disability certificate ------------------------------------------------------------------------


def test_the_council_records_the_level_which_is_printed_on_the_childs_certificate(demo):
    walker = started(DISABILITY)
    # The council must choose, and a disability needs its form and level, valid values only.
    assert finish_step(walker, "council", {}, expect=422)["code"] == "choice_required"
    assert finish_step(walker, "council", {"choice": "maybe"}, expect=422)["code"] == "unknown_choice"
    assert finish_step(walker, "council", {"choice": "disabled"}, expect=422)["code"] == "invalid_values"
    bad = {"choice": "disabled", "values": {"disability_form": "van_dong", "disability_level": "rat_nang"}}
    assert finish_step(walker, "council", bad, expect=422)["code"] == "invalid_values"
    extra = {"choice": "disabled", "values": {"disability_form": "van_dong", "disability_level": "nang", "x": "1"}}
    assert finish_step(walker, "council", extra, expect=422)["code"] == "invalid_values"
    good = {"choice": "disabled", "values": {"disability_form": "van_dong", "disability_level": "nang"}}
    finish_step(walker, "council", good)
    event = DossierEvent.objects.filter(dossier__code=walker.code, action="transfer").latest("id")
    assert event.data["choice"] == "disabled" and event.data["values"] == good["values"]
    # The applicant and the API read what the council concluded.
    assert walker.get()["decisions"] == {"choices": {"council": "disabled"}, "values": good["values"]}
    walker.process()
    walker.finish()
    text = result_text(walker)
    assert "GIẤY XÁC NHẬN KHUYẾT TẬT" in text
    assert "Mức độ khuyết tật Khuyết tật nặng" in text and "Dạng khuyết tật Khuyết tật vận động" in text
    assert "Người được cấp: Nguyễn Minh Khôi (số định danh / mã số 001215003344)" in text
    # The child has no account: the certificate is kept by the parent who filed for him.
    doc = VaultDocument.objects.get(source_dossier=walker.code, origin=Origin.RESULT)
    assert (doc.owner.username, doc.document_type) == ("citizen", "disability_certificate")


def test_a_refusal_after_the_council_ends_with_a_signed_refusal_letter_with_its_reasons(demo):
    walker = started(DISABILITY)
    assert finish_step(walker, "council", {"choice": "not_disabled"}, expect=422)["code"] == "reason_required"
    reasons = "Hội đồng kết luận không đủ căn cứ xác định khuyết tật."
    finish_step(walker, "council", {"choice": "not_disabled", "reason": reasons})
    assert Dossier.objects.get(code=walker.code).decisions["refusal"]["reasons"] == reasons
    walker.process()
    walker.finish()
    text = result_text(walker)
    assert "VĂN BẢN TỪ CHỐI CẤP GIẤY XÁC NHẬN KHUYẾT TẬT" in text and reasons in text
    assert "GIẤY XÁC NHẬN KHUYẾT TẬT" not in text.replace("TỪ CHỐI CẤP GIẤY XÁC NHẬN KHUYẾT TẬT", "")
    doc = VaultDocument.objects.get(source_dossier=walker.code, origin=Origin.RESULT)
    assert (doc.owner.username, doc.document_type, doc.reference) == ("citizen", "refusal_letter", f"TC-{walker.code}")


# --- the food-safety certificate -----------------------------------------------------------------------


def test_an_inspection_to_be_completed_is_done_once_more_then_passes_and_the_business_holds_the_certificate(demo):
    walker = started(FOOD)
    finish_step(walker, "review", {})
    finish_step(walker, "inspect", {"choice": "remedy"})
    event = DossierEvent.objects.filter(dossier__code=walker.code, action="transfer").latest("id")
    assert (event.data["choice"], event.data["back"], [o["step"] for o in event.data["opened"]]) == (
        "remedy", "inspect", ["inspect"])
    inspect = next(t for t in walker.tasks() if t.step == "inspect")
    assert inspect.status == TaskStatus.OPEN and inspect.done_at is None
    # The loop is bounded: once used, "to be completed" is no longer offered.
    refused = finish_step(walker, "inspect", {"choice": "remedy"}, expect=422)
    assert refused["code"] == "unknown_choice" and refused["choices"] == ["pass", "fail"]
    finish_step(walker, "inspect", {"choice": "pass", "values": {"inspection_date": "2026-12-01"}})
    walker.process()
    walker.finish()
    text = result_text(walker)
    assert "GIẤY CHỨNG NHẬN CƠ SỞ ĐỦ ĐIỀU KIỆN AN TOÀN THỰC PHẨM" in text
    assert "Người được cấp: Quán cơm Bình An (số định danh / mã số 11A8012345)" in text
    assert "Ngày thẩm định tại cơ sở 01/12/2026" in text
    assert Dossier.objects.get(code=walker.code).decisions["rounds"] == {"inspect.remedy": 1}


def test_a_failed_inspection_is_refused_in_writing_and_the_certificate_never_issued(demo):
    walker = started(FOOD)
    finish_step(walker, "review", {})
    finish_step(walker, "inspect", {"choice": "fail", "values": {"inspection_date": "2026-12-01"},
                                    "reason": "Khu vực chế biến không bảo đảm vệ sinh."})
    walker.process()
    walker.finish()
    text = result_text(walker)
    assert "VĂN BẢN TỪ CHỐI CẤP GIẤY CHỨNG NHẬN" in text and "Khu vực chế biến không bảo đảm vệ sinh." in text
    assert not VaultDocument.objects.filter(source_dossier=walker.code, document_type="food_safety_certificate").exists()


def test_a_step_without_choices_refuses_a_choice_and_values(demo):
    walker = started(FOOD)
    assert finish_step(walker, "review", {"choice": "pass"}, expect=422)["code"] == "unknown_choice"
    assert finish_step(walker, "review", {"values": {"a": "1"}}, expect=422)["code"] == "unknown_values"
    r = ApiClient(worker(walker.dossier.unit, "specialist")).post(
        f"/dossiers/{walker.code}/actions/transfer", {"task": "review", "choice": "Bad Choice!"})
    assert r.status_code == 422
    r = ApiClient(worker(walker.dossier.unit, "specialist")).post(
        f"/dossiers/{walker.code}/actions/transfer", {"task": "review", "values": {"a": "x\x00"}})
    assert r.status_code in (400, 422)


def test_an_outsider_cannot_decide(demo):
    walker = started(FOOD)
    finish_step(walker, "review", {})
    # Another commune's specialist sees no such dossier.
    r = ApiClient("specialist_hoathuan").post(f"/dossiers/{walker.code}/actions/transfer",
                                               {"task": "inspect", "choice": "pass"})
    assert r.status_code == 404


# --- the officer's page and the API ---------------------------------------------------------------------


def test_the_officers_form_offers_the_choices_and_records_the_values(demo):
    walker = started(FOOD)
    finish_step(walker, "review", {})
    client = logged_in("specialist_anbinh")
    page = client.get(f"/office/dossiers/{walker.code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="choice" value="pass"' in html and 'name="choice" value="remedy"' in html
    assert 'name="value-inspection_date"' in html
    r = client.post(f"/office/dossiers/{walker.code}/act/transfer/",
                    {"task": "inspect", "choice": "pass", "value-inspection_date": "2026-12-02"})
    assert r.status_code in (302, 303), r.content[:500]
    assert Dossier.objects.get(code=walker.code).decisions["values"] == {"inspection_date": "2026-12-02"}


def test_the_procedure_detail_names_the_decisions_and_the_documents(demo, client):
    r = client.get("/api/v1/procedures/2.000591")
    assert r.status_code == 200
    body = r.json()
    [inspect] = body["decisions"]
    assert inspect["step"] == "inspect"
    assert [(c["id"], c["next"], c["back"], c["max"], c["refuse"]) for c in inspect["choices"]] == [
        ("pass", ["sign"], None, None, False), ("remedy", [], "inspect", 1, False), ("fail", ["sign"], None, None, True)]
    assert inspect["choices"][0]["requires"] == ["inspection_date"]
    assert inspect["record"]["properties"]["inspection_date"]["format"] == "date"
    assert [(d["kind"], d["document_type"]) for d in body["documents"]] == [
        ("result", "food_safety_certificate"), ("refusal", "refusal_letter")]
    assert body["documents"][0]["holder"] == {"name": "business_name", "id": "business_code"}
    death = client.get("/api/v1/procedures/1.011537").json()
    assert [(d["kind"], d.get("step")) for d in death["documents"]] == [
        ("result", None), ("part", "delete_residence"), ("part", "funeral_allowance")]


def test_issued_documents_speak_the_installations_language(demo, settings):
    # An installation whose first language is English (a country pack's) issues its results in English.
    settings.LANGUAGE_CODE = "en"
    walker = started(FOOD)
    finish_step(walker, "review", {})
    finish_step(walker, "inspect", {"choice": "pass", "values": {"inspection_date": "2026-12-01"}})
    walker.process()
    walker.finish()
    text = result_text(walker)
    assert "FOOD SAFETY CERTIFICATE" in text and "SIGNED BY" in text
    assert "Result of the procedure “Food safety certificate of a food-service business (household business)”" in text
    assert "Holder: Quán cơm Bình An (personal ID / registration number 11A8012345)" in text
    assert "Date of the inspection 1 Dec 2026" in text
    assert "Kết quả giải quyết thủ tục" not in text


def test_on_the_portal_the_deceased_is_filled_from_the_id_and_refilled_when_it_changes(demo):
    from motcua.drafts.models import Draft

    client = logged_in("citizen")
    client.post("/procedures/1.011537/start/")
    draft = Draft.objects.filter(owner__username="citizen").latest("id")
    base = f"/my/drafts/{draft.public_id}"
    assert client.post(f"{base}/deceased_key/", {"deceased_id_number": "001045098765", "relationship": "con"}).status_code == 302
    page = client.get(f"{base}/deceased/").content.decode()
    assert "Nguyễn Văn Bảy" in page
    client.post(f"{base}/deceased/", {"deceased_name": "Người Khác", "date_of_death": "2026-11-02",
                                      "place_of_death": "Tại nhà", "cause_of_death": "Tuổi cao"})
    assert Draft.objects.get(pk=draft.pk).data["deceased_name"] == "Nguyễn Văn Bảy"  # verified: not the posted name
    # Another ID, unknown to the registry: the first person's data is not kept in the second's place.
    client.post(f"{base}/deceased_key/", {"deceased_id_number": "001045000001", "relationship": "con"})
    assert "deceased_name" not in Draft.objects.get(pk=draft.pk).data
