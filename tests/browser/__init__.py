"""A real browser for the tests: Debian's Chromium driven by Playwright, and axe-core in every page.

No browser is downloaded: Playwright (the PyPI package) launches the Chromium that
`make browser` installs from Debian. axe-core comes from a pinned PyPI package that
ships its script (axe-playwright-python; axe-core is MPL-2.0, its header is kept in
the file we read). Screenshots are written only when MOTCUA_SCREENSHOTS names a
folder (`make screenshots`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = os.environ.get("MOTCUA_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps knocking at Google's hosts,
# which this closed network refuses; the sandbox needs a user namespace CI has not.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# WCAG 2.0, 2.1 and 2.2 at levels A and AA: what the portal promises.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
NARROW = {"width": 320, "height": 640}
# A full-page shot of a long form is cut here: the top of a page is what a reader looks at first.
SHOT_MAX_HEIGHT = 2400


def axe_source() -> str:
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")


_RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 200), summary: n.failureSummary})),
  }));
}"""


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']}")
        for n in v["nodes"][:5]:
            lines.append(f"    at {n['target']}: {n['html']}\n      {n['summary']}".replace("\n", "\n      "))
    return "\n".join(lines)


@dataclass
class Checker:
    """Runs axe in the page a test is on and remembers which pages it checked."""

    source: str
    checked: list[str] = field(default_factory=list)
    minor: dict[str, list[str]] = field(default_factory=dict)

    def check(self, page: Page, label: str) -> None:
        started = time.monotonic()
        page.wait_for_load_state("load")
        lang = page.evaluate("document.documentElement.lang")
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            # Evaluated through the DevTools protocol, not as an inline <script>: the page's
            # Content-Security-Policy (no 'unsafe-inline') would block that.
            page.evaluate(f"() => {{ {self.source}\n }}")
        violations = page.evaluate(_RUN_AXE, AXE_TAGS)
        blocking = [v for v in violations if v["impact"] in BLOCKING]
        name = f"{label} [{lang}] {page.url}"
        assert not blocking, f"axe: serious or critical violations on {name}\n{describe(blocking)}"
        wide = overflowing(page)
        assert not wide, f"reflow (WCAG 1.4.10): at 320 px wide these overflow the page on {name}: {wide}"
        self.checked.append(name + f" ({time.monotonic() - started:.1f} s)")
        if violations:
            self.minor[name] = [f"{v['impact']} {v['id']}" for v in violations]


_OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  // Data tables may scroll inside their own region (1.4.10 allows it); nothing else may be wider.
  return [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest(".table-scroll"))
    .filter(e => !e.closest(".visually-hidden, .skip-link"))
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : "")
      + " «" + (e.textContent || "").trim().slice(0, 40) + "»");
}"""


def overflowing(page: Page) -> list[str]:
    """What sticks out of a 320 px wide page (400 % zoom of a 1280 px screen)."""
    size = page.viewport_size
    page.set_viewport_size(NARROW)
    try:
        return page.evaluate(_OVERFLOWING)
    finally:
        page.set_viewport_size(size)


_FOCUS_SHOWN = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const s = getComputedStyle(e);
  const shown = (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== "none";
  const r = e.getBoundingClientRect();
  const seen = r.bottom > 0 && r.top < window.innerHeight && r.right > 0 && r.left < window.innerWidth;
  const name = e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + " «" + (e.textContent || e.value || "").trim().slice(0, 30) + "»";
  return {name, shown, seen};
}"""


def tab_through(page: Page, limit: int = 80) -> tuple[list[str], list[str]]:
    """Press Tab through the page; returns (names of the controls reached, those whose focus was not seen).

    Focus must be drawn (2.4.7: an outline of 2 px or more, or a ring) and not hidden off screen (2.4.11).
    """
    reached, unseen = [], []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(_FOCUS_SHOWN)
        if focus is None:  # past the last control
            break
        reached.append(focus["name"])
        if not (focus["shown"] and focus["seen"]):
            unseen.append(focus["name"])
    return reached, unseen


def launch(playwright) -> Browser:
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"no Chromium at {CHROMIUM}: run `make browser` (installs Debian's chromium)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def new_context(browser: Browser, base_url: str, *, javascript: bool = True) -> BrowserContext:
    context = browser.new_context(
        base_url=base_url, viewport=DESKTOP, java_script_enabled=javascript, locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh", accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    return context


def screenshot(page: Page, name: str, *, phone: bool = True, max_height: int = SHOT_MAX_HEIGHT) -> None:
    """Write docs/screenshots/NAME.png (desktop) and NAME-phone.png, when asked to."""
    folder = os.environ.get("MOTCUA_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    sizes = [("", DESKTOP)] + ([("-phone", PHONE)] if phone else [])
    for suffix, size in sizes:
        page.set_viewport_size(size)
        height = min(page.evaluate("document.documentElement.scrollHeight"), max_height)
        page.screenshot(
            path=str(Path(folder) / f"{name}{suffix}.png"), full_page=True,
            clip={"x": 0, "y": 0, "width": size["width"], "height": height},
        )
    page.set_viewport_size(DESKTOP)
