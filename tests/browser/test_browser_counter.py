"""Issue 17's counter in Chromium: a walk-in applicant's dossier with two scanned components, the receipt printed.

The one-stop officer of An Bình signs in, opens /office/intake/, names the applicant
by personal ID (the population registry gives the name), picks temporary residence
(1.004194, two components), fills the procedure's own form, chooses a scan for each
component and registers; the receipt page prints on A4 (print stylesheet: no site
header) and its PDF names the dossier and the return date. Then the officer marks
the result of another paper dossier digitized on the digitization page. axe-core on
every page; pictures at 1280 and 360 px where MOTCUA_SCREENSHOTS says.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pypdfium2
import pytest
from playwright.sync_api import Page, expect

from motcua.dossiers.models import Dossier
from tests import browser as b
from tests.browser.test_browser_journey import axe, chromium, site, staff_login  # noqa: F401
from tests.conftest import TINY_PNG

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = TINY_PNG  # a real image: uploads are decoded, not only sniffed (vault/content_checks.py)
SIZES = {"": {"width": 1280, "height": 900}, "-360": {"width": 360, "height": 780}}


def shoot(page: Page, name: str) -> None:
    """docs/screenshots/NAME.png (1280 px) and NAME-360.png, when MOTCUA_SCREENSHOTS names the folder."""
    folder = os.environ.get("MOTCUA_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for suffix, size in SIZES.items():
        page.set_viewport_size(size)
        height = min(page.evaluate("document.documentElement.scrollHeight"), b.SHOT_MAX_HEIGHT)
        page.screenshot(path=str(Path(folder) / f"{name}{suffix}.png"), full_page=True,
                        clip={"x": 0, "y": 0, "width": size["width"], "height": height})
    page.set_viewport_size(SIZES[""])


def pdf_text(content: bytes) -> str:
    document = pypdfium2.PdfDocument(content)
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


def test_a_walk_in_dossier_with_two_scans_is_registered_and_its_receipt_printed(chromium, axe, site):  # noqa: F811
    context = b.new_context(chromium, site)
    page = context.new_page()
    staff_login(page, "onestop_anbinh", "/office/intake/")
    started = time.monotonic()
    page.goto("/office/intake/")
    axe.check(page, "intake: applicant and procedure")
    shoot(page, "counter-intake-start")

    page.get_by_label("Trực tiếp", exact=True).check()
    page.get_by_label("Số định danh cá nhân (12 chữ số)").fill("001090012345")
    page.get_by_label("Thủ tục", exact=True).select_option("1.004194")
    page.get_by_role("button", name="Tiếp tục").click()

    expect(page.locator("h1")).to_have_text("Đăng ký tạm trú")
    expect(page.locator(".intake-facts")).to_contain_text("Nguyễn Văn An")  # from the population registry
    axe.check(page, "intake: the procedure's form")
    form = page.locator("form.dossier-form")
    form.locator("[name='address']").fill("Số 3 đường Lê Lợi, xã An Bình, tỉnh Demo")
    for name, value in (("residence_basis", "thue"), ("registration_form", "ca_nhan")):
        control = form.locator(f"[name='{name}']")
        if control.first.get_attribute("type") == "radio":
            form.locator(f"[name='{name}'][value='{value}']").check()
        else:
            control.select_option(value)
    form.locator("[name='owner_name']").fill("Lê Văn Chủ")
    form.locator("[name='stay_until']").fill("2027-12-31")
    form.locator("[name='persons']").fill("1")
    form.locator("[name='component-ct01']").set_input_files(
        {"name": "to-khai-ct01.pdf", "mimeType": "application/pdf", "buffer": PDF})
    form.locator("[name='component-lawful_residence']").set_input_files(
        {"name": "hop-dong-thue.png", "mimeType": "image/png", "buffer": PNG})
    shoot(page, "counter-intake-form")
    form.get_by_role("button", name="Tiếp nhận hồ sơ và in giấy tiếp nhận").click()

    expect(page.locator(".paper h1")).to_have_text("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    walked = time.monotonic() - started
    assert walked < 120, f"the counter walk took {walked:.0f} s"
    dossier = Dossier.objects.get(channel=1)
    assert dossier.status == 2 and len(dossier.components) == 2
    assert all(c["source"] == "paper" and c["digitized"] for c in dossier.components)
    expect(page.locator(".paper")).to_contain_text(dossier.code)
    expect(page.locator(".paper")).to_contain_text("Ngô Thị Mai")  # the officer who received it
    due = dossier.due_at.astimezone()  # as the legal form writes a moment: "17 giờ 00 phút, ngày 10/12/2026"
    expect(page.locator(".receipt-due")).to_have_text(f"{due:%H} giờ {due:%M} phút, ngày {due:%d/%m/%Y}")
    axe.check(page, "intake: the receipt")
    shoot(page, "counter-receipt")

    # Printed: the print stylesheet leaves only the receipt on the A4 page.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".print-toolbar")).to_be_hidden()
    printed = page.pdf(format="A4")
    text = pdf_text(printed)
    assert dossier.code in text and "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text.upper()
    assert "Đăng nhập" not in text and "Đăng xuất" not in text
    page.emulate_media(media="screen")

    # And as the receipt's PDF (results/receipt.py).
    link = page.get_by_role("link", name="Tải bản PDF").get_attribute("href")
    answer = context.request.get(link)
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    pdf = answer.body()
    text = pdf_text(pdf)
    assert dossier.code in text and dossier.due_at.astimezone().strftime("%d/%m/%Y") in text

    # The digitization page: each component digitized, by whom.
    page.get_by_role("link", name="Số hóa thành phần hồ sơ").click()
    expect(page.locator(".digitize-list")).to_contain_text("onestop_anbinh")
    axe.check(page, "digitization page")
    shoot(page, "counter-digitize")
    context.close()
