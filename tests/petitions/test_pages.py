"""The petitions' pages without a browser: who sees what, the forms go through the actions layer."""

from __future__ import annotations

import pytest
from django.test import Client

from motcua.identity.models import User
from motcua.petitions.actions import Filing, file_petition
from motcua.petitions.models import Petition

ANBINH = "000.11.00.H99"


def _client(username: str | None) -> Client:
    c = Client()
    if username:
        c.force_login(User.objects.get(username=username))
    return c


@pytest.fixture
def petition(demo) -> Petition:
    p, _ = file_petition(Filing(kind="feedback", subject="Đường tối", body="Không có đèn.", unit=ANBINH),
                         user=User.objects.get(username="citizen"))
    return p


def test_who_sees_which_page(petition):
    anon, citizen, other, officer, elsewhere = (
        _client(None), _client("citizen"), _client("citizen2"), _client("onestop_anbinh"), _client("onestop_hoathuan"))
    assert anon.get("/petitions/new/")["Location"].endswith("/petitions/verify/")
    assert anon.get("/petitions/").status_code == 200
    assert anon.get(f"/petitions/{petition.code}/").status_code == 404
    assert other.get(f"/petitions/{petition.code}/").status_code == 404
    assert elsewhere.get(f"/petitions/{petition.code}/").status_code == 404
    assert citizen.get("/petitions/office/").status_code == 404
    page = officer.get(f"/petitions/{petition.code}/").content.decode()
    assert "Lưu trả lời" in page and "Chuyển" in page
    assert "Lưu trả lời" not in citizen.get(f"/petitions/{petition.code}/").content.decode()
    assert petition.code in officer.get("/petitions/office/").content.decode()
    assert petition.code not in elsewhere.get("/petitions/office/").content.decode()
    assert officer.get("/petitions/office/stats/").status_code == 200
    assert petition.code in citizen.get("/petitions/mine/").content.decode()


def test_officer_answers_publishes_and_citizen_rates_through_the_forms(petition):
    officer, citizen = _client("onestop_anbinh"), _client("citizen")
    r = officer.post(f"/petitions/{petition.code}/act/answer/", {"answer": "Đã lắp đèn."})
    assert r.status_code == 302
    officer.post(f"/petitions/{petition.code}/act/publish/")
    citizen.post(f"/petitions/{petition.code}/act/like/")
    # Another unit's officer acting on it gets "not found", and nothing changes.
    assert _client("onestop_hoathuan").post(f"/petitions/{petition.code}/act/refuse/", {"reason": "x"}).status_code == 404
    petition.refresh_from_db()
    assert (petition.status, petition.likes, petition.answer) == ("published", 1, "Đã lắp đèn.")
    assert "Đã lắp đèn." in Client().get("/petitions/").content.decode()


def test_the_officer_publishes_the_masked_public_version_and_may_edit_it(demo):
    citizen = User.objects.get(username="citizen")
    citizen.full_name = "Trịnh Văn Sơn"
    citizen.save(update_fields=["full_name"])
    p, _ = file_petition(Filing(kind="feedback", subject="Đèn hỏng", unit=ANBINH,
                                body="Trinh Van Son, nhà số 5 ngõ 7, gọi 0912345678. Đèn hỏng."), user=citizen)
    officer = _client("onestop_anbinh")
    officer.post(f"/petitions/{p.code}/act/answer/", {"answer": "Đã gọi anh Sơn, đã thay đèn."})
    page = officer.get(f"/petitions/{p.code}/").content.decode()
    assert "***, *** ***, gọi ***. Đèn hỏng." in page and "Đã gọi anh ***, đã thay đèn." in page
    assert "Bản công khai" not in _client("citizen").get(f"/petitions/{p.code}/").content.decode()
    officer.post(f"/petitions/{p.code}/act/publish/", {"subject": "Đèn hỏng", "body": "Đèn ngõ hỏng.\r\nCần thay.",
                                                         "answer": ""})
    p.refresh_from_db()
    assert (p.status, p.public_body, p.public_answer) == ("published", "Đèn ngõ hỏng.\nCần thay.",
                                                          "Đã gọi anh ***, đã thay đèn.")
    public = Client().get("/petitions/").content.decode()
    assert "Đèn ngõ hỏng." in public and "Sơn" not in public and "Trinh" not in public
    assert "Đèn ngõ hỏng." in _client("citizen").get(f"/petitions/{p.code}/").content.decode()


def test_citizen_files_and_officer_registers_through_the_forms(demo):
    citizen, officer = _client("citizen"), _client("onestop_anbinh")
    r = citizen.post("/petitions/new/", {"kind": "petition", "topic": "rules", "unit": ANBINH, "subject": "Đề nghị",
                                         "body": "Nội dung."})
    assert r.status_code == 302
    p = Petition.objects.latest("id")
    assert r["Location"] == f"/petitions/{p.code}/" and p.filer.username == "citizen"
    r = citizen.post("/petitions/new/", {"kind": "petition", "topic": "rules", "unit": ANBINH, "subject": "",
                                         "body": "x"})
    assert r.status_code == 200 and "field-has-error" in r.content.decode()
    r = officer.post("/petitions/office/register/", {"kind": "feedback", "topic": "officer", "unit": ANBINH,
                                                     "subject": "Qua điện thoại", "body": "Gọi lúc 9 giờ.",
                                                     "origin": "phone", "contact_name": "Bà Hoa"})
    assert r.status_code == 302
    p = Petition.objects.latest("id")
    assert (p.origin, p.contact_name, p.registered_by.username) == ("phone", "Bà Hoa", "onestop_anbinh")
