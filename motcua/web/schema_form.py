"""A procedure's JSON Schema as HTML form fields, and posted strings back as typed form data.

The same schema validates the data in `catalog.forms.validate_form` (called by
`dossiers.actions.submit`), so this module only converts: it never decides
whether data is valid. A value it cannot convert (letters in a number field) is
passed on as the posted string and the schema reports the error in the user's
language, from the one place that knows the rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.http import QueryDict
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from motcua.catalog.display import (
    cells,
    display_value,
    field_label,
    has_options,
    is_group,
    options,
    row_title,
)
from motcua.catalog.display import option_text as _option_text
from motcua.catalog.models import localized

# A repeating group's button: `add:FIELD` or `remove:FIELD:ROW` (posted by the "Add another" / "Remove" buttons).
ROWS_BUTTON = "rows"
# Rows past this index are not read from a post (a group's `maxItems` is at most catalog.validate.MAX_ROWS).
MAX_POSTED_ROWS = 100
_CELL = re.compile(r"^(?P<group>[^-]+)-(?P<row>\d{1,3})-(?P<cell>.+)$")

# Whose registry record a `people` block took a suggestion from (vault.prefill), in words.
PERSONS = {"spouse": gettext_lazy("vợ hoặc chồng của bạn")}


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass
class FormField:
    """One input as the template draws it."""

    name: str
    label: str
    kind: str  # text | date | number | select | checkbox | group
    required: bool
    value: str = ""
    checked: bool = False
    hint: str = ""
    choices: list[Choice] = field(default_factory=list)
    attrs: dict[str, str | int | float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    # Once-only: the registry the value comes from; read-only unless it is only a suggestion.
    source: str = ""
    read_only: bool = False
    display: str = ""  # a read-only select or checkbox, shown as text
    derived_from: str = ""  # computed by the server from this field (its label): never asked
    # A repeating group (kind "group"): its rows of cells, and how many rows it takes.
    rows: list[GroupRow] = field(default_factory=list)
    min_rows: int = 0
    max_rows: int = 0
    add_label: str = ""

    @property
    def can_add(self) -> bool:
        return len(self.rows) < self.max_rows

    @property
    def can_remove(self) -> bool:
        return len(self.rows) > max(self.min_rows, 1)

    @property
    def id(self) -> str:
        return f"field-{self.name}"

    @property
    def source_id(self) -> str:
        return f"{self.id}-source"

    @property
    def hint_id(self) -> str:
        return f"{self.id}-hint"

    @property
    def error_id(self) -> str:
        return f"{self.id}-error"

    @property
    def described_by(self) -> str:
        # Screen readers read the hint and the error together with the label.
        ids = [self.hint_id] if self.hint else []
        if self.source or self.derived_from:
            ids.append(self.source_id)
        if self.errors:
            ids.append(self.error_id)
        return " ".join(ids)


@dataclass
class GroupRow:
    """One row of a repeating group: a fieldset "Thành viên 2" of its cells, with the row's own errors."""

    group: str
    index: int
    title: str
    cells: list[FormField]
    errors: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"field-{self.group}-{self.index}"

    @property
    def number(self) -> int:
        return self.index + 1


@dataclass(frozen=True)
class SummaryError:
    """One line of the error summary; `target` is the id of the input it links to."""

    message: str
    target: str = ""


def _language() -> str:
    return (get_language() or "vi")[:2]


def _type(prop: Mapping) -> str:
    kind = prop.get("type", "string")
    if isinstance(kind, list):  # ["string", "null"]: the first real type
        kind = next((k for k in kind if k != "null"), "string")
    return str(kind)


def _hint(prop: Mapping) -> str:
    if "description" not in prop and "x-description" not in prop:
        return ""
    return localized({"vi": prop.get("description", ""), **prop.get("x-description", {})})


def enum_choices(prop: Mapping) -> list[Choice]:
    """The options of an enum (or a oneOf of consts), labelled in the user's language, then Vietnamese, then raw values."""
    return [Choice(value, label) for value, label in options(prop)]


