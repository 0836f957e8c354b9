"""A household's members as rows, in Chromium without JavaScript (issue 24): add, remove, errors, review, dossier.

The renewal of a household's health insurance (1.011880) asks for each member in a row of a
repeating group. "Add another" and "Remove" post the form back; what was typed stays, the draft is
saved; an error is shown in its row; the review and the dossier show the rows as a table; the fee
counts the rows. axe finds nothing serious at any step, and nothing but the table's own scrolling
region is wider than a 360 px screen. Screenshots at 1280 and 360 px (docs/screenshots/).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from motcua.dossiers.models import Dossier
from tests import browser as b
from tests.browser.test_browser_journey import axe, chromium, site, start_with_eid  # noqa: F401

pytestmark = pytest.mark.browser

SIZES = (("", {"width": 1280, "height": 900}), ("-360", {"width": 360, "height": 800}))


def shot(page: Page, name: str) -> None:
    """docs/screenshots/NAME.png at 1280 px and NAME-360.png at 360 px, when MOTCUA_SCREENSHOTS names the folder."""
    folder = os.environ.get("MOTCUA_SCREENSHOTS")
    for suffix, size in SIZES:
        page.set_viewport_size(size)
        # Nothing but a table's own scrolling region is wider than the screen (WCAG 1.4.10).
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], (name, size)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            height = min(page.evaluate("document.documentElement.scrollHeight"), b.SHOT_MAX_HEIGHT)
            page.screenshot(path=str(Path(folder) / f"{name}{suffix}.png"), full_page=True,
                            clip={"x": 0, "y": 0, "width": size["width"], "height": height})
    page.set_viewport_size(b.DESKTOP)


def fill_row(page: Page, number: int, name: str, personal_id: str, born: str, relationship: str) -> None:
    row = page.locator("fieldset.group-row", has=page.locator("legend", has_text=re.compile(f"^Thành viên {number}$")))
    row.get_by_label(re.compile("^Họ và tên")).fill(name)
    row.get_by_label(re.compile("^Số định danh cá nhân")).fill(personal_id)
    row.get_by_label(re.compile("^Ngày sinh")).fill(born)
    row.get_by_label(re.compile("^Quan hệ với chủ hộ")).select_option(label=relationship)


def test_a_household_lists_its_members_without_javascript(chromium, axe, site):  # noqa: F811
    # Without JavaScript: "Add another" and "Remove" are plain submit buttons posting the form back.
    bare = b.new_context(chromium, site, javascript=False)
    page = bare.new_page()
    start_with_eid(page, "/procedures/1.011880/", "citizen")
    fill_row(page, 1, "Nguyễn Văn An", "001090012345", "1990-05-14", "Chủ hộ")
    page.get_by_role("button", name="Thêm thành viên").click()
    expect(page.locator("fieldset.group-row")).to_have_count(2)
    expect(page.locator("#field-members-0-full_name")).to_have_value("Nguyễn Văn An")
    page.get_by_role("button", name="Xóa Thành viên 2").click()
    expect(page.locator("fieldset.group-row")).to_have_count(1)
    expect(page.locator("#field-members-0-personal_id")).to_have_value("001090012345")
    bare.close()

    # The same pages with a script engine, for axe and the screenshots (the pages run no script of their own here).
    context = b.new_context(chromium, site)
    page = context.new_page()
    start_with_eid(page, "/procedures/1.011880/", "citizen")

    expect(page.locator("h1")).to_have_text("Hộ gia đình")
    group = page.locator("fieldset.field-group")
    expect(group.locator("> legend")).to_contain_text("Thành viên gia hạn thẻ")
    expect(group.locator("fieldset.group-row")).to_have_count(1)
    expect(page.get_by_role("button", name=re.compile("^Xóa"))).to_have_count(0)  # one row stays
    page.locator("fieldset", has_text="Số tháng đóng").get_by_label("12 tháng", exact=True).check()
    page.get_by_label(re.compile("^Nơi đăng ký khám bệnh")).fill("Trạm Y tế xã An Bình")
    fill_row(page, 1, "Nguyễn Văn An", "001090012345", "1990-05-14", "Chủ hộ")

    # "Add another": the page comes back with a second, empty row and the first one as typed.
    page.get_by_role("button", name="Thêm thành viên").click()
    expect(group.locator("fieldset.group-row")).to_have_count(2)
    expect(page.locator("#field-members-0-full_name")).to_have_value("Nguyễn Văn An")
    fill_row(page, 2, "Trần Thị Hạnh", "001192034567", "1992-08-01", "Vợ hoặc chồng")
    page.get_by_role("button", name="Thêm thành viên").click()
    fill_row(page, 3, "Người nhầm", "001215000000", "2015-01-01", "Con")
    # "Remove" names its row for a screen reader; the rows after it move up.
    page.get_by_role("button", name="Xóa Thành viên 3").click()
    expect(group.locator("fieldset.group-row")).to_have_count(2)
    expect(page.locator("#field-members-1-full_name")).to_have_value("Trần Thị Hạnh")
    page.get_by_role("button", name="Thêm thành viên").click()
    fill_row(page, 3, "Nguyễn Minh Châu", "", "2015-11-02", "Con")
    axe.check(page, "household members, three rows")
    shot(page, "repeating-group-rows")

    # The third member's ID is missing: the error is in that row, listed at the top, nothing lost.
    page.get_by_role("button", name="Lưu và tiếp tục", exact=True).click()
    error = page.locator("#field-members-2-personal_id-error")
    expect(error).to_contain_text("Số định danh cá nhân (Thành viên 3)")
    expect(page.locator(".error-summary a[href='#field-members-2-personal_id']")).to_have_count(1)
    expect(page.locator("#field-members-2-full_name")).to_have_value("Nguyễn Minh Châu")
    axe.check(page, "household members, an error in row 3")
    shot(page, "repeating-group-error")
    page.locator("#field-members-2-personal_id").fill("001215098765")
    page.get_by_role("button", name="Lưu và tiếp tục", exact=True).click()

    # Documents (held by the registries), then the review: the rows as a table, the fee for three members.
    expect(page.locator("h1")).to_have_text("Thành phần hồ sơ")
    page.get_by_role("button", name="Lưu và tiếp tục", exact=True).click()
    expect(page.locator("form[action$='/submit/']")).to_be_visible()
    table = page.locator("table.answer-table")
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table.locator("thead")).to_contain_text("Quan hệ với chủ hộ")
    expect(table.locator("tbody tr").nth(1)).to_contain_text("Vợ hoặc chồng")
    expect(page.get_by_text(re.compile("2[.,]906[.,]280"))).not_to_have_count(0)  # (105,300 + 73,710 + 63,180) × 12
    axe.check(page, "household members, review")
    shot(page, "repeating-group-review")
    page.locator("form[action$='/submit/']").get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.locator("h1")).to_have_text("Đã nộp hồ sơ")

    dossier = Dossier.objects.get(procedure__code="1.011880")
    assert [m["full_name"] for m in dossier.data["members"]] == ["Nguyễn Văn An", "Trần Thị Hạnh", "Nguyễn Minh Châu"]
    assert dossier.fee == 2906280
    page.goto(f"/my/dossiers/{dossier.code}/")
    expect(page.locator("table.answer-table tbody tr")).to_have_count(3)
    axe.check(page, "household members, the citizen's dossier")
    shot(page, "repeating-group-dossier")
    context.close()
