"""The structured editor of a draft: one small form per section of the procedure (issue 24, item 1).

Each section (identity, components, form fields, fees, times, workflow, result) reads its part of the
draft's definition into plain inputs and writes it back from what was posted; rows (components, fields,
fee rules, times, steps) are added and removed with submit buttons, so no JavaScript is needed. A
section only rewrites the keys it shows: a row keeps every attribute the form does not show (a step's
`choices`, a component's other sources), and the advanced YAML text area still edits everything.

Problems are those of `motcua catalog validate` (store.problems_of): each validator path is mapped to
the section, the row and the input it concerns (`locate`), and what cannot be placed on an input is
shown at the top of its section. A value that does not parse (a fee amount "abc") is written as typed:
the validator then reports it at its input, like any other problem.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.catalog import vocab
from motcua.catalog.display import is_group
from motcua.catalog.models import localized
from motcua.catalog.validate import MAX_ROWS as MAX_GROUP_ROWS
from motcua.catalog.validate import definition_schema

LANGS = ("vi", "en", "bn")
MAX_ROWS = 200
OPS = ("equals", "not_equals", "in", "not_in", "gt", "gte", "lt", "lte", "present")
KEEP = "keep"  # a condition the three inputs cannot show (all/any/not): kept as written


class BadPost(Exception):
    """What was posted is not this section's form (an undeclared or repeated field): 400."""


@dataclass
class Control:
    """One input of a section, as the template draws it."""

    name: str
    label: str
    kind: str = "text"  # text, number, select, multi, check, area, date
    value: object = ""
    options: list = field(default_factory=list)  # (value, label)
    errors: list = field(default_factory=list)
    hint: str = ""

    @property
    def values(self) -> set[str]:
        return {str(v) for v in self.value} if isinstance(self.value, list | tuple | set) else {str(self.value)}


@dataclass
class Row:
    index: int
    title: str
    controls: list[Control]
    errors: list = field(default_factory=list)


# --- reading and writing values ----------------------------------------------------------------------------


