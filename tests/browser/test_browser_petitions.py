"""Issue 19 in Chromium: a citizen files feedback with an attachment, the unit answers and publishes it,
the citizen disagrees, and anyone finds the answer on the public page — without personal data; axe-core
on every page, pictures at 1280 and 360 px where MOTCUA_SCREENSHOTS says."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from motcua.identity.models import User
from motcua.petitions.models import Petition
from tests import browser as b
from tests.browser.test_browser_journey import axe, chromium, site, staff_login  # noqa: F401
from tests.browser.test_browser_payment import shots
from tests.conftest import TINY_PDF

pytestmark = pytest.mark.browser
expect.set_options(timeout=20_000)


def _context(chromium, site, **kw):  # noqa: F811
    ctx = b.new_context(chromium, site, **kw)
    ctx.set_default_timeout(60_000)  # a shared 2-core machine: the live server's first answers may be slow
    return ctx


def test_filing_handling_publishing_and_rating(chromium, axe, site):  # noqa: F811
    citizen_ctx = _context(chromium, site)
    page = citizen_ctx.new_page()
    staff_login(page, "citizen", next_url="/petitions/new/")
    page.goto("/petitions/new/")
    expect(page.locator("h1")).to_have_text("Gửi phản ánh, kiến nghị")
    axe.check(page, "petition form")
    shots(page, "petitions-new")
    page.get_by_label("Loại").select_option("feedback")
    page.get_by_label("Chủ đề").select_option("unit")
    page.get_by_label("Đơn vị nhận").select_option("000.11.00.H99")
    page.get_by_label("Tiêu đề").fill("Đèn đường thôn 2 không sáng")
    page.get_by_label("Nội dung").fill("Đèn đường thôn 2 hỏng đã hai tuần. Gọi tôi: 0912 345 678.")
    page.locator("input[type=file]").set_input_files({"name": "anh-den.pdf", "mimeType": "application/pdf", "buffer": TINY_PDF})
    page.get_by_role("button", name="Gửi", exact=True).click()
    expect(page.locator(".message-success")).to_contain_text("PAKN-")
    code = Petition.objects.latest("id").code
    expect(page.locator("h1")).to_have_text("Đèn đường thôn 2 không sáng")
    expect(page.locator("main")).to_contain_text("anh-den.pdf")
    axe.check(page, "petition (filer)")
    page.goto("/petitions/mine/")
    expect(page.locator("main")).to_contain_text(code)
    axe.check(page, "my petitions")

    office_ctx = _context(chromium, site)
    officer = office_ctx.new_page()
    staff_login(officer, "onestop_anbinh", next_url="/petitions/office/")
    officer.goto("/petitions/office/")
    row = officer.locator("tr", has_text=code)
    expect(row).to_contain_text("Trong hạn")
    axe.check(officer, "petitions queue")
    shots(officer, "petitions-queue")
    row.get_by_role("link", name=code).click()
    officer.get_by_label("Nội dung trả lời").fill("UBND xã đã thay bóng đèn ngày hôm nay. Cảm ơn ông/bà.")
    axe.check(officer, "answer editor")
    shots(officer, "petitions-answer-editor")
    officer.get_by_role("button", name="Lưu trả lời").click()
    expect(officer.locator(".message-success")).to_be_visible()
    # The public version is proposed with the phone number masked; the officer may edit it.
    body = officer.get_by_label("Nội dung công khai")
    expect(body).to_have_value("Đèn đường thôn 2 hỏng đã hai tuần. Gọi tôi: ***.")
    body.fill("Đèn đường thôn 2 hỏng đã hai tuần.")
    axe.check(officer, "public version")
    shots(officer, "petitions-public-version")
    officer.get_by_role("button", name="Công khai trả lời").click()
    expect(officer.locator("main")).to_contain_text("Đã công khai trả lời")
    officer.goto("/petitions/office/stats/")
    axe.check(officer, "petition statistics")

    page.goto(f"/petitions/{code}/")
    page.get_by_role("button", name="Không đồng tình với trả lời").click()
    expect(page.locator("main")).to_contain_text("Không đồng tình: 1")
    shots(page, "petitions-rated")

    public_ctx = _context(chromium, site)
    anyone = public_ctx.new_page()
    anyone.goto("/petitions/")
    anyone.get_by_label("Tìm kiếm").fill("đèn đường")
    anyone.get_by_role("button", name="Tìm", exact=True).click()
    article = anyone.locator("article", has_text=code)
    expect(article).to_contain_text("UBND xã đã thay bóng đèn")
    text = anyone.locator("main").inner_text()
    name = User.objects.get(username="citizen").get_full_name()
    assert "0912 345 678" not in text and name not in text
    axe.check(anyone, "public answers")
    shots(anyone, "petitions-public")
    anyone.goto("/petitions/verify/")
    axe.check(anyone, "verify contact")
    for ctx in (citizen_ctx, office_ctx, public_ctx):
        ctx.close()
    petition = Petition.objects.get(code=code)
    assert (petition.status, petition.dislikes) == ("published", 1)
