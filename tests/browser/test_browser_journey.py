"""The whole journey in a real browser (Debian's Chromium), with axe-core on every page.

A citizen finds birth registration, logs in with the e-ID at the bundled demo
provider, applies in steps (a draft saved and resumed, an upload, the review),
answers a supplement request, downloads the signed result, rates the service and
looks at their documents and who read them; a second citizen applies with a
document picked from her vault; officers receive, process, ask for the supplement,
approve, issue and return it in the back office. Every page on the way is checked
with axe-core (WCAG 2.0–2.2 A and AA): no serious or critical violation. The main
pages are checked again in English and Bengali, chosen with the language buttons,
and the login, the application and an officer's action are done once more with
JavaScript switched off.

One Chromium for the module; each test has its own database (the live server
needs committed data). `make screenshots` runs this module with MOTCUA_SCREENSHOTS
set, and the journey writes the pictures of docs/screenshots/ on its way.
"""

from __future__ import annotations

import os
import re

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect, sync_playwright

from motcua.demo.data import DEMO_PASSWORD
from motcua.demo.idp import register_portal_client
from motcua.dossiers.models import Dossier, Status
from tests import browser as b
from tests.conftest import BIRTH

BIRTH_URL = "/procedures/1.001193/"
# A 2-core CI machine running the rest of the suite beside this module answers slowly at times.
expect.set_options(timeout=15_000)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(scope="module")
def chromium():
    # Playwright's sync API keeps an event loop running in this thread; Django then
    # refuses ORM calls from it (async-unsafe) unless told the thread is synchronous code.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = b.launch(playwright)
        yield browser
        browser.close()
    if before is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(scope="module")
def axe():
    checker = b.Checker(b.axe_source())
    yield checker
    # What was checked, for the record (-s shows it); moderate and minor findings are listed, not failed.
    print(f"\naxe checked {len(checker.checked)} pages:")
    for name in checker.checked:
        print("  ", name, "—", ", ".join(checker.minor.get(name, [])) or "no violation")


@pytest.fixture
def site(live_server, transactional_db, demo, settings):
    """The demo province, with the portal registered at the demo e-ID provider of this live server."""
    settings.OIDC_ISSUER = f"{live_server.url}/idp"
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"]}
    cache.clear()
    register_portal_client(extra_origins=[live_server.url])
    yield live_server.url
    cache.clear()


# --- steps -----------------------------------------------------------------------------------------------


def eid_login_at_provider(page: Page, username: str) -> None:
    """On the demo provider's login form: sign in as a demo citizen."""
    expect(page).to_have_url(re.compile(r"/idp/login/"))
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def start_with_eid(page: Page, url: str, username: str) -> None:
    """From a procedure's page: log in with the e-ID as a demo citizen and start a draft."""
    page.goto(url)
    page.get_by_role("link", name="Đăng nhập để nộp hồ sơ").click()
    page.get_by_role("link", name=re.compile("định danh điện tử")).click()
    eid_login_at_provider(page, username)
    page.get_by_role("button", name=re.compile("Bắt đầu")).click()


def staff_login(page: Page, username: str, next_url: str = "/office/") -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    form = page.locator("form.login-form")
    form.get_by_label("Tên đăng nhập").fill(username)
    form.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    form.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator(".user-name")).to_be_visible()


def fill_fields(page: Page, values: dict[str, str]) -> None:
    """Fill the fields of `values` this step shows (text, radio or select), leaving the ones a registry verified alone."""
    for name, value in values.items():
        controls = page.locator(f"form.dossier-form .field:not(.field-verified) [name='{name}']:not([type=hidden])")
        if not controls.count():
            continue
        first = controls.first
        if first.get_attribute("type") == "radio":
            controls.and_(page.locator(f"[value='{value}']")).check()
        elif first.evaluate("e => e.tagName") == "SELECT":
            first.select_option(value)
        else:
            first.fill(value)


