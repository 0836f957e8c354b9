"""Every event that matters to the applicant, walked for real, on both channels they chose, read word for word.

Submitted, received (with the return date), supplement requested (with the items), payment requested, paid,
late (the apology letter and the new date), result ready, returned; and on other dossiers refused, stopped and
withdrawn. The applicant chose SMS and e-mail: each event makes one text (real HTTP provider on loopback) and
one mail (aiosmtpd on loopback) whose words are checked, in Vietnamese and in English; each delivery's status
and attempts are then shown on the dossier page to the applicant and to the officer.
"""

from __future__ import annotations

from importlib import import_module

from freezegun import freeze_time

from motcua.dossiers import actions
from motcua.notifications import delivery
from motcua.notifications.models import Delivery
from motcua.notifications.texts import sms_segments
from tests.notifications.test_channels import PHONE, _choose
from tests.notifications.test_channels import sms as sms  # the fixture (people and smtp: conftest.py)
from tests.notifications.test_notifications_mail import _at, _body, _submit, walk_to_the_result

import_module("motcua.urls")  # before any freeze_time (pydantic schemas of datetime)


def _ends(p, code: str) -> tuple[str, str, str]:
    """Three more dossiers of the same applicant: refused at the desk, stopped in processing, withdrawn."""
    with freeze_time(_at(9, 9)):
        refused = _submit(p)
        actions.perform(refused, "refuse", p["onestop_anbinh"], reason="Thiếu giấy chứng sinh")
        stopped = _submit(p)
        actions.perform(stopped, "receive", p["onestop_anbinh"])
        actions.perform(stopped, "start_processing", p["specialist_anbinh"])
        actions.perform(stopped, "transfer", p["specialist_anbinh"])
        actions.perform(stopped, "stop", p["approver_anbinh"], reason="Người mẹ đã đăng ký khai sinh ở nơi khác")
        withdrawn = _submit(p)
        actions.perform(withdrawn, "withdraw", p["citizen"])
    return refused, stopped, withdrawn


def _texts(sms_receiver, code: str) -> list[str]:
    """The texts the provider received about a dossier, in the order of the events (sent several at once)."""
    order = {str(uid): i for i, uid in enumerate(Delivery.objects.order_by("id").values_list("uid", flat=True))}
    received = sorted(sms_receiver.received, key=lambda r: order[r[0]["id"]])
    return [body["text"] for body, _ in received if code in body["text"]]


def _mails(smtp_server, code: str) -> list[tuple[str, str]]:
    return [(str(m["Subject"]).strip(), _body(m)) for _, _, m in smtp_server.messages if code in str(m["Subject"])]


