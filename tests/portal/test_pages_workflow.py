"""The pages over the workflow engine: the officer's queue and forms, uploads, supplements, apology letters."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from freezegun import freeze_time

from motcua.catalog.models import Procedure
from motcua.dossiers import actions
from motcua.dossiers.models import ApologyLetter, DeadlineState, Dossier, Status, Task, TaskStatus
from motcua.drafts.models import Draft
from motcua.vault import upload_checks as uploads
from motcua.web import components
from tests.conftest import BIRTH, BIRTH_COMPONENTS, TINY_JPEG, TINY_PNG, logged_in, user

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
BIRTH_URL = "/procedures/1.001193/"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG, JPEG = TINY_PNG, TINY_JPEG  # real images: uploads are decoded, not only sniffed
# A Monday 09:00 in Vietnam: received then, a birth registration (1 working day) is due on Tuesday 17:00.
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=HCM)


def html(response) -> str:
    return response.content.decode()


def stored_files() -> list[Path]:
    """Files stored by the test (the demo citizens' vault documents, loaded before it, left out)."""
    root = Path(settings.MEDIA_ROOT)
    demo_vault = root / "vault"
    return [p for p in root.rglob("*") if p.is_file() and demo_vault not in p.parents] if root.exists() else []


def file_birth(username: str = "citizen", components_: list | None = None) -> Dossier:
    given = list(BIRTH_COMPONENTS) if components_ is None else components_
    return actions.submit(user(username), "1.001193", dict(BIRTH), components=given)


def pdf(name: str = "giay-chung-sinh.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def act(client: Client, code: str, action: str, data: dict | None = None):
    return client.post(f"/office/dossiers/{code}/act/{action}/", data or {})


def status_of(code: str) -> int:
    return Dossier.objects.get(code=code).status


# --- the submit form and its uploads ---------------------------------------------------------------


def documents_step(client: Client, code: str) -> str:
    """The documents step of a new draft of the procedure."""
    assert client.post(f"/procedures/{code}/start/").status_code == 302
    draft = Draft.objects.filter(procedure__code=code).latest("created_at")
    return html(client.get(f"/my/drafts/{draft.public_id}/documents/"))


def test_submit_form_has_one_file_input_per_component_with_conditions_in_words(demo):
    page = documents_step(logged_in("citizen"), "1.001193")
    assert 'enctype="multipart/form-data"' in page
    assert re.search(
        r'<label for="component-birth_certificate">Giấy chứng sinh[^<]*<span class="required">\(bắt buộc\)</span></label>', page
    )
    assert re.search(r'<input type="file" id="component-birth_certificate" name="component-birth_certificate" accept="[^"]*\.pdf', page)
    # Required only for someone filing on behalf of the parents: said in the hint, not forced by the browser.
    assert '<label for="component-authorization">Văn bản ủy quyền có chứng thực</label>' in page
    assert "Bắt buộc nếu “Quan hệ của người đi đăng ký với trẻ” là “Người khác”." in page
    assert "Tệp PDF, JPEG, PNG, tối đa 10 MB." in page
    assert not re.search(r'type="file"[^>]* required', page)


def test_an_upload_is_stored_by_content_and_recorded_as_a_component(demo):
    r = logged_in("citizen").post(BIRTH_URL, {**BIRTH, "component-birth_certificate": pdf("Giấy chứng sinh.PDF")})
    assert r.status_code == 302
    dossier = Dossier.objects.get()
    [record] = dossier.components
    assert record["key"] == "birth_certificate" and record["source"] == "upload"
    assert record["name"] == "Giấy chứng sinh.PDF" and record["size"] == len(PDF)
    assert record["sha256"] == hashlib.sha256(PDF).hexdigest() and record["content_type"] == "application/pdf"
    assert re.fullmatch(r"dossiers/\d{4}/\d{2}/[0-9a-f]{32}/giay-chung-sinh\.pdf", record["path"])
    assert (Path(settings.MEDIA_ROOT) / record["path"]).read_bytes() == PDF
    # The applicant and the officers of the unit can open it; the page links it.
    page = html(logged_in("citizen").get(f"/my/dossiers/{dossier.code}/"))
    assert f'href="/my/dossiers/{dossier.code}/components/birth_certificate/"' in page
    r = logged_in("onestop_anbinh").get(f"/office/dossiers/{dossier.code}/components/birth_certificate/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF
    assert r["Content-Type"] == "application/pdf" and "attachment" in r["Content-Disposition"]


def test_without_the_required_upload_the_dossier_is_filed_and_the_officer_sees_what_is_missing(demo):
    r = logged_in("citizen").post(BIRTH_URL, BIRTH)
    assert r.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.components == []
    officer = logged_in("onestop_anbinh")
    assert "Thiếu: Giấy chứng sinh" in html(officer.get("/office/"))
    r = act(officer, dossier.code, "receive")
    assert r.status_code == 422 and status_of(dossier.code) == Status.SUBMITTED
    page = html(r)
    assert 'class="error-summary" role="alert"' in page
    assert "Hồ sơ chưa đủ thành phần" in page and "Còn thiếu: Giấy chứng sinh" in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("giay-chung-sinh.pdf", PNG, "không khớp với nội dung: tệp thực chất là PNG"),
        ("giay-chung-sinh.pdf", b"Day la mot tep van ban, khong phai PDF.\n" * 10, "không phải là PDF, JPEG, PNG"),
        ("anh.png", JPEG, "không khớp với nội dung: tệp thực chất là JPEG"),
        ("to-khai.pdf", b"", "rỗng"),
        ("qua-lon.pdf", b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024), "quá lớn"),
    ],
    ids=["png-named-pdf", "text", "jpeg-named-png", "empty", "over-10-MB"],
)
def test_a_lying_empty_or_oversized_upload_is_refused_beside_its_field_and_nothing_is_stored(demo, name, content, message):
    r = logged_in("citizen").post(
        BIRTH_URL, {**BIRTH, "child_name": "", "component-birth_certificate": pdf(name, content)}
    )
    assert r.status_code == 422
    page = html(r)
    assert re.search(rf'<p class="error-message" id="component-birth_certificate-error">.*{re.escape(message)}', page)
    assert re.search(
        r'id="component-birth_certificate"[^>]*aria-describedby="component-birth_certificate-hint component-birth_certificate-error" aria-invalid="true"',
        page,
    )
    assert '<a href="#component-birth_certificate">' in page  # in the error summary
    # The form's own errors are reported in the same answer, and the citizen is told to choose the files again.
    assert "Trường “Họ, chữ đệm và tên của trẻ” là bắt buộc." in page
    assert "hãy chọn lại các tệp" in page
    assert not Dossier.objects.exists() and stored_files() == []


