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


def is_group(prop: object) -> bool:
    """A repeating group: an array of objects, one a row (household members, heirs, co-owners)."""
    return isinstance(prop, Mapping) and prop.get("type") == "array" and isinstance(prop.get("items"), Mapping) \
        and prop["items"].get("type") == "object" and isinstance(prop["items"].get("properties"), Mapping)


def cells(prop: Mapping) -> dict:
    """The sub-fields of a repeating group's rows, in the form's order."""
    return {k: c for k, c in prop["items"]["properties"].items() if isinstance(c, Mapping)} if is_group(prop) else {}


def row_title(prop: Mapping, number: int) -> str:
    """A row's name: "Thành viên 2" (the rows' own title, `items.title`/`x-title`), else "Dòng 2"."""
    item = prop.get("items") if isinstance(prop.get("items"), Mapping) else {}
    title = localized({"vi": item["title"], **item.get("x-title", {})}) if item.get("title") else ""
    return f"{title} {number}" if title else _("Dòng %(number)s") % {"number": number}


class Table(str):
    """A repeating group's answer: reads as one line where text is wanted, drawn as a table where a template can.

    `headers` are the sub-fields' titles; `rows` their shown values, one list a row (`{% if value.rows %}`).
    """

    headers: list[str]
    rows: list[list[str]]

    def __new__(cls, headers: list[str], rows: list[list[str]]) -> Table:
        text = "; ".join(f"{n}. " + ", ".join(v for v in row if v) for n, row in enumerate(rows, start=1))
        made = super().__new__(cls, text)
        made.headers, made.rows = headers, rows
        return made


def group_table(prop: Mapping, value: list) -> Table:
    columns = cells(prop)
    rows = [[display_value(c, row.get(k)) if isinstance(row, Mapping) and k in row else "" for k, c in columns.items()]
            for row in value]
    return Table([field_label(k, c) for k, c in columns.items()], rows)


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
    if isinstance(value, list) and is_group(prop):
        return group_table(prop, value)
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
