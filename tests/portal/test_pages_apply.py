"""Applying in steps: drafts saved on the server, errors beside the fields, review, submit, confirmation."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from motcua.catalog.models import Procedure
from motcua.dossiers.models import Dossier, DossierEvent, Status
from motcua.drafts.models import Draft
from motcua.identity.models import CitizenProfile, User
from tests.conftest import BIRTH, logged_in

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())  # wherever the module sits
START = "/procedures/1.001193/start/"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
CHILD = {k: BIRTH[k] for k in ("relationship", "child_name", "child_birth_date", "child_sex", "birth_place")}
PARENTS = {k: BIRTH[k] for k in ("mother_name", "father_name")}


def html(response) -> str:
    return response.content.decode()


def pdf(name: str = "giay-chung-sinh.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def stored_files() -> list[Path]:
    """Files uploaded for drafts and dossiers (the demo vault's own documents live elsewhere)."""
    root = Path(settings.MEDIA_ROOT) / "dossiers"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def start(client: Client) -> str:
    """Start a birth registration; the URL of its first step."""
    r = client.post(START)
    assert r.status_code == 302
    return r["Location"]


def draft_url(draft: Draft, step: str) -> str:
    return f"/my/drafts/{draft.public_id}/{step}/"


def fill_all(client: Client) -> Draft:
    """Walk every step of a birth registration with good answers and a PDF; stop at the review."""
    first = start(client)
    draft = Draft.objects.get()
    assert first == draft_url(draft, "child")
    assert client.post(first, CHILD)["Location"] == draft_url(draft, "parents")
    assert client.post(draft_url(draft, "parents"), PARENTS)["Location"] == draft_url(draft, "documents")
    r = client.post(draft_url(draft, "documents"), {"component-birth_certificate": pdf()})
    assert r["Location"] == draft_url(draft, "review")
    return Draft.objects.get()


# --- steps -------------------------------------------------------------------------------


def test_the_procedure_page_starts_a_draft_with_the_sections_as_steps(demo):
    client = logged_in("citizen")
    page = html(client.get("/procedures/1.001193/"))
    assert 'action="/procedures/1.001193/start/"' in page and "Biểu mẫu gồm 4 bước" in page
    first = start(client)
    page = html(client.get(first))
    assert "<h1>Thông tin của trẻ</h1>" in page and "Bước 1/4" in page
    # Only this step's fields; the form_ui help is the hint, the radio widget is honoured.
    assert 'name="child_name"' in page and 'name="mother_name"' not in page
    assert 'id="field-child_name-hint"' in page and "Viết đúng như sẽ ghi trên Giấy khai sinh." in page
    assert re.search(r'<input type="radio" id="field-child_sex" name="child_sex" value="nam"', page)
    assert '<span aria-current="step">Thông tin của trẻ</span>' in page
    for title in ("Cha, mẹ", "Thành phần hồ sơ", "Xem lại và nộp"):
        assert title in page
    assert 'value="later"' in page and "Lưu và tiếp tục sau" in page


def test_a_step_with_errors_shows_them_beside_the_fields_and_keeps_the_values(demo):
    client = logged_in("citizen")
    first = start(client)
    r = client.post(first, {**CHILD, "child_name": "", "birth_place": "Bệnh viện X", "child_sex": "x"})
    assert r.status_code == 422
    page = html(r)
    assert "<title>Lỗi:" in page and 'class="error-summary" role="alert"' in page
    assert '<a href="#field-child_name">Trường “Họ, chữ đệm và tên của trẻ” là bắt buộc.</a>' in page
    assert re.search(r'id="field-child_name"[^>]*aria-describedby="field-child_name-hint field-child_name-error" aria-invalid="true"', page)
    assert '<a href="#field-child_sex">“Giới tính” phải là một trong các giá trị cho phép.</a>' in page
    assert 'value="Bệnh viện X"' in page
    # The mother's name belongs to the next step: no error about it here.
    assert "Họ và tên mẹ" not in page.split('class="error-summary"')[1].split("</div>")[0]
    # The step is not left, but what was typed is saved.
    draft = Draft.objects.get()
    assert draft.step == "child" and draft.data["birth_place"] == "Bệnh viện X"


def test_errors_are_in_the_users_language(demo):
    client = logged_in("citizen")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = client.post(start(client), {**CHILD, "child_name": ""})
    assert r.status_code == 422
    assert "<html lang=\"en\">" in html(r) and "Child&#x27;s full name" in html(r)


def test_back_and_later_save_without_judging(demo):
    client = logged_in("citizen")
    first = start(client)
    draft = Draft.objects.get()
    client.post(first, CHILD)
    r = client.post(draft_url(draft, "parents"), {"mother_name": "Trần Thị Hạnh", "go": "back"})
    assert r["Location"] == first
    r = client.post(draft_url(draft, "parents"), {"mother_name": "Trần Thị Hạnh", "go": "later"})
    assert r["Location"] == "/my/drafts/"
    page = html(client.get("/my/drafts/"))
    assert "Đăng ký khai sinh" in page and "Đã lưu bản nháp" in page
    assert Draft.objects.get().data["mother_name"] == "Trần Thị Hạnh"


def test_a_draft_resumes_on_another_device(demo):
    fill_all(logged_in("citizen"))
    draft = Draft.objects.get()
    other_device = logged_in("citizen")  # a new login, no shared session
    page = html(other_device.get("/my/drafts/"))
    assert f'href="/my/drafts/{draft.public_id}/review/"' in page
    r = other_device.get(f"/my/drafts/{draft.public_id}/")
    assert r["Location"] == draft_url(draft, "review")
    page = html(other_device.get(draft_url(draft, "child")))
    assert 'value="Nguyễn Minh Khang"' in page and 'value="nam" checked' in page
    assert "giay-chung-sinh.pdf" in html(other_device.get(draft_url(draft, "documents")))


def test_upload_checks_on_the_documents_step_store_nothing_on_error(demo, django_capture_on_commit_callbacks):
    client = logged_in("citizen")
    start(client)
    draft = Draft.objects.get()
    r = client.post(draft_url(draft, "documents"), {"component-birth_certificate": pdf("a.pdf", PNG)})
    assert r.status_code == 422
    assert "không khớp với nội dung" in html(r) and 'href="#component-birth_certificate"' in html(r)
    assert stored_files() == [] and Draft.objects.get().components == []
    client.post(draft_url(draft, "documents"), {"component-birth_certificate": pdf()})
    assert len(stored_files()) == 1
    # A new file replaces the old one, which is removed once the change is committed.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(draft_url(draft, "documents"), {"component-birth_certificate": pdf("moi.pdf")})
    assert [r["name"] for r in Draft.objects.get().components] == ["moi.pdf"]
    assert len(stored_files()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(draft_url(draft, "documents"), {"remove": "birth_certificate"})
    assert Draft.objects.get().components == [] and stored_files() == []


# --- review, submit, confirmation ------------------------------------------------------------


def test_review_shows_every_answer_and_component_then_submit_files_and_deletes_the_draft(demo):
    client = logged_in("citizen")
    draft = fill_all(client)
    page = html(client.get(draft_url(draft, "review")))
    for shown in ("Nguyễn Minh Khang", "<dd>Nam</dd>", "<dd>20/11/2026</dd>", "Trần Thị Hạnh", "Cha", "giay-chung-sinh.pdf"):
        assert shown in page
    assert f'href="{draft_url(draft, "child")}"' in page and "Miễn phí" in page
    r = client.post(f"/my/drafts/{draft.public_id}/submit/", {"version": draft.procedure_version_id})
    dossier = Dossier.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/my/dossiers/{dossier.code}/submitted/"
    assert not Draft.objects.exists()
    assert dossier.data == BIRTH and dossier.components[0]["name"] == "giay-chung-sinh.pdf"
    assert len(stored_files()) == 1  # the draft's file is the dossier's now
    page = html(client.get(r["Location"]))
    assert dossier.code in page and "Ngày hẹn trả được tính khi cơ quan tiếp nhận hồ sơ: 1 ngày làm việc" in page
    assert "Nếu được tiếp nhận hôm nay" in page and "Bước tiếp theo" in page and "Miễn phí" in page
    assert client.get(f"/my/drafts/{draft.public_id}/review/").status_code == 404


def test_a_refused_submit_keeps_the_draft(demo):
    CitizenProfile.objects.filter(user__username="citizen").update(home_unit=None)
    client = logged_in("citizen")
    draft = fill_all(client)
    r = client.post(f"/my/drafts/{draft.public_id}/submit/", {"version": draft.procedure_version_id})
    assert r.status_code == 422 and not Dossier.objects.exists() and Draft.objects.exists()
    assert '<select id="field-unit" name="unit" required aria-describedby="field-unit-error" aria-invalid="true">' in html(r)
    r = client.post(f"/my/drafts/{draft.public_id}/submit/", {"version": draft.procedure_version_id, "unit": "000.12.00.H99"})
    assert r.status_code == 302 and Dossier.objects.get().unit.code == "000.12.00.H99" and not Draft.objects.exists()


def test_submit_is_atomic_a_failing_dossier_leaves_the_draft(demo, monkeypatch):
    client = logged_in("citizen")
    draft = fill_all(client)

    def broken(*args, **kwargs):
        raise RuntimeError("history could not be written")

    monkeypatch.setattr("motcua.dossiers.actions.history.write_history", broken)
    with pytest.raises(RuntimeError):
        client.post(f"/my/drafts/{draft.public_id}/submit/", {"version": draft.procedure_version_id})
    assert not Dossier.objects.exists() and Draft.objects.filter(pk=draft.pk).exists()
    assert len(stored_files()) == 1


def test_review_with_missing_answers_links_to_their_step(demo):
    client = logged_in("citizen")
    start(client)
    draft = Draft.objects.get()
    page = html(client.get(draft_url(draft, "review")))
    assert f'href="{draft_url(draft, "child")}#field-child_name"' in page
    assert f'href="{draft_url(draft, "parents")}#field-mother_name"' in page
    r = client.post(f"/my/drafts/{draft.public_id}/submit/", {"version": draft.procedure_version_id})
    assert r.status_code == 422 and not Dossier.objects.exists()


# --- someone else's draft, deleting -------------------------------------------------------


def test_another_citizens_draft_is_not_found_and_nothing_changes(demo, django_capture_on_commit_callbacks):
    owner = logged_in("citizen")
    draft = fill_all(owner)
    before = (draft.data, draft.components, draft.step, draft.updated_at)
    other = logged_in("citizen2")
    for method, path, body in [
        ("get", f"/my/drafts/{draft.public_id}/", None),
        ("get", draft_url(draft, "child"), None),
        ("post", draft_url(draft, "child"), {**CHILD, "child_name": "Kẻ lạ"}),
        ("post", draft_url(draft, "documents"), {"remove": "birth_certificate"}),
        ("post", f"/my/drafts/{draft.public_id}/submit/", {}),
        ("post", f"/my/drafts/{draft.public_id}/delete/", {}),
    ]:
        with django_capture_on_commit_callbacks(execute=True):
            r = getattr(other, method)(path, body) if body is not None else getattr(other, method)(path)
        assert r.status_code == 404, path
        assert "Không tìm thấy bản nháp này" in html(r)
    after = Draft.objects.get(pk=draft.pk)
    assert (after.data, after.components, after.step, after.updated_at) == before
    assert not Dossier.objects.exists() and len(stored_files()) == 1
    assert str(draft.public_id) not in html(other.get("/my/drafts/"))
    assert logged_in("citizen").get(f"/my/drafts/{uuid.uuid4()}/child/").status_code == 404
    assert logged_in("citizen").get("/my/drafts/not-a-uuid/child/").status_code == 404


def test_deleting_a_draft_removes_it_and_its_files(demo, django_capture_on_commit_callbacks):
    client = logged_in("citizen")
    draft = fill_all(client)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/my/drafts/{draft.public_id}/delete/")
    assert r["Location"] == "/my/drafts/"
    assert not Draft.objects.exists() and stored_files() == []


def test_drafts_need_login(client, demo):
    assert client.get("/my/drafts/")["Location"].startswith("/accounts/login/")
    assert client.post(START)["Location"].startswith("/accounts/login/")
    assert not Draft.objects.exists()


# --- a new version of the procedure while a draft waits ----------------------------------------


def test_a_draft_moves_to_a_new_version_keeping_the_answers_that_still_fit(demo, tmp_path):
    client = logged_in("citizen")
    draft = fill_all(client)
    old_version = draft.procedure_version_id
    definition = yaml.safe_load((ROOT / "procedures" / "1.001193-dang-ky-khai-sinh.yaml").read_text())
    # The new version drops the optional extract copies and the father's name.
    del definition["form"]["properties"]["father_name"]
    definition["form_ui"]["sections"][1]["fields"].remove("father_name")
    definition["form_ui"]["people"]["blocks"].pop()  # the father's block
    definition["result"]["summary_fields"].remove("father_name")
    path = tmp_path / "1.001193-v2.yaml"
    path.write_text(yaml.safe_dump(definition, allow_unicode=True))
    call_command("catalog", "import", str(path), verbosity=0)
    assert Procedure.objects.get(code="1.001193").current_id != old_version

    page = html(client.get("/my/drafts/"))
    assert "Thủ tục đã có phiên bản mới" in page
    # Submitting the page reviewed under the old version does not file: review again.
    r = client.post(f"/my/drafts/{draft.public_id}/submit/", {"version": old_version})
    assert r["Location"] == draft_url(draft, "review") and not Dossier.objects.exists()
    page = html(client.get(r["Location"]))
    assert "Thủ tục đã được cập nhật sang phiên bản mới" in page and "father_name" in page
    draft.refresh_from_db()
    assert draft.procedure_version_id != old_version and "father_name" not in draft.data
    assert draft.components  # the birth certificate is still asked for: the upload is kept
    r = client.post(f"/my/drafts/{draft.public_id}/submit/", {"version": draft.procedure_version_id})
    dossier = Dossier.objects.get()
    assert r.status_code == 302 and dossier.procedure_version_id == draft.procedure_version_id


def test_a_draft_of_a_withdrawn_procedure_can_only_be_deleted(demo):
    client = logged_in("citizen")
    draft = fill_all(client)
    Procedure.objects.filter(code="1.001193").update(active=False)
    r = client.get(draft_url(draft, "review"))
    assert r.status_code == 409 and "không nhận hồ sơ trực tuyến" in html(r)
    r = client.post(f"/my/drafts/{draft.public_id}/submit/", {"version": draft.procedure_version_id})
    assert r.status_code == 409 and not Dossier.objects.exists()
    assert client.post(f"/my/drafts/{draft.public_id}/delete/").status_code == 302
    assert not Draft.objects.exists()


def test_the_timeline_and_confirmation_use_vietnam_time(demo):
    client = logged_in("citizen")
    draft = fill_all(client)
    client.post(f"/my/drafts/{draft.public_id}/submit/", {"version": draft.procedure_version_id})
    dossier = Dossier.objects.get()
    event = DossierEvent.objects.get(dossier=dossier)
    from django.utils import timezone

    local = timezone.localtime(event.at).strftime("%H:%M")
    page = html(client.get(f"/my/dossiers/{dossier.code}/"))
    assert '<ol class="timeline">' in page and "Nộp hồ sơ" in page and local in page
    assert dossier.status == Status.SUBMITTED


# --- once-only: registry values and vault documents in the steps (from h1-vault) ------------------


def _vault_doc(username: str, document_type: str):
    from motcua.vault.store import documents_for

    return documents_for(User.objects.get(username=username), document_type).get()


def test_registry_values_are_verified_read_only_and_cannot_be_changed(demo):
    from motcua.vault.models import AccessLog

    client = logged_in("citizen")
    r = client.post("/procedures/1.001456/start/")
    draft = Draft.objects.get()
    assert r["Location"] == draft_url(draft, "person")
    # Known from the start: the review is complete without typing them.
    assert draft.data["full_name"] == "Nguyễn Văn An" and draft.data["personal_id"] == "001090012345"
    page = html(client.get(r["Location"]))
    assert re.search(r'<input type="text" id="field-full_name" name="full_name" value="Nguyễn Văn An" readonly', page)
    assert '<span class="badge-verified">Đã xác thực</span>' in page and "Cơ sở dữ liệu quốc gia về dân cư" in page
    r = client.post(r["Location"], {"full_name": "Kẻ Giả Mạo", "personal_id": "001090099999", "birth_date": "1990-04-12"})
    assert r.status_code == 302
    draft.refresh_from_db()
    assert draft.data["full_name"] == "Nguyễn Văn An" and draft.data["personal_id"] == "001090012345"
    assert AccessLog.objects.filter(kind="registry", citizen__username="citizen").exists()
    # A step with no registry field does not ask the registries.
    reads = AccessLog.objects.count()
    client.get(draft_url(draft, "request"))
    assert AccessLog.objects.count() == reads


def test_a_vault_document_is_picked_on_the_documents_step_and_filed(demo):
    doc = _vault_doc("citizen2", "medical_birth_certificate")
    client = logged_in("citizen2")
    client.post("/procedures/3.000722/start/")
    draft = Draft.objects.get()
    page = html(client.get(draft_url(draft, "documents")))
    assert f'name="vault-birth_certificate" value="{doc.pk}"' in page
    r = client.post(draft_url(draft, "documents"), {"vault-birth_certificate": str(doc.pk)})
    assert r.status_code == 302
    draft.refresh_from_db()
    assert {"key": "birth_certificate", "vault_document": doc.pk} == {
        k: v for k, v in draft.components[0].items() if k in ("key", "vault_document")
    }
    page = html(client.get(draft_url(draft, "documents")))
    assert f'value="{doc.pk}" checked' in page  # the pick is kept when the step is opened again
    assert doc.title in html(client.get(draft_url(draft, "review")))
    # "Do not use" clears the pick.
    client.post(draft_url(draft, "documents"), {"vault-birth_certificate": ""})
    assert Draft.objects.get().components == []
    client.post(draft_url(draft, "documents"), {"vault-birth_certificate": str(doc.pk)})
    # The mother applies; her block (name, personal ID) is the registry's, put in by the core.
    child = {"relationship": "me", "child_name": "Võ Minh Khôi", "child_birth_date": "2026-11-24", "child_sex": "nam",
             "birth_place": "Bệnh viện Đa khoa tỉnh Demo"}
    draft.refresh_from_db()
    drafted = {
        **draft.data, **child, "residence_with_parent": True, "health_facility": "Trạm y tế phường Hòa Thuận",
        "request_id_card": False, "residence_address": "(gợi ý từ sổ dân cư)",
    }
    Draft.objects.filter(pk=draft.pk).update(data=drafted)
    r = client.post(f"/my/drafts/{draft.public_id}/submit/", {"version": draft.procedure_version_id})
    assert r.status_code == 302, html(r)
    dossier = Dossier.objects.get()
    record = next(c for c in dossier.components if c["key"] == "birth_certificate")
    assert record["source"] == "vault" and record["vault_document"] == doc.pk
    assert not Draft.objects.exists()
    # The core applied the registry's address, the condition (living with the mother) holding.
    assert dossier.data["residence_address"] != "(gợi ý từ sổ dân cư)"
    assert (dossier.data["mother_name"], dossier.data["mother_id_number"]) == ("Trần Thị Bình", "079195054321")
    assert dossier.data["registration_timing"] == "on_time"  # worked out from the date of birth


def test_another_citizens_vault_document_is_refused_on_the_documents_step_and_nothing_stored(demo):
    theirs = _vault_doc("citizen", "id_card")
    client = logged_in("citizen2")
    client.post("/procedures/3.000722/start/")
    draft = Draft.objects.get()
    r = client.post(
        draft_url(draft, "documents"),
        {"vault-birth_certificate": str(theirs.pk), "component-residence_documents": pdf("so-do.pdf")},
    )
    assert r.status_code == 422
    page = html(r)
    assert f"Không có giấy tờ số {theirs.pk} trong kho dữ liệu của bạn." in page
    assert 'href="#component-birth_certificate"' in page and 'id="component-birth_certificate-error"' in page
    assert Draft.objects.get().components == [] and stored_files() == []