def fill_birth_fields(page: Page, *, reuse: bool = False) -> None:
    """Fill the fields of BIRTH this step shows, leaving the ones a registry verified alone.

    The birth certificate is uploaded, or with `reuse` picked from the citizen's vault.
    """
    fill_fields(page, BIRTH)
    unit = page.locator("#field-unit")
    if unit.count():
        unit.select_option(label=re.compile("An Bình"))
    if not page.locator("#component-birth_certificate").count():
        return
    if reuse:
        page.locator("fieldset.vault-choices input[name='vault-birth_certificate']").first.check()
    else:
        page.locator("#component-birth_certificate").set_input_files(pdf_file("giay-chung-sinh.pdf"))


def registry_fields(page: Page) -> dict[str, str]:
    """The fields of this step a registry filled (verified and read-only, or offered as a suggestion).

    Each names its source in a note tied to the control with aria-describedby; returns label -> value.
    """
    found = {}
    for field in page.locator("form.dossier-form .field:has(p[id].verified), form.dossier-form .field:has(p[id].hint)").all():
        note = field.locator("p.verified, p.hint").filter(has_text=re.compile("^(Đã xác thực|Gợi ý từ)"))
        if not note.count():
            continue
        control = field.locator("input:not([type=hidden]), select, textarea").first
        assert note.first.get_attribute("id") in (control.get_attribute("aria-describedby") or "").split(), field.inner_html()
        found[field.locator("label").first.inner_text()] = control.input_value()
    return found


def walk_steps(page: Page, axe: b.Checker | None = None, *, reuse: bool = False, label: str = "apply") -> dict[str, str]:
    """From the step the page is on through every step to the review page, checking each page on the way.

    Returns the fields a registry filled (once-only), label -> value.
    """
    verified: dict[str, str] = {}
    for _ in range(12):
        if page.locator("form[action$='/submit/']").count():
            return verified  # the review page
        verified |= registry_fields(page)
        if axe and (not reuse or page.locator("fieldset.vault-choices").count()):  # reuse: only the new page
            axe.check(page, f"{label} step «{page.locator('h1').inner_text()}»")
        if page.locator("input[type=file]").count() and not reuse:
            b.screenshot(page, "apply-documents")
        fill_birth_fields(page, reuse=reuse)
        page.get_by_role("button", name="Lưu và tiếp tục", exact=True).click()
        expect(page.locator(".error-summary")).to_have_count(0)
    raise AssertionError("no review page after 12 steps")