def test_a_refused_submission_removes_the_files_it_had_stored(demo):
    r = logged_in("citizen").post(BIRTH_URL, {**BIRTH, "child_sex": "x", "component-birth_certificate": pdf()})
    assert r.status_code == 422 and "“Giới tính” phải là một trong các giá trị cho phép." in html(r)
    assert not Dossier.objects.exists() and stored_files() == []


@translation.override("vi")  # outside a request, the language of whichever request ran last would apply
def test_upload_rules_come_from_the_component():
    photo = uploads.rule_for({"sources": [{"upload": {"types": ["jpg", "png"], "max_mb": 5}}]})
    assert uploads.check(SimpleUploadedFile("anh.jpg", JPEG), photo) == "jpg"
    assert uploads.check(SimpleUploadedFile("scan", PNG), photo) == "png"  # no extension claims nothing
    with pytest.raises(ValueError, match="chỉ nhận JPEG, PNG"):
        uploads.check(SimpleUploadedFile("anh.pdf", PDF), photo)
    with pytest.raises(ValueError, match="tối đa 5 MB"):
        uploads.check(SimpleUploadedFile("anh.jpg", JPEG + b"0" * (5 * 1024 * 1024)), photo)
    assert uploads.rule_for({"sources": [{"vault": "x"}]}) == uploads.UploadRule(("pdf", "jpg", "png"), 10.0)
    assert uploads.safe_name("../../Đơn đề nghị (bản 2).JPEG", "jpg") == "don-de-nghi-ban-2.jpg"


