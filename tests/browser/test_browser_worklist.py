"""An officer's day in Chromium (issue 17): the queues with their counts, the search, the bulk form.

The one-stop officer of An Bình opens "new at the counter", receives two dossiers at once with
the checkboxes (no JavaScript needed), is told a third one had moved on meanwhile, finds a dossier
by the applicant's name typed without diacritics, and the specialist claims the received ones from
"to claim". Every page passes axe-core without a serious violation and fits 1280 and 360 px.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from motcua.dossiers import actions
from motcua.dossiers.models import Dossier, Status
from motcua.identity.models import User
from tests import browser as b
from tests.browser.test_browser_journey import axe, chromium, site, staff_login  # noqa: F401
from tests.conftest import BIRTH, BIRTH_COMPONENTS

pytestmark = pytest.mark.browser


def filed(username: str) -> str:
    return actions.submit(User.objects.get(username=username), "1.001193", dict(BIRTH),
                          components=list(BIRTH_COMPONENTS)).code


def row(page, code: str):
    return page.locator("table.worklist tbody tr", has=page.locator(f"input[value='{code}']"))


def test_queues_search_and_bulk_actions(chromium, axe, site):  # noqa: F811
    an, chau, moved = filed("citizen"), filed("citizen3"), filed("citizen")
    elsewhere = filed("citizen2")  # Hòa Thuận: never on An Bình's pages

    context = b.new_context(chromium, site, javascript=False)  # the forms need no script
    page = context.new_page()
    staff_login(page, "onestop_anbinh", "/office/q/new/")
    expect(page).to_have_url(re.compile(r"/office/q/new/$"))
    expect(page.locator("h1")).to_have_text("Mới nộp, chờ tiếp nhận")
    nav = page.get_by_role("navigation", name="Hàng đợi công việc")
    expect(nav.get_by_role("link", name=re.compile(r"^Mới nộp, chờ tiếp nhận \d+"))).to_have_attribute("aria-current", "page")
    for code in (an, chau, moved):
        expect(row(page, code)).to_have_count(1)
    expect(page.locator(f"input[value='{elsewhere}']")).to_have_count(0)
    b.screenshot(page, "office-queue-new")

    # Meanwhile another officer receives one of them: this page still shows it as new.
    actions.perform(moved, "receive", User.objects.get(username="onestop_anbinh"))
    for code in (an, chau, moved):
        row(page, code).get_by_role("checkbox").check()
    page.get_by_role("button", name="Tiếp nhận", exact=True).click()
    expect(page).to_have_url(re.compile(r"/office/q/new/$"))
    expect(page.locator("body")).to_contain_text(f"Đã thực hiện “Tiếp nhận” cho 2 hồ sơ: {an}, {chau}.")
    expect(page.locator("body")).to_contain_text(f"Hồ sơ {moved} đã thay đổi kể từ khi bạn mở trang")
    expect(page.locator("body")).to_contain_text("hiện nay là “Đã tiếp nhận”")
    assert Dossier.objects.get(code=an).status == Status.RECEIVED == Dossier.objects.get(code=chau).status
    b.screenshot(page, "office-bulk-result")
    context.close()

    # With scripts on, for axe: the queues, the search.
    context = b.new_context(chromium, site)
    page = context.new_page()
    staff_login(page, "onestop_anbinh", "/office/q/today/")
    expect(page.locator("h1")).to_have_text("Đã xử lý hôm nay")
    for code in (an, chau, moved):
        expect(row(page, code)).to_have_count(1)
    axe.check(page, "queue: done today")

    page.get_by_role("link", name="Tìm hồ sơ").click()
    expect(page.locator("h1")).to_have_text("Tìm hồ sơ")
    page.get_by_label("Mã hồ sơ, số định danh hoặc họ tên người nộp").fill("nguyen van an")
    page.get_by_label("Trạng thái").select_option(label="Đã tiếp nhận")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(row(page, an)).to_have_count(1)
    expect(row(page, moved)).to_have_count(1)
    expect(row(page, chau)).to_have_count(0)  # Lê Minh Châu
    axe.check(page, "dossier search")
    b.screenshot(page, "office-search")
    page.get_by_label("Mã hồ sơ, số định danh hoặc họ tên người nộp").fill("tran thi binh")
    page.get_by_label("Trạng thái").select_option(value="")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page.locator("main")).to_contain_text("Không có hồ sơ nào.")
    context.close()

    # The specialist claims the received dossiers from "to claim".
    context = b.new_context(chromium, site)
    page = context.new_page()
    staff_login(page, "specialist_anbinh", "/office/q/claim/")
    expect(page.locator("h1")).to_have_text("Chờ nhận xử lý")
    nav = page.get_by_role("navigation", name="Hàng đợi công việc")
    expect(nav.get_by_role("link", name=re.compile("^Mới nộp"))).to_have_count(0)  # not a counter officer
    for code in (an, chau):
        row(page, code).get_by_role("checkbox").check()
    axe.check(page, "queue: to claim")
    b.screenshot(page, "office-queue-claim")
    page.get_by_role("button", name="Nhận xử lý", exact=True).click()
    expect(page.locator("body")).to_contain_text(f"Đã thực hiện “Nhận xử lý” cho 2 hồ sơ: {an}, {chau}.")
    page.get_by_role("link", name=re.compile(r"^Việc của tôi")).click()
    expect(row(page, an)).to_have_count(1)
    expect(row(page, chau)).to_have_count(1)
    axe.check(page, "queue: mine")
    context.close()