def pdf_file(name: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def act(page: Page, action: str, fill=None) -> None:
    """Use the action panel `#act-ACTION` of an officer's dossier page."""
    panel = page.locator(f"#act-{action}")
    if fill:
        fill(panel)
    panel.locator("button[type=submit]").last.click()
    expect(page.locator(".message-success, .message-info").first).to_be_visible()


def switch_language(page: Page, name: str, code: str) -> None:
    page.locator(".lang-switch").get_by_role("button", name=name).click()
    expect(page.locator("html")).to_have_attribute("lang", code)


# --- the journey -------------------------------------------------------------------------------------------


def test_the_whole_journey_in_chromium_passes_axe_on_every_page(chromium, axe, site):
    citizen_ctx = b.new_context(chromium, site)
    page = citizen_ctx.new_page()

    # Find the procedure: the home page, a search, the procedure page.
    page.goto("/")
    expect(page.locator("h1")).to_have_text("Thủ tục hành chính")
    axe.check(page, "portal home")
    b.screenshot(page, "portal-home", max_height=1100)

    # By keyboard: the first Tab shows the skip link, which takes focus to the main content;
    # every control after it shows where the focus is.
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0 and box["height"] >= 24
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    reached, unseen = b.tab_through(page)
    assert reached[0] == "input#q «»" and len(reached) > 10, reached
    assert not unseen, f"focus not visible on {unseen}"
    page.get_by_label("Tìm thủ tục theo tên hoặc mã").fill("khai sinh")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page).to_have_url(re.compile(r"\?q=khai"))
    axe.check(page, "search results")
    b.screenshot(page, "portal-search")
    page.get_by_role("link", name=re.compile("khai sinh", re.I)).first.click()
    expect(page).to_have_url(re.compile(re.escape(BIRTH_URL)))
    axe.check(page, "procedure page (anonymous)")
    b.screenshot(page, "procedure")

    # Log in with the e-ID: the portal's login page, then the demo provider, then back.
    page.get_by_role("link", name="Đăng nhập để nộp hồ sơ").click()
    axe.check(page, "login page")
    b.screenshot(page, "login", phone=False)
    page.get_by_role("link", name=re.compile("định danh điện tử")).click()
    axe.check(page, "demo e-ID provider login")
    b.screenshot(page, "idp-login")
    page.get_by_label("Tên đăng nhập").fill("citizen")
    page.get_by_label("Mật khẩu").fill("not the password")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe.check(page, "demo e-ID provider login, wrong password")
    eid_login_at_provider(page, "citizen")
    expect(page).to_have_url(re.compile(re.escape(BIRTH_URL)))
    expect(page.locator(".user-name")).to_be_visible()

    # Applying in steps: the first step sent empty (errors beside the fields), saved for later,
    # resumed from "my drafts", then every step to the review page and the confirmation.
    axe.check(page, "procedure page (logged in)")
    page.get_by_role("button", name=re.compile("Bắt đầu")).click()
    axe.check(page, "apply, first step")
    b.screenshot(page, "apply-form")
    reached, unseen = b.tab_through(page, limit=120)
    assert any("field-" in name for name in reached) and not unseen, (reached, unseen)
    page.get_by_role("button", name="Lưu và tiếp tục", exact=True).click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe.check(page, "apply, first step with errors")
    b.screenshot(page, "apply-form-errors", phone=False)
    first_error = page.locator("[aria-invalid=true]").first
    # A radio button's error is tied to its group (the fieldset), read out when the group is entered.
    described = first_error.get_attribute("aria-describedby") or first_error.evaluate(
        "e => e.closest('fieldset')?.getAttribute('aria-describedby') || ''"
    )
    assert any(page.locator(f"#{i}.error-message").count() for i in described.split()), described
    page.get_by_role("button", name="Lưu và tiếp tục sau").click()
    page.goto("/my/drafts/")
    axe.check(page, "my drafts")
    page.get_by_role("link", name=re.compile("Tiếp tục khai")).first.click()
    # Once-only: the population registry's answer is offered for the father's name, its source named.
    prefilled = walk_steps(page, axe)
    assert prefilled.get("Họ và tên cha") == "Nguyễn Văn An", prefilled
    axe.check(page, "apply, review")
    b.screenshot(page, "apply-review")
    page.locator("form[action$='/submit/']").get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.locator("h1")).to_have_text("Đã nộp hồ sơ")
    code = Dossier.objects.get().code
    assert Dossier.objects.get().components[0]["name"] == "giay-chung-sinh.pdf"
    axe.check(page, "confirmation")
    b.screenshot(page, "submitted")
    page.get_by_role("link", name="Theo dõi hồ sơ").click()
    expect(page.locator("h1")).to_contain_text(code)
    axe.check(page, "dossier just submitted")

    page.get_by_role("link", name="Hồ sơ của tôi").first.click()
    expect(page.get_by_role("link", name=code, exact=True)).to_be_visible()
    axe.check(page, "my dossiers")
    b.screenshot(page, "my-dossiers")

    # The back office: the one-stop desk receives, the specialist starts and asks for a supplement.
    office_ctx = b.new_context(chromium, site)
    onestop = office_ctx.new_page()
    onestop.goto("/accounts/login/")
    onestop.locator("form.login-form").get_by_role("button", name="Đăng nhập").click()
    expect(onestop.locator(".error-message").first).to_be_visible()
    axe.check(onestop, "staff login, nothing typed")
    staff_login(onestop, "onestop_anbinh")
    expect(onestop.get_by_role("link", name=code, exact=True)).to_be_visible()
    axe.check(onestop, "back-office queue")
    b.screenshot(onestop, "office-queue")
    onestop.get_by_role("link", name=code, exact=True).click()
    axe.check(onestop, "back-office dossier (new)")
    b.screenshot(onestop, "office-dossier", phone=False)
    act(onestop, "receive")
    assert Dossier.objects.get().status == Status.RECEIVED

    specialist_ctx = b.new_context(chromium, site)
    specialist = specialist_ctx.new_page()
    staff_login(specialist, "specialist_anbinh", f"/office/dossiers/{code}/")
    axe.check(specialist, "back-office dossier (received)")
    act(specialist, "start_processing")
    axe.check(specialist, "back-office dossier (processing)")
    reached, unseen = b.tab_through(specialist, limit=120)
    assert any("request_supplement" in name for name in reached) and not unseen, (reached, unseen)
    act_panel = specialist.locator("#act-request_supplement")
    act_panel.locator("button[type=submit]").click()  # no reason given: refused beside the field
    expect(specialist.locator("#act-request_supplement .error-message").first).to_be_visible()
    axe.check(specialist, "back-office dossier, supplement request refused")

    def ask(panel):
        panel.get_by_label("Lý do chung").fill("Bản chụp không đọc được")
        panel.locator("input[name=items][value=birth_certificate]").check()
        panel.locator("[name=item-reason-birth_certificate]").fill("Chụp lại rõ số hiệu")

    act(specialist, "request_supplement", ask)
    assert Dossier.objects.get().status == Status.SUPPLEMENT_REQUESTED

    # The citizen answers the supplement request from the dossier page.
    page.get_by_role("link", name=code, exact=True).click()
    expect(page.get_by_role("heading", name="Bổ sung hồ sơ", exact=True)).to_be_visible()
    axe.check(page, "dossier with supplement request")
    b.screenshot(page, "supplement-request", phone=False)
    page.locator("#component-birth_certificate").set_input_files(pdf_file("chup-lai.pdf"))
    page.get_by_role("button", name="Gửi hồ sơ bổ sung").click()
    expect(page.get_by_text("Đã bổ sung").first).to_be_visible()
    assert Dossier.objects.get().status == Status.PROCESSING
    axe.check(page, "dossier after the supplement")

    # Processing goes on: transfer, approve and issue by the leader, return by the desk.
    specialist.reload()
    act(specialist, "transfer")
    approver_ctx = b.new_context(chromium, site)
    approver = approver_ctx.new_page()
    staff_login(approver, "approver_anbinh", f"/office/dossiers/{code}/")
    act(approver, "approve")
    act(approver, "issue_result")
    axe.check(approver, "back-office dossier (processed)")
    onestop.goto(f"/office/dossiers/{code}/")
    act(onestop, "return_result")
    assert Dossier.objects.get().status == Status.RETURNED
    axe.check(onestop, "back-office dossier (returned)")

    # The citizen sees the whole timeline and downloads the signed result.
    page.reload()
    expect(page.get_by_text("Trả kết quả", exact=True)).to_be_visible()
    axe.check(page, "dossier with result")
    b.screenshot(page, "dossier-result")
    # Fetched with the page's cookies: headless Chromium would open a PDF in its viewer, not save it.
    href = page.get_by_role("link", name=re.compile("Tải kết quả")).get_attribute("href")
    result = citizen_ctx.request.get(href)
    assert result.status == 200 and result.headers["content-type"] == "application/pdf"
    assert result.body().startswith(b"%PDF-")

    # The satisfaction rating: one answer per question, then the answers are shown.
    rating = page.locator("section.panel", has=page.get_by_role("heading", name="Đánh giá mức độ hài lòng"))
    for group in rating.locator("fieldset.radio-group").all():
        group.locator("input[type=radio]").first.check()
    rating.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_role("heading", name="Đánh giá của bạn")).to_be_visible()
    axe.check(page, "dossier rated")

    # The vault: the citizen's documents and who read their data.
    page.get_by_role("link", name="Giấy tờ của tôi").click()
    expect(page.get_by_role("link", name=code, exact=True).first).to_be_visible()  # the result, kept for reuse
    axe.check(page, "my documents (vault)")
    b.screenshot(page, "vault-documents")
    page.get_by_role("link", name="Xem ai đã đọc dữ liệu của bạn").click()
    axe.check(page, "access log")

    # Another mother applies with the medical birth certificate the hospital put in her vault,
    # picked on the documents step instead of uploaded (once-only).
    mother_ctx = b.new_context(chromium, site)
    mother = mother_ctx.new_page()
    start_with_eid(mother, BIRTH_URL, "citizen2")
    walk_steps(mother, axe, reuse=True, label="reuse")
    axe.check(mother, "reuse, review")
    mother.locator("form[action$='/submit/']").get_by_role("button", name="Nộp hồ sơ").click()
    expect(mother.locator("h1")).to_have_text("Đã nộp hồ sơ")
    mother_ctx.close()
    second = Dossier.objects.exclude(code=code).get()
    assert [c["source"] for c in second.components if c["key"] == "birth_certificate"] == ["vault"], second.components

    # English and Bengali, chosen with the language buttons (plain form posts).
    for name, lang in (("English", "en"), ("বাংলা", "bn")):
        page.goto(f"/my/dossiers/{code}/")
        switch_language(page, name, lang)
        expect(page).to_have_url(re.compile(re.escape(f"/my/dossiers/{code}/")))
        axe.check(page, "dossier with result")
        for label, path in (("portal home", "/"), ("procedure page (logged in)", BIRTH_URL), ("my dossiers", "/my/dossiers/")):
            page.goto(path)
            expect(page.locator("html")).to_have_attribute("lang", lang)
            axe.check(page, label)
        switch_language(onestop, name, lang)
        onestop.goto("/office/")
        axe.check(onestop, "back-office queue")
        onestop.goto(f"/office/dossiers/{code}/")
        axe.check(onestop, "back-office dossier (returned)")
    b.screenshot(page, "my-dossiers-bn", phone=True)
    switch_language(page, "Tiếng Việt", "vi")

    # Logout ends the e-ID session too: the provider's page, then home.
    page.locator(".nav-user").get_by_role("button", name="Đăng xuất").click()
    if "/idp/" in page.url:
        axe.check(page, "demo e-ID provider logout")
        page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("link", name="Đăng nhập")).to_be_visible()
    axe.check(page, "portal home, logged out")
    assert page.goto("/no/such/page/").status == 404
    axe.check(page, "page not found")
    for ctx in (citizen_ctx, office_ctx, specialist_ctx, approver_ctx):
        ctx.close()