def test_a_component_held_by_a_registry_is_looked_up_not_uploaded(demo):
    version = Procedure.objects.get(code="3.000722").current
    page = documents_step(logged_in("citizen"), "3.000722")
    assert "cơ quan tra cứu từ Cơ sở dữ liệu quốc gia về dân cư, bạn không cần nộp." in page
    assert 'name="component-parents_identity"' not in page
    records = components.registry_records(version.components, {"residence_with_parent": True}, 2, set())
    assert records == [{"key": "parents_identity", "source": "registry", "registry": "population"}]


# --- the officer's queue ---------------------------------------------------------------------------------


def _received(username: str = "citizen") -> Dossier:
    dossier = file_birth(username)
    actions.perform(dossier.code, "receive", user("onestop_anbinh"))
    return dossier


def test_queue_shows_the_open_steps_at_my_units_with_assignee_due_date_and_badges(demo):
    with freeze_time(MONDAY):
        new = file_birth()
        taken = _received()
        actions.perform(taken.code, "start_processing", user("specialist_anbinh"))
        waiting = _received("citizen3")
        late = _received()
    with freeze_time(datetime(2026, 12, 1, 10, 0, tzinfo=HCM)):  # Tuesday: due at 17:00
        actions.mark_deadlines()
    Dossier.objects.filter(code=late.code).update(due_at=datetime(2026, 12, 1, 8, 0, tzinfo=HCM))
    with freeze_time(datetime(2026, 12, 1, 10, 0, tzinfo=HCM)):
        page = html(logged_in("specialist_anbinh").get("/office/"))
    row = {d.code: page.split(f'href="/office/dossiers/{d.code}/"', 1)[1].split("</tr>", 1)[0] for d in (new, taken, waiting, late)}
    assert "Công chức tư pháp - hộ tịch kiểm tra, ghi sổ hộ tịch</strong> — UBND xã An Bình" in row[taken.code]
    assert "Người xử lý: Đặng Văn Tùng" in row[taken.code] and "Hạn bước:" in row[taken.code]
    assert "Chưa có người nhận" in row[waiting.code]
    assert '<span class="badge badge-at-risk">Sắp đến hạn</span>' in row[waiting.code]
    assert '<span class="badge badge-late">Quá hạn</span>' in row[late.code]
    assert re.search(rf'<tr class="row-late[^"]*">\s*<th scope="row"[^>]*><a [^>]*href="/office/dossiers/{re.escape(late.code)}/"', page)
    # The specialist works the check step: claim and start on a received dossier, transfer on the taken one.
    assert f'action="/office/dossiers/{waiting.code}/act/claim/"' in row[waiting.code]
    assert f'action="/office/dossiers/{waiting.code}/act/start_processing/"' in row[waiting.code]
    assert f'action="/office/dossiers/{taken.code}/act/transfer/"' in row[taken.code]
    assert '<input type="hidden" name="task" value="check">' in row[taken.code]
    # A late dossier offers the apology letter, nothing that would process it further.
    assert f'href="/office/dossiers/{late.code}/#act-issue_apology"' in row[late.code]
    assert "/act/claim/" not in row[late.code] and "/act/start_processing/" not in row[late.code]
    # The new dossier waits at the commune's one-stop desk: its step is shown, but it is not the specialist's to act on.
    assert "<strong>Tiếp nhận hồ sơ</strong> — UBND xã An Bình" in row[new.code]
    assert "Không có thao tác" in row[new.code]


