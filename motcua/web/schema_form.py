"""A procedure's JSON Schema as HTML form fields, and posted strings back as typed form data.

The same schema validates the data in `catalog.forms.validate_form` (called by
`dossiers.actions.submit`), so this module only converts: it never decides
whether data is valid. A value it cannot convert (letters in a number field) is
passed on as the posted string and the schema reports the error in the user's
language, from the one place that knows the rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from motcua.catalog.display import display_value, field_label, has_options, options
from motcua.catalog.display import option_text as _option_text
from motcua.catalog.models import localized

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
    kind: str  # text | date | number | select | checkbox
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


def build_fields(
    schema: Mapping, posted: Mapping[str, str] | None = None, errors: Iterable[Mapping] = ()
) -> tuple[list[FormField], list[SummaryError]]:
    """The form's fields (with posted values and their errors) and the error summary lines."""
    required = set(schema.get("required", []))
    fields = [
        _build_one(name, prop, name in required, posted)
        for name, prop in schema.get("properties", {}).items()
        if isinstance(prop, Mapping)
    ]
    by_name = {f.name: f for f in fields}
    position = {f.name: i for i, f in enumerate(fields)}
    placed: list[tuple[int, SummaryError]] = []
    for error in errors:
        message = str(error.get("message", ""))
        target = by_name.get(str(error.get("field", "")).split(".")[0])
        if target is not None:
            target.errors.append(message)
            placed.append((position[target.name], SummaryError(message, target.id)))
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


def parse_post(schema: Mapping, posted: Mapping[str, str]) -> dict[str, object]:
    """Posted strings → form data: typed values, empty optional fields left out."""
    required = set(schema.get("required", []))
    data: dict[str, object] = {}
    for name, prop in schema.get("properties", {}).items():
        if not isinstance(prop, Mapping):
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