def test_login_apply_and_language_work_without_javascript(chromium, site):
    context = b.new_context(chromium, site, javascript=False)
    page = context.new_page()
    page.goto(BIRTH_URL)
    page.get_by_role("link", name="Đăng nhập để nộp hồ sơ").click()
    page.get_by_role("link", name=re.compile("định danh điện tử")).click()
    eid_login_at_provider(page, "citizen")
    expect(page).to_have_url(re.compile(re.escape(BIRTH_URL)))

    page.get_by_role("button", name=re.compile("Bắt đầu")).click()
    walk_steps(page)
    page.locator("form[action$='/submit/']").get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.locator("h1")).to_have_text("Đã nộp hồ sơ")
    dossier = Dossier.objects.get()
    assert dossier.status == Status.SUBMITTED and dossier.components[0]["name"] == "giay-chung-sinh.pdf"

    switch_language(page, "English", "en")
    expect(page.locator("h1")).not_to_have_text("Đã nộp hồ sơ")

    # Staff log in with the password form, also without JavaScript.
    staff = b.new_context(chromium, site, javascript=False)
    office = staff.new_page()
    staff_login(office, "onestop_anbinh")
    office.get_by_role("link", name=dossier.code, exact=True).click()
    office.locator("#act-receive").get_by_role("button", name="Tiếp nhận").click()
    expect(office.locator(".message-success")).to_be_visible()
    assert Dossier.objects.get().status == Status.RECEIVED
    staff.close()
    context.close()