def test_queue_filters_mine_unclaimed_status_and_deadline(demo):
    with freeze_time(MONDAY):
        new = file_birth()
        mine = _received()
        actions.perform(mine.code, "claim", user("specialist_anbinh"))
        free = _received("citizen3")
        late = _received()
    Dossier.objects.filter(code=late.code).update(due_at=datetime(2026, 11, 30, 10, 0, tzinfo=HCM))
    with freeze_time(datetime(2026, 12, 1, 10, 0, tzinfo=HCM)):
        actions.mark_deadlines()
        client = logged_in("specialist_anbinh")

        def codes(**params) -> set[str]:
            page = html(client.get("/office/", params))
            return {d.code for d in (new, mine, free, late) if f'href="/office/dossiers/{d.code}/"' in page}

        assert codes() == {new.code, mine.code, free.code, late.code}
        assert codes(show="mine") == {mine.code}
        assert codes(show="unclaimed") == {free.code, late.code}
        assert codes(status=Status.SUBMITTED) == {new.code}
        assert codes(deadline="late") == {late.code}
        assert codes(deadline="at_risk") == {mine.code, free.code}
        assert codes(show="unclaimed", deadline="at_risk") == {free.code}
        assert codes(show="nonsense", deadline="nonsense") == {new.code, mine.code, free.code, late.code}
        page = html(client.get("/office/", {"show": "mine"}))
        assert '<option value="mine" selected>Việc của tôi</option>' in page and 'href="/office/">Bỏ lọc</a>' in page
    # The one-stop officer has no reception step left open on these: none is unclaimed for them but the new one.
    assert {d.code for d in (new, mine, free, late) if d.code in html(logged_in("onestop_anbinh").get("/office/", {"show": "unclaimed"}))} == {new.code}


def test_the_queue_reads_a_bounded_number_of_queries_for_fifty_new_dossiers(demo, django_assert_max_num_queries):
    for _ in range(50):
        file_birth()
    client = logged_in("onestop_anbinh")
    # 10 for the list itself, and one query for every queue's capped count in the navigation (backoffice/queues.py,
    # "99+"): whatever the number of dossiers, never one query per row.
    with django_assert_max_num_queries(11):
        r = client.get("/office/")
    assert html(r).count("/act/receive/") == 50


def test_the_queue_reads_a_bounded_number_of_queries_for_fifty_dossiers_in_work(demo, django_assert_max_num_queries):
    for i in range(50):
        dossier = file_birth()
        if i % 2:
            actions.perform(dossier.code, "receive", user("onestop_anbinh"))
    client = logged_in("specialist_anbinh")
    # 12: he also sits on An Bình's food-safety team (demo TEAMS), whose steps widen his scope: one read of his teams.
    with django_assert_max_num_queries(12):
        client.get("/office/")


# --- the dossier page's forms, end to end --------------------------------------------------------------------


