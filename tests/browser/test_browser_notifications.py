"""The citizen's notification choices and the dossier page's "notifications sent", in Chromium, at 1280 and 360 px.

The citizen chooses SMS, types a number that does not exist, is told why next to the field (and in the
error summary), corrects it and sees it saved in E.164; the dossier page then lists the mail and the text
about their dossier. axe finds no serious violation on any of these pages; nothing scrolls sideways.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page, expect

from motcua.dossiers import actions
from motcua.notifications import delivery
from motcua.notifications.models import Preference
from tests.browser.test_browser_journey import axe, chromium, site  # noqa: F401 - fixtures
from tests.browser.test_browser_layout import assert_no_sideways_scroll, logged_in_page, user
from tests.conftest import BIRTH, BIRTH_COMPONENTS

SIZES = ({"width": 1280, "height": 900}, {"width": 360, "height": 800})


def shoot(page: Page, name: str, tmp: Path) -> None:
    """Both widths; into MOTCUA_SCREENSHOTS (docs/screenshots) when asked, else beside the test."""
    folder = Path(os.environ.get("MOTCUA_SCREENSHOTS") or tmp)
    folder.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        page.set_viewport_size(size)
        assert_no_sideways_scroll(page, f"{name} at {size['width']} px")
        page.screenshot(path=str(folder / f"{name}-{size['width']}.png"), full_page=True)
    page.set_viewport_size(SIZES[0])


def test_the_citizen_chooses_sms_and_is_told_what_is_wrong_with_a_number(chromium, axe, site, tmp_path):  # noqa: F811
    page = logged_in_page(chromium, site, "citizen")
    page.goto("/profile/notifications/", timeout=60_000)  # the live server's first page: cold on a busy machine
    axe.check(page, "notification choices")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhận thông báo")
    page.get_by_label("Nhận thông báo qua tin nhắn SMS").check()
    page.get_by_label("Số điện thoại di động").fill("0912 34")
    page.get_by_role("button", name="Lưu").click()
    error = page.locator(".error-message")
    expect(error).to_contain_text("không tồn tại trong kế hoạch đánh số")
    expect(page.get_by_label("Số điện thoại di động")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".error-summary a")).to_have_attribute("href", "#id_phone")
    axe.check(page, "notification choices, refused number")
    shoot(page, "notifications-profile-error", tmp_path)

    page.get_by_label("Số điện thoại di động").fill("0912 345 678")
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".message-success")).to_have_text("Đã lưu cách bạn nhận thông báo.")
    expect(page.get_by_label("Số điện thoại di động")).to_have_value("+84912345678")
    expect(page.get_by_label("Nhận thông báo qua tin nhắn SMS")).to_be_checked()
    shoot(page, "notifications-profile", tmp_path)
    pref = Preference.objects.get(user=user("citizen"))
    assert (pref.sms, pref.phone) == (True, "+84912345678")

    citizen = user("citizen")
    citizen.email = "an.nguyen@example.vn"
    citizen.save(update_fields=["email"])
    code = actions.submit(citizen, "1.001193", dict(BIRTH), components=list(BIRTH_COMPONENTS)).code
    delivery.fan_out()
    page.goto(f"/my/dossiers/{code}/")
    block = page.locator("section.deliveries")
    expect(block.get_by_role("heading", name="Thông báo đã gửi")).to_be_visible()
    expect(block.locator("tbody tr")).to_have_count(2)
    expect(block).to_contain_text("SMS")
    expect(block).to_contain_text("đang chờ gửi")
    axe.check(page, "dossier page with its notifications")
    block.scroll_into_view_if_needed()
    shoot(page, "notifications-dossier", tmp_path)
