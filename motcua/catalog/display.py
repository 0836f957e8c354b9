"""How a procedure's form data reads to a person: field titles, option labels, dates.

One place for the pages (web/schema_form.py) and the signed result (results/issue.py),
so an answer reads the same on screen and on paper: an option by its title
(`x-enum-titles`, or `oneOf` with `const` and `title`), a yes/no question by "Có" /
"Không", a date as the reader writes it (dd/mm/yyyy in Vietnamese).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.utils.dateformat import format as date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from motcua.catalog.models import localized

# Day first everywhere: these are Vietnamese legal dates, whatever the reader's language.
DATE_FORMATS = {"vi": "d/m/Y", "en": "j M Y", "bn": "j F Y"}


def _language() -> str:
    return (get_language() or "vi")[:2]


def format_date(value: date | None) -> str:
    if value is None:
        return ""
    return date_format(value, DATE_FORMATS.get(_language(), "d/m/Y"))


def field_label(name: str, prop: Mapping) -> str:
    return localized({"vi": prop.get("title", name), **prop.get("x-title", {})})


def has_options(prop: Mapping) -> bool:
    return "enum" in prop or any(isinstance(o, Mapping) and "const" in o for o in prop.get("oneOf", ()))


def options(prop: Mapping) -> list[tuple[str, str]]:
    """(value, label) of each option, labelled in the reader's language, then Vietnamese, then raw."""
    if "enum" in prop:
        values = list(prop["enum"])
        titles = prop.get("x-enum-titles", {})
        labels = titles.get(_language()) or titles.get("vi") or []
        if len(labels) != len(values):
            labels = [str(v) for v in values]
        return [(option_text(v), str(label)) for v, label in zip(values, labels, strict=True)]
    return [
        (option_text(o["const"]), localized({"vi": o.get("title", str(o["const"])), **o.get("x-title", {})}))
        for o in prop.get("oneOf", ())
        if isinstance(o, Mapping) and "const" in o
    ]


def option_text(value: object) -> str:
    # JSON's true/false, as a form posts them and as the options compare.
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def display_value(prop: Mapping, value: object) -> str:
    """An answer as a person reads it; an unknown option or a bad date stays as given."""
    if has_options(prop):
        wanted = option_text(value)
        for option, label in options(prop):
            if option == wanted:
                return label
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if prop.get("format") == "date" and isinstance(value, str):
        try:
            return format_date(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, list):
        item = prop.get("items", {})
        return ", ".join(display_value(item if isinstance(item, Mapping) else {}, v) for v in value)
    return "" if value is None else str(value)


def describe(schema: Mapping, data: Mapping, keys: list[str] | None = None) -> list[tuple[str, str]]:
    """(label, shown value) for each answered field, in the form's order (or `keys`'); unknown keys last."""
    properties = schema.get("properties", {})
    if keys is not None:
        return [(field_label(k, properties.get(k, {})), display_value(properties.get(k, {}), data[k])) for k in keys if k in data]
    rows = [
        (field_label(name, prop), display_value(prop, data[name]))
        for name, prop in properties.items()
        if name in data and isinstance(prop, Mapping)
    ]
    rows += [(name, display_value({}, value)) for name, value in data.items() if name not in properties]
    return rows