def test_a_dossier_goes_from_upload_to_returned_result_through_the_pages(demo):
    citizen = logged_in("citizen")
    r = citizen.post(BIRTH_URL, {**BIRTH, "component-birth_certificate": pdf()})
    code = Dossier.objects.get().code
    onestop, specialist, approver = logged_in("onestop_anbinh"), logged_in("specialist_anbinh"), logged_in("approver_anbinh")

    page = html(onestop.get(f"/office/dossiers/{code}/"))
    assert 'id="act-receive"' in page and '<span class="tag tag-ok">có</span> Giấy chứng sinh' in page
    r = act(onestop, code, "receive")
    assert r.status_code == 302 and status_of(code) == Status.RECEIVED
    assert "trạng thái hiện tại: Đã tiếp nhận" in html(onestop.get(r["Location"]))

    r = act(specialist, code, "start_processing", {"task": "check"})
    assert r.status_code == 302 and status_of(code) == Status.PROCESSING
    assert Task.objects.get(dossier__code=code, step="check").assignee.username == "specialist_anbinh"

    # The specialist asks for a clearer birth certificate: one row per component, a reason for the ticked one.
    page = html(specialist.get(f"/office/dossiers/{code}/"))
    assert 'name="items" value="birth_certificate"' in page and 'name="item-reason-birth_certificate"' in page
    r = act(specialist, code, "request_supplement", {
        "reason": "Bản chụp không đọc được", "items": ["birth_certificate"],
        "item-reason-birth_certificate": "Chụp lại rõ số hiệu giấy chứng sinh", "item-reason-authorization": "bỏ qua",
    })
    assert r.status_code == 302 and status_of(code) == Status.SUPPLEMENT_REQUESTED
    request = Dossier.objects.get(code=code).supplements.get()
    assert request.items == [{"key": "birth_certificate", "reason": "Chụp lại rõ số hiệu giấy chứng sinh"}]

    # The citizen sees what is asked and why, and answers with a new file.
    page = html(citizen.get(f"/my/dossiers/{code}/"))
    assert "Yêu cầu lần 1" in page and "Chụp lại rõ số hiệu giấy chứng sinh" in page
    assert "Bản chụp không đọc được" in page and '<span class="badge badge-paused">' in page
    assert f'action="/my/dossiers/{code}/supplement/"' in page
    assert re.search(r'<input type="file" id="component-birth_certificate" name="component-birth_certificate"', page)
    r = citizen.post(f"/my/dossiers/{code}/supplement/", {"component-birth_certificate": pdf("chup-lai.pdf", PDF + b"%v2")})
    assert r.status_code == 302 and status_of(code) == Status.PROCESSING
    record = next(c for c in Dossier.objects.get(code=code).components if c["key"] == "birth_certificate")
    assert record["name"] == "chup-lai.pdf" and record["sha256"] == hashlib.sha256(PDF + b"%v2").hexdigest()
    page = html(citizen.get(r["Location"]))
    assert "Đã gửi hồ sơ bổ sung" in page and "Đã bổ sung" in page and 'action="/my/dossiers/' + code + '/supplement/"' not in page

    # Check done: the specialist passes the dossier on; the leader approves and signs; the desk returns it.
    r = act(specialist, code, "transfer", {"task": "check"})
    assert r.status_code == 302 and Task.objects.get(dossier__code=code, step="sign").status == TaskStatus.OPEN
    page = html(approver.get(f"/office/dossiers/{code}/"))
    assert 'id="act-approve"' in page and "Bước: Lãnh đạo UBND xã ký — UBND xã An Bình" in page
    assert act(approver, code, "approve", {"task": "sign"}).status_code == 302
    assert act(approver, code, "issue_result").status_code == 302 and status_of(code) == Status.PROCESSED
    assert act(onestop, code, "return_result").status_code == 302 and status_of(code) == Status.RETURNED

    page = html(citizen.get(f"/my/dossiers/{code}/"))
    for label in ("Tiếp nhận", "Bắt đầu xử lý", "Yêu cầu bổ sung", "Bổ sung hồ sơ", "Chuyển xử lý", "Phê duyệt",
                  "Ban hành kết quả", "Trả kết quả"):
        assert f"<strong>{label}</strong>" in page
    assert "Bước: Công chức tư pháp - hộ tịch kiểm tra, ghi sổ hộ tịch" in page
    assert f'href="/my/dossiers/{code}/result.pdf"' in page
    staff_page = html(onestop.get(f"/office/dossiers/{code}/"))
    assert "Thời gian theo đơn vị" in staff_page and "Người xử lý" in staff_page and "Thực hiện: Đặng Văn Tùng" in staff_page


def test_refusals_of_the_core_are_shown_beside_the_field_concerned(demo):
    dossier = _received()
    code = dossier.code
    specialist = logged_in("specialist_anbinh")
    act(specialist, code, "start_processing")
    # No component ticked.
    r = act(specialist, code, "request_supplement", {"reason": "Thiếu giấy", "item-reason-birth_certificate": "mờ"})
    assert r.status_code == 422 and status_of(code) == Status.PROCESSING
    page = html(r)
    assert '<a href="#act-request_supplement-items">Cần nêu từng thành phần hồ sơ phải bổ sung và lý do.</a>' in page
    assert re.search(r'<p class="error-message" id="act-request_supplement-items-error">.*Cần nêu từng thành phần', page)
    assert "Thiếu giấy</textarea>" in page and 'value="mờ"' in page  # what was typed is kept
    # No reason.
    r = act(specialist, code, "request_supplement", {"items": ["birth_certificate"]})
    assert r.status_code == 422
    page = html(r)
    assert re.search(r'<p class="error-message" id="act-request_supplement-reason-error">.*Cần ghi rõ lý do', page)
    assert re.search(r'id="act-request_supplement-item-birth_certificate" name="items" value="birth_certificate" checked', page)
    # An amount that is not one.
    r = act(specialist, code, "request_payment", {"amount": "hai trăm"})
    assert r.status_code == 422
    assert re.search(r'<p class="error-message" id="act-request_payment-amount-error">.*Số tiền phải là số nguyên dương', html(r))
    # A refusal of the state machine (a stale page) lands on the dossier as it is now, naming what is possible.
    r = act(specialist, code, "receive", {"next": "/office/"})
    assert r.status_code == 302 and r["Location"] == f"/office/dossiers/{code}/"
    page = html(specialist.get(r["Location"]))
    assert "Không thể “receive”" in page and "Có thể thực hiện: Yêu cầu bổ sung" in page


