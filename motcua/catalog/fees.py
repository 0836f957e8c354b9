"""Fees from a procedure's fee rules and a dossier's form data. Money is integer đồng.

    fees:
      rules:                      # the first rule whose `when` holds gives the base amount
        - when: {field: applicant_group, in: [student]}
          amount: 100000
          label: {vi: …, en: …}
        - amount: 200000          # a rule without `when` always holds
      extras:                     # every extra whose `when` holds is added
        - per: pages              # an integer form field, or a repeating group (its number of rows)
          above: 2                # count only the units beyond the first two
          amount: 1000
      cap: 200000                 # rules + extras come to at most this...
      times: copies               # ...and are charged once per copy (an integer form field)

Several fees in one dossier (a registration fee and an appraisal fee) are `charges`, each a
table of its own (rules, extras, cap, times) and its own lines on the receipt. A province or
a unit puts its own table on top of the national one for a period (`local`: a resolution
making the fee 0 đ online from one date to another); the dossier's unit and its ancestors,
nearest first, and the day of filing choose it (`context`: `units`, `day`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from motcua.catalog.display import is_group
from motcua.lib.conditions import evaluate, fields_of

TABLE_KEYS = ("rules", "extras", "cap", "cap_label", "times")


@dataclass(frozen=True)
class FeeLine:
    rule: str
    label: dict
    amount: int
    charge: str = ""  # the charge's id when the procedure has several (`charges`)
    charge_label: dict = field(default_factory=dict)
    basis: str = ""  # the local table's legal basis, when one applied

    def as_dict(self) -> dict:
        """The line as a payment and its receipt keep it (charge and basis only when there are)."""
        found: dict = {"rule": self.rule, "label": self.label, "amount": self.amount}
        if self.charge:
            found.update(charge=self.charge, charge_label=self.charge_label)
        if self.basis:
            found["basis"] = self.basis
        return found


@dataclass(frozen=True)
class FeeQuote:
    total: int
    lines: tuple[FeeLine, ...] = field(default_factory=tuple)

    def by_charge(self) -> dict[str, int]:
        """The amount of each charge (one entry, "", for a procedure with one fee)."""
        found: dict[str, int] = {}
        for line in self.lines:
            found[line.charge] = found.get(line.charge, 0) + line.amount
        return found


def charges(fees: Mapping[str, Any] | None) -> list[dict]:
    """The fee tables of a procedure: its `charges`, or the one table written at the top of `fees`."""
    if not fees:
        return []
    if "charges" in fees:
        return list(fees["charges"])
    return [{key: fees[key] for key in TABLE_KEYS if key in fees}]


def local_table(fees: Mapping[str, Any], charge: str, data: Mapping[str, Any], context: Mapping[str, Any]) -> dict | None:
    """The local table in force for a charge: the nearest unit's, on the day, whose `when` holds."""
    day = context.get("day")
    if not fees.get("local") or not isinstance(day, date):
        return None
    text = day.isoformat()
    for code in context.get("units") or ():
        for entry in fees["local"]:
            if entry.get("charge", "") != charge or code not in entry["units"]:
                continue
            if entry["from"] <= text and ("until" not in entry or text <= entry["until"]) \
                    and evaluate(entry.get("when"), data, context):
                return entry
    return None


def quote(fees: Mapping[str, Any] | None, data: Mapping[str, Any], context: Mapping[str, Any] | None = None) -> FeeQuote:
    if not fees:
        return FeeQuote(0)
    context = context or {}
    lines: list[FeeLine] = []
    for table in charges(fees):
        charge = table.get("id", "")
        local = local_table(fees, charge, data, context)
        if local is not None:
            # The local table replaces the parts it gives; the rest stays the national table's.
            table = {**table, **{key: local[key] for key in TABLE_KEYS if key in local}}
        lines += _table_lines(table, data, context, charge, local.get("basis", "") if local else "")
    return FeeQuote(sum(line.amount for line in lines), tuple(lines))


