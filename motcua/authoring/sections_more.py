"""Sections of the structured editor for the last parts of the format that were only in the advanced YAML
(issue 24, item 1).

- *Recorded values* (a step's `record`): what the officer records when finishing a step (the inspection's
  date, the level the council concludes). One row per value: the step, its key, kind, labels in vi/en/bn,
  required, options of a choice (one a line, `value | vi | en | bn`, as the form's fields) and limits.
  A value moved to another step goes to that step's `record`; a step left without one loses its `record`.
- *Appointments and inner deadlines* (a step's `appointment` and `calendar_days`): whether the step is an
  on-site visit or an appointment at the office, and the law's deadline in calendar days. The rows are the
  workflow's steps: none is added or removed here.
- *Other people in the dossier* (`form_ui.people`): blocks of fields about another person filled from a
  registry, relative to the applicant's relation (`relation`, `as`: one `value | whose` a line) or keyed by
  a field holding that person's ID (`key`); the fields filled one `form field | attribute` a line.

Each keeps what its form does not show, like the sections of editor.py; problems are those of
`motcua catalog validate`, placed by `claims`/`locate` at the row and input they concern.

Imported by editor.py, which registers these sections: import it through editor, never first.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.authoring.editor import (
    FIELD_TYPES,
    BadPost,
    Control,
    Fields,
    Section,
    _lines,
    _number,
    _options,
    _options_text,
    _s,
    _text_controls,
    attr_in,
    list_at,
    set_or_drop,
)
from motcua.authoring.sections_steps import OverSteps
from motcua.authoring.sections_who import _form_fields
from motcua.catalog import vocab
from motcua.catalog.models import localized

# The kinds a recorded value may take (those the officer's page draws); another kind written is kept.
RECORD_KINDS = ("text", "textarea", "number", "integer", "date", "choice", "yesno")


def _steps(d: dict) -> list:
    return list_at(d, ("workflow", "steps"))


def _kind_labels() -> dict[str, str]:
    return {"text": _("Chữ (một dòng)"), "textarea": _("Đoạn văn"), "number": _("Số thập phân"),
            "integer": _("Số nguyên"), "date": _("Ngày"), "choice": _("Lựa chọn"), "yesno": _("Có/không"),
            "address": _("Địa chỉ"), "person": _("Số định danh cá nhân"), "rows": _("Nhóm lặp lại (danh sách các dòng)"),
            "group": _("Nhóm lồng nhau (sửa ở phần nâng cao)")}


class Records(Section):
    key = "records"
    title = gettext_lazy("Giá trị ghi nhận tại bước")
    row_key = "workflow/steps"  # rows are (ref, step index, key, property, required): every step's values
    add_label = gettext_lazy("Thêm giá trị ghi nhận")
    row_title = gettext_lazy("Giá trị")
    row_attrs = ("step", "key", "type", "title_vi", "title_en", "title_bn", "required", "options", "minimum",
                 "maximum", "max_length")

    def rows_of(self, d):
        rows = []
        for i, step in enumerate(_steps(d)):
            record = step.get("record") if isinstance(step, dict) else None
            props = record.get("properties") if isinstance(record, dict) else None
            if not isinstance(props, dict):
                continue
            required = record.get("required") if isinstance(record.get("required"), list) else []
            # By key, not as stored: a mapping kept in PostgreSQL's jsonb comes back in its own order (shorter
            # keys first), so a row's number would depend on the database and move when a key is renamed.
            rows += [(f"{i}/{k}", i, k, props[k], k in required) for k in sorted(props)]
        return rows

    def set_rows(self, d, rows):
        steps = _steps(d)
        for i, step in enumerate(steps):
            if not isinstance(step, dict):
                continue
            mine = [r for r in rows if r[1] == i]
            old = step.get("record")
            had = isinstance(old, dict) and isinstance(old.get("properties"), dict)
            if not mine:
                if had:
                    steps[i] = {k: v for k, v in step.items() if k != "record"}
                continue  # a `record` that is not one (a typo) is kept for the advanced section
            record = dict(old) if isinstance(old, dict) else {}
            record["properties"] = {k: p for _ref, _i, k, p, _req in mine}
            required = [k for _ref, _i, k, _p, req in mine if req]
            old_required = record.get("required") if isinstance(record.get("required"), list) else None
            if required or old_required is not None:  # `required: []` as the author wrote it stays
                record["required"] = list(old_required) if old_required is not None and sorted(
                    map(str, old_required)) == sorted(required) else required
            steps[i] = {**step, "record": record}
        wf = dict(d["workflow"]) if isinstance(d.get("workflow"), dict) else {}
        wf["steps"] = steps
        d["workflow"] = wf

    def new_row(self, d, i):
        steps = _steps(d)
        taken = {r[2] for r in self.rows_of(d)}
        n = i + 1
        while f"value_{n}" in taken:
            n += 1
        # The step after the first (the one-stop desk receives; a later step concludes), or the only one.
        return ("", min(1, max(len(steps) - 1, 0)), f"value_{n}", {"type": "string", "title": ""}, False)

    def row_label(self, row, i):
        step = row[1]
        return f"{self.row_title} {i + 1}: {row[2]} ({_('bước')} {step + 1})"

    def row_controls(self, d, row, i, v):
        _ref, step, key, prop, required = row
        prop = prop if isinstance(prop, dict) else {}
        p = f"r{i}"
        steps = [(str(j), f"{s.get('id', '')} — {localized(s.get('name'))}") for j, s in enumerate(_steps(d))
                 if isinstance(s, dict)]
        labels = _kind_labels()
        kind = Fields.kind_of(prop)
        kinds = [k for k in FIELD_TYPES if k in RECORD_KINDS or k == kind]
        others = prop.get("x-title") if isinstance(prop.get("x-title"), dict) else {}
        titles = {"vi": prop.get("title", ""), **others}
        return [
            Control(f"{p}_step", _("Ghi nhận ở bước"), "select", str(step), steps),
            Control(f"{p}_key", _("Mã giá trị"), value=_s(key),
                    hint=_("Chữ thường, số và dấu gạch dưới; khác mọi trường của biểu mẫu.")),
            Control(f"{p}_type", _("Kiểu"), "select", kind, [(k, labels[k]) for k in kinds]),
            *_text_controls(f"{p}_title", _("Nhãn"), titles),
            Control(f"{p}_required", _("Luôn bắt buộc khi xong bước"), "check", bool(required),
                    hint=_("Không đánh dấu: chỉ bắt buộc với lựa chọn nào cần đến (phần quyết định).")),
            Control(f"{p}_options", _("Các lựa chọn (mỗi dòng: giá trị | nhãn tiếng Việt | tiếng Anh | tiếng Bengal)"),
                    "area", _options_text(prop), hint=_("Chỉ cho kiểu lựa chọn.")),
            Control(f"{p}_minimum", _("Nhỏ nhất (số)"), "number", _s(prop.get("minimum"))),
            Control(f"{p}_maximum", _("Lớn nhất (số)"), "number", _s(prop.get("maximum"))),
            Control(f"{p}_max_length", _("Độ dài tối đa (chữ)"), "number", _s(prop.get("maxLength"))),
        ]

    def write_row(self, d, values, i, old):
        p = f"r{i}"
        ref, _step, old_key, prop, _required = old if isinstance(old, tuple) else ("", 0, "", {}, False)
        if not isinstance(prop, dict):
            return old  # not a JSON Schema property: kept as written (its problem shown at the row)
        raw_step = values.get(f"{p}_step", "").strip()
        if not raw_step.isdigit() or int(raw_step) >= len(_steps(d)):
            raise BadPost  # the select offers the workflow's steps only
        kind = values.get(f"{p}_type", "text")
        if kind not in RECORD_KINDS and kind != Fields.kind_of(prop):
            raise BadPost
        if kind == Fields.kind_of(prop) and kind not in RECORD_KINDS:  # an address, a group…: kept as written
            return ref, int(raw_step), values.get(f"{p}_key", "").strip(), prop, bool(values.get(f"{p}_required"))
        # The property written as the form's fields are (editor.Fields): the same kinds, options, limits, labels.
        as_field = {f"r0_{a}": values.get(f"{p}_{a}", "") for a in
                    ("key", "type", "title_vi", "title_en", "title_bn", "options", "minimum", "maximum", "max_length")}
        key, prop = Fields().write_row(d, as_field, 0, (old_key, prop))
        return ref, int(raw_step), key, prop, bool(values.get(f"{p}_required"))

    def claims(self, path):
        return tuple(path[:2]) == ("workflow", "steps") and len(path) > 3 and path[3] == "record"

    def locate(self, path):
        # workflow/steps/I/record/properties/KEY/…: the row of that value (by its ref), at its input.
        if len(path) > 5 and path[4] == "properties":
            rest = tuple(path[6:])
            return ("ref", f"{path[2]}/{path[5]}"), (Fields().attr_of(rest) if rest else "key")
        return None, None


class Appointments(OverSteps):
    key = "appointments"
    title = gettext_lazy("Lịch hẹn, thời hạn trong bước")
    row_attrs = ("appointment", "calendar_days")
    parts = ("appointment", "calendar_days")

    def row_controls(self, d, row, i, v):
        p = f"r{i}"
        appointment = row.get("appointment") if isinstance(row.get("appointment"), dict) else {}
        return [
            Control(f"{p}_appointment", _("Lịch hẹn của bước"), "select", _s(appointment.get("kind")), [
                ("", _("(không có lịch hẹn)")),
                ("on_site", _("Khảo sát, kiểm tra tại nơi của người nộp")),
                ("office", _("Người nộp đến đơn vị theo lịch hẹn"))],
                hint=_("Người xử lý đặt ngày, giờ, địa điểm (người nộp được báo); bước xong khi ghi biên bản.")),
            Control(f"{p}_calendar_days", _("Thời hạn luật định của bước (ngày lịch)"), "number",
                    _s(row.get("calendar_days")), hint=_("Ví dụ 15: trong 15 ngày kể từ khi bước bắt đầu. Để trống: không có.")),
        ]

    def write_row(self, d, values, i, old):
        p = f"r{i}"
        row = dict(old)
        kind = values.get(f"{p}_appointment", "").strip()
        if kind not in ("", "on_site", "office"):
            raise BadPost
        if kind:
            row["appointment"] = {**(row["appointment"] if isinstance(row.get("appointment"), dict) else {}), "kind": kind}
        else:
            row.pop("appointment", None)
        raw = values.get(f"{p}_calendar_days", "").strip()
        set_or_drop(row, "calendar_days", _number(raw) if raw else None)
        return row

    def attr_of(self, rest):
        return attr_in(rest, (), ("appointment", "calendar_days"))


def _pairs_text(mapping: object) -> str:
    return "\n".join(f"{_s(k)} | {_s(v)}" for k, v in mapping.items()) if isinstance(mapping, dict) else ""


def _write_pairs(text: str, old: object) -> object:
    """`{left: right}` of lines `left | right`; the old mapping itself when the text says what it said."""
    if isinstance(old, dict) and _lines(text) == _lines(_pairs_text(old)):
        return old
    out = {}
    for line in _lines(text):
        left, _bar, right = line.partition("|")
        out[left.strip()] = right.strip()
    return out


def _registries(v: vocab.Vocabulary) -> list[tuple[str, str]]:
    return _options(v.registries, _("(chưa chọn)"))


class People(Section):
    key = "people"
    title = gettext_lazy("Người khác trong hồ sơ")
    row_key = "form_ui/people/blocks"
    empty_rows = "drop"  # no block: the key goes (and `people`, `form_ui` when left empty)
    add_label = gettext_lazy("Thêm khối thông tin người khác")
    row_title = gettext_lazy("Khối")
    row_attrs = ("id", "registry", "key", "fields", "as")
    scalar_names = ("relation",)

    # Rows are (index, block) pairs, so that a block written as something else than a mapping (a typo the
    # validator reports) reaches write_row as written and is kept.
    def rows_of(self, d):
        return list(enumerate(super().rows_of(d)))

    def set_rows(self, d, rows):
        ui = d.get("form_ui")
        people = ui.get("people") if isinstance(ui, dict) else None
        if not rows and people is not None and not (isinstance(people, dict) and isinstance(people.get("blocks", []), list)):
            return  # `people` or its blocks written as something else: kept for the advanced section
        super().set_rows(d, [block for _i, block in rows])

    def new_row(self, d, i):
        return i, {"id": f"person_{i + 1}", "registry": "population", "key": "", "fields": {}}

    def row_label(self, row, i):
        block = row[1] if isinstance(row[1], dict) else {}
        return f"{self.row_title} {i + 1}: {_s(block.get('id'))}"

    def row_controls(self, d, row, i, v):
        row = row[1] if isinstance(row[1], dict) else {}
        p = f"r{i}"
        return [
            Control(f"{p}_id", _("Mã khối"), value=_s(row.get("id")), hint=_("Ví dụ mother, deceased.")),
            Control(f"{p}_registry", _("Cơ sở dữ liệu"), "select", _s(row.get("registry")), _registries(v)),
            Control(f"{p}_key", _("Tra theo số định danh ở trường"), "select", _s(row.get("key")),
                    [("", _("(không: theo quan hệ với người nộp)")), *_form_fields(d)],
                    hint=_("Trường chữ hỏi ở phần trước các trường của khối (người chết, người được đại diện).")),
            Control(f"{p}_fields", _("Các trường được điền (mỗi dòng: trường | thuộc tính)"), "area",
                    _pairs_text(row.get("fields")), hint=_("Ví dụ: mother_name | full_name.")),
            Control(f"{p}_as", _("Theo quan hệ (mỗi dòng: giá trị của trường quan hệ | hồ sơ của ai)"), "area",
                    _pairs_text(row.get("as")),
                    hint=_("self: chính người nộp (đã xác thực); spouse: vợ/chồng của người nộp (gợi ý). "
                           "Để trống khi tra theo số định danh.")),
        ]

    def write_row(self, d, values, i, old):
        p = f"r{i}"
        if not isinstance(old[1], dict):
            return old  # not a block: kept as written (its problem shown at the row)
        row = dict(old[1])
        set_or_drop(row, "id", values.get(f"{p}_id", "").strip())
        row["registry"] = values.get(f"{p}_registry", "").strip()
        set_or_drop(row, "key", values.get(f"{p}_key", "").strip())
        row["fields"] = _write_pairs(values.get(f"{p}_fields", ""), row.get("fields"))
        set_or_drop(row, "as", _write_pairs(values.get(f"{p}_as", ""), row.get("as")))
        # Keys in the order an author writes them.
        order = ("id", "registry", "key", "fields", "as")
        return old[0], {k: row[k] for k in order if k in row} | {k: v for k, v in row.items() if k not in order}

    def scalar_controls(self, d, v, user):
        ui = d.get("form_ui") if isinstance(d.get("form_ui"), dict) else {}
        people = ui.get("people") if isinstance(ui.get("people"), dict) else {}
        return [Control("relation", _("Trường quan hệ của người nộp với người trong hồ sơ"), "select",
                        _s(people.get("relation")), [("", _("(không)")), *_form_fields(d)],
                        hint=_("Hỏi ở phần trước các khối theo quan hệ (ví dụ relationship: me, cha…)."))]

    def write_scalars(self, d, values, lists):
        relation = values.get("relation", "").strip()
        ui = d.get("form_ui") if isinstance(d.get("form_ui"), dict) else None
        people = ui.get("people") if ui is not None and isinstance(ui.get("people"), dict) else None
        if people is None and not relation:
            return  # nothing written, nothing made
        ui = dict(ui or {})
        people = dict(people or {})
        set_or_drop(people, "relation", relation)
        set_or_drop(ui, "people", people)
        set_or_drop(d, "form_ui", ui)

    def claims(self, path):
        return tuple(path[:2]) == ("form_ui", "people")

    def attr_of(self, rest):
        return attr_in(rest, (), ("id", "registry", "key", "fields", "as"))

    def scalar_of(self, path):
        return "relation" if tuple(path[:3]) == ("form_ui", "people", "relation") else None
