"""The KPI trend chart under a CSP without 'unsafe-inline': no inline style in the SVG, its CSS in a static file."""

from __future__ import annotations

import datetime
from pathlib import Path

import motcua.monitoring
from motcua.monitoring.charts import chart_css, trend_svg

STATIC = Path(motcua.monitoring.__file__).parent / "static" / "monitoring" / "chart.css"


def test_the_chart_has_no_inline_style_or_script():
    svg = trend_svg([{"month": datetime.date(2026, m, 1), "rate": 40 + m, "on_time": 70 + m} for m in (1, 2, 3)], 80)
    assert "<svg" in svg and "<title>" in svg and "serie-2" in svg  # the target line is still drawn
    for inline in ("<style", "style=", "<script"):
        assert inline not in svg


def test_the_static_chart_css_is_what_pygal_makes():
    # After changing STYLE or upgrading pygal: python -c "...; open(path, 'w').write(chart_css())".
    committed = STATIC.read_text(encoding="utf-8")
    assert committed == chart_css()
    assert ".kpi-chart svg.pygal-chart .color-0" in committed  # the series colours are in it
    assert ".series.serie-2{stroke-dasharray:6,4}" in committed  # the target's dashes
    assert all(rule.startswith(".kpi-chart svg.pygal-chart") for rule in committed.splitlines()[1:])
