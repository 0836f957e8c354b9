"""What an officer and a citizen see, measured in Chromium: nothing off-screen, the important things first.

The queue, a dossier's steps table and the KPI "by procedure" table must fit a 1280-px screen and a
360-px phone (cells wrap, or a row becomes a card): every column of a row lies inside the viewport and
the page never scrolls sideways. The officer's dossier page of a newborn bundle waiting on other
agencies names the open steps, their units and holders. The citizen's dossier page shows the status,
the due date and the result before the rating form, under a header of about 100 px on a phone.
Each page is checked with axe too; the back-office dossier page has unique landmarks.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import connection
from django.test import Client
from playwright.sync_api import Locator, Page, expect

from motcua.dossiers import actions
from tests import browser as b
from tests.browser.test_browser_journey import axe, chromium, site  # noqa: F401 - fixtures
from tests.conftest import BIRTH, user
from tests.walker import DEFINITIONS, bundle_at_other_agencies, components_for

SIZES = ({"width": 1280, "height": 900}, {"width": 360, "height": 800})


def logged_in_page(browser, base_url: str, username: str) -> Page:
    """A page whose browser holds `username`'s session (made by Django's test client: no login form)."""
    client = Client()
    client.force_login(user(username))
    context = b.new_context(browser, base_url)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": base_url}])
    return context.new_page()


def assert_inside(page: Page, locator: Locator, what: str) -> None:
    width = page.viewport_size["width"]
    count = locator.count()
    assert count, f"nothing found for {what}"
    for i in range(count):
        element = locator.nth(i)
        element.scroll_into_view_if_needed()
        box = element.bounding_box()
        assert box is not None and box["width"] > 0, f"{what} #{i} is not shown at {width} px"
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (
            f"{what} #{i} lies outside the {width}-px viewport: x={box['x']:.0f}, right={box['x'] + box['width']:.0f}"
        )


def assert_no_sideways_scroll(page: Page, label: str) -> None:
    scroll, width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= width, f"{label}: the page scrolls sideways at {width} px (scrollWidth {scroll})"


def test_tables_fit_the_screen_and_the_officer_is_told_what_the_bundle_waits_for(chromium, axe, site):  # noqa: F811
    code = bundle_at_other_agencies()
    actions.perform(code, "claim", user("specialist_police_anbinh"))
    new = actions.submit(user("citizen3"), "1.001193", dict(BIRTH), components=[]).code  # to receive

    desk = logged_in_page(chromium, site, "onestop_anbinh")
    desk.goto("/office/")
    axe.check(desk, "back-office queue")
    b.screenshot(desk, "office-queue-turn")
    for size in SIZES:
        desk.set_viewport_size(size)
        label = f"queue at {size['width']} px"
        assert_no_sideways_scroll(desk, label)
        for dossier in (code, new):
            row = desk.locator("table.queue tbody tr", has=desk.get_by_role("link", name=dossier, exact=True))
            for column in ("col-applicant", "col-status", "col-steps", "col-actions"):
                assert_inside(desk, row.locator(f"td.{column}"), f"{label}: {dossier} {column}")
        receive = desk.locator("table.queue tbody tr", has=desk.get_by_role("link", name=new, exact=True)).get_by_role(
            "button", name="Tiếp nhận"
        )
        assert_inside(desk, receive, f"{label}: the receive button")

    leader = logged_in_page(chromium, site, "approver_anbinh")
    leader.goto(f"/office/dossiers/{code}/")
    axe.check(leader, "back-office dossier (waiting on other agencies)")
    assert not [m for m in axe.minor.get(axe.checked[-1].rsplit(" (", 1)[0], []) if "landmark-unique" in m]
    b.screenshot(leader, "office-dossier-waiting")
    panel = leader.locator("section[aria-labelledby=turn-title]")
    expect(panel.get_by_role("heading")).to_have_text("Hồ sơ đang chờ")
    expect(panel).to_contain_text("Công an xã đăng ký thường trú cho trẻ — Công an xã An Bình — người xử lý: Hồ Văn Đạt")
    expect(panel).to_contain_text("Bảo hiểm xã hội cấp thẻ bảo hiểm y tế — Bảo hiểm xã hội tỉnh Demo — chưa có người nhận")
    expect(panel).to_contain_text("Sau đó: Lãnh đạo phê duyệt của UBND xã An Bình ký và phát hành kết quả")
    for size in SIZES:
        leader.set_viewport_size(size)
        label = f"steps table at {size['width']} px"
        assert_no_sideways_scroll(leader, label)
        rows = leader.locator("table.steps-table tbody tr")
        assert rows.count() == 7
        assert_inside(leader, rows.locator("td.col-due:not(:empty)"), f"{label}: due")
        assert_inside(leader, rows.locator("td.col-done:not(:empty)"), f"{label}: done")
        assert_inside(leader, rows.locator("th"), f"{label}: step names")
        assert_inside(leader, panel, f"{label}: what the dossier waits for")

    monitor = logged_in_page(chromium, site, "monitor_province")
    monitor.goto("/kpi/")
    axe.check(monitor, "KPI dashboard")
    b.screenshot(monitor, "kpi-by-procedure")
    cells = monitor.locator("table.kpi-procedures tbody td")
    assert cells.count() >= 3
    every_number = monitor.locator("main table tbody td")
    for size in SIZES:
        monitor.set_viewport_size(size)
        label = f"KPI by procedure at {size['width']} px"
        assert_no_sideways_scroll(monitor, label)
        assert_inside(monitor, cells, f"{label}: numbers")
        assert_inside(monitor, every_number, f"KPI tables at {size['width']} px: numbers")
    for page in (desk, leader, monitor):
        page.context.close()


def test_the_citizen_sees_status_due_date_and_result_first_under_a_short_header(chromium, axe, site):  # noqa: F811
    birth = DEFINITIONS["1.001193-dang-ky-khai-sinh.yaml"]
    code = actions.submit(user("citizen"), "1.001193", dict(BIRTH), components=components_for(birth, BIRTH)).code
    officer, specialist, leader = user("onestop_anbinh"), user("specialist_anbinh"), user("approver_anbinh")

    def walk() -> None:
        for action, who in (("receive", officer), ("start_processing", specialist), ("transfer", specialist),
                            ("approve", leader), ("issue_result", leader), ("return_result", officer)):
            actions.perform(code, action, who)
        connection.close()

    # In a thread of its own: signing the result runs an event loop, and Playwright's holds this thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(walk).result()

    page = logged_in_page(chromium, site, "citizen")
    page.goto(f"/my/dossiers/{code}/")
    axe.check(page, "dossier with result")
    b.screenshot(page, "dossier-result-first")
    rating = page.locator("section", has=page.get_by_role("heading", name="Đánh giá mức độ hài lòng"))
    status = page.locator("section.dossier-status")
    first = {
        "status": status.locator(".facts-key div", has_text="Trạng thái"),
        "due date": status.locator(".facts-key div", has_text="Ngày hẹn trả"),
        "result": page.get_by_role("link", name="Tải kết quả (PDF có chữ ký số)"),
    }
    for size in SIZES:
        page.set_viewport_size(size)
        assert_no_sideways_scroll(page, f"citizen's dossier at {size['width']} px")
        rating_top = rating.bounding_box()["y"]
        for name, locator in first.items():
            box = locator.bounding_box()
            assert box and box["y"] + box["height"] <= rating_top, f"{name} is not above the rating at {size['width']} px"
    header = page.locator("header.site-header").bounding_box()
    assert header["height"] <= 100, f"the header takes {header['height']:.0f} px of a 360-px phone"
    # Every link of the navigation is still there, reachable by scrolling the bar sideways.
    nav = page.locator("nav.site-nav")
    assert_no_sideways_scroll(page, "header at 360 px")
    expect(nav.get_by_role("link", name="Hồ sơ của tôi")).to_be_attached()
    expect(nav.get_by_role("button", name="Đăng xuất")).to_be_attached()

    # The timeline: what the citizen follows in view; the offices' internal moves folded.
    timeline = page.locator("section", has=page.get_by_role("heading", name="Quá trình xử lý"))
    shown = timeline.locator(":scope > ol.timeline > li strong").all_inner_texts()
    assert shown == ["Nộp hồ sơ", "Tiếp nhận", "Ban hành kết quả", "Trả kết quả"], shown
    folded = timeline.locator("details.timeline-internal")
    expect(folded).not_to_have_attribute("open", "")
    assert folded.locator("li strong").all_text_contents() == ["Bắt đầu xử lý", "Chuyển xử lý", "Phê duyệt"]
    page.context.close()

