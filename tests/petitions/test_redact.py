"""The masked public version redact.py proposes: what it finds in Vietnamese text, and the names it knows."""

from __future__ import annotations

import pytest

from motcua.identity.models import User
from motcua.petitions.actions import Filing, file_petition, perform
from motcua.petitions.redact import known_names, mask, proposal


@pytest.mark.parametrize(("text", "masked"), [
    ("Tôi là Trịnh Văn Sơn.", "Tôi là ***."),
    ("Toi la Trinh Van Son.", "Toi la ***."),  # without diacritics
    ("TRỊNH VĂN SƠN gửi; trinh van son cũng vậy.", "*** gửi; *** cũng vậy."),  # any case
    ("CCCD 001099012345, CMND 123 456 789.", "CCCD ***, CMND ***."),
    ("Gọi 0912 345 678, +84 987 654 321 hoặc 0912-345-678.", "Gọi ***, *** hoặc ***."),
    ("Thư: son.trinh@example.vn.", "Thư: ***."),
    ("Nhà số 12 ngõ 34 phố Huế; 56/7 đường Lê Lợi.", "*** *** phố Huế; *** đường Lê Lợi."),
    ("Hàng xóm là ông Phạm Quốc Bảo, anh Sơn.", "Hàng xóm là ông ***, anh ***."),
    # What is not personal: places named after people, decisions, dates, codes, a sentence's first word.
    ("Đường Lê Lợi, xã Phú Mỹ, Quyết định số 766/QĐ-TTg ngày 23/6/2022.",
     "Đường Lê Lợi, xã Phú Mỹ, Quyết định số 766/QĐ-TTg ngày 23/6/2022."),
    ("Hồ sơ 000.00.17.H56-220315-0012 chậm. Trần nhà dột.", "Hồ sơ 000.00.17.H56-220315-0012 chậm. Trần nhà dột."),
    ("Hà Nội có UBND mới; ông Ba có Trường học.", "Hà Nội có UBND mới; ông *** có Trường học."),
])
def test_mask(text, masked):
    assert mask(text, ["Trịnh Văn Sơn"]) == masked


def test_known_names_alone_are_masked_even_when_they_do_not_look_like_names():
    assert mask("Cảm ơn an tuệ đã giúp.", ["An Tuệ"]) == "Cảm ơn *** đã giúp."
    assert mask("Cảm ơn an tuệ đã giúp.") == "Cảm ơn an tuệ đã giúp."


def test_the_names_of_the_filer_the_officers_and_the_dossier_are_known(demo):
    from tests.walker import DEFINITIONS, Walker

    walker = Walker(DEFINITIONS["1.001193-dang-ky-khai-sinh.yaml"])
    walker.submit()
    walker.walk()
    citizen = User.objects.get(username="citizen")
    citizen.full_name = "Trịnh Văn Sơn"
    citizen.save(update_fields=["full_name"])
    officer = User.objects.get(username="specialist_anbinh")
    officer.full_name = "Đỗ Minh Khôi"
    officer.save(update_fields=["full_name"])
    from motcua.dossiers.models import Dossier

    dossier = Dossier.objects.get(code=walker.code)
    dossier.data = {**dossier.data, "child_name": "Hà Gia Linh", "mother": {"mother_name": "Kha Thị Út"}}
    dossier.save(update_fields=["data"])
    p, _ = file_petition(Filing(kind="complaint", subject="Sai tên con", body="Tên cháu hà gia linh, mẹ kha thi ut.",
                                dossier=dossier.code), user=citizen)
    perform(p.code, "answer", officer, payload={"answer": "Đỗ Minh Khôi đã sửa. Trinh Van Son nhận lại."})
    p.refresh_from_db()
    names = known_names(p)
    assert {"Trịnh Văn Sơn", "Đỗ Minh Khôi", "Hà Gia Linh", "Kha Thị Út"} <= names
    proposed = proposal(p)
    assert proposed["body"] == "Tên cháu ***, mẹ ***."
    assert proposed["answer"] == "*** đã sửa. *** nhận lại."
