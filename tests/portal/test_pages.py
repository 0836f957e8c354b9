"""The server-rendered pages: catalog, submit form, my dossiers, the officer's list, login, languages."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from motcua.catalog.models import Procedure
from motcua.demo.data import DEMO_PASSWORD
from motcua.dossiers import actions
from motcua.dossiers.models import Dossier, Status
from motcua.drafts.models import Draft
from motcua.identity.models import CitizenProfile, User
from motcua.portal import steps
from tests.conftest import BIRTH, BIRTH_COMPONENTS, logged_in

BIRTH_URL = "/procedures/1.001193/"
RECORD_URL = "/procedures/3.000333/"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The demo users get real password hashes; a cheap hasher keeps these page tests quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def file_birth(username: str = "citizen") -> Dossier:
    """A birth registration with its medical birth certificate, as the portal records an upload."""
    return actions.submit(
        User.objects.get(username=username), "1.001193", dict(BIRTH), components=list(BIRTH_COMPONENTS)
    )


def html(response) -> str:
    return response.content.decode()


# --- catalog -----------------------------------------------------------------


def test_home_lists_every_active_procedure_with_its_facts(client, demo):
    Procedure.objects.filter(code="1.004873").update(active=False)
    page = html(client.get("/"))
    assert "Đăng ký khai sinh" in page and "Cấp Phiếu lý lịch tư pháp số 1" in page
    assert "Cấp Giấy xác nhận tình trạng hôn nhân" not in page
    assert f'href="{BIRTH_URL}"' in page
    assert "200.000 đồng" in page  # fee with Vietnamese thousands separators
    assert "Miễn phí" in page and "Trực tuyến toàn trình" in page and "Hộ tịch" in page
    assert "10 ngày làm việc" in page and "Cấp xã" in page


def test_home_search_filters_by_name(client, demo):
    page = html(client.get("/", {"q": "khai sinh"}))
    assert "Đăng ký khai sinh" in page and "Đăng ký thường trú" not in page


def test_procedure_page_shows_components_fee_note_and_legal_basis(client, demo):
    page = html(client.get(BIRTH_URL))
    assert "Giấy chứng sinh" in page
    assert "Miễn lệ phí khi đăng ký trong 60 ngày" in page
    assert "Luật Hộ tịch số 60/2014/QH13" in page


def test_unknown_or_inactive_procedure_is_404(client, demo):
    assert client.get("/procedures/9.999999/").status_code == 404
    Procedure.objects.filter(code="1.001193").update(active=False)
    assert client.get(BIRTH_URL).status_code == 404


def form_steps_html(client: Client, code: str) -> str:
    """The pages of every form step of a new draft, one after the other."""
    r = client.post(f"/procedures/{code}/start/")
    assert r.status_code == 302
    draft = Draft.objects.filter(procedure__code=code).latest("created_at")
    return "".join(
        html(client.get(f"/my/drafts/{draft.public_id}/{step.id}/"))
        for step in steps.plan(draft.procedure_version) if step.kind == "fields"
    )


def test_form_has_an_input_for_every_schema_field(demo):
    page = form_steps_html(logged_in("citizen"), "1.001193")
    assert re.search(r'<input type="text" id="field-child_name" name="child_name" value="" maxlength="100" minlength="2" required', page)
    assert re.search(r'<input type="date" id="field-child_birth_date" name="child_birth_date"[^>]* required', page)
    # form_ui asks for radio buttons for the sex: a group with a legend.
    assert re.search(r'<legend>Giới tính <span class="required">\(bắt buộc\)</span></legend>', page)
    assert '<input type="radio" id="field-child_sex-2" name="child_sex" value="nu">' in page
    assert '<input type="radio" id="field-relationship-3" name="relationship" value="ong_ba">' in page
    # Labels are tied to inputs; optional fields carry no "required" mark.
    assert '<label for="field-child_name">Họ, chữ đệm và tên của trẻ <span class="required">(bắt buộc)</span></label>' in page
    assert '<label for="field-father_name">Họ và tên cha</label>' in page
    # Before the applicant says who they are to the child, their name is put in no parent's place.
    assert '<input type="text" id="field-father_name" name="father_name" value="" maxlength="100">' in page
    assert '<input type="text" id="field-mother_name" name="mother_name" value="" maxlength="100" minlength="2" required>' in page

    record = form_steps_html(logged_in("citizen"), "3.000333")
    assert re.search(r'<input type="number" id="field-copies" name="copies" value="" step="1" inputmode="numeric" min="1" max="10" required', record)


def test_anonymous_visitor_is_asked_to_log_in_before_submitting(client, demo):
    page = html(client.get(BIRTH_URL))
    assert "Đăng nhập để nộp hồ sơ" in page
    assert "/accounts/login/?next=/procedures/1.001193/" in page
    assert 'name="child_name"' not in page  # nothing to fill that could not be sent
    r = client.post(BIRTH_URL, BIRTH)
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    assert not Dossier.objects.exists()


# --- submitting ----------------------------------------------------------------


def test_valid_form_files_a_dossier_and_redirects_to_it(demo):
    client = logged_in("citizen")
    r = client.post(BIRTH_URL, {**BIRTH, "relationship": "ong_ba", "father_name": "  "})
    dossier = Dossier.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/my/dossiers/{dossier.code}/"
    assert dossier.applicant.username == "citizen" and dossier.status == Status.SUBMITTED
    assert "father_name" not in dossier.data  # empty optional fields are left out
    assert dossier.data["child_sex"] == "nam"
    page = html(client.get(r["Location"]))
    assert f"Mã hồ sơ của bạn: {dossier.code}" in page


def test_integer_fields_are_sent_as_numbers(demo):
    r = logged_in("citizen").post(
        RECORD_URL,
        {
            "purpose": "Xin việc làm", "residences": "Xã An Bình, tỉnh Demo", "copies": "2",
            "applicant_group": "thong_thuong", "requested_by": "ban_than",
        },
    )
    assert r.status_code == 302
    assert Dossier.objects.get().data == {
        "purpose": "Xin việc làm", "residences": "Xã An Bình, tỉnh Demo", "copies": 2,
        "applicant_group": "thong_thuong", "requested_by": "ban_than",
    }


def test_invalid_form_shows_each_error_beside_its_field_and_files_nothing(demo):
    bad = {**BIRTH, "child_name": "", "child_sex": "x", "mother_name": "Trần Thị Hạnh"}
    r = logged_in("citizen").post(BIRTH_URL, bad)
    assert r.status_code == 422
    page = html(r)
    assert not Dossier.objects.exists()
    assert "<title>Lỗi:" in page
    assert 'class="error-summary" role="alert"' in page
    assert '<a href="#field-child_name">Trường “Họ, chữ đệm và tên của trẻ” là bắt buộc.</a>' in page
    assert 'id="field-child_name-error"' in page
    assert re.search(r'id="field-child_name"[^>]*aria-describedby="field-child_name-error" aria-invalid="true"', page)
    assert re.search(r'id="field-child_sex"[^>]*aria-describedby="field-child_sex-error"', page)
    assert "“Giới tính” phải là một trong các giá trị cho phép." in page
    # What the citizen typed is kept.
    assert 'value="Trần Thị Hạnh"' in page and '<option value="cha" selected>' in page


def test_letters_in_a_number_field_are_reported_there(demo):
    r = logged_in("citizen").post(RECORD_URL, {"purpose": "Xin việc", "residences": "Xã An Bình", "copies": "hai"})
    assert r.status_code == 422
    page = html(r)
    assert re.search(r'<p class="error-message" id="field-copies-error">.*“Số lượng phiếu” có kiểu dữ liệu không đúng', page)
    assert not Dossier.objects.exists()


def test_the_receiving_unit_is_asked_for_when_it_cannot_be_inferred(demo):
    CitizenProfile.objects.filter(user__username="citizen").update(home_unit=None)
    client = logged_in("citizen")
    r = client.post(BIRTH_URL, BIRTH)
    assert r.status_code == 422 and not Dossier.objects.exists()
    page = html(r)
    assert '<select id="field-unit" name="unit" required aria-describedby="field-unit-error" aria-invalid="true">' in page
    assert '<option value="000.12.00.H99">UBND phường Hòa Thuận</option>' in page
    r = client.post(BIRTH_URL, {**BIRTH, "unit": "000.12.00.H99", "unit_choices": ["000.11.00.H99", "000.12.00.H99"]})
    assert r.status_code == 302
    assert Dossier.objects.get().unit.code == "000.12.00.H99"


def test_other_refusals_are_shown_with_their_status(demo):
    r = logged_in("onestop_anbinh").post(BIRTH_URL, BIRTH)  # an officer, not an identified citizen
    assert r.status_code == 403
    assert "Chỉ công dân đã định danh mới nộp được hồ sơ." in html(r)
    assert not Dossier.objects.exists()


# --- my dossiers ------------------------------------------------------------------


def test_my_dossiers_lists_only_my_own(demo):
    mine, theirs = file_birth("citizen"), file_birth("citizen2")
    page = html(logged_in("citizen").get("/my/dossiers/"))
    assert mine.code in page and theirs.code not in page
    assert "Mới nộp" in page and "Đăng ký khai sinh" in page


def test_my_dossiers_needs_login(client, demo):
    r = client.get("/my/dossiers/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/?next=/my/dossiers/")


def test_dossier_page_shows_answers_history_and_withdraw(demo):
    dossier = file_birth()
    page = html(logged_in("citizen").get(f"/my/dossiers/{dossier.code}/"))
    assert "Họ, chữ đệm và tên của trẻ" in page and "Nguyễn Minh Khang" in page
    assert "<dd>Nam</dd>" in page and "<dd>20/11/2026</dd>" in page  # enum label, local date
    assert '<ol class="timeline">' in page and "Nộp hồ sơ" in page
    assert f'action="/my/dossiers/{dossier.code}/withdraw/"' in page
    assert "result.pdf" not in page


def test_someone_elses_dossier_and_result_are_not_found(demo):
    dossier = file_birth("citizen")
    other = logged_in("citizen2")
    assert other.get(f"/my/dossiers/{dossier.code}/").status_code == 404
    assert other.get(f"/my/dossiers/{dossier.code}/result.pdf").status_code == 404
    assert other.post(f"/my/dossiers/{dossier.code}/withdraw/").status_code == 404
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED


def test_withdrawing_moves_the_dossier_to_withdrawn(demo):
    dossier = file_birth()
    client = logged_in("citizen")
    r = client.post(f"/my/dossiers/{dossier.code}/withdraw/", {"reason": "Nộp nhầm"})
    assert r.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == Status.WITHDRAWN
    page = html(client.get(r["Location"]))
    assert f"Đã rút hồ sơ {dossier.code}." in page and "Lý do: Nộp nhầm" in page
    assert "withdraw/" not in page  # no second withdrawal offered


def test_result_is_downloadable_by_its_applicant_only(demo):
    dossier = file_birth()
    for username, action in [
        ("onestop_anbinh", "receive"), ("specialist_anbinh", "start_processing"),
        ("specialist_anbinh", "transfer"), ("approver_anbinh", "approve"), ("approver_anbinh", "issue_result"),
    ]:
        actions.perform(dossier.code, action, User.objects.get(username=username))
    client = logged_in("citizen")
    page = html(client.get(f"/my/dossiers/{dossier.code}/"))
    assert f'href="/my/dossiers/{dossier.code}/result.pdf"' in page
    r = client.get(f"/my/dossiers/{dossier.code}/result.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert b"".join(r.streaming_content).startswith(b"%PDF-")
    assert logged_in("citizen2").get(f"/my/dossiers/{dossier.code}/result.pdf").status_code == 404


# --- officers -------------------------------------------------------------------------


def test_officer_sees_only_the_dossiers_of_their_units_with_action_buttons(demo):
    anbinh, hoathuan = file_birth("citizen"), file_birth("citizen2")
    r = logged_in("onestop_anbinh").get("/office/")
    assert r.status_code == 200
    page = html(r)
    assert anbinh.code in page and hoathuan.code not in page
    assert "Nguyễn Văn An" in page  # the applicant's name
    assert f'action="/office/dossiers/{anbinh.code}/act/receive/"' in page
    assert f'action="/office/dossiers/{anbinh.code}/act/refuse/"' in page
    assert re.search(rf'<textarea id="reason-{re.escape(anbinh.code)}-refuse" name="reason"', page)
    # The province's one-stop centre serves every unit below the province.
    province = html(logged_in("onestop_prov").get("/office/"))
    assert anbinh.code in province and hoathuan.code in province
    # A specialist sees the dossier but has nothing to do on a newly filed one.
    specialist = html(logged_in("specialist_anbinh").get("/office/"))
    assert anbinh.code in specialist and "/act/receive/" not in specialist


def test_office_filters_by_status(demo):
    first, second = file_birth("citizen"), file_birth("citizen3")
    actions.perform(first.code, "receive", User.objects.get(username="onestop_anbinh"))
    client = logged_in("onestop_anbinh")
    received = html(client.get("/office/", {"status": Status.RECEIVED}))
    assert first.code in received and second.code not in received
    everything = html(client.get("/office/", {"status": "nonsense"}))
    assert first.code in everything and second.code in everything


def test_office_pages_by_fifty(demo):
    for _ in range(51):
        file_birth("citizen")
    client = logged_in("onestop_anbinh")
    first = html(client.get("/office/"))
    assert first.count("/act/receive/") == 50 and 'rel="next"' in first
    second = html(client.get("/office/", {"page": 2}))
    assert second.count("/act/receive/") == 1


def test_posting_an_action_moves_the_status(demo):
    dossier = file_birth()
    client = logged_in("onestop_anbinh")
    r = client.post(f"/office/dossiers/{dossier.code}/act/receive/", {"next": "/office/?status=1"})
    assert r.status_code == 302 and r["Location"] == "/office/?status=1"
    dossier.refresh_from_db()
    assert dossier.status == Status.RECEIVED and dossier.due_at is not None
    assert "trạng thái hiện tại: Đã tiếp nhận" in html(client.get(r["Location"]))


def test_a_refused_action_shows_why_and_changes_nothing(demo):
    dossier = file_birth()
    client = logged_in("onestop_anbinh")
    r = client.post(f"/office/dossiers/{dossier.code}/act/refuse/", {"reason": " "}, follow=True)
    assert "Cần ghi rõ lý do." in html(r)
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    r = client.post(f"/office/dossiers/{dossier.code}/act/start_processing/", follow=True)
    assert "Không thể" in html(r)
    client.post(f"/office/dossiers/{dossier.code}/act/refuse/", {"reason": "Thiếu giấy chứng sinh"})
    dossier.refresh_from_db()
    assert dossier.status == Status.REFUSED


def test_outside_next_is_not_followed(demo):
    dossier = file_birth()
    r = logged_in("onestop_anbinh").post(
        f"/office/dossiers/{dossier.code}/act/receive/", {"next": "https://evil.example/"}
    )
    assert r["Location"] == f"/office/dossiers/{dossier.code}/"


def test_officer_dossier_page_is_scoped(demo):
    dossier = file_birth("citizen")
    page = html(logged_in("onestop_anbinh").get(f"/office/dossiers/{dossier.code}/"))
    assert "Nguyễn Minh Khang" in page and "/act/receive/" in page
    assert logged_in("onestop_hoathuan").get(f"/office/dossiers/{dossier.code}/").status_code == 404


def test_citizens_get_403_on_the_office(client, demo):
    dossier = file_birth()
    citizen = logged_in("citizen")
    assert citizen.get("/office/").status_code == 403
    assert citizen.post(f"/office/dossiers/{dossier.code}/act/withdraw/").status_code == 403
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    assert client.get("/office/")["Location"].startswith("/accounts/login/")


def test_office_link_only_for_staff(demo):
    assert 'href="/office/"' not in html(logged_in("citizen").get("/"))
    page = html(logged_in("onestop_anbinh").get("/"))
    assert 'href="/office/"' in page
    assert '<span class="user-name">Ngô Thị Mai</span>' in page  # family name first


# --- login, layout, languages --------------------------------------------------------


def test_login_page_shows_the_demo_password_and_logs_in(client, demo):
    page = html(client.get("/accounts/login/"))
    assert DEMO_PASSWORD in page and "motcua demo-users" in page
    assert '<label for="id_username">' in page and 'autocomplete="current-password"' in page
    r = client.post("/accounts/login/", {"username": "citizen", "password": DEMO_PASSWORD, "next": "/my/dossiers/"})
    assert r.status_code == 302 and r["Location"] == "/my/dossiers/"
    page = html(client.get("/"))
    assert "Nguyễn Văn An" in page and 'action="/accounts/logout/"' in page
    assert client.get("/accounts/login/?next=/my/dossiers/")["Location"] == "/my/dossiers/"
    client.post("/accounts/logout/")
    assert client.get("/my/dossiers/").status_code == 302


def test_login_errors_are_shown(client, demo):
    r = client.post("/accounts/login/", {"username": "citizen", "password": "wrong"})
    assert r.status_code == 200
    assert 'class="error-summary" role="alert"' in html(r)


def test_demo_password_is_hidden_without_the_demo_provider(client, demo, settings):
    settings.DEMO_IDP_ENABLED = False
    assert DEMO_PASSWORD not in html(client.get("/accounts/login/"))


@pytest.mark.parametrize("path", ["/", BIRTH_URL, "/accounts/login/"])
def test_pages_have_the_accessible_frame(client, demo, path):
    page = html(client.get(path))
    assert '<html lang="vi">' in page
    assert '<a class="skip-link" href="#main">' in page and '<main id="main"' in page
    assert page.count("<h1") == 1
    assert '<nav class="site-nav"' in page and "<footer" in page and 'role="status"' in page
    assert "/static/motcua/site.css" in page


def test_switching_to_english(client, demo):
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    page = html(r)
    assert '<html lang="en">' in page
    assert "Administrative procedures" in page and "My dossiers" in page
    assert "Birth registration" in page and "200,000 VND" in page
    english = logged_in_with_language("citizen", "en")
    record = form_steps_html(english, "3.000333")
    assert "Number of copies" in record and "(required)" in record
    dossier = file_birth()
    page = html(english.get(f"/my/dossiers/{dossier.code}/"))
    assert "Child&#x27;s full name" in page and "<dd>Male</dd>" in page and "<dd>20 Nov 2026</dd>" in page
    assert "<strong>Submitted</strong>" in page and "Status: Newly submitted" in page


def logged_in_with_language(username: str, language: str) -> Client:
    client = logged_in(username)
    client.cookies["django_language"] = language
    return client


def test_pages_in_bengali(demo):
    dossier = file_birth()
    client = logged_in_with_language("citizen", "bn")
    home = html(client.get("/"))
    assert '<html lang="bn">' in home
    assert "প্রশাসনিক প্রক্রিয়া" in home and "জন্ম নিবন্ধন" in home
    page = html(client.get(f"/my/dossiers/{dossier.code}/"))
    assert "শিশুর পুরো নাম" in page and "পুরুষ" in page
    assert "নতুন জমা" in page  # the status label, from the core's catalog entry
    r = client.post(BIRTH_URL, {**BIRTH, "child_name": ""})
    assert r.status_code == 422 and "আবশ্যক" in html(r)
