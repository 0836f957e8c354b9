"""The trend chart, drawn server-side by pygal as an SVG inlined in the page.

pygal (pinned in requirements/base.txt) renders without JavaScript, gives the
SVG a <title> and <desc>, and the page keeps the same figures in a table:
the chart is a picture of the table, never the only way to read the numbers.
"""

from __future__ import annotations

import re

import pygal
from django.utils.translation import gettext as _
from pygal.style import Style

STYLE = Style(
    background="#ffffff", plot_background="#ffffff", foreground="#1b1b1b", foreground_strong="#1b1b1b",
    foreground_subtle="#6f777b", colors=("#0b5cad", "#1d6b38", "#b3261e"), font_family="system-ui, sans-serif",
    opacity=".9", opacity_hover="1",
)


def trend_svg(series: list[dict], target: float | None) -> str:
    chart = pygal.Line(
        style=STYLE, width=760, height=320, range=(0, 100), show_dots=True, dots_size=3,
        x_label_rotation=0, legend_at_bottom=True, js=[], disable_xml_declaration=True,
        title=_("Xu hướng theo tháng (%)"),
    )
    chart.x_labels = [f"{p['month']:%m/%Y}" for p in series]
    chart.add(_("Tỷ lệ hồ sơ trực tuyến toàn trình"), [p["rate"] for p in series])
    chart.add(_("Tỷ lệ hồ sơ đúng hạn"), [p["on_time"] for p in series])
    if target is not None:
        chart.add(_("Chỉ tiêu"), [target] * len(series), show_dots=False, stroke_style={"dasharray": "6, 4"})
    # pygal always embeds a configuration <script> for its tooltips; the page needs none
    # (and a Content-Security-Policy without inline scripts stays possible).
    return re.sub(r"<script\b.*?</script>", "", chart.render(is_unicode=True), flags=re.S)