def _is_checkbox(prop: Mapping) -> bool:
    return _type(prop) == "boolean" and not has_options(prop)


def _build_one(name: str, prop: Mapping, required: bool, posted: Mapping[str, str] | None) -> FormField:
    kind = _type(prop)
    attrs: dict[str, str | int | float] = {}
    choices: list[Choice] = []
    if has_options(prop):
        widget = "select"
        choices = enum_choices(prop)
    elif _is_checkbox(prop):
        widget = "checkbox"
    elif kind in ("integer", "number"):
        widget = "number"
        attrs["step"] = 1 if kind == "integer" else "any"
        if kind == "integer":
            attrs["inputmode"] = "numeric"
        for key in ("minimum", "maximum"):
            if key in prop:
                attrs[key[:3]] = prop[key]
    elif kind == "string" and prop.get("format") == "date":
        widget = "date"
    else:
        widget = "text"
        if "maxLength" in prop:
            attrs["maxlength"] = prop["maxLength"]
        if "minLength" in prop:
            attrs["minlength"] = prop["minLength"]
    if "x-autocomplete" in prop:  # WCAG 1.3.5: the purpose of fields about the user
        attrs["autocomplete"] = prop["x-autocomplete"]
    value = ""
    checked = False
    if posted is not None:
        value = posted.get(name, "")
        checked = widget == "checkbox" and name in posted
    elif "default" in prop:
        default = prop["default"]
        checked = default is True
        value = "" if isinstance(default, bool) else str(default)
    return FormField(
        # An unticked box is a valid "no": a checkbox is never marked (or enforced as) required.
        name=name, label=field_label(name, prop), kind=widget, required=required and widget != "checkbox", value=value,
        checked=checked, hint=_hint(prop), choices=choices, attrs=attrs,
    )


def row_count(name: str, posted: Mapping[str, str]) -> int:
    """How many rows of a group a post drew: its `NAME-rows` count, or past the highest row index posted."""
    try:
        drawn = int(str(posted.get(f"{name}-rows", "0")))
    except ValueError:
        drawn = 0
    highest = max((int(m["row"]) + 1 for key in posted if (m := _CELL.match(str(key))) and m["group"] == name), default=0)
    return min(max(drawn, highest, 0), MAX_POSTED_ROWS)


def group_rows_of(name: str, prop: Mapping, posted: Mapping[str, str]) -> list[dict[str, str]]:
    """A group's rows as posted (strings, empty rows included): what the page draws again."""
    columns = cells(prop)
    return [{c: str(posted.get(f"{name}-{i}-{c}", "")) for c in columns if f"{name}-{i}-{c}" in posted}
            for i in range(row_count(name, posted))]


def _build_group(name: str, prop: Mapping, required: bool, posted: Mapping[str, str] | None) -> FormField:
    minimum, maximum = int(prop.get("minItems", 0)), int(prop.get("maxItems", MAX_POSTED_ROWS))
    drawn = row_count(name, posted) if posted is not None else 0
    # At least one row is drawn (an optional group's empty row is left out of the answers).
    drawn = max(drawn, minimum, 1)
    item_required = set(prop["items"].get("required", []))
    rows = []
    for i in range(drawn):
        row_posted = {c: v for c in cells(prop) for key in [f"{name}-{i}-{c}"] if posted is not None and key in posted
                      for v in [posted[key]]}
        row = [_build_one(c, cp, c in item_required, row_posted) for c, cp in cells(prop).items()]
        for cell in row:
            cell.name = f"{name}-{i}-{cell.name}"
        rows.append(GroupRow(name, i, row_title(prop, i + 1), row))
    item = prop["items"]
    noun = localized({"vi": item["title"], **item.get("x-title", {})}) if item.get("title") else ""
    return FormField(
        name=name, label=field_label(name, prop), kind="group", required=required and minimum > 0, hint=_hint(prop),
        rows=rows, min_rows=minimum, max_rows=maximum,
        add_label=_("Thêm %(row)s") % {"row": noun.lower()} if noun else _("Thêm dòng"),
    )