def _s(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(_s(v) for v in value)
    return str(value)


def _number(raw: str) -> object:
    """An integer or decimal as typed; anything else stays text (the validator says so at the input)."""
    text = raw.strip()
    if re.fullmatch(r"-?\d{1,15}", text):
        return int(text)
    if re.fullmatch(r"-?\d{1,15}[.,]\d{1,6}", text):
        return float(text.replace(",", "."))
    return text


def _texts(values: dict[str, str], prefix: str, old: object = None) -> dict:
    """`{vi, en, bn}` from the inputs PREFIX_vi…; languages left empty are dropped."""
    out = dict(old) if isinstance(old, dict) else {}
    for lang in LANGS:
        raw = values.get(f"{prefix}_{lang}", "").strip()
        if raw:
            out[lang] = raw
        else:
            out.pop(lang, None)
    return out


def _keep_order(new: list, old: object) -> list:
    """The old list when the same items were ticked: a checkbox list posts in its own order, not the author's."""
    return list(old) if isinstance(old, list) and sorted(map(str, old)) == sorted(map(str, new)) else new


def _lines(raw: str) -> list[str]:
    return [line.strip() for line in raw.splitlines() if line.strip()]


def form_properties(d: dict) -> dict:
    """The form's properties ({} when absent, or when something else is written there)."""
    form = d.get("form") if isinstance(d.get("form"), dict) else {}
    return form.get("properties") if isinstance(form.get("properties"), dict) else {}


def _field_type(definition: dict, name: str) -> str:
    prop = form_properties(definition).get(name)
    return prop.get("type", "string") if isinstance(prop, dict) else "string"


def _typed(definition: dict, name: str, raw: str) -> object:
    raw = raw.strip()
    kind = "integer" if name == "$channel" else _field_type(definition, name)
    if kind in ("integer", "number"):
        return _number(raw)
    if kind == "boolean":
        return raw.lower() in ("true", "1", "có", "co", "yes")
    return raw


def read_condition(when: object) -> tuple[str, str, str]:
    """(field, operator, value) of a one-test condition; (…, KEEP, …) for one the three inputs cannot show."""
    if not when:
        return "", "", ""
    if isinstance(when, dict) and "field" in when:
        ops = [k for k in when if k != "field"]
        if len(ops) == 1 and ops[0] in OPS:
            return str(when["field"]), ops[0], _s(when[ops[0]])
    return "", KEEP, ""


def write_condition(definition: dict, values: dict[str, str], prefix: str, old: object) -> object:
    """The condition of inputs PREFIX_field/_op/_value: None when no field is chosen."""
    op = values.get(f"{prefix}_op", "")
    if op == KEEP:
        return old
    name = values.get(f"{prefix}_field", "").strip()
    if not name:
        return None
    op = op if op in OPS else "equals"
    raw = values.get(f"{prefix}_value", "")
    if op in ("in", "not_in"):
        value: object = [_typed(definition, name, part) for part in raw.split(",") if part.strip()]
    elif op == "present":
        value = raw.strip().lower() not in ("false", "0", "không", "no")
    else:
        value = _typed(definition, name, raw)
    return {"field": name, op: value}


def set_or_drop(mapping: dict, key: str, value: object) -> None:
    """`mapping[key] = value`, or no key when the value is empty (0 is a value; False is not)."""
    if value or (value == 0 and not isinstance(value, bool)):
        mapping[key] = value
    else:
        mapping.pop(key, None)


def attr_in(rest: tuple, texts: tuple[str, ...] = (), names: tuple[str, ...] = ()) -> str | None:
    """The input of a row that a problem at `rest` (below the row) concerns: a text in three languages
    (`label` → label_vi, `label/en` → label_en), a condition (its field), or an attribute named as its input."""
    if not rest:
        return None
    head = str(rest[0])
    if head in texts:
        return f"{head}_{rest[1]}" if len(rest) > 1 and rest[1] in LANGS else f"{head}_vi"
    if head == "when":
        return "when_field"
    return head if head in names else None


def list_at(d: dict, path: tuple[str, ...]) -> list:
    """The list at `path` of the definition ([] when absent, or when something else is written there)."""
    value: object = d
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return list(value) if isinstance(value, list) else []


def put_list(d: dict, path: tuple[str, ...], rows: list, empty: str = "keep") -> None:
    """Write `rows` at `path`, making the mappings above it. An empty list is
    "keep": written when the author had written a list there (an empty list stays), else the key stays absent;
    "drop": the key removed, and the mappings above it that it leaves empty (`fees: {}` is no fee);
    "always": written.
    What is not a list there (a typo the validator reports) is never dropped by a save of no rows."""
    parents, made = [d], []
    for key in path[:-1]:
        above = parents[-1].get(key)
        made.append(not isinstance(above, dict))
        parents[-1][key] = dict(above) if isinstance(above, dict) else {}
        parents.append(parents[-1][key])
    target, last = parents[-1], path[-1]
    old = target.get(last)
    if rows or empty == "always" or (empty == "keep" and isinstance(old, list)):
        target[last] = rows
        return
    if not (empty == "keep" and old is not None):  # not a list: kept for the advanced section (its problem shown)
        target.pop(last, None)
    for i in range(len(path) - 2, -1, -1):  # the mappings left empty: those made here, or all with "drop"
        if parents[i + 1] or not (empty == "drop" or made[i]):
            break
        parents[i].pop(path[i], None)


# --- sections --------------------------------------------------------------------------------------------


class Section:
    key = ""
    title = ""
    row_key = ""  # the list this section's rows are (None: no rows)
    empty_rows = "keep"  # what no rows write (put_list): keep an empty list the author wrote, drop the key, always
    row_title = gettext_lazy("Dòng")
    add_label = gettext_lazy("Thêm dòng")
    row_attrs: tuple[str, ...] = ()
    multi_attrs: tuple[str, ...] = ()
    scalar_names: tuple[str, ...] = ()
    multi_scalars: tuple[str, ...] = ()
    check_attrs: tuple[str, ...] = ()
    # The top-level keys whose problems belong to this section.
    owns: tuple[str, ...] = ()
    extra_buttons: tuple[str, ...] = ()
    # Rows are another section's list seen otherwise (the workflow's steps, for their agencies and teams):
    # none is added or removed here.
    fixed_rows = False

    def claims(self, path: tuple) -> bool:
        """A problem below another section's key that is this section's (form_ui/prefill, a step's team)."""
        return False

    # rows ------------------------------------------------------------------------------------------
    def rows_of(self, definition: dict) -> list:
        return list_at(definition, tuple(self.row_key.split("/"))) if self.row_key else []

    def set_rows(self, definition: dict, rows: list) -> None:
        if self.row_key:
            put_list(definition, tuple(self.row_key.split("/")), rows, self.empty_rows)

    def new_row(self, definition: dict, index: int) -> dict:
        return {}

    def row_controls(self, definition: dict, row: dict, i: int, v: vocab.Vocabulary) -> list[Control]:
        return []

    def write_row(self, definition: dict, values: dict[str, str], i: int, old: dict) -> dict:
        return old

    def row_label(self, row: dict, i: int) -> str:
        return f"{self.row_title} {i + 1}"

    # scalars ---------------------------------------------------------------------------------------
    def scalar_controls(self, definition: dict, v: vocab.Vocabulary, user) -> list[Control]:
        return []

    def write_scalars(self, definition: dict, values: dict[str, str], lists: dict[str, list[str]]) -> None:
        pass

    def action(self, definition: dict, name: str, values: dict[str, str]) -> None:
        """A section's own button (a workflow template)."""

    # where a problem goes --------------------------------------------------------------------------
    def locate(self, path: tuple) -> tuple[int | None, str | None]:
        """(row, input) a problem at `path` concerns; (None, None): the section as a whole."""
        where = tuple(self.row_key.split("/")) if self.row_key else ()
        if where and path[:len(where)] == where:
            depth = len(where)
            rest = path[depth:]
            if rest and isinstance(rest[0], int):
                return rest[0], self.attr_of(rest[1:])
            return None, None
        return None, self.scalar_of(path)

    def attr_of(self, rest: tuple) -> str | None:
        return str(rest[0]) if rest and str(rest[0]) in self.row_attrs else None

    def scalar_of(self, path: tuple) -> str | None:
        return str(path[0]) if path and str(path[0]) in self.scalar_names else None

    # the names a post may carry --------------------------------------------------------------------
    def allowed(self, count: int) -> tuple[set[str], set[str]]:
        single = {"revision", "count", "action", *self.scalar_names}
        multi = set(self.multi_scalars)
        for i in range(count):
            single.update(f"r{i}_{a}" for a in self.row_attrs)
            multi.update(f"r{i}_{a}" for a in self.multi_attrs)
        return single, multi


def _text_controls(prefix: str, label: str, texts: object, lang_labels: bool = True) -> list[Control]:
    texts = texts if isinstance(texts, dict) else {}
    names = {"vi": _("tiếng Việt"), "en": _("tiếng Anh"), "bn": _("tiếng Bengal")}
    return [Control(f"{prefix}_{lang}", f"{label} ({names[lang]})", value=_s(texts.get(lang, ""))) for lang in LANGS]


def _condition_controls(prefix: str, definition: dict, when: object) -> list[Control]:
    name, op, value = read_condition(when)
    props = definition.get("form", {}).get("properties", {}) if isinstance(definition.get("form"), dict) else {}
    fields = [("", _("(luôn áp dụng)")), ("$channel", _("Kênh nộp ($channel: 1 trực tiếp, 2 trực tuyến, 3 bưu chính)"))]
    fields += [(k, f"{k} — {_field_title(p)}") for k, p in props.items() if isinstance(p, dict)]
    if name and name not in dict(fields):
        fields.append((name, name))
    labels = {"equals": _("bằng"), "not_equals": _("khác"), "in": _("thuộc (cách nhau dấu phẩy)"),
              "not_in": _("không thuộc"), "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "present": _("đã điền (true/false)")}
    ops = [(o, labels[o]) for o in OPS]
    if op == KEEP:
        ops = [(KEEP, _("giữ nguyên điều kiện phức hợp (sửa ở phần nâng cao)")), *ops]
    return [
        Control(f"{prefix}_field", _("Điều kiện: trường"), "select", name, fields),
        Control(f"{prefix}_op", _("Điều kiện: phép so sánh"), "select", op or "equals", ops),
        Control(f"{prefix}_value", _("Điều kiện: giá trị"), value=value),
    ]


def _field_title(prop: dict) -> str:
    return localized({"vi": prop.get("title", ""), **(prop.get("x-title") or {})})


def _options(mapping: dict, blank: str | None = None) -> list[tuple[str, str]]:
    found = [(k, f"{localized(v.get('name')) or k} ({k})") for k, v in sorted(mapping.items())]
    return [("", blank), *found] if blank is not None else found


class Identity(Section):
    key = "identity"
    title = gettext_lazy("Thông tin chung")
    scalar_names = ("code", "name_vi", "name_en", "name_bn", "field_code", "field_vi", "field_en", "field_bn",
                    "agency", "service_mode", "legal_basis", "receive_anywhere")
    multi_scalars = ("levels", "unit_codes", "programmes")
    # `receivers` and `hand_over`: the section "who receives" (sections_who.py).
    owns = ("code", "name", "field", "levels", "agency", "unit_codes", "programmes", "service_mode",
            "receive_anywhere", "withdraw_until", "min_assurance_level", "legal_basis", "example")

    def scalar_controls(self, d: dict, v: vocab.Vocabulary, user) -> list[Control]:
        from motcua.authoring import scope

        levels = [(k, localized(v.unit_kinds[k].get("name")) or k) for k in sorted(v.levels)]
        units = [(u.code, f"{localized(u.name) if isinstance(u.name, dict) else u.name} ({u.code})")
                 for u in scope.units_of(user, scope.EDITOR).order_by("path")[:300]]
        field_ = d.get("field") if isinstance(d.get("field"), dict) else {}
        return [
            Control("code", _("Mã thủ tục (mã quốc gia)"), value=_s(d.get("code")), hint=_("Ví dụ 1.001193.")),
            *_text_controls("name", _("Tên thủ tục"), d.get("name")),
            Control("field_code", _("Lĩnh vực: mã"), value=_s(field_.get("code")),
                    hint=_("Chữ thường, số và dấu gạch dưới, ví dụ ho_tich.")),
            *_text_controls("field", _("Lĩnh vực: tên"), {k: field_.get(k) for k in LANGS if field_.get(k)}),
            Control("levels", _("Cấp thực hiện"), "multi", list(d.get("levels") or []), levels),
            Control("agency", _("Ngành của cơ quan có thẩm quyền"), "select", _s(d.get("agency")),
                    _options(v.agencies, _("(UBND hoặc bộ của cấp đó)"))),
            Control("unit_codes", _("Chỉ các đơn vị này thực hiện"), "multi", list(d.get("unit_codes") or []), units,
                    hint=_("Không chọn: mọi đơn vị của cấp thực hiện.")),
            Control("receive_anywhere", _("Tiếp nhận không phụ thuộc địa giới hành chính"), "check",
                    bool(d.get("receive_anywhere"))),
            Control("service_mode", _("Mức độ dịch vụ"), "select", _s(d.get("service_mode")),
                    [("full", _("Toàn trình")), ("partial", _("Một phần"))]),
            Control("programmes", _("Chương trình"), "multi", list(d.get("programmes") or []), _options(v.programmes)),
            Control("legal_basis", _("Căn cứ pháp lý (mỗi dòng một văn bản)"), "area", "\n".join(map(str, d.get("legal_basis") or []))),
        ]

    def write_scalars(self, d: dict, values: dict[str, str], lists: dict[str, list[str]]) -> None:
        d["code"] = values.get("code", "").strip()
        d["name"] = _texts(values, "name", d.get("name"))
        field_ = _texts(values, "field", d.get("field"))
        field_["code"] = values.get("field_code", "").strip()
        d["field"] = {"code": field_.pop("code"), **field_}
        d["levels"] = _keep_order(lists.get("levels", []), d.get("levels"))
        for key, raw in (("agency", values.get("agency", "").strip()),):
            if raw:
                d[key] = raw
            else:
                d.pop(key, None)
        for key in ("unit_codes", "programmes"):
            if lists.get(key):
                d[key] = _keep_order(lists[key], d.get(key))
            else:
                d.pop(key, None)
        if values.get("receive_anywhere"):
            d["receive_anywhere"] = True
        elif d.get("receive_anywhere") is not False:
            d.pop("receive_anywhere", None)
        d["service_mode"] = values.get("service_mode", "full")
        basis = _lines(values.get("legal_basis", ""))
        if basis:
            d["legal_basis"] = basis
        else:
            d.pop("legal_basis", None)

    def scalar_of(self, path: tuple) -> str | None:
        if not path:
            return None
        head = str(path[0])
        if head in ("name", "field") and len(path) > 1 and str(path[1]) in (*LANGS, "code"):
            return f"{head}_{path[1]}"
        return {"code": "code", "name": "name_vi", "field": "field_code", "levels": "levels", "agency": "agency",
                "unit_codes": "unit_codes", "programmes": "programmes", "service_mode": "service_mode",
                "receive_anywhere": "receive_anywhere",
                "legal_basis": "legal_basis"}.get(head)


class Components(Section):
    key = "components"
    title = gettext_lazy("Thành phần hồ sơ")
    row_key = "components"
    add_label = gettext_lazy("Thêm thành phần")
    row_title = gettext_lazy("Thành phần")
    row_attrs = ("key", "name_vi", "name_en", "name_bn", "required", "when_field", "when_op", "when_value",
                 "vault", "registry", "upload", "counter")
    owns = ("components",)

    def new_row(self, d, i):
        return {"key": f"component_{i + 1}", "name": {"vi": ""}, "sources": [{"upload": {"types": ["pdf", "jpg", "png"], "max_mb": 10}}]}

    def row_label(self, row, i):
        return f"{self.row_title} {i + 1}: {localized(row.get('name')) or row.get('key', '')}"

    @staticmethod
    def _source(row: dict, kind: str) -> object:
        for s in row.get("sources") or []:
            if isinstance(s, dict) and kind in s:
                return s[kind]
        return None

    def row_controls(self, d, row, i, v):
        p = f"r{i}"
        return [
            Control(f"{p}_key", _("Mã thành phần"), value=_s(row.get("key"))),
            *_text_controls(f"{p}_name", _("Tên giấy tờ"), row.get("name")),
            Control(f"{p}_required", _("Bắt buộc"), "check", row.get("required", True) is not False),
            *_condition_controls(f"{p}_when", d, row.get("when")),
            Control(f"{p}_vault", _("Loại giấy tờ trong kho dữ liệu (danh mục)"), "select", _s(self._source(row, "vault")),
                    _options(v.document_types, _("(không lấy từ kho)"))),
            Control(f"{p}_registry", _("Lấy từ cơ sở dữ liệu"), "select", _s(self._source(row, "registry")),
                    _options(v.registries, _("(không)"))),
            Control(f"{p}_upload", _("Cho phép tải lên (PDF, JPG, PNG, 10 MB)"), "check", self._source(row, "upload") is not None),
            Control(f"{p}_counter", _("Mang bản gốc đến quầy"), "select", _s(self._source(row, "counter")),
                    [("", _("(không)")), ("receipt", _("khi tiếp nhận")), ("result", _("khi nhận kết quả"))]),
        ]

    def write_row(self, d, values, i, old):
        p = f"r{i}"
        row = dict(old)
        row["key"] = values.get(f"{p}_key", "").strip()
        row["name"] = _texts(values, f"{p}_name", row.get("name"))
        if values.get(f"{p}_required"):
            if row.get("required") is not True:
                row.pop("required", None)
        else:
            row["required"] = False
        when = write_condition(d, values, f"{p}_when", row.get("when"))
        if when:
            row["when"] = when
        else:
            row.pop("when", None)
        # Each source kind the form shows is kept in its place (the order of preference the author wrote),
        # replaced or dropped as posted; a kind newly ticked goes after them.
        wanted = {
            "registry": values.get(f"{p}_registry", "").strip(), "vault": values.get(f"{p}_vault", "").strip(),
            "upload": bool(values.get(f"{p}_upload")), "counter": values.get(f"{p}_counter", "").strip(),
        }
        sources, seen = [], set()
        for source in row.get("sources") or []:
            kind = next((k for k in wanted if isinstance(source, dict) and k in source), None)
            if kind is None:
                sources.append(source)
                continue
            if kind in seen:
                sources.append(source)  # a second source of a kind (another vault type): the form shows the first
                continue
            seen.add(kind)
            if wanted[kind]:
                sources.append(source if kind == "upload" else {**source, kind: wanted[kind]})
        for kind, value in wanted.items():
            if value and kind not in seen:
                sources.append({"upload": {"types": ["pdf", "jpg", "png"], "max_mb": 10}} if kind == "upload" else {kind: value})
        others: list = []
        row["sources"] = sources + others
        if not row["sources"]:
            row.pop("sources")
        return row

    def attr_of(self, rest):
        if not rest:
            return None
        head = str(rest[0])
        if head == "name":
            return f"name_{rest[1]}" if len(rest) > 1 and rest[1] in LANGS else "name_vi"
        if head == "when":
            return "when_field"
        if head == "sources" and len(rest) > 2:
            return {"vault": "vault", "registry": "registry", "upload": "upload", "counter": "counter"}.get(str(rest[2]))
        return {"key": "key", "required": "required"}.get(head)


# "rows" is a repeating group (an array of objects: household members), its sub-fields written one a line;
# "group" (any other array or object of nested answers) is kept as written, edited in the advanced section.
FIELD_TYPES = ("text", "textarea", "number", "integer", "date", "choice", "yesno", "address", "person", "rows", "group")
CELL_TYPES = ("text", "number", "integer", "date", "choice", "yesno", "person")
REQUIRED_WORDS = ("required", "bắt buộc", "*")


class Fields(Section):
    key = "fields"
    title = gettext_lazy("Biểu mẫu")
    row_key = "form/properties"
    add_label = gettext_lazy("Thêm trường")
    row_title = gettext_lazy("Trường")
    row_attrs = ("key", "type", "title_vi", "title_en", "title_bn", "required", "options", "minimum", "maximum",
                 "max_length", "section", "help_vi", "req_field", "req_value", "min_items", "max_items", "row_title", "cells")
    owns = ("form", "form_ui")

    # The form's properties are a mapping: rows are (name, schema) pairs, in the order of the form's groups
    # (lists keep their order everywhere; a mapping stored as PostgreSQL jsonb does not), then the rest.
    def rows_of(self, d):
        props = form_properties(d)
        order = [n for s in _sections(d) for n in s.get("fields") or [] if n in props]
        order = list(dict.fromkeys(order)) + [n for n in props if n not in order]
        return [(k, props[k]) for k in order]

    def set_rows(self, d, rows):
        form = d.get("form") if isinstance(d.get("form"), dict) else {}
        form = {"type": "object", **form}
        form["properties"] = {k: p for k, p in rows}
        d["form"] = form

    def new_row(self, d, i):
        names = {k for k, _p in self.rows_of(d)}
        n = i + 1
        while f"field_{n}" in names:
            n += 1
        return (f"field_{n}", {"type": "string", "title": "", "maxLength": 200})

    def row_label(self, row, i):
        return f"{self.row_title} {i + 1}: {row[0]}"

    @staticmethod
    def kind_of(prop: dict) -> str:
        if prop.get("x-kind") in ("address", "person"):
            return prop["x-kind"]
        if is_group(prop):
            return "rows"  # a repeating group: its sub-fields are the `cells` text
        if prop.get("type") in ("array", "object"):
            return "group"  # other nested answers: kept as written, edited in the advanced section
        if "enum" in prop or "oneOf" in prop:
            return "choice"
        t = prop.get("type", "string")
        if t == "boolean":
            return "yesno"
        if t in ("integer", "number"):
            return t
        if prop.get("format") == "date":
            return "date"
        length = prop.get("maxLength")
        if prop.get("x-widget") == "textarea" or (isinstance(length, int) and length > 500):
            return "textarea"
        return "text"

    @staticmethod
    def _conditions(d: dict) -> dict[str, tuple[str, str]]:
        """Field → (other field, value) of each simple "required when OTHER is VALUE" of the form."""
        found = {}
        form = d.get("form") if isinstance(d.get("form"), dict) else {}
        for rule in [form, *[r for r in form.get("allOf") or [] if isinstance(r, dict)]]:
            simple = _simple_rule(rule)
            if simple:
                other, value, names = simple
                for name in names:
                    found[name] = (other, _s(value))
        return found

    def row_controls(self, d, row, i, v):
        name, prop = row
        prop = prop if isinstance(prop, dict) else {}
        p = f"r{i}"
        required = name in ((d.get("form") or {}).get("required") or [])
        titles = {"vi": prop.get("title", ""), **(prop.get("x-title") or {})}
        options = _options_text(prop)
        sections = _sections(d)
        section = next((s.get("id", "") for s in sections if name in (s.get("fields") or [])), "")
        ui = d.get("form_ui") if isinstance(d.get("form_ui"), dict) else {}
        help_ = (ui.get("help") or {}).get(name) or {}
        other, value = self._conditions(d).get(name, ("", ""))
        fields = [("", _("(không)"))] + [(k, k) for k, _p in self.rows_of(d) if k != name]
        types = {"text": _("Chữ (một dòng)"), "textarea": _("Đoạn văn"), "number": _("Số thập phân"),
                 "integer": _("Số nguyên"), "date": _("Ngày"), "choice": _("Lựa chọn"), "yesno": _("Có/không"),
                 "address": _("Địa chỉ"), "person": _("Số định danh cá nhân"),
                 "rows": _("Nhóm lặp lại (danh sách các dòng)"), "group": _("Nhóm lồng nhau (sửa ở phần nâng cao)")}
        kinds = [t for t in FIELD_TYPES if t != "group" or self.kind_of(prop) == "group"]
        return [
            Control(f"{p}_key", _("Mã trường"), value=name, hint=_("Chữ thường, số và dấu gạch dưới.")),
            Control(f"{p}_type", _("Kiểu"), "select", self.kind_of(prop), [(t, types[t]) for t in kinds]),
            *_text_controls(f"{p}_title", _("Nhãn"), titles),
            Control(f"{p}_required", _("Bắt buộc"), "check", required),
            Control(f"{p}_options", _("Các lựa chọn (mỗi dòng: giá trị | nhãn tiếng Việt | tiếng Anh | tiếng Bengal)"), "area",
                    options),
            Control(f"{p}_minimum", _("Nhỏ nhất (số)"), "number", _s(prop.get("minimum"))),
            Control(f"{p}_maximum", _("Lớn nhất (số)"), "number", _s(prop.get("maximum"))),
            Control(f"{p}_max_length", _("Độ dài tối đa (chữ)"), "number", _s(prop.get("maxLength"))),
            Control(f"{p}_section", _("Nhóm trên biểu mẫu (mã nhóm)"), value=section,
                    hint=_("Cùng mã: cùng nhóm; mã mới tạo nhóm mới.")),
            Control(f"{p}_help_vi", _("Hướng dẫn dưới trường (tiếng Việt)"), value=_s(help_.get("vi"))),
            Control(f"{p}_req_field", _("Chỉ bắt buộc khi trường"), "select", other, fields),
            Control(f"{p}_req_value", _("… có giá trị"), value=value),
            *self._rows_controls(p, prop),
        ]

    @staticmethod
    def _rows_controls(p: str, prop: dict) -> list[Control]:
        """A repeating group's own inputs: how many rows, what a row is called, and its sub-fields."""
        item = prop.get("items") if is_group(prop) else {}
        noun = {"vi": item.get("title", ""), **(item.get("x-title") or {})} if item else {}
        return [
            Control(f"{p}_min_items", _("Nhóm lặp lại: số dòng tối thiểu"), "number", _s(prop.get("minItems"))),
            Control(f"{p}_max_items", _("Nhóm lặp lại: số dòng tối đa"), "number", _s(prop.get("maxItems")),
                    hint=_("Từ 1 đến %(max)d.") % {"max": MAX_GROUP_ROWS}),
            Control(f"{p}_row_title", _("Nhóm lặp lại: tên một dòng (tiếng Việt | tiếng Anh | tiếng Bengal)"),
                    value=" | ".join(_s(noun.get(lang)) for lang in LANGS).rstrip(" |")),
            Control(f"{p}_cells", _("Nhóm lặp lại: các ô của mỗi dòng"), "area", cells_text(prop) if is_group(prop) else "",
                    hint=_("Mỗi dòng một ô: mã | kiểu (text, number, integer, date, choice, yesno, person) | required "
                           "hoặc để trống | nhãn tiếng Việt | tiếng Anh | tiếng Bengal. Các lựa chọn của ô choice "
                           "ở các dòng ngay sau, mỗi dòng: - giá trị | nhãn tiếng Việt | tiếng Anh | tiếng Bengal.")),
        ]

    def write_row(self, d, values, i, old):
        p = f"r{i}"
        name, prop = old
        prop = dict(prop) if isinstance(prop, dict) else {}
        name = values.get(f"{p}_key", "").strip()
        kind = values.get(f"{p}_type", "text")
        if kind == "group" or self.kind_of(prop) == "group":
            return name, prop  # nested answers: only the advanced section changes them
        if kind not in FIELD_TYPES:
            raise BadPost
        if kind != self.kind_of(prop):
            # Another kind: what belonged to the old one goes; the new kind's defaults come.
            for k in ("type", "format", "enum", "x-enum-titles", "x-kind", "pattern", "minimum", "maximum", "maxLength",
                      "minLength", "x-autocomplete", "x-widget", "oneOf", "items", "minItems", "maxItems"):
                prop.pop(k, None)
            if kind in ("text", "textarea", "address", "person", "date", "choice"):
                prop["type"] = "string"
            elif kind == "yesno":
                prop["type"] = "boolean"
            elif kind in ("number", "integer"):
                prop["type"] = kind
            if kind == "date":
                prop["format"] = "date"
            if kind == "address":
                prop.update({"x-kind": "address", "minLength": 5, "maxLength": 250})
            if kind == "person":
                prop.update({"x-kind": "person", "pattern": getattr(settings, "PERSONAL_ID_PATTERN", "") or r"^[0-9]{12}$"})
            if kind == "textarea":
                prop["x-widget"] = "textarea"
            if kind == "rows":
                prop.update({"type": "array", "items": {"type": "object", "properties": {}}})
        if kind == "rows":
            write_rows(prop, values, p)
        if kind == "choice" and values.get(f"{p}_options", "").strip() != _options_text(prop).strip():
            lines = _lines(values.get(f"{p}_options", ""))
            choices, titles = [], {lang: [] for lang in LANGS}
            for line in lines:
                parts = [part.strip() for part in line.split("|")]
                choices.append(_typed_choice(prop, parts[0]))
                for j, lang in enumerate(LANGS):
                    titles[lang].append(parts[j + 1] if len(parts) > j + 1 and parts[j + 1] else parts[0])
            if "oneOf" in prop and "enum" not in prop:
                prop["oneOf"] = [{"const": c, "title": titles["vi"][j],
                                  **({"x-title": {lang: titles[lang][j] for lang in LANGS[1:]}} if any(
                                      titles[lang][j] != _s(c) for lang in LANGS[1:]) else {})}
                                 for j, c in enumerate(choices)]
            else:
                prop["enum"] = choices
                old_titles = prop.get("x-enum-titles") if isinstance(prop.get("x-enum-titles"), dict) else {}
                # A language whose labels were never written stays unwritten (its labels fall back to the values).
                prop["x-enum-titles"] = {lang: t for lang, t in titles.items()
                                         if lang in old_titles or any(x != _s(c) for x, c in zip(t, choices, strict=False))}
                if not prop["x-enum-titles"]:
                    prop.pop("x-enum-titles")
        for attr, key, kinds in (("minimum", "minimum", ("number", "integer")), ("maximum", "maximum", ("number", "integer")),
                                 ("max_length", "maxLength", ("text", "textarea"))):
            if kind in kinds:
                raw = values.get(f"{p}_{attr}", "").strip()
                if raw:
                    prop[key] = _number(raw)
                else:
                    prop.pop(key, None)
        titles = _texts(values, f"{p}_title", {"vi": prop.get("title", ""), **(prop.get("x-title") or {})})
        prop["title"] = titles.pop("vi", "")
        if titles:
            prop["x-title"] = titles
        else:
            prop.pop("x-title", None)
        return name, prop

    def attr_of(self, rest):
        if not rest:
            return None
        head = str(rest[0])
        return {"title": "title_vi", "x-title": "title_en", "enum": "options", "x-enum-titles": "options",
                "minimum": "minimum", "maximum": "maximum", "maxLength": "max_length", "type": "type",
                "format": "type", "pattern": "type", "items": "cells", "minItems": "min_items",
                "maxItems": "max_items"}.get(head)

    def locate(self, path):
        if path[:2] == ("form", "properties") and len(path) > 2:
            return ("name", str(path[2])), self.attr_of(path[3:])  # a name: views turn it into the row's index
        if path[:2] == ("form", "required") and len(path) > 2:
            return None, None
        if path[:2] == ("form_ui", "help") and len(path) > 2:
            return ("name", str(path[2])), "help_vi"
        return None, None


def _cell_kind(prop: dict) -> str:
    kind = Fields.kind_of(prop)
    return kind if kind in CELL_TYPES else "text" if kind in ("textarea", "address") else kind


def cells_text(prop: dict) -> str:
    """A repeating group's sub-fields as the text area shows them: `key | kind | required | vi | en | bn`,
    each choice's options on the lines after it (`- value | vi | en | bn`)."""
    item = prop["items"]
    required = set(item.get("required") or [])
    lines = []
    for key, cell in item["properties"].items():
        cell = cell if isinstance(cell, dict) else {}
        titles = {"vi": cell.get("title", ""), **(cell.get("x-title") or {})}
        lines.append(" | ".join([key, _cell_kind(cell), "required" if key in required else "",
                                 *(_s(titles.get(lang)) for lang in LANGS)]).rstrip(" |"))
        if _cell_kind(cell) == "choice":
            lines += [f"  - {line}" for line in _options_text(cell).splitlines()]
    return "\n".join(lines)


def write_rows(prop: dict, values: dict[str, str], p: str) -> None:
    """A repeating group's rows from its inputs; sub-fields as drawn are kept exactly as written."""
    for attr, key in (("min_items", "minItems"), ("max_items", "maxItems")):
        raw = values.get(f"{p}_{attr}", "").strip()
        if raw:
            prop[key] = _number(raw)
        else:
            prop.pop(key, None)  # a group without maxItems is reported at its input by the validator
    item = dict(prop.get("items") or {})
    noun = [part.strip() for part in values.get(f"{p}_row_title", "").split("|")]
    titles = _texts({f"n_{lang}": noun[j] if j < len(noun) else "" for j, lang in enumerate(LANGS)}, "n",
                    {"vi": item.get("title", ""), **(item.get("x-title") or {})})
    item.pop("title", None)
    item.pop("x-title", None)
    if titles.get("vi"):
        item["title"] = titles.pop("vi")
    if titles:
        item["x-title"] = titles
    raw = values.get(f"{p}_cells", "")
    if is_group({**prop, "items": item}) and raw.strip() == cells_text({"items": item}).strip():
        prop["items"] = item  # the sub-fields as drawn: unchanged, whatever the text does not show
        return
    old = item.get("properties") if isinstance(item.get("properties"), dict) else {}
    cells: dict[str, dict] = {}
    required: list[str] = []
    last = None
    for line in raw.splitlines():
        if not line.strip():
            continue
        if line.strip().startswith("-") and last is not None:
            cells[last].setdefault("_options", []).append(line.strip()[1:].strip())
            continue
        parts = [part.strip() for part in line.split("|")]
        key, kind = parts[0], parts[1] if len(parts) > 1 and parts[1] else "text"
        cell = dict(old.get(key) or {})
        if kind != _cell_kind(cell) or not cell:
            cell = _new_cell(kind)
        titles = _texts({f"t_{lang}": parts[3 + j] if len(parts) > 3 + j else "" for j, lang in enumerate(LANGS)}, "t",
                        {"vi": cell.get("title", ""), **(cell.get("x-title") or {})})
        cell["title"] = titles.pop("vi", "")
        if titles:
            cell["x-title"] = titles
        else:
            cell.pop("x-title", None)
        if len(parts) > 2 and parts[2].lower() in REQUIRED_WORDS:
            required.append(key)
        cells[key] = cell
        last = key
    for cell in cells.values():
        options = cell.pop("_options", None)
        if options is not None and _cell_kind(cell) == "choice":
            choices = [_typed_choice(cell, o.split("|")[0].strip()) for o in options]
            labels = {lang: [(o.split("|") + [""] * 4)[j + 1].strip() or _s(c) for o, c in zip(options, choices, strict=True)]
                      for j, lang in enumerate(LANGS)}
            cell["enum"] = choices
            cell["x-enum-titles"] = {lang: t for lang, t in labels.items() if any(x != _s(c) for x, c in zip(t, choices, strict=True))}
            if not cell["x-enum-titles"]:
                cell.pop("x-enum-titles")
    item.update({"type": "object", "properties": cells})
    if required:
        item["required"] = required
    else:
        item.pop("required", None)
    prop["items"] = item


def _new_cell(kind: str) -> dict:
    """A new sub-field of a kind; an unknown kind is written as typed (the validator says so at the input)."""
    return {"text": {"type": "string", "maxLength": 200}, "number": {"type": "number"}, "integer": {"type": "integer"},
            "date": {"type": "string", "format": "date"}, "choice": {"type": "string", "enum": []},
            "yesno": {"type": "boolean"},
            "person": {"type": "string", "x-kind": "person",
                       "pattern": getattr(settings, "PERSONAL_ID_PATTERN", "") or r"^[0-9]{12}$"}}.get(kind, {"type": kind})


def _options_text(prop: dict) -> str:
    """A choice's options as the textarea shows them: one a line, `value | vi | en | bn`."""
    titles = prop.get("x-enum-titles") if isinstance(prop.get("x-enum-titles"), dict) else {}

    def label(lang: str, j: int) -> str:
        found = titles.get(lang) or []
        return _s(found[j]) if j < len(found) else ""

    if prop.get("enum"):
        return "\n".join(" | ".join([_s(value)] + [label(lang, j) for lang in LANGS]).rstrip(" |")
                         for j, value in enumerate(prop["enum"]))
    if isinstance(prop.get("oneOf"), list):  # choices written as oneOf
        return "\n".join(" | ".join([_s(o.get("const")), _s(o.get("title"))] +
                                    [_s((o.get("x-title") or {}).get(lang)) for lang in LANGS[1:]]).rstrip(" |")
                         for o in prop["oneOf"] if isinstance(o, dict))
    return ""


def _typed_choice(prop: dict, raw: str) -> object:
    """An option's value as the field's type holds it (an integer field's options are numbers)."""
    if prop.get("type") == "boolean":
        return raw.lower() in ("true", "1", "có", "yes")
    return _number(raw) if prop.get("type") in ("integer", "number") else raw


def _simple_rule(rule: dict) -> tuple[str, object, list[str]] | None:
    """(field, value, names) of `{if: {properties: {F: {const: V}}, required: [F]}, then: {required: names}}`."""
    cond, then = rule.get("if"), rule.get("then")
    if not isinstance(cond, dict) or not isinstance(then, dict) or set(then) != {"required"}:
        return None
    props = cond.get("properties")
    if not isinstance(props, dict) or len(props) != 1 or set(cond) - {"properties", "required"}:
        return None
    (other, test), = props.items()
    if not isinstance(test, dict) or set(test) != {"const"}:
        return None
    return other, test["const"], list(then.get("required") or [])


def _sections(d: dict) -> list:
    ui = d.get("form_ui") if isinstance(d.get("form_ui"), dict) else {}
    return [s for s in ui.get("sections") or [] if isinstance(s, dict)]


def write_form_extras(d: dict, values: dict[str, str], count: int, old_rows: list, rows: list) -> None:
    """What the field rows say beyond each property: required, "required when", sections and help."""
    form = d["form"]
    names = [name for name, _p in rows]
    renamed = {old[0]: new[0] for old, new in zip(old_rows, rows, strict=False)}
    required = _keep_order([names[i] for i in range(len(rows)) if values.get(f"r{i}_required")], form.get("required"))
    if required:
        form["required"] = required
    else:
        form.pop("required", None)
    # "Required when": simple rules are rewritten from the rows (unless they say what they said: then the
    # form keeps them as written); any other rule of the form is kept.
    before = {(o, _s(v), tuple(sorted(renamed.get(n, n) for n in ns)))
              for r in [form, *[r for r in form.get("allOf") or [] if isinstance(r, dict)]]
              for o, v, ns in [_simple_rule(r) or ("", "", [])] if o}
    after: dict[tuple[str, str], list[str]] = {}
    for i, name in enumerate(names):
        other = values.get(f"r{i}_req_field", "").strip()
        if other:
            after.setdefault((other, values.get(f"r{i}_req_value", "").strip()), []).append(name)
    if before == {(o, v, tuple(sorted(ns))) for (o, v), ns in after.items()}:
        after = {}
        unchanged = True
    else:
        unchanged = False
    kept = [r for r in form.get("allOf") or [] if isinstance(r, dict) and not _simple_rule(r)]
    if _simple_rule(form) is None and ("if" in form or "then" in form):
        kept.insert(0, {k: form[k] for k in ("if", "then", "else") if k in form})
    if not unchanged:
        for k in ("if", "then", "else"):
            form.pop(k, None)
        made = [{"if": {"properties": {other: {"const": _typed(d, other, value)}}, "required": [other]},
                 "then": {"required": names_}} for (other, value), names_ in after.items()]
        if kept + made:
            form["allOf"] = kept + made
        else:
            form.pop("allOf", None)
    # Sections: in the order first met; their titles kept (a new one named by its id until given a title).
    ui = dict(d.get("form_ui") or {}) if isinstance(d.get("form_ui"), dict) else {}
    old_sections = {s.get("id"): s for s in _sections(d)}
    order: list[str] = []
    members: dict[str, list[str]] = {}
    for i, name in enumerate(names):
        sid = values.get(f"r{i}_section", "").strip()
        if sid:
            if sid not in members:
                order.append(sid)
                members[sid] = []
            members[sid].append(name)
    if set(order) == set(old_sections):
        order = list(old_sections)  # the sections in the author's order
    if order:
        ui["sections"] = [{**old_sections.get(sid, {"id": sid, "title": {"vi": sid}}),
                           "fields": _keep_order(members[sid], old_sections.get(sid, {}).get("fields"))}
                          for sid in order]
    else:
        ui.pop("sections", None)
    help_ = {renamed.get(k, k): t for k, t in (ui.get("help") or {}).items() if renamed.get(k, k) in names}
    for i, name in enumerate(names):
        raw = values.get(f"r{i}_help_vi", "").strip()
        if raw:
            help_[name] = {**(help_.get(name) or {}), "vi": raw}
        else:
            help_.pop(name, None)
    if help_:
        ui["help"] = help_
    else:
        ui.pop("help", None)
    for key in ("widgets", "prefill"):  # renamed fields keep their widget and prefill; removed ones lose them
        if isinstance(ui.get(key), dict):
            ui[key] = {renamed.get(k, k): w for k, w in ui[key].items() if renamed.get(k, k) in names}
            if not ui[key]:
                ui.pop(key)
    if ui:
        d["form_ui"] = ui
    else:
        d.pop("form_ui", None)


class Fees(Section):
    key = "fees"
    title = gettext_lazy("Phí, lệ phí")
    row_key = "fees/rules"
    add_label = gettext_lazy("Thêm mức phí")
    row_title = gettext_lazy("Mức phí")
    row_attrs = ("id", "amount", "label_vi", "label_en", "label_bn", "when_field", "when_op", "when_value")
    scalar_names = ("pay", "note_vi", "note_en", "note_bn")
    owns = ("fees",)
    empty_rows = "drop"

    def new_row(self, d, i):
        return {"id": "standard" if i == 0 else f"rule_{i + 1}", "amount": 0}

    def row_label(self, row, i):
        return f"{self.row_title} {i + 1}: {row.get('id', '')}"

    def row_controls(self, d, row, i, v):
        p = f"r{i}"
        return [
            Control(f"{p}_id", _("Mã mức phí"), value=_s(row.get("id"))),
            Control(f"{p}_amount", _("Số tiền (đồng)"), "number", _s(row.get("amount"))),
            *_text_controls(f"{p}_label", _("Tên mức phí"), row.get("label")),
            *_condition_controls(f"{p}_when", d, row.get("when")),
        ]

    def write_row(self, d, values, i, old):
        p = f"r{i}"
        row = dict(old)
        row["id"] = values.get(f"{p}_id", "").strip()
        row["amount"] = _number(values.get(f"{p}_amount", ""))
        label = _texts(values, f"{p}_label", row.get("label"))
        if label:
            row["label"] = label
        else:
            row.pop("label", None)
        when = write_condition(d, values, f"{p}_when", row.get("when"))
        if when:
            row["when"] = when
        else:
            row.pop("when", None)
        return row

    def scalar_controls(self, d, v, user):
        fees = d.get("fees") if isinstance(d.get("fees"), dict) else {}
        return [
            Control("pay", _("Thời điểm nộp phí"), "select", _s(fees.get("pay") or "on_request"),
                    [("on_request", _("khi cán bộ yêu cầu")), ("at_submission", _("khi nộp hồ sơ"))]),
            *_text_controls("note", _("Diễn giải mức phí cho người dân"), fees.get("note")),
        ]

    def write_scalars(self, d, values, lists):
        fees = dict(d.get("fees") or {}) if isinstance(d.get("fees"), dict) else {}
        if values.get("pay") == "at_submission":
            fees["pay"] = "at_submission"
        elif fees.get("pay") != "on_request":  # the default, kept when written out
            fees.pop("pay", None)
        note = _texts(values, "note", fees.get("note"))
        if note:
            fees["note"] = note
        else:
            fees.pop("note", None)
        if fees:
            d["fees"] = fees
        else:
            d.pop("fees", None)

    def attr_of(self, rest):
        if not rest:
            return None
        head = str(rest[0])
        if head == "label":
            return "label_vi"
        if head == "when":
            return "when_field"
        return {"id": "id", "amount": "amount"}.get(head)

    def scalar_of(self, path):
        if path[:2] == ("fees", "pay"):
            return "pay"
        if path[:2] == ("fees", "note"):
            return "note_vi"
        return None


class Times(Section):
    key = "times"
    title = gettext_lazy("Thời hạn giải quyết")
    row_key = "processing_times"
    add_label = gettext_lazy("Thêm thời hạn khác")
    row_title = gettext_lazy("Thời hạn khác")
    row_attrs = ("days", "label_vi", "label_en", "label_bn", "when_field", "when_op", "when_value")
    scalar_names = ("processing_days",)
    owns = ("processing_days", "processing_times", "obligations")

    def new_row(self, d, i):
        return {"when": {"field": "$channel", "equals": 2}, "days": d.get("processing_days", 1)}

    def row_controls(self, d, row, i, v):
        p = f"r{i}"
        return [
            Control(f"{p}_days", _("Số ngày làm việc"), "number", _s(row.get("days"))),
            *_text_controls(f"{p}_label", _("Tên"), row.get("label")),
            *_condition_controls(f"{p}_when", d, row.get("when")),
        ]

    def write_row(self, d, values, i, old):
        p = f"r{i}"
        row = dict(old)
        row["days"] = _number(values.get(f"{p}_days", ""))
        label = _texts(values, f"{p}_label", row.get("label"))
        if label:
            row["label"] = label
        else:
            row.pop("label", None)
        row["when"] = write_condition(d, values, f"{p}_when", row.get("when"))
        return row

    def scalar_controls(self, d, v, user):
        return [Control("processing_days", _("Thời hạn giải quyết (ngày làm việc)"), "number", _s(d.get("processing_days")),
                        hint=_("Khi không có thời hạn khác nào áp dụng."))]

    def write_scalars(self, d, values, lists):
        d["processing_days"] = _number(values.get("processing_days", ""))

    def attr_of(self, rest):
        if not rest:
            return None
        head = str(rest[0])
        return {"days": "days", "label": "label_vi", "when": "when_field"}.get(head)


def _step(sid: str, vi: str, en: str, role: str, days: float, after: list[str], **more) -> dict:
    step = {"id": sid, "name": {"vi": vi, "en": en}, "role": role}
    if after:
        step["after"] = after
    step["days"] = int(days) if float(days).is_integer() else days  # 2, not 2.0, as an author writes it
    step.update(more)
    return step


def template_steps(name: str, days: int, agency: str = "") -> list[dict]:
    """The steps of a workflow template, their days fitted into the procedure's time."""
    days = max(int(days) if isinstance(days, int) else 1, 1)
    work = max(days - 1, 0.5) if days > 1 else 0.25
    if name == "inter_agency":
        return [
            _step("receive", "Tiếp nhận hồ sơ", "Receive the dossier", "one_stop_officer", 0.25 if days < 3 else 0.5, []),
            _step("review", "Thẩm định hồ sơ", "Review the dossier", "specialist", round(work / 3, 2), ["receive"],
                  may_request_supplement=True),
            _step("other_agency", "Lấy ý kiến cơ quan khác", "Another agency's part", "specialist", round(work / 3, 2),
                  ["review"], unit={"agency": agency or "police"}),
            _step("approve", "Lãnh đạo phê duyệt", "The leader approves", "approver", round(work / 3, 2), ["other_agency"]),
            _step("return", "Trả kết quả", "Return the result", "one_stop_officer", 0.25 if days < 3 else 0.5, ["approve"], end=True),
        ]
    if name == "bundle":
        return [
            _step("receive", "Tiếp nhận hồ sơ", "Receive the dossier", "one_stop_officer", 0.25 if days < 3 else 0.5, []),
            _step("first", "Giải quyết thủ tục thứ nhất", "The first procedure", "specialist", round(work / 3, 2), ["receive"],
                  may_request_supplement=True),
            _step("approve", "Lãnh đạo phê duyệt", "The leader approves", "approver", round(work / 3, 2), ["first"]),
            # The other agencies' procedures run in parallel after the first one; the return waits for both.
            _step("second", "Giải quyết thủ tục thứ hai", "The second procedure", "specialist", round(work / 3, 2), ["approve"],
                  unit={"agency": agency or "police"}),
            _step("third", "Giải quyết thủ tục thứ ba", "The third procedure", "specialist", round(work / 3, 2), ["approve"],
                  unit={"agency": "social_insurance"}),
            _step("return", "Trả kết quả", "Return the results", "one_stop_officer", 0.25 if days < 3 else 0.5,
                  ["second", "third"], end=True),
        ]
    return [
        _step("receive", "Tiếp nhận hồ sơ", "Receive the dossier", "one_stop_officer", 0.25 if days < 3 else 0.5, []),
        _step("process", "Thẩm định, giải quyết", "Examine the dossier", "specialist", round(work / 2, 2), ["receive"],
              may_request_supplement=True),
        _step("approve", "Lãnh đạo phê duyệt", "The leader approves", "approver", round(work / 2, 2), ["process"]),
        _step("return", "Trả kết quả", "Return the result", "one_stop_officer", 0.25 if days < 3 else 0.5, ["approve"], end=True),
    ]


TEMPLATES = ("one_stop", "inter_agency", "bundle")


class Workflow(Section):
    key = "workflow"
    title = gettext_lazy("Quy trình xử lý")
    row_key = "workflow/steps"
    add_label = gettext_lazy("Thêm bước")
    row_title = gettext_lazy("Bước")
    row_attrs = ("id", "name_vi", "name_en", "name_bn", "role", "after", "days", "agency", "kind", "end",
                 "supplement", "when_field", "when_op", "when_value")
    multi_attrs = ("after",)
    scalar_names = ("template", "template_agency")
    extra_buttons = ("apply_template",)
    owns = ("workflow",)
    empty_rows = "always"

    def new_row(self, d, i):
        steps = self.rows_of(d)
        last = steps[-1].get("id") if steps and isinstance(steps[-1], dict) else None
        return {"id": f"step_{i + 1}", "name": {"vi": ""}, "role": "specialist", **({"after": [last]} if last else {}), "days": 1}

    def row_label(self, row, i):
        return f"{self.row_title} {i + 1}: {localized(row.get('name')) or row.get('id', '')}"

    def row_controls(self, d, row, i, v):
        p = f"r{i}"
        unit = row.get("unit") if isinstance(row.get("unit"), dict) else {}
        others = [(s.get("id"), s.get("id")) for s in self.rows_of(d) if isinstance(s, dict) and s.get("id") != row.get("id")]
        return [
            Control(f"{p}_id", _("Mã bước"), value=_s(row.get("id"))),
            *_text_controls(f"{p}_name", _("Tên bước"), row.get("name")),
            Control(f"{p}_role", _("Người thực hiện (vai trò)"), "select", _s(row.get("role")),
                    [("", _("(chưa chọn)"))] + [(r, _role_name(v, r)) for r in sorted(v.role_keys)]),
            Control(f"{p}_after", _("Sau các bước"), "multi", list(row.get("after") or []), others),
            Control(f"{p}_days", _("Số ngày làm việc"), "number", _s(row.get("days"))),
            Control(f"{p}_agency", _("Ngành thực hiện (cơ quan khác)"), "select", _s(unit.get("agency")),
                    _options(v.agencies, _("(đơn vị tiếp nhận)"))),
            Control(f"{p}_kind", _("Loại đơn vị thực hiện"), "select", _s(unit.get("kind")),
                    _options(v.unit_kinds, _("(không chỉ định)"))),
            Control(f"{p}_end", _("Bước kết thúc"), "check", bool(row.get("end"))),
            Control(f"{p}_supplement", _("Được yêu cầu bổ sung hồ sơ"), "check", bool(row.get("may_request_supplement"))),
            *_condition_controls(f"{p}_when", d, row.get("when")),
        ]

    def write_row(self, d, values, i, old, lists=None):
        p = f"r{i}"
        row = dict(old)
        row["id"] = values.get(f"{p}_id", "").strip()
        row["name"] = _texts(values, f"{p}_name", row.get("name"))
        role = values.get(f"{p}_role", "").strip()
        if role:
            row["role"] = role
        else:
            row.pop("role", None)
        after = _keep_order((lists or {}).get(f"{p}_after", []), row.get("after"))
        if after:
            row["after"] = after
        else:
            row.pop("after", None)
        row["days"] = _number(values.get(f"{p}_days", ""))
        unit = dict(row.get("unit") or {}) if isinstance(row.get("unit"), dict) else {}
        for key in ("agency", "kind"):
            raw = values.get(f"{p}_{key}", "").strip()
            if raw:
                unit[key] = raw
            else:
                unit.pop(key, None)
        if unit:
            row["unit"] = unit
        else:
            row.pop("unit", None)
        for attr, key in (("end", "end"), ("supplement", "may_request_supplement")):
            if values.get(f"{p}_{attr}"):
                row[key] = True
            elif row.get(key) is not False:
                row.pop(key, None)
        when = write_condition(d, values, f"{p}_when", row.get("when"))
        if when:
            row["when"] = when
        else:
            row.pop("when", None)
        return row

    def scalar_controls(self, d, v, user):
        return [
            Control("template", _("Mẫu quy trình"), "select", "one_stop", [
                ("one_stop", _("Một cửa → chuyên viên → lãnh đạo → trả kết quả")),
                ("inter_agency", _("Liên thông: có bước của cơ quan khác")),
                ("bundle", _("Nhóm thủ tục: các cơ quan làm song song rồi trả kết quả chung"))]),
            Control("template_agency", _("Ngành của cơ quan khác (mẫu liên thông, nhóm thủ tục)"), "select", "",
                    _options(v.agencies, _("(công an)"))),
        ]

    def action(self, d, name, values):
        if name == "apply_template":
            kind = values.get("template", "one_stop")
            if kind not in TEMPLATES:
                raise BadPost
            self.set_rows(d, template_steps(kind, d.get("processing_days", 1), values.get("template_agency", "").strip()))

    def attr_of(self, rest):
        if not rest:
            return None
        head = str(rest[0])
        if head == "unit":
            return "kind" if len(rest) > 1 and rest[1] == "kind" else "agency"
        return {"id": "id", "name": "name_vi", "role": "role", "after": "after", "days": "days", "end": "end",
                "may_request_supplement": "supplement", "when": "when_field"}.get(head)

    def locate(self, path):
        if path[:1] == ("workflow",) and len(path) < 3:
            return None, None
        return super().locate(path)

    def scalar_of(self, path):
        return None


def _role_name(v: vocab.Vocabulary, role: str) -> str:
    return f"{localized(v.name('roles', role)) or role} ({role})"


class Result(Section):
    key = "result"
    title = gettext_lazy("Kết quả")
    scalar_names = ("title_vi", "title_en", "title_bn", "template", "document_type", "signer_role",
                    "validity_years", "validity_months")
    multi_scalars = ("summary_fields",)
    owns = ("result",)

    def scalar_controls(self, d, v, user):
        r = d.get("result") if isinstance(d.get("result"), dict) else {}
        validity = r.get("validity") if isinstance(r.get("validity"), dict) else {}
        props = (d.get("form") or {}).get("properties") or {} if isinstance(d.get("form"), dict) else {}
        return [
            *_text_controls("title", _("Tên giấy tờ kết quả"), r.get("title")),
            Control("template", _("Mẫu in"), value=_s(r.get("template") or "generic"), hint=_("generic: mẫu chung.")),
            Control("document_type", _("Loại giấy tờ trong kho dữ liệu"), "select", _s(r.get("document_type")),
                    _options(v.document_types, _("(không lưu vào kho)"))),
            Control("signer_role", _("Người ký"), "select", _s(r.get("signer_role") or "approver"),
                    [(role, _role_name(v, role)) for role in sorted(v.role_keys)]),
            Control("validity_years", _("Thời hạn hiệu lực: số năm"), "number", _s(validity.get("years"))),
            Control("validity_months", _("Thời hạn hiệu lực: số tháng"), "number", _s(validity.get("months"))),
            Control("summary_fields", _("Các trường in trên kết quả"), "multi", list(r.get("summary_fields") or []),
                    [(k, f"{k} — {_field_title(p)}") for k, p in props.items() if isinstance(p, dict)]),
        ]

    def write_scalars(self, d, values, lists):
        r = dict(d.get("result") or {}) if isinstance(d.get("result"), dict) else {}
        r["title"] = _texts(values, "title", r.get("title"))
        template = values.get("template", "").strip() or "generic"
        if template != "generic" or "template" in r:  # generic is the default: not written when it was not
            r["template"] = template
        for key in ("document_type", "signer_role"):
            raw = values.get(key, "").strip()
            if raw:
                r[key] = raw
            else:
                r.pop(key, None)
        validity = {}
        for key in ("years", "months"):
            raw = values.get(f"validity_{key}", "").strip()
            if raw:
                validity[key] = _number(raw)
        if validity:
            r["validity"] = {**(r.get("validity") or {}), **validity} if isinstance(r.get("validity"), dict) else validity
            for key in ("years", "months"):
                if key not in validity:
                    r["validity"].pop(key, None)
        elif isinstance(r.get("validity"), dict):
            r["validity"].pop("years", None)
            r["validity"].pop("months", None)
            if not r["validity"]:
                r.pop("validity")
        if lists.get("summary_fields"):
            r["summary_fields"] = _keep_order(lists["summary_fields"], r.get("summary_fields"))
        else:
            r.pop("summary_fields", None)
        d["result"] = r

    def scalar_of(self, path):
        if path[:1] != ("result",) or len(path) < 2:
            return None
        head = str(path[1])
        if head == "title":
            return f"title_{path[2]}" if len(path) > 2 and path[2] in LANGS else "title_vi"
        if head == "validity":
            return "validity_months" if len(path) > 2 and path[2] == "months" else "validity_years"
        return {"template": "template", "document_type": "document_type", "signer_role": "signer_role",
                "summary_fields": "summary_fields"}.get(head)


# The sections of the format's other parts, each its own module (they import this one: import them through it).
from motcua.authoring.sections_fees import Charges, FeeExtras, LocalFees  # noqa: E402
from motcua.authoring.sections_more import Appointments, People, Records  # noqa: E402
from motcua.authoring.sections_steps import Decisions, Obligations  # noqa: E402
from motcua.authoring.sections_who import Agencies, Prefill, Receivers  # noqa: E402

SECTIONS: dict[str, Section] = {s.key: s for s in (
    Identity(), Receivers(), Components(), Fields(), Prefill(), People(), Fees(), FeeExtras(), Charges(), LocalFees(),
    Times(), Obligations(), Workflow(), Decisions(), Records(), Appointments(), Agencies(), Result())}
ORDER = tuple(SECTIONS)


def section_of(path: tuple, definition: dict) -> str:
    """The section a problem belongs to; a missing top-level key goes to the section that writes it."""
    head = str(path[0]) if path else ""
    for s in SECTIONS.values():
        if s.claims(path):
            return s.key
    for s in SECTIONS.values():
        if head in s.owns:
            return s.key
    return "advanced"


def root_keys(message: str, definition: object) -> list[str]:
    """The missing top-level keys a root problem names (the validator says "thiếu khóa bắt buộc 'code', …")."""
    declared = definition_schema()["required"]
    present = definition if isinstance(definition, dict) else {}
    named = re.findall(r"'([a-z_]+)'", message)
    return [k for k in named if k in declared and k not in present]


def skeleton(unit_code: str = "") -> dict:
    """A new procedure's first definition: every required key, the one-stop workflow, problems at the inputs."""
    d: dict = {
        "code": "", "name": {"vi": "", "en": ""}, "field": {"code": "", "vi": "", "en": ""}, "levels": [],
        "service_mode": "full", "processing_days": 5,
        "form": {"type": "object", "properties": {}},
        "workflow": {"steps": template_steps("one_stop", 5)},
        "result": {"title": {"vi": "", "en": ""}, "template": "generic", "signer_role": "approver"},
    }
    if unit_code:
        d["unit_codes"] = [unit_code]
    return d


# --- the post --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    definition: dict
    focus: str = ""  # the id of the input to go to after an add (the new row's first input)


def apply_post(section: Section, definition: dict, post) -> Outcome:
    """The definition with this section rewritten from a posted form (QueryDict); BadPost when not its form."""
    names = set(post) - {"csrfmiddlewaretoken"}
    raw_count = post.get("count", "0")
    if not raw_count.isdigit() or int(raw_count) > MAX_ROWS:
        raise BadPost
    count = int(raw_count)
    single, multi = section.allowed(count)
    if names - single - multi:
        raise BadPost
    values: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    for name in names:
        got = post.getlist(name)
        if any("\x00" in g or len(g) > 20_000 for g in got):
            raise BadPost
        if name in multi:
            if len(got) > MAX_ROWS:
                raise BadPost
            lists[name] = [g.strip() for g in got if g.strip()]
        elif len(got) != 1:
            raise BadPost
        else:
            values[name] = got[0]
    d = copy.deepcopy(definition)
    old_rows = section.rows_of(d)
    if section.row_key and count != len(old_rows):
        raise BadPost  # a form of another revision: the save's revision check says so (409) — see views
    section.write_scalars(d, values, lists)
    rows = []
    for i in range(count):
        if section.multi_attrs:
            rows.append(section.write_row(d, values, i, old_rows[i] if isinstance(old_rows[i], dict | tuple) else {}, lists))
        else:
            old = old_rows[i]
            rows.append(section.write_row(d, values, i, old if isinstance(old, dict | tuple) else {}))
    if section.row_key:
        section.set_rows(d, rows)
        if isinstance(section, Fields):
            write_form_extras(d, values, count, old_rows, rows)
    action = values.get("action", "save")
    focus = ""
    if section.fixed_rows and (action == "add" or action.startswith("remove-")):
        raise BadPost
    if action == "add" and section.row_key:
        if count >= MAX_ROWS:
            raise BadPost
        rows.append(section.new_row(d, count))
        section.set_rows(d, rows)
        if isinstance(section, Fields) and _sections(d):
            # In the last group, so that it stays last wherever the draft is stored (see Fields.rows_of).
            last = d["form_ui"]["sections"][-1]
            last["fields"] = [*(last.get("fields") or []), rows[-1][0]]
        focus = f"f-r{count}_{section.row_attrs[0]}"
    elif action.startswith("remove-") and section.row_key:
        index = action.removeprefix("remove-")
        if not index.isdigit() or int(index) >= count:
            raise BadPost
        removed = rows.pop(int(index))
        section.set_rows(d, rows)
        if isinstance(section, Fields):
            _forget_field(d, removed[0])
    elif action in section.extra_buttons:
        section.action(d, action, values)
    elif action != "save":
        raise BadPost
    return Outcome(d, focus)


def _forget_field(d: dict, name: str) -> None:
    form = d["form"]
    if name in (form.get("required") or []):
        form["required"] = [n for n in form["required"] if n != name]
    for s in _sections(d):
        s["fields"] = [n for n in s.get("fields") or [] if n != name]
    ui = d.get("form_ui")
    if isinstance(ui, dict) and isinstance(ui.get("sections"), list):
        ui["sections"] = [s for s in ui["sections"] if not isinstance(s, dict) or s.get("fields")]


# --- what the page shows ---------------------------------------------------------------------------------


def page_context(section: Section, definition: dict, problems: list[dict], user) -> dict:
    """The section's controls and rows, each problem of the section at its input (or at the section's top)."""
    v = vocab.current()
    scalars = section.scalar_controls(definition, v, user)
    raw_rows = section.rows_of(definition)
    rows = [Row(i, section.row_label(r, i), section.row_controls(definition, r, i, v)) for i, r in enumerate(raw_rows)]
    for control in [*scalars, *(c for r in rows for c in r.controls)]:
        # A value the choices lack (a name the vocabularies do not know) is shown, not silently dropped on save.
        if control.kind in ("select", "multi"):
            known = {str(o[0]) for o in control.options}
            control.options += [(x, x) for x in sorted(control.values - known) if x]
    by_name = {c.name: c for c in scalars}
    row_index = {r[0]: i for i, r in enumerate(raw_rows) if isinstance(r, tuple)}  # rows keyed by name (form fields)
    general: list[str] = []
    for p in problems:
        path = tuple(int(x) if x.isdigit() else x for x in p["path"].split("/")) if p["path"] != "(root)" else ()
        if not path:
            keys = [k for k in root_keys(p["message"], definition) if section_of((k,), definition) == section.key]
            if keys:
                general.append(p["message"])
            continue
        if section_of(path, definition) != section.key:
            continue
        row, attr = section.locate(path)
        if isinstance(row, tuple):  # a form field by name
            row = row_index.get(row[1])
        if attr is None:
            # "missing required key 'document_type'" at the object that lacks it: at that key's input.
            named = re.findall(r"'([a-z_]+)'", p["message"])
            if named and named[0] in section.row_attrs + section.scalar_names + section.multi_scalars:
                attr = named[0]
        if row is not None and 0 <= row < len(rows):
            target = next((c for c in rows[row].controls if attr and c.name == f"r{row}_{attr}"), None)
            (target.errors if target else rows[row].errors).append(_with_path(p))
        elif attr and attr in by_name:
            by_name[attr].errors.append(_with_path(p))
        else:
            general.append(_with_path(p))
    count = sum(len(c.errors) for c in scalars) + sum(len(c.errors) + 0 for r in rows for c in r.controls) \
        + sum(len(r.errors) for r in rows) + len(general)
    return {"section": section, "scalars": scalars, "rows": rows, "general": general, "count": count,
            "has_rows": bool(section.row_key), "fixed_rows": section.fixed_rows}


def _with_path(p: dict) -> str:
    return f"{p['message']} ({p['path']})"


def counts(definition: dict, problems: list[dict]) -> dict[str, int]:
    """How many problems each section holds (the draft page's list of sections)."""
    found = dict.fromkeys([*ORDER, "advanced"], 0)
    for p in problems:
        if p["path"] == "(root)":
            keys = root_keys(p["message"], definition)
            for k in keys or ["?"]:
                found[section_of((k,), definition)] += 1
            continue
        found[section_of(tuple(p["path"].split("/")), definition)] += 1
    return found


def section_titles() -> list[tuple[str, str]]:
    return [(s.key, str(s.title)) for s in SECTIONS.values()]