def test_payment_request_and_confirmation(demo):
    dossier = _received()
    code = dossier.code
    act(logged_in("specialist_anbinh"), code, "start_processing")
    onestop = logged_in("onestop_anbinh")
    page = html(onestop.get(f"/office/dossiers/{code}/"))
    assert 'id="act-request_payment-amount" name="amount" value=""' in page  # free: nothing to prefill
    r = act(onestop, code, "request_payment", {"amount": "8.000"})
    assert r.status_code == 302
    dossier.refresh_from_db()
    assert (dossier.status, dossier.payment_due) == (Status.PAYMENT_REQUESTED, 8000)
    assert "8.000 đồng" in html(logged_in("citizen").get(f"/my/dossiers/{code}/"))
    assert "Số tiền đã yêu cầu: 8.000 đồng." in html(onestop.get(f"/office/dossiers/{code}/"))
    refused = act(onestop, code, "confirm_payment")  # without its receipt number
    assert refused.status_code == 422 and status_of(code) == Status.PAYMENT_REQUESTED
    assert 'id="act-confirm_payment-receipt_number"' in html(refused) and 'aria-invalid="true"' in html(refused)
    assert act(onestop, code, "confirm_payment", {"receipt_number": "BL-2026-0001"}).status_code == 302
    assert status_of(code) == Status.PROCESSING
    assert "BL-2026-0001" in html(logged_in("citizen").get(f"/my/dossiers/{code}/"))


def test_claim_assign_and_stop(demo):
    dossier = _received()
    code = dossier.code
    approver = logged_in("approver_anbinh")
    page = html(approver.get(f"/office/dossiers/{code}/"))
    # The leader assigns the check step to someone who holds the specialist role at the commune.
    assert 'id="act-assign-assignee-check"' in page and '<option value="specialist_anbinh">Đặng Văn Tùng (specialist_anbinh)</option>' in page
    assert "specialist_hoathuan" not in page and 'value="onestop_anbinh"' not in page
    r = act(approver, code, "assign", {"task": "check", "assignee": "onestop_anbinh"})
    assert r.status_code == 422 and 'id="act-assign-assignee-error"' in html(r)
    assert act(approver, code, "assign", {"task": "check", "assignee": "specialist_anbinh"}).status_code == 302
    assert Task.objects.get(dossier__code=code, step="check").assignee.username == "specialist_anbinh"
    # Assigned to someone: nobody else can claim it.
    assert 'id="act-claim"' not in html(logged_in("specialist_anbinh").get(f"/office/dossiers/{code}/"))

    other = _received("citizen3")
    assert act(logged_in("specialist_anbinh"), other.code, "claim").status_code == 302
    assert Task.objects.get(dossier__code=other.code, step="check").assignee.username == "specialist_anbinh"

    r = act(approver, code, "stop", {"reason": " "})
    assert r.status_code == 422 and 'id="act-stop-reason-error"' in html(r)
    assert act(approver, code, "stop", {"reason": "Điều 9 Luật Hộ tịch"}).status_code == 302
    assert status_of(code) == Status.STOPPED


