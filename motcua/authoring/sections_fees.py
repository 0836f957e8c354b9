"""Sections of the structured editor for the fee tables beyond the base rules (issue 24, item 1).

- *Extras and cap* (`fees.extras`, `cap`, `cap_label`, `times`): amounts added when their condition holds,
  per unit of an integer field above a number of free units; the most the rules and extras come to;
  the field the capped amount is charged that many times.
- *Charges* (`fees.charges`): several fees in one dossier, each its own line on the receipt.
- *Local tables* (`fees.local`): a province's or unit's own table for a period (a People's Council's
  resolution), over the national one.

A charge's or a local table's rates are written one per line, `id | amount | condition | label vi | en | bn`
(the condition `field operator value`, as `$channel equals 2`; `*` keeps a compound condition as
written), and its extras `id | amount | condition | per | above | label vi | en | bn`; a line whose id was
there before keeps what the line does not show (a label column the line lacks). Each charge and local
table has its own cap, cap label and times, as the top of `fees` has. The base rules, when to pay and the
note stay the fees section's (editor.Fees).

Imported by editor.py, which registers these sections: import it through editor, never first.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.authoring.editor import (
    KEEP,
    LANGS,
    OPS,
    Control,
    Section,
    _condition_controls,
    _lines,
    _number,
    _s,
    _text_controls,
    _texts,
    _typed,
    attr_in,
    read_condition,
    set_or_drop,
    write_condition,
)
from motcua.authoring.sections_who import _form_fields
from motcua.catalog.fees import countable
from motcua.catalog.models import localized

KEPT = "*"  # a compound condition in a rules line: kept as written


def _countable_fields(d: dict, blank: str) -> list[tuple[str, str]]:
    """What `per` and `times` may read (catalog.fees.countable): integer fields and repeating groups."""
    return [("", blank), *_form_fields(d, countable)]


def _fees(d: dict) -> dict:
    return dict(d["fees"]) if isinstance(d.get("fees"), dict) else {}


def _put_fees(d: dict, fees: dict) -> None:
    if fees:
        d["fees"] = fees
    else:
        d.pop("fees", None)


# --- rules and extras written one per line ---------------------------------------------------------------

# The columns of a line between the condition and the labels: none for a rate, `per | above` for an extra.
EXTRA_COLUMNS = ("per", "above")


def _lines_text(items: object, middle: tuple[str, ...] = ()) -> str:
    """Rates (or extras) one per line: `id | amount | condition | [per | above |] label vi | en | bn`."""
    lines = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        name, op, value = read_condition(item.get("when"))
        condition = KEPT if op == KEEP else (f"{name} {op} {value}".strip() if name else "")
        label = item["label"] if isinstance(item.get("label"), dict) else {}
        lines.append(" | ".join([_s(item.get("id")), _s(item.get("amount")), condition,
                                 *(_s(item.get(k)) for k in middle), *(_s(label.get(lang)) for lang in LANGS)]).rstrip(" |"))
    return "\n".join(lines)


def _write_lines(d: dict, text: str, old: object, middle: tuple[str, ...] = ()) -> list:
    """The items of the lines; the old list itself when the text says what it said (nothing else is lost).
    A line whose id was there keeps what it does not show; a label column the line has is written (empty:
    that language's label goes), one it lacks is kept."""
    old = old if isinstance(old, list) else []
    if _lines(text) == _lines(_lines_text(old, middle)):
        return old
    by_id = {r.get("id"): r for r in old if isinstance(r, dict)}
    items = []
    for line in _lines(text):
        written = [part.strip() for part in line.split("|")]
        parts = written + [""] * (3 + len(middle) + len(LANGS))
        item = dict(by_id.get(parts[0], {}))
        item["id"] = parts[0]
        item["amount"] = _number(parts[1])
        condition = parts[2]
        if condition != KEPT:
            words = condition.split(None, 2)
            if not words:
                item.pop("when", None)
            else:
                name, op, value = ([*words, "", ""])[:3]
                if op in OPS:
                    item["when"] = write_condition(d, {"c_field": name, "c_op": op, "c_value": value}, "c", None)
                else:  # written as typed: the validator says what is wrong, at this table
                    item["when"] = {"field": name, op or "equals": _typed(d, name, value)}
        for j, key in enumerate(middle):
            raw = parts[3 + j]
            set_or_drop(item, key, (_number(raw) if key == "above" else raw) if raw else None)
        label = dict(item.get("label") or {}) if isinstance(item.get("label"), dict) else {}
        for j, lang in enumerate(LANGS):
            at = 3 + len(middle) + j
            if at < len(written) or lang == "vi":
                set_or_drop(label, lang, parts[at])
        set_or_drop(item, "label", label)
        # Keys in the order an author writes them.
        order = ("id", "when", *middle, "amount", "label")
        items.append({k: item[k] for k in order if k in item} | {k: v for k, v in item.items() if k not in order})
    return items


def rules_text(rules: object) -> str:
    return _lines_text(rules)


def write_rules(d: dict, text: str, old: object) -> list:
    return _write_lines(d, text, old)


def extras_text(extras: object) -> str:
    return _lines_text(extras, EXTRA_COLUMNS)


def write_extras(d: dict, text: str, old: object) -> list:
    return _write_lines(d, text, old, EXTRA_COLUMNS)


RULES_HINT = gettext_lazy("Mỗi dòng một mức: mã | số tiền | điều kiện (trường phép-so-sánh giá trị, như $channel equals 2; "
                          "để trống: luôn áp dụng) | tên tiếng Việt | tiếng Anh | tiếng Bengal. "
                          "Dấu * giữ nguyên điều kiện phức hợp.")
EXTRAS_HINT = gettext_lazy("Mỗi dòng một khoản, cộng thêm khi điều kiện đúng: mã | số tiền | điều kiện | "
                           "nhân với số lượng của trường (số nguyên) | số lượng không thu | tên tiếng Việt | tiếng Anh | "
                           "tiếng Bengal. Để trống: không có khoản cộng thêm.")


def _cap_controls(d: dict, prefix: str, table: dict) -> list[Control]:
    """The cap, its label and the times of a fee table (the top of `fees`, a charge, a local table)."""
    return [
        Control(f"{prefix}cap", _("Mức trần (đồng)"), "number", _s(table.get("cap")),
                hint=_("Tổng các mức và khoản cộng thêm không vượt quá số này. Để trống: không có.")),
        *_text_controls(f"{prefix}cap_label", _("Tên dòng giảm về mức trần"), table.get("cap_label")),
        Control(f"{prefix}times", _("Thu nhân với số lượng của trường"), "select", _s(table.get("times")),
                _countable_fields(d, _("(không: thu một lần)")), hint=_("Ví dụ: số bản sao.")),
    ]


def _write_cap(values: dict[str, str], prefix: str, table: dict) -> None:
    cap = values.get(f"{prefix}cap", "").strip()
    set_or_drop(table, "cap", _number(cap) if cap else None)
    set_or_drop(table, "cap_label", _texts(values, f"{prefix}cap_label", table.get("cap_label")))
    set_or_drop(table, "times", values.get(f"{prefix}times", "").strip())


def _table_controls(d: dict, p: str, table: dict) -> list[Control]:
    """The extras, cap and times of a charge or a local table (as the fee extras section's, for one table)."""
    return [Control(f"{p}_extras", _("Các khoản cộng thêm"), "area", extras_text(table.get("extras")), hint=str(EXTRAS_HINT)),
            *_cap_controls(d, f"{p}_", table)]


TABLE_ATTRS = ("extras", "cap", "cap_label_vi", "cap_label_en", "cap_label_bn", "times")


def _write_table(d: dict, values: dict[str, str], p: str, row: dict) -> None:
    old, text = row.get("extras"), values.get(f"{p}_extras", "")
    if isinstance(old, list) or _lines(text):  # what is not a list (a typo) stays for the advanced section
        extras = write_extras(d, text, old)
        if extras is not old:  # `extras: []` as written (a local table's "no extras") stays while unchanged
            set_or_drop(row, "extras", extras)
    _write_cap(values, f"{p}_", row)


class FeeExtras(Section):
    key = "fee_extras"
    title = gettext_lazy("Phí cộng thêm, mức trần")
    row_key = "fees/extras"
    empty_rows = "drop"
    add_label = gettext_lazy("Thêm khoản cộng thêm")
    row_title = gettext_lazy("Khoản cộng thêm")
    row_attrs = ("id", "amount", "per", "above", "label_vi", "label_en", "label_bn", "when_field", "when_op", "when_value")
    scalar_names = ("cap", "cap_label_vi", "cap_label_en", "cap_label_bn", "times")

    def new_row(self, d, i):
        return {"id": f"extra_{i + 1}", "amount": 0}

    def row_label(self, row, i):
        return f"{self.row_title} {i + 1}: {row.get('id', '')}"

    def row_controls(self, d, row, i, v):
        p = f"r{i}"
        return [
            Control(f"{p}_id", _("Mã khoản"), value=_s(row.get("id"))),
            Control(f"{p}_amount", _("Số tiền (đồng)"), "number", _s(row.get("amount"))),
            Control(f"{p}_per", _("Nhân với số lượng của trường"), "select", _s(row.get("per")),
                    _countable_fields(d, _("(không: cộng một lần)"))),
            Control(f"{p}_above", _("Số lượng không thu"), "number", _s(row.get("above")),
                    hint=_("Ví dụ 2: thu từ bản thứ ba.")),
            *_text_controls(f"{p}_label", _("Tên khoản"), row.get("label")),
            *_condition_controls(f"{p}_when", d, row.get("when")),
        ]

    def write_row(self, d, values, i, old):
        p = f"r{i}"
        row = dict(old)
        row["id"] = values.get(f"{p}_id", "").strip()
        row["amount"] = _number(values.get(f"{p}_amount", ""))
        set_or_drop(row, "per", values.get(f"{p}_per", "").strip())
        above = values.get(f"{p}_above", "").strip()
        set_or_drop(row, "above", _number(above) if above else None)
        set_or_drop(row, "label", _texts(values, f"{p}_label", row.get("label")))
        set_or_drop(row, "when", write_condition(d, values, f"{p}_when", row.get("when")))
        return row

    def scalar_controls(self, d, v, user):
        return _cap_controls(d, "", _fees(d))

    def write_scalars(self, d, values, lists):
        fees = _fees(d)
        _write_cap(values, "", fees)
        _put_fees(d, fees)

    def claims(self, path):
        return tuple(path[:1]) == ("fees",) and len(path) > 1 and path[1] in ("extras", "cap", "cap_label", "times")

    def attr_of(self, rest):
        return attr_in(rest, ("label",), ("id", "amount", "per", "above"))

    def scalar_of(self, path):
        return attr_in(tuple(path[1:]), ("cap_label",), ("cap", "times"))


class Charges(Section):
    key = "fee_charges"
    title = gettext_lazy("Các khoản thu riêng")
    row_key = "fees/charges"
    empty_rows = "drop"
    add_label = gettext_lazy("Thêm khoản thu")
    row_title = gettext_lazy("Khoản thu")
    row_attrs = ("id", "name_vi", "name_en", "name_bn", "rules", *TABLE_ATTRS)

    def new_row(self, d, i):
        return {"id": f"charge_{i + 1}", "name": {"vi": ""}, "rules": [{"id": "standard", "amount": 0}]}

    def row_label(self, row, i):
        return f"{self.row_title} {i + 1}: {localized(row.get('name')) or row.get('id', '')}"

    def row_controls(self, d, row, i, v):
        p = f"r{i}"
        return [
            Control(f"{p}_id", _("Mã khoản thu"), value=_s(row.get("id"))),
            *_text_controls(f"{p}_name", _("Tên khoản thu (in trên biên lai)"), row.get("name")),
            Control(f"{p}_rules", _("Các mức thu"), "area", rules_text(row.get("rules")), hint=str(RULES_HINT)),
            *_table_controls(d, p, row),
        ]

    def write_row(self, d, values, i, old):
        p = f"r{i}"
        row = dict(old)
        row["id"] = values.get(f"{p}_id", "").strip()
        row["name"] = _texts(values, f"{p}_name", row.get("name"))
        set_or_drop(row, "rules", write_rules(d, values.get(f"{p}_rules", ""), row.get("rules")))
        _write_table(d, values, p, row)
        return row

    def claims(self, path):
        return tuple(path[:2]) == ("fees", "charges")

    def attr_of(self, rest):
        return attr_in(rest, ("name", "cap_label"), ("id", "rules", "extras", "cap", "times"))


class LocalFees(Section):
    key = "fee_local"
    title = gettext_lazy("Biểu phí của địa phương")
    row_key = "fees/local"
    empty_rows = "drop"
    add_label = gettext_lazy("Thêm biểu phí địa phương")
    row_title = gettext_lazy("Biểu phí địa phương")
    row_attrs = ("units", "from", "until", "basis", "charge", "rules", "when_field", "when_op", "when_value", *TABLE_ATTRS)

    def new_row(self, d, i):
        return {"units": [], "from": "", "rules": [{"id": "local", "amount": 0}]}

    def row_label(self, row, i):
        named = _s(row.get("basis")) or _s(row.get("units"))
        return f"{self.row_title} {i + 1}" + (f": {named}" if named else "")

    def row_controls(self, d, row, i, v):
        p = f"r{i}"
        charges = [c.get("id") for c in (_fees(d).get("charges") or []) if isinstance(c, dict)]
        return [
            Control(f"{p}_units", _("Mã đơn vị (cách nhau dấu phẩy)"), value=_s(row.get("units")),
                    hint=_("Đơn vị và mọi đơn vị trực thuộc, ví dụ 000.00.00.H99.")),
            Control(f"{p}_from", _("Áp dụng từ ngày (năm-tháng-ngày)"), value=_s(row.get("from"))),
            Control(f"{p}_until", _("Đến hết ngày (để trống: không thời hạn)"), value=_s(row.get("until"))),
            Control(f"{p}_basis", _("Căn cứ (in trên biên lai)"), value=_s(row.get("basis")),
                    hint=_("Ví dụ NQ 23/2026/NQ-HĐND.")),
            Control(f"{p}_charge", _("Thay khoản thu"), "select", _s(row.get("charge")),
                    [("", _("(thủ tục chỉ có một khoản)"))] + [(c, c) for c in charges]),
            Control(f"{p}_rules", _("Các mức thu thay cho mức chung"), "area", rules_text(row.get("rules")), hint=str(RULES_HINT)),
            *_condition_controls(f"{p}_when", d, row.get("when")),
            *_table_controls(d, p, row),
        ]

    def write_row(self, d, values, i, old):
        p = f"r{i}"
        row = dict(old)
        units = [u.strip() for u in values.get(f"{p}_units", "").split(",") if u.strip()]
        row["units"] = units if units != row.get("units") else row.get("units")
        row["from"] = values.get(f"{p}_from", "").strip()
        for key in ("until", "basis", "charge"):
            set_or_drop(row, key, values.get(f"{p}_{key}", "").strip())
        set_or_drop(row, "rules", write_rules(d, values.get(f"{p}_rules", ""), row.get("rules")))
        set_or_drop(row, "when", write_condition(d, values, f"{p}_when", row.get("when")))
        _write_table(d, values, p, row)
        return row

    def claims(self, path):
        return tuple(path[:2]) == ("fees", "local")

    def attr_of(self, rest):
        return attr_in(rest, ("cap_label",), ("units", "from", "until", "basis", "charge", "rules", "extras", "cap", "times"))
