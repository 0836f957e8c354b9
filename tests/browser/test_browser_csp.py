"""Pages under the Content-Security-Policy, in Chromium: they render, their forms work, nothing is blocked.

The policy has no 'unsafe-inline' (motcua/ops/headers.py): an inline script, a <style> element or a
style="" attribute would be refused by the browser and reported as a violation. Every page below is
loaded with the policy enforced; any "Content Security Policy" console message or
securitypolicyviolation event fails the test. The stylesheet must apply (the header is laid out by
site.css), and the login form must still sign an officer in.
"""

from __future__ import annotations

from django.test import Client
from playwright.sync_api import Page

from motcua.dossiers import actions
from motcua.identity.models import User
from tests import browser as b
from tests.browser.test_browser_journey import axe, chromium, site  # noqa: F401 - fixtures
from tests.conftest import BIRTH, BIRTH_COMPONENTS

WATCH = """() => { window.__csp = []; document.addEventListener("securitypolicyviolation",
  e => window.__csp.push(e.violatedDirective + " " + e.blockedURI)); }"""


def _watched(context) -> tuple[Page, list[str]]:
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(f"({WATCH})()")
    return page, console


def _open(page: Page, console: list[str], path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    policy = response.headers.get("content-security-policy", "")
    assert policy and "unsafe-inline" not in policy, (path, policy)
    page.wait_for_load_state("load")
    violations = page.evaluate("window.__csp || []")
    assert not violations and not console, f"{path}: blocked by the policy: {violations or console}"
    # The stylesheet applied: the page's links and body use site.css, not the browser's defaults.
    assert page.evaluate("document.styleSheets.length") >= 1, path
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != "\"Times New Roman\"", path


def test_key_pages_render_and_work_under_the_policy(chromium, axe, site):  # noqa: F811
    citizen = User.objects.get(username="citizen")
    code = actions.submit(citizen, "1.001193", dict(BIRTH), components=list(BIRTH_COMPONENTS)).code

    context = b.new_context(chromium, site)
    page, console = _watched(context)
    for path in ("/", "/procedures/1.001193/", "/verify/", "/kpi/public/", "/accounts/login/"):
        _open(page, console, path)
    axe.check(page, "login page under the CSP")  # axe itself is injected without breaking the policy
    # The login form posts and signs the officer in, under form-action 'self'.
    page.fill("input[name=username]", "onestop_anbinh")
    page.fill("input[name=password]", "demo-motcua")
    page.click("form.login-form button[type=submit]")
    page.wait_for_load_state("load")
    for path in ("/office/", f"/office/dossiers/{code}/"):
        _open(page, console, path)
    context.close()

    client = Client()
    client.force_login(citizen)
    context = b.new_context(chromium, site)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site}])
    page, console = _watched(context)
    for path in ("/my/dossiers/", f"/my/dossiers/{code}/", "/my/documents/"):
        _open(page, console, path)
    context.close()


def test_the_kpi_chart_keeps_its_colours_under_the_policy(chromium, site):  # noqa: F811
    """pygal's CSS comes from monitoring/chart.css, not an inline <style>: the series are still coloured."""
    citizen = User.objects.get(username="citizen")
    actions.submit(citizen, "1.001193", dict(BIRTH), components=list(BIRTH_COMPONENTS))
    client = Client()
    client.force_login(User.objects.get(username="monitor_province"))
    context = b.new_context(chromium, site)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": site}])
    page, console = _watched(context)
    _open(page, console, "/kpi/units/000.00.00.H99/")  # the province
    assert page.locator(".kpi-chart svg.pygal-chart").count() == 1
    stroke = page.evaluate("getComputedStyle(document.querySelector('.kpi-chart .serie-0 .line, "
                           ".kpi-chart .color-0')).stroke")
    assert stroke == "rgb(11, 92, 173)", stroke  # #0b5cad, STYLE.colors[0]
    tooltip = page.evaluate("getComputedStyle(document.querySelector('.kpi-chart .tooltip')).opacity")
    assert tooltip == "0"
    context.close()
