"""The lateness risk as a badge: the figure written, the colour only repeating it (insights/risk.py)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from motcua.insights.risk import level

register = template.Library()


@register.filter
def risk_badge(value: float | None) -> str:
    if not isinstance(value, (int, float)):  # no estimate, or a list without the risk (the search page)
        return ""
    return format_html('<span class="risk risk-{}">{}</span>', level(value),
                       _("nguy cơ trễ %(risk)s%%") % {"risk": round(value * 100)})
