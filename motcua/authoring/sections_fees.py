"""Sections of the structured editor for the fee tables beyond the base rules (issue 24, item 1).

- *Extras and cap* (`fees.extras`, `cap`, `cap_label`, `times`): amounts added when their condition holds,
  per unit of an integer field above a number of free units; the most the rules and extras come to;
  the field the capped amount is charged that many times.
- *Charges* (`fees.charges`): several fees in one dossier, each its own line on the receipt.
- *Local tables* (`fees.local`): a province's or unit's own table for a period (a People's Council's
  resolution), over the national one.

A charge's or a local table's rules are written one per line, `id | amount | condition | label`
(the condition `field operator value`, as `$channel equals 2`; `*` keeps a compound condition as
written); a line whose id was there before keeps what the line does not show (the label in English and
Bengali). The rest of a charge or table (its extras, cap) is kept as written, edited in the advanced
section. The base rules, when to pay and the note stay the fees section's (editor.Fees).

Imported by editor.py, which registers these sections: import it through editor, never first.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.authoring.editor import (
    KEEP,
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
from motcua.catalog.models import localized

KEPT = "*"  # a compound condition in a rules line: kept as written


def _integer_fields(d: dict, blank: str) -> list[tuple[str, str]]:
    form = d.get("form") if isinstance(d.get("form"), dict) else {}
    props = form.get("properties") if isinstance(form.get("properties"), dict) else {}
    return [("", blank)] + [(k, k) for k, p in props.items() if isinstance(p, dict) and p.get("type") == "integer"]


def _fees(d: dict) -> dict:
    return dict(d["fees"]) if isinstance(d.get("fees"), dict) else {}


def _put_fees(d: dict, fees: dict) -> None:
    if fees:
        d["fees"] = fees
    else:
        d.pop("fees", None)


# --- rules written one per line --------------------------------------------------------------------------


def rules_text(rules: object) -> str:
    lines = []
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, dict):
            continue
        name, op, value = read_condition(rule.get("when"))
        condition = KEPT if op == KEEP else (f"{name} {op} {value}".strip() if name else "")
        label = _s(rule["label"].get("vi")) if isinstance(rule.get("label"), dict) else ""
        lines.append(" | ".join([_s(rule.get("id")), _s(rule.get("amount")), condition, label]).rstrip(" |"))
    return "\n".join(lines)


def write_rules(d: dict, text: str, old: object) -> list:
    """The rules of the lines; the old list itself when the text says what it said (nothing else is lost)."""
    old = old if isinstance(old, list) else []
    if _lines(text) == _lines(rules_text(old)):
        return old
    by_id = {r.get("id"): r for r in old if isinstance(r, dict)}
    rules = []
    for line in _lines(text):
        parts = [part.strip() for part in line.split("|")] + ["", "", ""]
        rule = dict(by_id.get(parts[0], {}))
        rule["id"] = parts[0]
        rule["amount"] = _number(parts[1])
        condition = parts[2]
        if condition != KEPT:
            words = condition.split(None, 2)
            if not words:
                rule.pop("when", None)
            else:
                name, op, value = ([*words, "", ""])[:3]
                if op in OPS:
                    rule["when"] = write_condition(d, {"c_field": name, "c_op": op, "c_value": value}, "c", None)
                else:  # written as typed: the validator says what is wrong, at this table
                    rule["when"] = {"field": name, op or "equals": _typed(d, name, value)}
        label = dict(rule.get("label") or {}) if isinstance(rule.get("label"), dict) else {}
        set_or_drop(label, "vi", parts[3])
        set_or_drop(rule, "label", label)
        # Keys in the order an author writes them.
        rules.append({k: rule[k] for k in ("id", "when", "amount", "label") if k in rule}
                     | {k: v for k, v in rule.items() if k not in ("id", "when", "amount", "label")})
    return rules


RULES_HINT = gettext_lazy("Mỗi dòng một mức: mã | số tiền | điều kiện (trường phép-so-sánh giá trị, như $channel equals 2; "
                          "để trống: luôn áp dụng) | tên tiếng Việt. Dấu * giữ nguyên điều kiện phức hợp.")


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
                    _integer_fields(d, _("(không: cộng một lần)"))),
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
        fees = _fees(d)
        return [
            Control("cap", _("Mức trần (đồng)"), "number", _s(fees.get("cap")),
                    hint=_("Tổng các mức và khoản cộng thêm không vượt quá số này. Để trống: không có.")),
            *_text_controls("cap_label", _("Tên dòng giảm về mức trần"), fees.get("cap_label")),
            Control("times", _("Thu nhân với số lượng của trường"), "select", _s(fees.get("times")),
                    _integer_fields(d, _("(không: thu một lần)")), hint=_("Ví dụ: số bản sao.")),
        ]

    def write_scalars(self, d, values, lists):
        fees = _fees(d)
        cap = values.get("cap", "").strip()
        set_or_drop(fees, "cap", _number(cap) if cap else None)
        set_or_drop(fees, "cap_label", _texts(values, "cap_label", fees.get("cap_label")))
        set_or_drop(fees, "times", values.get("times", "").strip())
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
    row_attrs = ("id", "name_vi", "name_en", "name_bn", "rules")

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
        ]

    def write_row(self, d, values, i, old):
        p = f"r{i}"
        row = dict(old)
        row["id"] = values.get(f"{p}_id", "").strip()
        row["name"] = _texts(values, f"{p}_name", row.get("name"))
        set_or_drop(row, "rules", write_rules(d, values.get(f"{p}_rules", ""), row.get("rules")))
        return row

    def claims(self, path):
        return tuple(path[:2]) == ("fees", "charges")

    def attr_of(self, rest):
        return attr_in(rest, ("name",), ("id", "rules"))


class LocalFees(Section):
    key = "fee_local"
    title = gettext_lazy("Biểu phí của địa phương")
    row_key = "fees/local"
    empty_rows = "drop"
    add_label = gettext_lazy("Thêm biểu phí địa phương")
    row_title = gettext_lazy("Biểu phí địa phương")
    row_attrs = ("units", "from", "until", "basis", "charge", "rules", "when_field", "when_op", "when_value")

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
        return row

    def claims(self, path):
        return tuple(path[:2]) == ("fees", "local")

    def attr_of(self, rest):
        return attr_in(rest, (), ("units", "from", "until", "basis", "charge", "rules"))