def _place(fields: list[FormField], field_path: str) -> tuple[int, FormField | GroupRow | None]:
    """The field, the group's cell or the group's row an error at `field_path` ("members.1.name") belongs to."""
    head, *rest = field_path.split(".")
    for position, f in enumerate(fields):
        if f.name != head:
            continue
        if f.kind != "group" or not rest or not rest[0].isdigit():
            return position, f
        row = next((r for r in f.rows if r.index == int(rest[0])), None)
        if row is None:
            return position, f
        if len(rest) > 1:
            cell = next((c for c in row.cells if c.name == f"{head}-{rest[0]}-{rest[1]}"), None)
            if cell is not None:
                return position, cell
        return position, row
    return -1, None


def build_fields(
    schema: Mapping, posted: Mapping[str, str] | None = None, errors: Iterable[Mapping] = ()
) -> tuple[list[FormField], list[SummaryError]]:
    """The form's fields (with posted values and their errors) and the error summary lines."""
    required = set(schema.get("required", []))
    fields = [
        (_build_group if is_group(prop) else _build_one)(name, prop, name in required, posted)
        for name, prop in schema.get("properties", {}).items()
        if isinstance(prop, Mapping)
    ]
    placed: list[tuple[int, SummaryError]] = []
    for error in errors:
        message = str(error.get("message", ""))
        position, target = _place(fields, str(error.get("field", "")))
        if target is not None:
            target.errors.append(message)
            placed.append((position, SummaryError(message, target.id)))
        else:
            placed.append((-1, SummaryError(message)))  # errors about the whole form first
    # The summary reads in the order of the form, so it can be worked through top to bottom.
    summary = [item for _, item in sorted(placed, key=lambda pair: pair[0])]
    return fields, summary


def _convert(prop: Mapping, raw: str) -> object:
    if has_options(prop):
        # The posted option text maps back to the schema's own value (an int stays an int).
        values = prop["enum"] if "enum" in prop else [o["const"] for o in prop["oneOf"] if isinstance(o, Mapping) and "const" in o]
        return {_option_text(v): v for v in values}.get(raw, raw)
    kind = _type(prop)
    try:
        if kind == "integer":
            return int(raw)  # also reads Bengali and other Unicode digits
        if kind == "number":
            number = float(raw.replace(",", "."))
            return int(number) if number.is_integer() else number
    except ValueError:
        return raw
    return raw


def _answers(properties: Mapping, required: set, posted: Mapping[str, str]) -> dict[str, object]:
    data: dict[str, object] = {}
    for name, prop in properties.items():
        if not isinstance(prop, Mapping):
            continue
        if is_group(prop):
            # The rows' cells are answers of their own; a row left wholly empty is no row.
            item_required = set(prop["items"].get("required", []))
            rows = [_answers(cells(prop), item_required, raw) for raw in group_rows_of(name, prop, posted)
                    if any(str(v).strip() for v in raw.values())]
            rows = [row for row in rows if row]
            if rows or name in required:
                data[name] = rows
            continue
        if _is_checkbox(prop):
            # An unticked box is not posted at all: it means "no" where an answer is required.
            if name in posted:
                data[name] = True
            elif name in required:
                data[name] = False
            continue
        raw = str(posted.get(name, "")).strip()
        if raw:
            data[name] = _convert(prop, raw)
    return data


def parse_post(schema: Mapping, posted: Mapping[str, str]) -> dict[str, object]:
    """Posted strings → form data: typed values, empty optional fields left out.

    A repeating group's rows are posted as `NAME-ROW-CELL`; a row left wholly empty is left out
    (an "Add another" not filled in), so the rows are numbered again from 1 once saved.
    """
    return _answers(schema.get("properties", {}), set(schema.get("required", [])), posted)


