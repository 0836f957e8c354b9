"""The workflow of a procedure as an SVG drawn on the server, with each step's times on it (no JavaScript).

Steps are laid out by depth (a step sits one row below the deepest step it comes `after`); parallel
steps share a row. The colour says how often the step took more than its share of the deadline,
and the words say it too; the table under the figure holds every number (the SVG is a picture of it).
No `style` attribute or element: the page's CSP has no 'unsafe-inline'.
"""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.translation import gettext as _

from motcua.insights.summary import StepLine

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 340, 74, 24, 36, 12
FILLS = ((0.5, "#fde2e1", "#a4262c"), (0.2, "#fff4ce", "#8a5300"), (0.0, "#e6f4ea", "#1e6b35"))
NAME_MAX = 36


def _days(x: float | None) -> str:
    return "–" if x is None else number_format(x, 2)


def _depths(flow: list[StepLine]) -> dict[str, int]:
    by_id = {s.step: s for s in flow}
    depth: dict[str, int] = {}

    def of(step: str, seen: frozenset = frozenset()) -> int:
        if step not in depth:
            before = [b for b in by_id[step].after if b in by_id and b not in seen]
            depth[step] = 1 + max((of(b, seen | {step}) for b in before), default=-1)
        return depth[step]

    for s in flow:
        of(s.step)
    return depth


def svg(flow: list[StepLine], title: str) -> str:
    if not flow:
        return ""
    depth = _depths(flow)
    rows: dict[int, list[StepLine]] = {}
    for s in flow:
        rows.setdefault(depth[s.step], []).append(s)
    widest = max(len(r) for r in rows.values())
    width = PAD * 2 + widest * BOX_W + (widest - 1) * GAP_X
    height = PAD * 2 + len(rows) * BOX_H + (len(rows) - 1) * GAP_Y
    where: dict[str, tuple[float, float]] = {}
    for level, steps in rows.items():
        row_w = len(steps) * BOX_W + (len(steps) - 1) * GAP_X
        x0 = (width - row_w) / 2
        for i, s in enumerate(steps):
            where[s.step] = (x0 + i * (BOX_W + GAP_X), PAD + level * (BOX_H + GAP_Y))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-labelledby="flow-title" class="insights-flow" width="{width:.0f}" height="{height:.0f}">',
        f'<title id="flow-title">{escape(title)}</title>',
        '<defs><marker id="flow-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker></defs>',
    ]
    for s in flow:
        x, y = where[s.step]
        for b in s.after:
            if b in where:
                bx, by = where[b]
                parts.append(f'<line x1="{bx + BOX_W / 2:.0f}" y1="{by + BOX_H:.0f}" x2="{x + BOX_W / 2:.0f}" '
                             f'y2="{y - 2:.0f}" stroke="#444" stroke-width="1.5" marker-end="url(#flow-arrow)"/>')
    for s in flow:
        x, y = where[s.step]
        fill, ink = next((f, i) for limit, f, i in FILLS if s.over_share >= limit)
        name = s.name if len(s.name) <= NAME_MAX else s.name[: NAME_MAX - 1] + "…"
        times = _("trung vị %(median)s · p90 %(p90)s ngày") % {"median": _days(s.spread.median), "p90": _days(s.spread.p90)}
        share = _("định mức %(allowed)s · vượt ở %(share)s%% hồ sơ (%(n)s)") % {
            "allowed": _days(s.allowed), "share": number_format(round(s.over_share * 100), 0), "n": s.spread.n}
        parts += [
            f'<g><rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" stroke="{ink}" stroke-width="1.5"/>',
            f'<text x="{x + 10:.0f}" y="{y + 22:.0f}" font-size="14" font-weight="bold" fill="#111">{escape(name)}</text>',
            f'<text x="{x + 10:.0f}" y="{y + 44:.0f}" font-size="13" fill="#111">{escape(times)}</text>',
            f'<text x="{x + 10:.0f}" y="{y + 64:.0f}" font-size="12" fill="{ink}">{escape(share)}</text></g>',
        ]
    parts.append("</svg>")
    return "".join(parts)
