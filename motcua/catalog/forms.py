"""Validating form data against a procedure's JSON Schema, with messages in the user's language."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from motcua.catalog.display import cells, field_label, is_group, row_title
from motcua.catalog.models import localized
from motcua.lib.errors import Invalid


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


def _field_title(schema: dict, field: str) -> str:
    prop = schema.get("properties", {}).get(field, {})
    return localized({"vi": prop.get("title", field), **prop.get("x-title", {})})


def _title_at(schema: dict, path: list[str], name: str | None = None) -> str:
    """The title of the field at `path` (+ `name`): a repeating group's cell says its row ("Họ tên (Thành viên 2)")."""
    parts = [*path, name] if name is not None else list(path)
    if not parts:
        return _("dữ liệu biểu mẫu")
    prop = schema.get("properties", {}).get(parts[0], {})
    if len(parts) > 1 and is_group(prop) and parts[1].isdigit():
        row = row_title(prop, int(parts[1]) + 1)
        if len(parts) > 2:
            cell = parts[2]
            return _("%(cell)s (%(row)s)") % {"cell": field_label(cell, cells(prop).get(cell, {})), "row": row}
        return _("%(row)s của “%(field)s”") % {"row": row, "field": _field_title(schema, parts[0])}
    return _field_title(schema, parts[0])


def _required(error: ValidationError, schema: dict) -> list[FieldError]:
    """One error per missing field of a `required` keyword.

    jsonschema yields one error per missing name but only names it in its English
    message; taking "the first missing name" for each reported the first field
    once per missing field (an empty form said "child_name is required" six times).
    """
    path = [str(p) for p in error.absolute_path]
    instance = error.instance if isinstance(error.instance, dict) else {}
    return [
        FieldError(
            ".".join([*path, name]), "required",
            _("Trường “%(field)s” là bắt buộc.") % {"field": _title_at(schema, path, name)},
        )
        for name in error.validator_value
        if name not in instance
    ]


def _message(error: ValidationError, schema: dict) -> FieldError:
    path = [str(p) for p in error.absolute_path]
    kind = error.validator
    field = ".".join(path) or "(data)"
    title = _title_at(schema, path)
    if kind in ("minItems", "maxItems"):
        template = (_("“%(field)s” cần ít nhất %(limit)s dòng.") if kind == "minItems"
                    else _("“%(field)s” có nhiều nhất %(limit)s dòng."))
        return FieldError(field, kind, template % {"field": title, "limit": error.validator_value})
    if kind == "additionalProperties" and len(path) == 2:
        return FieldError(field, kind, _("%(row)s có ô không được khai báo.") % {"row": title})
    messages = {
        "type": _("“%(field)s” có kiểu dữ liệu không đúng."),
        "enum": _("“%(field)s” phải là một trong các giá trị cho phép."),
        "const": _("“%(field)s” có giá trị không được chấp nhận."),
        "pattern": _("“%(field)s” không đúng định dạng."),
        "format": _("“%(field)s” không đúng định dạng."),
        "minLength": _("“%(field)s” quá ngắn."),
        "maxLength": _("“%(field)s” quá dài."),
        "minimum": _("“%(field)s” nhỏ hơn giá trị tối thiểu."),
        "maximum": _("“%(field)s” lớn hơn giá trị tối đa."),
        "additionalProperties": _("Biểu mẫu có trường không được khai báo."),
    }
    template = messages.get(kind, _("“%(field)s” không hợp lệ."))
    return FieldError(field, kind, template % {"field": title})


def validate_form(schema: dict, data: object) -> list[FieldError]:
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    out: list[FieldError] = []
    seen_required: set[tuple] = set()
    for e in errors:
        if e.validator == "required":
            # The errors of one `required` keyword all carry its whole list: expand it once.
            key = (tuple(str(p) for p in e.absolute_path), tuple(e.validator_value))
            if key not in seen_required:
                seen_required.add(key)
                out.extend(_required(e, schema))
        else:
            out.append(_message(e, schema))
    return out


# Form answers are typed by a person: a whole birth registration is ~1 KB. 64 KB leaves room for
# long free-text fields and refuses a megabyte hidden in a nested value, whichever path it came by.
MAX_DATA_BYTES = 64 * 1024


def check_declared(schema: dict, data: object) -> None:
    """Invalid (422) when the answers name a field the form does not declare, or are too large.

    Every path that stores form data calls this (the API's and the pages' submission, drafts,
    supplement answers), whatever the schema's `additionalProperties` says: a dossier is not
    a store for anything else, and the officer's page shows every stored value.
    """
    if not isinstance(data, dict):
        return  # the schema's own `type: object` answers this, with the field's message
    fields = set(schema.get("properties", {}))
    unknown = sorted(str(k) for k in data if k not in fields)
    if unknown:
        raise Invalid(_("Biểu mẫu có trường không được khai báo."), code="unknown_fields", fields=unknown[:50])
    for name, prop in schema.get("properties", {}).items():
        # A repeating group's rows hold only its declared cells (whatever `additionalProperties` says).
        rows = data.get(name)
        if not is_group(prop) or not isinstance(rows, list):
            continue
        for i, row in enumerate(rows):
            extra = sorted(str(k) for k in row if k not in cells(prop)) if isinstance(row, dict) else []
            if extra:
                raise Invalid(
                    _("%(row)s có ô không được khai báo.") % {"row": _title_at(schema, [name, str(i)])},
                    code="unknown_fields", fields=[f"{name}.{i}.{k}" for k in extra][:50],
                )
    size = len(json.dumps(data, ensure_ascii=False, default=str).encode("utf-8"))
    if size > MAX_DATA_BYTES:
        raise Invalid(
            _("Dữ liệu biểu mẫu quá lớn (%(size)s KB); tối đa %(max)s KB.")
            % {"size": size // 1024, "max": MAX_DATA_BYTES // 1024},
            code="data_too_large",
        )
