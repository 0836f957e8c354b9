"""Once-only: registry prefill, the citizen's vault, document reuse and the access log."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from motcua.catalog.models import Procedure
from motcua.dossiers import actions
from motcua.dossiers.models import Dossier
from motcua.drafts.models import Draft
from motcua.lib.errors import Invalid
from motcua.vault.models import AccessLog, VaultDocument
from motcua.vault.prefill import prefill
from motcua.vault.store import documents_for
from tests.conftest import BIRTH, logged_in, user

BUNDLE_URL = "/procedures/3.000722/"
PASSPORT_URL = "/procedures/1.001456/"


def html(response) -> str:
    return response.content.decode()


def bundle_post(**extra) -> dict:
    """The birth + residence + health-insurance bundle as citizen2 (the mother) fills it: nothing the registries know."""
    return {
        "relationship": "me", "child_name": "Võ Minh Khôi", "child_birth_date": "2026-11-24", "child_sex": "nam",
        "birth_place": "Bệnh viện Đa khoa tỉnh Demo", "registration_timing": "on_time",
        "residence_with_parent": "on", "health_facility": "Trạm y tế phường Hòa Thuận", **extra,
    }


def form_pages(client: Client, url: str) -> str:
    """Every step page of a new draft of the procedure at `url` (fields and documents), one after the other."""
    from motcua.drafts.models import Draft
    from motcua.portal import steps

    assert client.post(f"{url}start/").status_code == 302
    draft = Draft.objects.latest("created_at")
    pages = []
    for step in steps.plan(draft.procedure_version):
        if step.kind == "review":
            continue
        r = client.get(f"/my/drafts/{draft.public_id}/{step.id}/")
        assert r.status_code == 200
        pages.append(html(r))
    return "".join(pages)


def vault_doc(username: str, document_type: str) -> VaultDocument:
    return documents_for(user(username), document_type).get()


# --- prefill ------------------------------------------------------------------------


def test_prefill_gives_registry_values_verified_and_logs_the_read(demo):
    version = Procedure.objects.get(code="1.001456").current
    found = prefill(user("citizen"), version, purpose="1.001456")
    assert {k: v.value for k, v in found.items()} == {
        "full_name": "Nguyễn Văn An", "personal_id": "001090012345", "birth_date": "1990-04-12",
    }
    item = found["full_name"]
    assert item.registry == "population" and item.verified and item.read_only
    assert item.source == "Cơ sở dữ liệu quốc gia về dân cư"
    log = AccessLog.objects.get(citizen=user("citizen"))
    assert log.kind == "registry" and log.registry == "population" and log.purpose == "1.001456"
    assert log.fields == ["birth_date", "full_name", "personal_id"] and log.actor == user("citizen")


def test_form_shows_registry_fields_read_only_with_their_source(demo):
    page = form_pages(logged_in("citizen"), PASSPORT_URL)
    assert re.search(
        r'<input type="text" id="field-full_name" name="full_name" value="Nguyễn Văn An" readonly'
        r' aria-describedby="field-full_name-source">', page,
    )
    assert '<p class="verified" id="field-full_name-source"><span class="badge-verified">Đã xác thực</span>' in page
    assert "Lấy từ Cơ sở dữ liệu quốc gia về dân cư; không sửa được ở đây." in page
    assert re.search(r'<input type="date" id="field-birth_date" name="birth_date" value="1990-04-12" readonly', page)


def test_a_forged_registry_value_is_ignored(demo):
    client = logged_in("citizen2")
    r = client.post(
        BUNDLE_URL,
        bundle_post(mother_name="Người Khác", mother_id_number="001090012345", residence_address="Nơi khác hẳn 123",
                    **{"vault-birth_certificate": str(vault_doc("citizen2", "medical_birth_certificate").pk)}),
    )
    assert r.status_code == 302, html(r)
    dossier = Dossier.objects.get()
    assert dossier.data["mother_name"] == "Trần Thị Bình"
    assert dossier.data["mother_id_number"] == "079195054321"
    # A conditional prefill is enforced too when its condition holds (the child lives with the mother).
    assert dossier.data["residence_address"].startswith("Số 45 đường Trần Phú")
    event = dossier.events.get(action="submit")
    assert event.data["registry_fields"] == {
        "mother_id_number": "population", "mother_name": "population", "residence_address": "population",
    }


def test_a_suggestion_is_not_forced_when_its_condition_does_not_hold(demo):
    r = logged_in("citizen").post("/procedures/1.001193/", {**BIRTH, "relationship": "ong_ba", "father_name": "Ai Đó"})
    assert r.status_code == 302
    assert Dossier.objects.get().data["father_name"] == "Ai Đó"


def test_the_api_gets_the_same_registry_values(demo, as_user):
    example = dict(Procedure.objects.get(code="1.001456").current.definition["example"])
    r = as_user("citizen3").post(
        "/dossiers", {"procedure": "1.001456", "data": {**example, "full_name": "Giả Mạo", "personal_id": "001090012345"}}
    )
    assert r.status_code == 201, r.content
    assert r.json()["data"]["full_name"] == "Lê Minh Châu" and r.json()["data"]["personal_id"] == "031201067890"


# --- registry down ------------------------------------------------------------------


def test_registry_down_is_a_clear_message_not_a_500(demo, settings):
    settings.REGISTRY_URLS = {"population": "http://127.0.0.1:9/nothing-listens"}
    settings.REGISTRY_TIMEOUT_SECONDS = 2
    client = logged_in("citizen")
    text = form_pages(client, PASSPORT_URL)
    assert "Hiện không kết nối được Cơ sở dữ liệu quốc gia về dân cư" in text
    assert 'name="full_name" value=""' in text and "readonly" not in text
    assert not AccessLog.objects.exists()


# --- the vault: reuse ------------------------------------------------------------------


def test_form_offers_matching_valid_vault_documents(demo):
    page = form_pages(logged_in("citizen2"), BUNDLE_URL)
    doc = vault_doc("citizen2", "medical_birth_certificate")
    assert f'id="vault-birth_certificate-{doc.pk}" name="vault-birth_certificate" value="{doc.pk}"' in page
    assert "Dùng giấy tờ đã có trong kho dữ liệu của bạn" in page
    land = vault_doc("citizen2", "land_use_certificate")
    assert f'name="vault-residence_documents" value="{land.pk}"' in page
    # Another citizen's documents are never offered.
    other = vault_doc("citizen", "id_card")
    assert f'value="{other.pk}"' not in page


def test_vault_reuse_is_recorded_on_the_dossier_and_logged(demo):
    doc = vault_doc("citizen2", "medical_birth_certificate")
    r = logged_in("citizen2").post(BUNDLE_URL, bundle_post(**{"vault-birth_certificate": str(doc.pk)}))
    assert r.status_code == 302, html(r)
    dossier = Dossier.objects.get()
    record = next(c for c in dossier.components if c["key"] == "birth_certificate")
    assert record["source"] == "vault" and record["vault_document"] == doc.pk and record["sha256"] == doc.sha256
    assert dossier.events.get(action="submit").data["vault_documents"] == {"birth_certificate": doc.pk}
    read = AccessLog.objects.get(kind="vault")
    assert read.document == doc and read.dossier == dossier.code and read.citizen == user("citizen2")
    # Both the applicant's and the officer's page say which answers the registry gave.
    for who in ("citizen2", "onestop_hoathuan"):
        url = f"/my/dossiers/{dossier.code}/" if who == "citizen2" else f"/office/dossiers/{dossier.code}/"
        page = html(logged_in(who).get(url))
        assert "Lấy từ cơ sở dữ liệu khi nộp hồ sơ:" in page
        assert "<li>Họ và tên mẹ — Cơ sở dữ liệu quốc gia về dân cư</li>" in page
    # The registry-held component was looked up inside the submission and logged.
    parents = next(c for c in dossier.components if c["key"] == "parents_identity")
    assert parents["source"] == "registry" and parents["found"] is True
    # One row for the dossier's registry read: the prefilled fields and the looked-up component together.
    [read] = AccessLog.objects.filter(kind="registry", dossier=dossier.code, actor=None)
    assert "parents_identity" in read.fields and len(read.fields) > 1


def test_another_citizens_vault_document_is_refused_and_nothing_stored(demo):
    theirs = vault_doc("citizen", "id_card")
    r = logged_in("citizen2").post(BUNDLE_URL, bundle_post(**{"vault-birth_certificate": str(theirs.pk)}))
    assert r.status_code == 422
    assert f"Không có giấy tờ số {theirs.pk} trong kho dữ liệu của bạn." in html(r)
    assert not Dossier.objects.exists() and not AccessLog.objects.filter(kind="vault").exists()


def test_wrong_type_and_expired_vault_documents_are_refused(demo):
    citizen2 = user("citizen2")
    land = vault_doc("citizen2", "land_use_certificate")
    with pytest.raises(Invalid) as wrong:
        actions.submit(citizen2, "3.000722", {}, components=[{"key": "birth_certificate", "vault_document": land.pk}])
    assert wrong.value.code == "vault_document_wrong_type"
    birth = vault_doc("citizen2", "medical_birth_certificate")
    VaultDocument.objects.filter(pk=birth.pk).update(valid_until="2020-01-01")
    r = logged_in("citizen2").post(BUNDLE_URL, bundle_post(**{"vault-birth_certificate": str(birth.pk)}))
    assert r.status_code == 422 and "đã hết hiệu lực từ ngày 01/01/2020" in html(r)
    assert not Dossier.objects.exists()


def test_upload_with_a_dossier_is_kept_in_the_vault(demo):
    pdf = b"%PDF-1.4\n% test\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = logged_in("citizen").post(
        "/procedures/1.001193/", {**BIRTH, "component-birth_certificate": SimpleUploadedFile("giay-chung-sinh.pdf", pdf)}
    )
    assert r.status_code == 302
    dossier = Dossier.objects.get()
    kept = VaultDocument.objects.get(owner=user("citizen"), origin="upload")
    assert kept.source_dossier == dossier.code and kept.document_type == "medical_birth_certificate"
    assert kept.size == len(pdf) and kept.content_type == "application/pdf"


# --- pages --------------------------------------------------------------------------


def test_my_documents_and_access_log_pages(demo):
    client = logged_in("citizen2")
    page = html(client.get("/my/documents/"))
    doc = vault_doc("citizen2", "marriage_certificate")
    assert "Giấy chứng nhận kết hôn — Võ Minh Tuấn và Trần Thị Bình" in page and "UBND phường Hòa Thuận" in page
    download = client.get(f"/my/documents/{doc.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")
    # Someone else's document looks like one that does not exist.
    assert client.get(f"/my/documents/{vault_doc('citizen', 'id_card').pk}/").status_code == 404
    form_pages(client, BUNDLE_URL)
    log = html(client.get("/my/access-log/"))
    assert "Bạn, qua Cổng dịch vụ công" in log and "Dữ liệu của bạn trong Cơ sở dữ liệu quốc gia về dân cư" in log


# --- results go into the vault; officers' reads are logged -----------------------------


def test_an_issued_result_appears_in_the_applicants_vault(demo):
    from tests.walker import Walker

    walker = Walker(Procedure.objects.get(code="1.001193").current.definition)
    walker.submit()
    walker.walk()
    kept = VaultDocument.objects.get(owner=user("citizen"), origin="result")
    assert kept.document_type == "birth_certificate" and kept.source_dossier == walker.code
    assert kept.reference == f"KQ-{walker.code}" and kept.issuer == walker.dossier.unit.name
    assert kept.sha256 == walker.dossier.result.sha256
    # And it is offered in the next dossier that accepts a birth certificate (the passport for a child).
    page = form_pages(logged_in("citizen"), PASSPORT_URL)
    assert f'name="vault-child_birth_certificate" value="{kept.pk}"' in page


def test_an_officer_opening_a_reused_document_is_in_the_owners_log(demo):
    doc = vault_doc("citizen2", "medical_birth_certificate")
    assert logged_in("citizen2").post(BUNDLE_URL, bundle_post(**{"vault-birth_certificate": str(doc.pk)})).status_code == 302
    dossier = Dossier.objects.get()
    # The applicant's own download is not a read by someone else.
    assert logged_in("citizen2").get(f"/my/dossiers/{dossier.code}/components/birth_certificate/").status_code == 200
    before = AccessLog.objects.filter(kind="vault").count()
    r = logged_in("onestop_hoathuan").get(f"/office/dossiers/{dossier.code}/components/birth_certificate/")
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF-")
    read = AccessLog.objects.filter(kind="vault").order_by("-id").first()
    assert AccessLog.objects.filter(kind="vault").count() == before + 1
    assert read.actor == user("onestop_hoathuan") and read.dossier == dossier.code and read.document == doc
    log = html(logged_in("citizen2").get("/my/access-log/"))
    assert "Cán bộ Lý Thị Hoa" in log


# --- the API ------------------------------------------------------------------------------


def test_api_lists_vault_documents_and_access_log(demo, as_user):
    api = as_user("citizen2")
    docs = api.get("/vault/documents").json()
    assert {d["document_type"] for d in docs} >= {"id_card", "medical_birth_certificate", "marriage_certificate"}
    assert all(d["file_url"].startswith("/api/v1/vault/documents/") for d in docs)
    one = api.get(docs[0]["file_url"][len("/api/v1"):])
    assert one.status_code == 200
    theirs = vault_doc("citizen", "id_card")
    r = api.get(f"/vault/documents/{theirs.pk}/file")
    assert r.status_code == 404 and r.json()["code"] == "vault_document_not_found"
    prefill(user("citizen2"), Procedure.objects.get(code="3.000722").current)
    log = api.get("/vault/access-log").json()
    assert log[0]["kind"] == "registry" and log[0]["registry"] == "population"


def test_api_submits_with_a_vault_document_and_refuses_anothers(demo, as_user):
    api = as_user("citizen2")
    example = Procedure.objects.get(code="3.000722").current.definition["example"]
    theirs = vault_doc("citizen", "id_card")
    refused = api.post("/dossiers", {"procedure": "3.000722", "data": example,
                                     "components": [{"key": "birth_certificate", "vault_document": theirs.pk}]})
    assert refused.status_code == 422 and refused.json()["code"] == "vault_document_not_found"
    assert refused.json()["message"] == f"Không có giấy tờ số {theirs.pk} trong kho dữ liệu của bạn."
    assert not Dossier.objects.exists() and not AccessLog.objects.exists()
    mine = vault_doc("citizen2", "medical_birth_certificate")
    r = api.post("/dossiers", {"procedure": "3.000722", "data": example,
                               "components": [{"key": "birth_certificate", "vault_document": mine.pk}]})
    assert r.status_code == 201, r.content
    record = next(c for c in r.json()["components"] if c["key"] == "birth_certificate")
    assert record["source"] == "vault" and record["vault_document"] == mine.pk


def test_api_refuses_component_records_with_paths(demo, as_user):
    r = as_user("citizen").post("/dossiers", {"procedure": "1.001193", "data": BIRTH, "components": [
        {"key": "birth_certificate", "source": "upload", "path": "results/2026/11/KQ.pdf", "sha256": "0" * 64},
    ]})
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"
    assert not Dossier.objects.exists()


def test_api_upload_then_submit_once(demo, as_user, settings):
    api = as_user("citizen")
    up = api.upload("giay-chung-sinh.pdf", procedure="1.001193", component="birth_certificate")
    assert up.status_code == 201, up.content
    token = up.json()["id"]
    assert up.json()["content_type"] == "application/pdf" and len(token) == 32
    # Another citizen cannot name it.
    other = as_user("citizen3").post("/dossiers", {"procedure": "1.001193", "data": BIRTH,
                                                   "components": [{"key": "birth_certificate", "upload": token}]})
    assert other.status_code == 422 and other.json()["code"] == "upload_not_found"
    r = api.post("/dossiers", {"procedure": "1.001193", "data": BIRTH, "components": [{"key": "birth_certificate", "upload": token}]})
    assert r.status_code == 201, r.content
    record = r.json()["components"][0]
    assert record["source"] == "upload" and record["path"].startswith("dossiers/") and record["name"] == "giay-chung-sinh.pdf"
    again = api.post("/dossiers", {"procedure": "1.001193", "data": BIRTH, "components": [{"key": "birth_certificate", "upload": token}]})
    assert again.status_code == 422 and again.json()["code"] == "upload_already_used"
    assert Dossier.objects.count() == 1


def test_api_upload_refuses_lies_about_type_and_too_large_files(demo, as_user, settings):
    from motcua.vault.models import Upload

    api = as_user("citizen")
    lie = api.upload("giay-to.pdf", b"GIF89a not a pdf at all")
    assert lie.status_code == 415 and lie.json()["code"] == "upload_wrong_type"
    assert "không phải là PDF" in lie.json()["message"]
    # The passport photo takes JPEG or PNG up to 5 MB.
    pdf_for_photo = api.upload("anh.pdf", b"%PDF-1.4\n", procedure="1.001456", component="photo")
    assert pdf_for_photo.status_code == 415
    big = api.upload("anh.png", b"\x89PNG\r\n\x1a\n" + b"0" * (5 * 1024 * 1024 + 1), procedure="1.001456", component="photo")
    assert big.status_code == 413 and big.json()["code"] == "upload_too_large"
    empty = api.upload("rong.pdf", b"")
    assert empty.status_code in (413, 415, 422) and empty.json()["code"] in ("upload_empty", "invalid_request")
    assert not Upload.objects.exists()
    media = settings.MEDIA_ROOT / "dossiers"
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


# --- the HTTP adapter, for real, against the live server's demo registry -------------------


def test_http_adapter_reads_the_demo_registry_over_http(live_server, db):
    from motcua.vault.registries.http import HttpRegistry

    registry = HttpRegistry("population", f"{live_server.url}/demo-registry/population", timeout=10)
    record = registry.lookup("079195054321")
    assert record is not None and record.get("full_name") == "Trần Thị Bình" and record.get("spouse.full_name") == "Võ Minh Tuấn"
    assert registry.lookup("001099999999") is None
    enterprise = HttpRegistry("enterprise", f"{live_server.url}/demo-registry/enterprise", timeout=10).lookup("0109876543")
    assert enterprise is not None and enterprise.get("legal_representative.full_name") == "Nguyễn Văn An"


def test_http_adapter_maps_errors_to_unavailable(live_server, db):
    from motcua.vault.registries import RegistryUnavailable
    from motcua.vault.registries.http import HttpRegistry

    # The API answers 401 without a token: not a registry answer. (An address no route matches is a
    # plain 404, which a registry means as "no such record": this one needs a route that asks for a token.)
    with pytest.raises(RegistryUnavailable):
        HttpRegistry("population", f"{live_server.url}/api/v1/dossiers", timeout=10).lookup("079195054321")
    with pytest.raises(RegistryUnavailable):
        HttpRegistry("population", "http://127.0.0.1:9", timeout=2).lookup("079195054321")


def test_prefill_and_submission_through_the_http_adapter(live_server, demo, settings):
    settings.REGISTRY_URLS = {"population": f"{live_server.url}/demo-registry/population"}
    settings.DEMO_REGISTRY_ENABLED = False  # only the HTTP adapter can answer
    client = logged_in("citizen2")
    assert client.post(f"{BUNDLE_URL}start/").status_code == 302
    draft_url = f"/my/drafts/{Draft.objects.get().public_id}"
    assert client.post(f"{draft_url}/child/", {k: v for k, v in bundle_post().items() if k != "registration_timing"}).status_code == 302
    page = html(client.get(f"{draft_url}/parents/"))
    assert 'name="mother_name" value="Trần Thị Bình" readonly' in page
    doc = vault_doc("citizen2", "medical_birth_certificate")
    r = logged_in("citizen2").post(BUNDLE_URL, bundle_post(mother_name="X", **{"vault-birth_certificate": str(doc.pk)}))
    assert r.status_code == 302
    assert Dossier.objects.get().data["mother_name"] == "Trần Thị Bình"


# --- supplements and choices in the portal ------------------------------------------------------


def test_a_supplement_is_answered_from_the_vault_in_the_portal(demo):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from motcua.vault.store import keep_issued

    citizen = user("citizen")
    dossier = actions.submit(citizen, "1.001193", {**BIRTH, "relationship": "ong_ba"}, components=[])
    letter = keep_issued(
        citizen, reference="t/uq", document_type="authorization_letter", title="Văn bản ủy quyền (chứng thực)",
        issuer="UBND xã An Bình", issued_on=None, valid_until=None, content=b"%PDF-1.4\n", file_name="uq.pdf",
    )
    officer = Client()
    officer.force_login(user("onestop_anbinh"))
    officer.post(f"/office/dossiers/{dossier.code}/act/request_supplement/", {
        "reason": "Thiếu giấy tờ", "items": ["birth_certificate", "authorization"],
    })
    client = logged_in("citizen")
    page = html(client.get(f"/my/dossiers/{dossier.code}/"))
    assert f'name="vault-authorization" value="{letter.pk}"' in page
    both = client.post(f"/my/dossiers/{dossier.code}/supplement/", {
        "component-birth_certificate": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n"),
        "component-authorization": SimpleUploadedFile("b.pdf", b"%PDF-1.4\n"), "vault-authorization": str(letter.pk),
    })
    assert both.status_code == 422 and "không cả hai" in html(both)
    r = client.post(f"/my/dossiers/{dossier.code}/supplement/", {
        "component-birth_certificate": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n"), "vault-authorization": str(letter.pk),
    })
    assert r.status_code == 302
    dossier.refresh_from_db()
    record = next(c for c in dossier.components if c["key"] == "authorization")
    assert record["source"] == "vault" and record["vault_document"] == letter.pk
    assert AccessLog.objects.filter(kind="vault", document=letter, dossier=dossier.code).exists()
    # The uploaded certificate went into the vault too.
    assert VaultDocument.objects.filter(owner=citizen, origin="upload", source_dossier=dossier.code).count() == 1


def test_done_when_a_demo_citizen_files_a_full_process_procedure_typing_nothing_a_registry_knows(demo):
    """citizen2 files the newborn bundle: the form already holds her data; she types only the child's."""
    client = logged_in("citizen2")
    assert client.post(f"{BUNDLE_URL}start/").status_code == 302
    doc = vault_doc("citizen2", "medical_birth_certificate")
    posted = bundle_post(**{"vault-birth_certificate": str(doc.pk)})
    assert not {"mother_name", "mother_id_number", "residence_address"} & set(posted)
    # Step by step, posting only what she typed (and the vault pick): nothing a registry knows.
    from motcua.drafts.models import Draft
    from motcua.portal import steps

    draft = Draft.objects.get()
    for step in steps.plan(draft.procedure_version):
        url = f"/my/drafts/{draft.public_id}/{step.id}/"
        page = html(client.get(url))
        if "mother_name" in step.fields:  # she said she is the mother on the step before
            for name in ("mother_name", "mother_id_number"):
                assert re.search(rf'name="{name}" value="[^"]+" readonly', page)
        if "residence_address" in step.fields:
            assert 'name="residence_address" value="Số 45 đường Trần Phú' in page  # the suggestion, already there
        if step.kind == "review":
            r = client.post(f"/my/drafts/{draft.public_id}/submit/", {"version": draft.procedure_version_id})
        elif step.kind == "documents":
            r = client.post(url, {k: v for k, v in posted.items() if k.startswith("vault-")})
        else:
            r = client.post(url, {k: v for k, v in posted.items() if k in step.fields})
        assert r.status_code == 302, (step.id, html(r))
    dossier = Dossier.objects.get()
    assert dossier.procedure.service_mode == "full"
    assert {c["key"] for c in dossier.components} == {"birth_certificate", "parents_identity"}


def test_vault_pages_in_english_and_bengali(demo):
    client = logged_in("citizen2")
    client.cookies["django_language"] = "en"
    page = html(client.get("/my/documents/"))
    assert "<h1>My documents</h1>" in page and "Issued by" in page
    page = form_pages(client, BUNDLE_URL)
    assert "Dùng giấy tờ đã có" not in page and "Use a document already in your vault" in page
    client.cookies["django_language"] = "bn"
    assert "কে আমার তথ্য পড়েছে" in html(client.get("/my/access-log/"))