def test_a_late_dossier_gets_an_apology_letter_through_the_page(demo):
    with freeze_time(MONDAY):
        dossier = _received()
        code = dossier.code
        act(logged_in("specialist_anbinh"), code, "start_processing")
    # Friday of the same week: three days past the promised Tuesday.
    with freeze_time(datetime(2026, 12, 4, 10, 0, tzinfo=HCM)):
        specialist = logged_in("specialist_anbinh")
        r = act(specialist, code, "transfer", {"task": "check"})
        assert r.status_code == 302
        page = html(specialist.get(r["Location"]))
        assert "cần lập phiếu xin lỗi" in page and "Có thể thực hiện: Gửi phiếu xin lỗi và hẹn lại" in page
        assert '<span class="badge badge-late">Quá hạn</span>' in page
        # The new date is prefilled with the next working day: Monday 7 December.
        assert '<input type="date" id="act-issue_apology-new_due_date" name="new_due_date" value="2026-12-07"' in page
        r = act(specialist, code, "issue_apology", {"reason": "Chờ xác minh", "new_due_date": "2026-12-01"})
        assert r.status_code == 422 and not ApologyLetter.objects.exists()
        assert re.search(r'<p class="error-message" id="act-issue_apology-new_due_date-error">.*Ngày hẹn mới phải là', html(r))
        r = act(specialist, code, "issue_apology", {"reason": "Chờ xác minh nơi sinh", "new_due_date": "2026-12-08"})
        assert r.status_code == 302
        letter = ApologyLetter.objects.get()
        dossier.refresh_from_db()
        assert timezone_date(dossier.due_at) == date(2026, 12, 8)
        # Processing goes on once the letter is out.
        assert act(specialist, code, "transfer", {"task": "check"}).status_code == 302

    office_url = f"/office/dossiers/{code}/apology/{letter.number}.pdf"
    my_url = f"/my/dossiers/{code}/apology/{letter.number}.pdf"
    page = html(logged_in("citizen").get(f"/my/dossiers/{code}/"))
    assert f'href="{my_url}"' in page and "Chờ xác minh nơi sinh" in page and "Ngày hẹn trả ban đầu" in page
    for client, url in [(logged_in("citizen"), my_url), (logged_in("onestop_anbinh"), office_url)]:
        r = client.get(url)
        assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
        assert b"".join(r.streaming_content).startswith(b"%PDF-")
    assert f'href="{office_url}"' in html(logged_in("specialist_anbinh").get(f"/office/dossiers/{code}/"))
    assert logged_in("citizen").get(f"/my/dossiers/{code}/apology/XL-nothing.pdf").status_code == 404


def timezone_date(value: datetime) -> date:
    return value.astimezone(HCM).date()


def test_a_supplement_answer_missing_a_component_is_refused_with_the_list(demo):
    dossier = file_birth(components_=[])
    act(logged_in("onestop_anbinh"), dossier.code, "request_supplement", {
        "reason": "Thiếu giấy tờ", "items": ["birth_certificate", "authorization"],
        "item-reason-birth_certificate": "Chưa nộp", "item-reason-authorization": "Người đi đăng ký không phải cha mẹ",
    })
    citizen = logged_in("citizen")
    r = citizen.post(f"/my/dossiers/{dossier.code}/supplement/", {"component-birth_certificate": pdf()})
    assert r.status_code == 422 and status_of(dossier.code) == Status.SUPPLEMENT_REQUESTED
    page = html(r)
    assert "Chưa bổ sung đủ các thành phần được yêu cầu." in page
    assert "Còn thiếu:" in page and "<li>Văn bản ủy quyền có chứng thực</li>" in page
    assert re.search(r'<p class="error-message" id="component-authorization-error">.*Chưa có tệp', page)
    assert stored_files() == []  # the good file of the refused answer is not kept
    # A lying file is refused before anything reaches the core.
    r = citizen.post(f"/my/dossiers/{dossier.code}/supplement/", {
        "component-birth_certificate": pdf("a.pdf", PNG), "component-authorization": pdf("b.pdf"),
    })
    assert r.status_code == 422 and "tệp thực chất là PNG" in html(r) and stored_files() == []
    r = citizen.post(f"/my/dossiers/{dossier.code}/supplement/", {
        "component-birth_certificate": pdf("a.pdf"), "component-authorization": pdf("uy-quyen.png", PNG),
    })
    assert r.status_code == 302 and status_of(dossier.code) == Status.SUBMITTED
    assert len(stored_files()) == 2


# --- who sees what -------------------------------------------------------------------------------------------------