def test_every_applicant_event_is_texted_and_mailed_with_its_content_in_vietnamese(people, smtp, sms, client):
    p = people
    _choose(p["citizen"])  # SMS and e-mail, Vietnamese
    code = walk_to_the_result(p)
    refused, stopped, withdrawn = _ends(p, code)
    totals = delivery.deliver_pending(limit=500)
    assert totals["failed"] == 0

    assert _texts(sms, code) == [
        f"Ho so {code} da duoc nop, dang cho tiep nhan.",
        f"Ho so {code} da duoc tiep nhan, hen tra ket qua 08/12/2026.",
        f"Ho so {code} can bo sung: Giay chung sinh (hoac van ban cua nguoi lam chung, giay cam doan ve viec sinh)",
        f"Ho so {code} can thanh toan 8.000 dong.",
        f"Ho so {code} da thanh toan 8.000 dong.",
        f"Xin loi: ho so {code} bi tre han, hen tra moi 10/12/2026.",
        f"Ho so {code} da co ket qua.",
        f"Ho so {code} da duoc tra ket qua.",
    ]
    assert _texts(sms, refused)[1:] == [f"Ho so {refused} bi tu choi tiep nhan: Thieu giay chung sinh"]
    assert _texts(sms, stopped)[-1] == f"Ho so {stopped} da dung xu ly: Nguoi me da dang ky khai sinh o noi khac"
    assert _texts(sms, withdrawn)[1:] == [f"Ho so {withdrawn} da duoc rut theo yeu cau cua ban."]
    assert all(body["to"] == PHONE and sms_segments(body["text"]) == 1 for body, _ in sms.received)

    mails = _mails(smtp, code)
    assert [subject for subject, _ in mails] == [
        f"Hồ sơ {code} đã được nộp",
        f"Hồ sơ {code} đã được tiếp nhận",
        f"Hồ sơ {code} cần bổ sung",
        f"Hồ sơ {code} cần thanh toán phí, lệ phí",
        f"Hồ sơ {code} đã được thanh toán",
        f"Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ {code}",
        f"Hồ sơ {code} đã có kết quả",
        f"Hồ sơ {code} đã được trả kết quả",
    ]
    body = dict(mails)
    assert "Trạng thái: Mới nộp" in body[f"Hồ sơ {code} đã được nộp"]
    assert "Ngày hẹn trả kết quả: 17:00 08/12/2026" in body[f"Hồ sơ {code} đã được tiếp nhận"]
    assert "Thành phần cần bổ sung: Giấy chứng sinh" in body[f"Hồ sơ {code} cần bổ sung"]
    assert "Số tiền cần thanh toán: 8.000 đồng" in body[f"Hồ sơ {code} cần thanh toán phí, lệ phí"]
    assert "Số tiền đã thanh toán: 8.000 đồng" in body[f"Hồ sơ {code} đã được thanh toán"]
    apology = body[f"Thư xin lỗi và hẹn lại ngày trả kết quả hồ sơ {code}"]
    assert "Lý do: Cần xác minh thêm" in apology and "Ngày hẹn trả kết quả mới: 17:00 10/12/2026" in apology
    assert "Trạng thái: Đã xử lý xong" in body[f"Hồ sơ {code} đã có kết quả"]
    assert "Trạng thái: Đã trả kết quả" in body[f"Hồ sơ {code} đã được trả kết quả"]
    [(subject, text)] = _mails(smtp, refused)[1:]
    assert subject == f"Hồ sơ {refused} bị từ chối tiếp nhận" and "Lý do: Thiếu giấy chứng sinh" in text
    subject, text = _mails(smtp, stopped)[-1]
    assert subject == f"Hồ sơ {stopped} đã dừng xử lý" and "Lý do: Người mẹ đã đăng ký khai sinh ở nơi khác" in text
    [(subject, text)] = _mails(smtp, withdrawn)[1:]
    assert subject == f"Hồ sơ {withdrawn} đã được rút" and "Trạng thái: Công dân rút hồ sơ" in text

    # The delivery status (sent, with its attempts) on the dossier page: the applicant's and the officer's.
    rows = Delivery.objects.filter(key=code, audience="applicant")
    assert rows.count() == 16 and set(rows.values_list("status", "attempts")) == {("sent", 1)}
    client.force_login(p["citizen"])
    page = client.get(f"/my/dossiers/{code}/").content.decode()
    assert "Thông báo đã gửi" in page and page.count("đã gửi</span>") >= 16 and "Xin lỗi: ho so" not in page
    client.force_login(p["onestop_anbinh"])
    page = client.get(f"/office/dossiers/{code}/").content.decode()
    assert "Thông báo đã gửi" in page and PHONE in page and "an.nguyen@example.vn" in page


def test_every_applicant_event_speaks_english_when_the_applicant_chose_it(people, smtp, sms):
    p = people
    _choose(p["citizen"], language="en")
    code = walk_to_the_result(p)
    refused, stopped, withdrawn = _ends(p, code)
    assert delivery.deliver_pending(limit=500)["failed"] == 0
    texts = _texts(sms, code)
    assert len(texts) == 8 and all(t.isascii() and "Ho so" not in t for t in texts)
    assert "08/12/2026" in texts[1] and "Medical birth certificate" in texts[2] and "8.000" in texts[3]
    assert "10/12/2026" in texts[5]
    # The officer's reason is as written (Vietnamese: UCS-2, 70 characters), cut to keep one segment.
    stop_text = _texts(sms, stopped)[-1]
    assert stop_text.startswith(f"Processing of dossier {stopped} has stopped: Người") and stop_text.endswith("...")
    assert sms_segments(stop_text) == 1
    subjects = [s for s, _ in _mails(smtp, code)]
    assert len(subjects) == 8 and not any("Hồ sơ" in s for s in subjects)
    assert all(code in s for s in subjects)
    assert all("Hồ sơ" not in s for s, _ in _mails(smtp, refused) + _mails(smtp, withdrawn))