def row_action(schema: Mapping, posted: Mapping[str, str]) -> Mapping[str, str] | None:
    """The post with a row added to or removed from a group, when an "Add another" or "Remove" button sent it.

    None when the post is not a row action (a "Save and continue"). The rows are numbered again
    (row 3 becomes row 2 once row 2 is removed), and a group never goes past its `maxItems` nor
    below its `minItems` (or one drawn row): the buttons are not drawn then, and a forged one does
    nothing. A QueryDict stays a QueryDict (its other lists, such as the units offered, are kept).
    """
    action = str(posted.get(ROWS_BUTTON, ""))
    verb, _sep, rest = action.partition(":")
    if verb not in ("add", "remove"):
        return None
    name, _sep, index = rest.partition(":")
    prop = schema.get("properties", {}).get(name)
    out = posted.copy() if isinstance(posted, QueryDict) else dict(posted)
    out.pop(ROWS_BUTTON, None)
    if not is_group(prop):
        return out
    rows = group_rows_of(name, prop, posted)
    if verb == "add" and len(rows) < int(prop.get("maxItems", MAX_POSTED_ROWS)):
        rows.append({})
    elif verb == "remove" and index.isdigit() and int(index) < len(rows) and len(rows) > max(int(prop.get("minItems", 0)), 1):
        del rows[int(index)]
    for key in [k for k in out if is_group_name(schema, str(k)) and str(k).split("-")[0] == name]:
        out.pop(key)
    out[f"{name}-rows"] = str(len(rows))
    for i, row in enumerate(rows):
        for cell, value in row.items():
            out[f"{name}-{i}-{cell}"] = value
    return out


def is_group_name(schema: Mapping, name: str) -> bool:
    """A posted name a repeating group draws: `NAME-rows`, `NAME-ROW-CELL` of a declared cell, the row button."""
    if name == ROWS_BUTTON:
        return True
    properties = schema.get("properties", {})
    group, _sep, rest = name.partition("-")
    if not is_group(properties.get(group)):
        return False
    if rest == "rows":
        return True
    match = _CELL.match(name)
    return match is not None and int(match["row"]) < MAX_POSTED_ROWS and match["cell"] in cells(properties[group])


def mark_prefilled(fields: Iterable[FormField], prefilled: Mapping, schema: Mapping, posted: Mapping | None = None) -> None:
    """Put registry values (vault.prefill.Prefilled) into the fields.

    A read-only field always shows the registry value (what is posted for it is
    ignored at submission); a conditional one is a suggestion the applicant may
    change, shown unless they already typed something else.
    """
    properties = schema.get("properties", {})
    for f in fields:
        item = prefilled.get(f.name)
        if item is None:
            continue
        whose = PERSONS.get(getattr(item, "person", ""), "")
        f.source = _("%(registry)s (%(person)s)") % {"registry": item.source, "person": whose} if whose else item.source
        value = item.value
        if item.read_only:
            f.read_only = True
            f.value = "" if isinstance(value, bool) else str(value)
            f.checked = value is True
            f.display = display_value(properties.get(f.name, {}), value)
        elif posted is None or not posted.get(f.name):
            f.value = "" if isinstance(value, bool) else str(value)


def mark_derived(fields: Iterable[FormField], specs: Mapping[str, Mapping], data: Mapping, schema: Mapping) -> None:
    """Show each derived field (catalog.derived) as the value worked out from its source, not as an input."""
    properties = schema.get("properties", {})
    for f in fields:
        spec = specs.get(f.name)
        if spec is None:
            continue
        source = str(spec.get("days_since") or spec.get("field") or "")
        f.derived_from = field_label(source, properties.get(source, {}))
        f.read_only = True
        f.required = False
        value = data.get(f.name)
        f.value = "" if value is None or isinstance(value, bool) else str(value)
        f.checked = value is True
        f.display = display_value(properties.get(f.name, {}), value) if value is not None else ""
