"""A father applies for the newborn bundle (3.000722) in Chromium: the form follows who he is to the child.

Issue 14: logged in as a man, the bundle showed *his* name and personal ID as the
mother's, verified and read-only; the review page warned of missing documents
that the submission looks up in a registry itself. Here the relation is asked
first, the mother's block is the registry's record of his spouse (an editable
suggestion), his own block is verified, the registration timing is worked out
from the date of birth, proof of residence is not asked for when the child lives
with him, and the review page warns of nothing missing.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from motcua.dossiers.models import Dossier
from tests import browser as b
from tests.browser.test_browser_journey import axe, chromium, pdf_file, site, start_with_eid  # noqa: F401

pytestmark = pytest.mark.browser

BUNDLE_URL = "/procedures/3.000722/"


def test_a_father_applies_for_the_bundle_and_the_mother_is_the_registrys_not_him(chromium, axe, site):  # noqa: F811
    context = b.new_context(chromium, site)
    page = context.new_page()
    start_with_eid(page, BUNDLE_URL, "citizen")

    # Step 1: the relation comes first; nothing about the parents is filled before it is known.
    expect(page.locator("h1")).to_have_text("Thông tin của trẻ")
    page.locator("fieldset", has_text="Quan hệ của người nộp hồ sơ với trẻ").get_by_label("Cha", exact=True).check()
    page.get_by_label(re.compile("^Họ, chữ đệm và tên của trẻ")).fill("Nguyễn Minh Khang")
    page.get_by_label(re.compile("^Ngày, tháng, năm sinh")).fill("2026-11-20")
    page.locator("fieldset", has_text="Giới tính").get_by_label("Nam", exact=True).check()
    page.get_by_label(re.compile("^Nơi sinh")).fill("Bệnh viện Đa khoa tỉnh Demo")
    # The timing that sets the fee is not asked: it is worked out from the date of birth.
    expect(page.locator("select[name=registration_timing], input[name=registration_timing]")).to_have_count(0)
    page.get_by_role("button", name="Lưu và tiếp tục", exact=True).click()

    # Step 2: his own block verified and read-only; the mother's is his spouse's, editable.
    expect(page.locator("h1")).to_have_text("Cha, mẹ")
    axe.check(page, "bundle, parents of a father")
    b.screenshot(page, "apply-bundle-father-parents")
    mother, mother_id = page.locator("#field-mother_name"), page.locator("#field-mother_id_number")
    father, father_id = page.locator("#field-father_name"), page.locator("#field-father_id_number")
    expect(mother).to_have_value("Trần Thị Hạnh")
    expect(mother_id).to_have_value("001192034567")
    expect(mother).to_be_editable()
    expect(mother_id).to_be_editable()
    expect(page.locator("#field-mother_name-source")).to_contain_text("vợ hoặc chồng của bạn")
    expect(father).to_have_value("Nguyễn Văn An")
    expect(father_id).to_have_value("001090012345")
    expect(father).not_to_be_editable()
    expect(page.locator("#field-father_name-source")).to_contain_text("Đã xác thực")
    assert "Nguyễn Văn An" not in (mother.input_value() + mother_id.input_value())
    page.get_by_role("button", name="Lưu và tiếp tục", exact=True).click()

    # Step 3: a checkbox is never "(required)" (its hint says it is optional).
    expect(page.locator("h1")).to_contain_text("Thường trú")
    card = page.locator(".field", has=page.locator("#field-request_id_card"))
    expect(card.locator(".required")).to_have_count(0)
    page.get_by_label(re.compile("^Trẻ đăng ký thường trú cùng nơi")).check()
    page.get_by_label(re.compile("^Nơi đăng ký thường trú của trẻ")).fill("Số 12 đường Lê Lợi, thôn Đông, xã An Bình, tỉnh Demo")
    page.get_by_label(re.compile("^Nơi đăng ký khám chữa bệnh ban đầu")).fill("Trạm Y tế xã An Bình")
    page.get_by_role("button", name="Lưu và tiếp tục", exact=True).click()

    # Documents: proof of residence is not asked for, the child living with a parent.
    expect(page.locator("h1")).to_have_text("Thành phần hồ sơ")
    expect(page.locator("#component-residence_documents")).to_have_count(0)
    expect(page.get_by_role("heading", name="Không cần với hồ sơ này")).to_be_visible()
    page.locator("#component-birth_certificate").set_input_files(pdf_file("giay-chung-sinh.pdf"))
    b.screenshot(page, "apply-bundle-documents")
    page.get_by_role("button", name="Lưu và tiếp tục", exact=True).click()

    # Review: the registry-held component is looked up by the submission, so nothing is "missing".
    expect(page.locator("form[action$='/submit/']")).to_be_visible()
    axe.check(page, "bundle, review of a father")
    b.screenshot(page, "apply-bundle-review")
    expect(page.get_by_text(re.compile("còn thiếu giấy tờ bắt buộc"))).to_have_count(0)
    expect(page.locator(".tag-missing")).to_have_count(0)
    expect(page.locator("dd", has_text="Trong 60 ngày kể từ ngày sinh")).to_have_count(1)
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.set_viewport_size(b.DESKTOP)
    page.locator("form[action$='/submit/']").get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.locator("h1")).to_have_text("Đã nộp hồ sơ")
    context.close()

    data = Dossier.objects.get().data
    assert (data["relationship"], data["father_name"], data["father_id_number"]) == ("cha", "Nguyễn Văn An", "001090012345")
    assert (data["mother_name"], data["mother_id_number"]) == ("Trần Thị Hạnh", "001192034567")
    assert data["registration_timing"] == "on_time"
