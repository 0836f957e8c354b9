"""A leader's insight page in Chromium (issue 23): the workflow diagram with its times, the tables, the
open dossiers at risk; no JavaScript needed; axe-core finds no serious violation; it fits 360 px."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from playwright.sync_api import expect

from motcua.demo.history import load_history
from motcua.insights import build, risk
from motcua.units.models import Unit
from tests import browser as b
from tests.browser.test_browser_counter import shoot
from tests.browser.test_browser_journey import axe, chromium, site, staff_login  # noqa: F401

pytestmark = pytest.mark.browser


def in_thread(work) -> None:
    """Run `work` in a thread of its own, on this test's database connection: the results' signing
    (pyHanko) runs its own asyncio loop, which Playwright's running loop in this thread forbids."""
    connection = connections["default"]
    connection.inc_thread_sharing()
    failed: list[BaseException] = []

    def run() -> None:
        connections["default"] = connection
        try:
            work()
        except BaseException as exc:  # handed to the test's thread
            failed.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    connection.dec_thread_sharing()
    if failed:
        raise failed[0]


def test_a_leader_sees_where_the_time_goes_and_what_may_be_late(chromium, axe, site, monkeypatch):  # noqa: F811
    from motcua.results import pki

    pki.ensure_units(Unit.objects.all())
    in_thread(lambda: load_history(months=2, per_month=8, seed=3))
    build.build()
    monkeypatch.setattr(risk, "MIN_HISTORY", 2)  # the short demo history: enough to show figures on the page
    risk.score(everything=True)

    context = b.new_context(chromium, site, javascript=False)
    page = context.new_page()
    staff_login(page, "monitor_province", "/kpi/")
    page.get_by_role("link", name="Thời gian xử lý từng bước và hồ sơ có nguy cơ trễ hạn").click()
    expect(page.locator("h1")).to_have_text("Thời gian xử lý và nguy cơ trễ hạn")
    page.get_by_role("link", name="1.004873").click()
    expect(page.locator("svg.insights-flow")).to_be_visible()
    expect(page.get_by_role("img", name="Quy trình 1.004873: thời gian từng bước (ngày làm việc)")).to_be_visible()
    expect(page.get_by_role("heading", name="Các đường đi phổ biến")).to_be_visible()
    expect(page.get_by_role("heading", name="Hồ sơ đang giải quyết có nguy cơ trễ hạn")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải bảng số liệu (CSV)").click()
    assert download.value.suggested_filename.endswith(".csv")
    context.close()

    context = b.new_context(chromium, site)
    page = context.new_page()
    staff_login(page, "monitor_province", "/kpi/")
    page.goto("/kpi/units/000.00.00.H99/insights/?procedure=1.004873&from=2025-01-01")
    axe.check(page, "insights: procedure 1.004873")
    shoot(page, "insights-steps")
    page.set_viewport_size({"width": 360, "height": 780})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
