"""Template filters for the portal and back office: `{% load portal_tags %}`."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.conf import settings
from django.utils.html import format_html

from motcua.portal import presentation
from motcua.units.scope import is_staff_member as _is_staff_member

register = template.Library()


@register.filter
def money(amount: int | None) -> str:
    return presentation.money(amount)


@register.filter
def when(value: datetime | None) -> str:
    """A <time> element: machine-readable instant, human date in Vietnam time."""
    if value is None:
        return ""
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), presentation.format_datetime(value))


@register.filter
def day(value: date | None) -> str:
    return presentation.format_date(value)


@register.filter
def action_label(action: str) -> str:
    return presentation.action_label(action)


@register.filter
def event_label(action: str) -> str:
    return presentation.event_label(action)


@register.filter
def level_label(level: str) -> str:
    return presentation.level_label(level)


@register.filter
def mode_label(mode: str) -> str:
    return presentation.service_mode_label(mode)


@register.filter
def person(user) -> str:
    return presentation.person_name(user) if user is not None else ""


@register.filter
def unit_name(unit) -> str:
    return presentation.unit_name(unit) if unit is not None else ""


@register.filter
def overdue(dossier) -> bool:
    return presentation.is_overdue(dossier)


@register.filter
def is_staff_member(user) -> bool:
    return _is_staff_member(user)


@register.simple_tag
def demo_password() -> str:
    """The published demo password, only while the demo identity provider is on."""
    if not getattr(settings, "DEMO_IDP_ENABLED", False):
        return ""
    from motcua.demo.data import DEMO_PASSWORD  # the demo app is not imported in production paths

    return DEMO_PASSWORD