def _table_lines(table: Mapping[str, Any], data: Mapping[str, Any], context: Mapping[str, Any], charge: str,
                 basis: str) -> list[FeeLine]:
    label = table.get("name", {}) if charge else {}

    def line(rule: str, text: dict, amount: int) -> FeeLine:
        return FeeLine(rule, text, amount, charge, label, basis)

    lines: list[FeeLine] = []
    for index, rule in enumerate(table.get("rules", [])):
        if evaluate(rule.get("when"), data, context):
            lines.append(line(rule.get("id", f"rules/{index}"), rule.get("label", {}), int(rule["amount"])))
            break
    for index, extra in enumerate(table.get("extras", [])):
        if not evaluate(extra.get("when"), data, context):
            continue
        units = 1
        if "per" in extra:
            units = max(0, count(data.get(extra["per"]), 0) - int(extra.get("above", 0)))
        if units:
            lines.append(line(extra.get("id", f"extras/{index}"), extra.get("label", {}), units * int(extra["amount"])))
    subtotal = sum(x.amount for x in lines)
    if "cap" in table and subtotal > int(table["cap"]):
        # A line of its own, so the receipt shows both the tariff and the legal maximum.
        lines.append(line("cap", table.get("cap_label", {}), int(table["cap"]) - subtotal))
    if "times" in table:
        times = max(0, count(data.get(table["times"], 1), 1))
        lines = [line(x.rule, x.label, x.amount * times) for x in lines]
    return lines


def count(raw: object, default: int) -> int:
    """An integer answer, or the number of rows of a repeating group (household members); else `default`."""
    if isinstance(raw, list):
        return len(raw)
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else default


def countable(prop: Mapping[str, Any]) -> bool:
    """What `per` and `times` may read: an integer field, or a repeating group (counted by its rows)."""
    return prop.get("type") == "integer" or is_group(prop)


def standard_amount(fees: Mapping[str, Any] | None) -> int:
    """The amount of the unconditional rule of each charge: what a catalog listing shows."""
    total = 0
    for table in charges(fees):
        for rule in table.get("rules", []):
            if "when" not in rule:
                total += int(rule["amount"])
                break
    return total


# --- meaning of the v2 constructs (validate.py wraps these as Problems) ----------------------------


def problems(fees: Mapping[str, Any], props: Mapping[str, Any]) -> Iterator[tuple[tuple, str]]:
    """(path, message) of each problem of `charges` and `local`: names, fields, dates, overlapping periods."""
    tables = fees.get("charges")
    if tables is not None:
        for key in TABLE_KEYS:
            if key in fees:
                yield ("fees", key), _("'%(key)s' và 'charges' không đi cùng nhau: hãy viết mỗi khoản phí trong 'charges'") % {"key": key}
        seen: set[str] = set()
        for i, table in enumerate(tables):
            if table["id"] in seen:
                yield ("fees", "charges", i, "id"), _("khoản phí %(id)s được khai báo hai lần") % {"id": repr(table["id"])}
            seen.add(table["id"])
            yield from _table_problems(table, props, ("fees", "charges", i))
    ids = {t["id"] for t in tables or []}
    for i, entry in enumerate(fees.get("local", [])):
        path = ("fees", "local", i)
        charge = entry.get("charge")
        if tables is not None and charge not in ids:
            yield (*path, "charge"), _("khoản phí %(id)s không có; các khoản phí có: %(known)s") % {
                "id": repr(charge), "known": ", ".join(sorted(ids))}
        elif tables is None and charge is not None:
            yield (*path, "charge"), _("thủ tục chỉ có một khoản phí: bỏ 'charge', hoặc khai báo 'charges'")
        bad_dates = False
        for key in ("from", "until"):
            if key in entry and not _is_date(entry[key]):
                bad_dates = True
                yield (*path, key), _("%(value)s không phải một ngày (YYYY-MM-DD)") % {"value": repr(entry[key])}
        if not bad_dates and "until" in entry and entry["until"] < entry["from"]:
            yield (*path, "until"), _("ngày kết thúc %(until)s trước ngày bắt đầu %(start)s") % {
                "until": entry["until"], "start": entry["from"]}
        yield from _fields((*path, "when"), set(fields_of(entry.get("when"))), props)
        yield from _table_problems(entry, props, path)
    yield from _overlaps(fees.get("local", []))


