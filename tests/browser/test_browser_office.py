"""Issue 17 in Chromium: the officer's dossier page, printing and unit administration.

The dossier page shows what was submitted beside the actions at 1280 px (and stacked at 360 px),
with the uploaded PDF previewed in the page; a note is added through the form. The receipt's print
page prints on one A4 sheet with nothing of the site around it (Chromium's own print to PDF, with
the print media). A province administrator adds a day off and a role for An Bình. axe-core on every
page: no serious or critical violation. With MOTCUA_SCREENSHOTS set, pictures at 1280 and 360 px
go to docs/screenshots/ (office-dossier-*, print-*, unit-admin-*).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pypdfium2
from django.utils import timezone
from playwright.sync_api import Page, expect

from motcua.lib.pdf import html_to_pdf
from motcua.units.models import CalendarDay, Membership
from tests.backoffice.helpers import pdf_text
from tests.browser.test_browser_journey import axe, chromium, site  # noqa: F401 - fixtures
from tests.browser.test_browser_layout import assert_no_sideways_scroll, logged_in_page
from tests.conftest import BIRTH, ApiClient

WIDE, PHONE = {"width": 1280, "height": 900}, {"width": 360, "height": 800}


def shot(page: Page, name: str, max_height: int = 2400) -> None:
    """docs/screenshots/NAME.png at 1280 px and NAME-360.png at 360 px, when MOTCUA_SCREENSHOTS names a folder."""
    folder = os.environ.get("MOTCUA_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for suffix, size in (("", WIDE), ("-360", PHONE)):
        page.set_viewport_size(size)
        height = min(page.evaluate("document.documentElement.scrollHeight"), max_height)
        page.screenshot(path=str(Path(folder) / f"{name}{suffix}.png"), full_page=True,
                        clip={"x": 0, "y": 0, "width": size["width"], "height": height})
    page.set_viewport_size(WIDE)


def dossier_with_a_real_pdf() -> str:
    """A birth registration whose certificate is a real one-page PDF (the preview draws it), received."""
    citizen = ApiClient("citizen")
    scan = html_to_pdf("<h1>Giấy chứng sinh</h1><p>Bản chụp (thử nghiệm)</p>")
    upload = citizen.upload("giay-chung-sinh.pdf", scan)
    assert upload.status_code == 201, upload.content
    r = citizen.post("/dossiers", {"procedure": "1.001193", "data": BIRTH,
                                   "components": [{"key": "birth_certificate", "upload": upload.json()["id"]}]})
    assert r.status_code == 201, r.content
    code = r.json()["code"]
    assert ApiClient("onestop_anbinh").act(code, "receive").status_code == 200
    return code


def test_the_officers_dossier_page_notes_and_printing(chromium, axe, site):  # noqa: F811
    code = dossier_with_a_real_pdf()
    page = logged_in_page(chromium, site, "specialist_anbinh")
    page.goto(f"/office/dossiers/{code}/")
    axe.check(page, "officer dossier page")

    facts, work = page.locator(".dossier-facts"), page.locator(".dossier-work")
    expect(page.locator("object.preview-pdf")).to_be_visible()
    # Side by side at 1280: the answers' top level with the actions' column, not below it.
    f, w = facts.bounding_box(), work.bounding_box()
    assert f["x"] + f["width"] <= w["x"] and abs(f["y"] - w["y"]) < 5, (f, w)
    assert page.get_by_role("heading", name="Thông tin đã khai").bounding_box()["y"] < page.get_by_role("heading", name="Thao tác").bounding_box()["y"] + 5
    page.set_viewport_size(PHONE)
    f, w = facts.bounding_box(), work.bounding_box()
    assert w["y"] >= f["y"] + f["height"] - 1, "stacked at 360 px"
    assert_no_sideways_scroll(page, "officer dossier page at 360 px")
    page.set_viewport_size(WIDE)

    page.get_by_label("Thêm ghi chú").fill("Bản chụp rõ; đã đối chiếu bản gốc tại quầy.")
    page.get_by_role("button", name="Lưu ghi chú").click()
    expect(page.locator(".notes-list")).to_contain_text("Bản chụp rõ; đã đối chiếu bản gốc tại quầy.")
    expect(page.locator(".notes-list")).to_contain_text("Đặng Văn Tùng")
    axe.check(page, "officer dossier page with a note")
    shot(page, "office-dossier-side-by-side")

    # The applicant's page of the same dossier: no note.
    mine = logged_in_page(chromium, site, "citizen")
    mine.goto(f"/my/dossiers/{code}/")
    expect(mine.get_by_role("heading", name="Thông tin đã khai")).to_be_visible()
    assert "đối chiếu bản gốc" not in mine.content() and "Ghi chú nội bộ" not in mine.content()

    # Printing the receipt: the print page, then Chromium's print of it (print media, A4).
    page.get_by_role("link", name="Giấy tiếp nhận hồ sơ và hẹn trả kết quả", exact=True).click()
    expect(page.locator("article.paper h1")).to_have_text("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    axe.check(page, "receipt print page")
    shot(page, "print-receipt")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible() and not page.locator(".print-toolbar").is_visible()
    printed = page.pdf(format="A4", print_background=False)
    page.emulate_media(media="screen")
    text = " ".join(pdf_text(printed).split())
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text and code in text and "Nguyễn Văn An" in text
    assert "Dịch vụ công trực tuyến" not in text and "Đăng xuất" not in text, "the site's header was printed"
    assert len(pypdfium2.PdfDocument(printed)) == 1, "the receipt fits one A4 sheet"
    folder = os.environ.get("MOTCUA_SCREENSHOTS")
    if folder:  # what the browser prints, drawn as a picture for the docs
        pypdfium2.PdfDocument(printed)[0].render(scale=1).to_pil().save(Path(folder) / "print-receipt-a4.png")
    # The PDF twin (WeasyPrint), served inline.
    response = page.request.get(f"/office/dossiers/{code}/print/receipt.pdf")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert code in pdf_text(response.body())


def test_unit_administration_in_the_browser(chromium, axe, site):  # noqa: F811
    page = logged_in_page(chromium, site, "admin_province")
    page.goto("/office/")
    page.get_by_role("link", name="Quản trị đơn vị").click()
    axe.check(page, "unit administration: units")
    shot(page, "unit-admin-units")
    page.get_by_role("link", name="UBND xã An Bình").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("Cán bộ và vai trò")
    axe.check(page, "unit administration: staff")
    page.get_by_label("Tài khoản (tên đăng nhập)").fill("citizen3")
    page.get_by_label("Vai trò").select_option("specialist")
    page.get_by_role("button", name="Giao vai trò").click()
    expect(page.locator(".messages")).to_contain_text("Đã giao vai trò Chuyên viên cho Lê Minh Châu.")
    assert Membership.objects.filter(user__username="citizen3", unit__code="000.11.00.H99", role="specialist").exists()
    shot(page, "unit-admin-staff")

    page.get_by_role("link", name="Ngày nghỉ, ngày làm bù").click()
    day = timezone.localdate() + timedelta(days=30)
    page.get_by_label("Ngày", exact=True).fill(day.isoformat())
    page.get_by_label("Ghi chú (căn cứ quyết định)").fill("Quyết định nghỉ bù của UBND xã")
    page.get_by_role("button", name="Lưu ngày").click()
    expect(page.locator(".messages")).to_contain_text(day.strftime("%d/%m/%Y"))
    assert CalendarDay.objects.get(unit__code="000.11.00.H99", day=day).working is False
    axe.check(page, "unit administration: calendar")
    shot(page, "unit-admin-calendar")

    # An out-of-range target: the page again, with the error, and nothing stored.
    page.get_by_role("link", name="Chỉ tiêu").click()
    page.get_by_label("Chỉ tiêu (phần trăm)").fill("150")
    page.get_by_role("button", name="Lưu chỉ tiêu").click()
    expect(page.locator(".error-summary")).to_contain_text("từ 0 đến 100")
    axe.check(page, "unit administration: targets with an error")
    page.get_by_label("Chỉ tiêu (phần trăm)").fill("75")
    page.get_by_role("button", name="Lưu chỉ tiêu").click()
    expect(page.locator(".admin-table")).to_contain_text("75%")
    shot(page, "unit-admin-targets")

    page.get_by_role("link", name="Thủ tục tiếp nhận").click()
    axe.check(page, "unit administration: procedures")
    page.set_viewport_size(PHONE)
    assert_no_sideways_scroll(page, "unit administration at 360 px")
    page.set_viewport_size(WIDE)
    shot(page, "unit-admin-procedures")
    # Outside the subtree: 404.
    assert page.goto("/office/unit/000.00.00.G12/staff/").status == 404
