"""Template filters for the portal and back office: `{% load web_tags %}`."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html

from motcua.catalog.display import options as _enum_options
from motcua.catalog.models import localized as _localized
from motcua.dossiers import rating
from motcua.identity.provider.credentials import DEMO_PASSWORD
from motcua.web import presentation

register = template.Library()


@register.inclusion_tag("web/_letterhead.html")
def letterhead() -> dict:
    """The state's name and motto at the head of an issued document, from the country's catalog."""
    from motcua.catalog import vocab

    return {"letterhead": vocab.current().country.get("letterhead", {})}

# The presentation's words, as they are: one filter per function, nothing added.
register.filter("money", presentation.money)
register.filter("day", presentation.format_date)
register.filter("action_label", presentation.action_label)
register.filter("event_label", presentation.event_label)
register.filter("level_label", presentation.level_label)
register.filter("mode_label", presentation.service_mode_label)
register.filter("role_label", presentation.role_label)
register.filter("status_label", presentation.status_label)
register.filter("task_status", presentation.task_status_label)
register.filter("file_size", presentation.file_size)
register.filter("localized", _localized)
register.filter("step_label", presentation.step_label)
register.filter("rating_level", rating.level_label)
register.filter("rating_criterion", rating.criterion_label)


@register.filter
def when(value: datetime | None) -> str:
    """A <time> element: machine-readable instant, human date in Vietnam time."""
    if value is None:
        return ""
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), presentation.format_datetime(value))


@register.filter
def person(user) -> str:
    return presentation.person_name(user) if user is not None else ""


@register.filter
def unit_name(unit) -> str:
    return presentation.unit_name(unit) if unit is not None else ""


@register.simple_tag
def demo_password() -> str:
    """The published demo password, only while the demo identity provider is on."""
    if not getattr(settings, "DEMO_IDP_ENABLED", False):
        return ""
    return DEMO_PASSWORD


@register.filter
def deadline_badge(state: str) -> str:
    """A badge for a deadline state (on_time, at_risk, late, paused); nothing for ""."""
    if not state:
        return ""
    return format_html('<span class="badge badge-{}">{}</span>', state.replace("_", "-"), presentation.deadline_label(state))


@register.filter
def decimal(value: float | None) -> str:
    return presentation.decimal(value or 0)


@register.filter
def get(mapping, key):
    """`{{ mapping|get:key }}`: a dict entry by a variable key (empty when absent)."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def is_past(value: datetime | None) -> bool:
    return value is not None and value < timezone.now()


@register.filter
def enum_options(prop) -> list[tuple[str, str]]:
    """(value, label) of the options of a JSON Schema property (a value an officer records)."""
    return _enum_options(prop) if isinstance(prop, dict) else []