def _is_date(text: object) -> bool:
    try:
        date.fromisoformat(str(text))
    except ValueError:
        return False
    return len(str(text)) == 10


def _fields(path: tuple, names: set[str], props: Mapping[str, Any]) -> Iterator[tuple[tuple, str]]:
    for name in sorted(names - set(props) - {"$channel"}):
        yield path, _("%(what)s đọc trường %(name)s, biểu mẫu không có trường này") % {
            "what": _("quy tắc lệ phí"), "name": repr(name)}


def _table_problems(table: Mapping[str, Any], props: Mapping[str, Any], path: tuple) -> Iterator[tuple[tuple, str]]:
    for kind in ("rules", "extras"):
        for i, part in enumerate(table.get(kind, [])):
            yield from _fields((*path, kind, i, "when"), set(fields_of(part.get("when"))), props)
            if "per" in part:
                yield from _fields((*path, kind, i, "per"), {part["per"]}, props)
                if part["per"] in props and not countable(props[part["per"]]):
                    yield (*path, kind, i, "per"), _("'per' phải là một trường số nguyên hoặc một nhóm lặp lại; %(name)s không phải") % {"name": repr(part["per"])}
    rules = table.get("rules", [])
    if rules and not any("when" not in r for r in rules):
        yield (*path, "rules"), _("các quy tắc lệ phí cần một quy tắc không có 'when' (mức thu chuẩn)")
    if "times" in table:
        yield from _fields((*path, "times"), {table["times"]}, props)
        if table["times"] in props and not countable(props[table["times"]]):
            yield (*path, "times"), _("'times' phải là một trường số nguyên hoặc một nhóm lặp lại; %(name)s không phải") % {"name": repr(table["times"])}


def _overlaps(entries: list) -> Iterator[tuple[tuple, str]]:
    """Two local tables of one unit and one charge in force on the same day, unless their `when`s exclude each other."""
    for j, later in enumerate(entries):
        for i in range(j):
            earlier = entries[i]
            if earlier.get("charge") != later.get("charge"):
                continue
            common = sorted(set(earlier["units"]) & set(later["units"]))
            if not common or _disjoint(earlier.get("when"), later.get("when")):
                continue
            far = "9999-12-31"
            if not (_is_date(earlier["from"]) and _is_date(later["from"])):
                continue
            if earlier["from"] <= later.get("until", far) and later["from"] <= earlier.get("until", far):
                yield ("fees", "local", j, "from"), _(
                    "bảng phí của %(units)s trùng thời gian với bảng phí số %(other)d (%(start)s – %(until)s)") % {
                    "units": ", ".join(common), "other": i, "start": earlier["from"],
                    "until": earlier.get("until", "…")}


def _disjoint(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> bool:
    """True when two conditions can be seen to never hold together: tests of one field on disjoint values."""
    values_a, values_b = _values_of(a), _values_of(b)
    if values_a is None or values_b is None or values_a[0] != values_b[0]:
        return False
    return not any(x == y and isinstance(x, bool) == isinstance(y, bool) for x in values_a[1] for y in values_b[1])


def _values_of(condition: Mapping[str, Any] | None) -> tuple[str, list] | None:
    if not condition or "field" not in condition:
        return None
    if "equals" in condition:
        return condition["field"], [condition["equals"]]
    if "in" in condition:
        return condition["field"], list(condition["in"])
    return None