def test_other_citizens_and_other_units_get_404_on_dossier_files_and_letters(demo):
    with freeze_time(MONDAY):
        logged_in("citizen").post(BIRTH_URL, {**BIRTH, "component-birth_certificate": pdf()})
        code = Dossier.objects.get().code
        actions.perform(code, "receive", user("onestop_anbinh"))
        actions.perform(code, "start_processing", user("specialist_anbinh"))
    with freeze_time(datetime(2026, 12, 4, 10, 0, tzinfo=HCM)):
        letter_number = actions.perform(
            code, "issue_apology", user("specialist_anbinh"),
            payload=actions.Payload(reason="Chờ xác minh", new_due_date=date(2026, 12, 8)),
        ).apologies.get().number
    citizen2, hoathuan = logged_in("citizen2"), logged_in("onestop_hoathuan")
    for url in [
        f"/my/dossiers/{code}/", f"/my/dossiers/{code}/apology/{letter_number}.pdf",
        f"/my/dossiers/{code}/components/birth_certificate/",
    ]:
        assert citizen2.get(url).status_code == 404, url
    assert citizen2.post(f"/my/dossiers/{code}/supplement/", {"component-birth_certificate": pdf()}).status_code == 404
    for url in [
        f"/office/dossiers/{code}/", f"/office/dossiers/{code}/apology/{letter_number}.pdf",
        f"/office/dossiers/{code}/components/birth_certificate/", f"/office/dossiers/{code}/result.pdf",
    ]:
        assert hoathuan.get(url).status_code == 404, url
    assert act(hoathuan, code, "request_supplement", {"reason": "x", "items": ["birth_certificate"]}).status_code == 404
    assert status_of(code) == Status.PROCESSING
    # Citizens are not staff: the office answers 403 whatever the dossier.
    assert logged_in("citizen").get(f"/office/dossiers/{code}/apology/{letter_number}.pdf").status_code == 403
    assert len(stored_files()) == 2  # the upload and the letter; nothing was added by the refusals


def test_a_component_record_naming_a_foreign_path_is_never_served(demo):
    # The API accepts component records from the applicant: a path they name is not served unless we stored it.
    dossier = file_birth(components_=[
        {"key": "birth_certificate", "source": "upload", "name": "x.pdf", "path": "../settings.py"},
    ])
    assert logged_in("citizen").get(f"/my/dossiers/{dossier.code}/components/birth_certificate/").status_code == 404
    assert logged_in("onestop_anbinh").get(f"/office/dossiers/{dossier.code}/components/authorization/").status_code == 404


def test_deadline_states_read_on_the_citizen_page(demo):
    with freeze_time(MONDAY):
        dossier = _received()
    with freeze_time(datetime(2026, 12, 1, 10, 0, tzinfo=HCM)):
        actions.mark_deadlines()
        assert Dossier.objects.get(pk=dossier.pk).deadline_state == DeadlineState.AT_RISK
        page = html(logged_in("citizen").get(f"/my/dossiers/{dossier.code}/"))
    assert '<span class="badge badge-at-risk">Sắp đến hạn</span>' in page
    assert "Hồ sơ đang ở đâu" in page and "Công chức tư pháp - hộ tịch kiểm tra, ghi sổ hộ tịch — UBND xã An Bình" in page
    assert "<strong>Sắp đến hạn trả kết quả</strong>" in page  # the history event of the check


# --- languages -----------------------------------------------------------------------------------------------------


def in_language(username: str, language: str) -> Client:
    client = logged_in(username)
    client.cookies["django_language"] = language
    return client


def test_the_officer_pages_and_upload_errors_in_english_and_bengali(demo):
    dossier = _received()
    code = dossier.code
    page = html(in_language("specialist_anbinh", "en").get(f"/office/dossiers/{code}/"))
    assert "Processing steps" in page and "Time per unit" in page and "Working days allowed" in page
    assert "<h3 id=\"act-claim-title\">Claim</h3>" in page and "Step: " in page
    queue = html(in_language("specialist_anbinh", "en").get("/office/"))
    assert "My tasks" in queue and "Unclaimed in my units" in queue and "Not taken yet" in queue
    r = in_language("citizen", "en").post(BIRTH_URL, {**BIRTH, "component-birth_certificate": pdf("a.pdf", PNG)})
    assert r.status_code == 422 and "does not match the content: the file is really PNG" in html(r)
    bengali = html(in_language("specialist_anbinh", "bn").get(f"/office/dossiers/{code}/"))
    assert "প্রক্রিয়াকরণের ধাপ" in bengali and "দায়িত্ব নিন" in bengali
    r = in_language("citizen", "bn").post(BIRTH_URL, {**BIRTH, "component-birth_certificate": pdf("a.pdf", b"")})
    assert r.status_code == 422 and "ফাইলটি খালি" in html(r)
