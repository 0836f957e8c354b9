"""Fees from a procedure's fee rules and a dossier's form data. Money is integer đồng.

    fees:
      rules:                      # the first rule whose `when` holds gives the base amount
        - when: {field: applicant_group, in: [student]}
          amount: 100000
          label: {vi: …, en: …}
        - amount: 200000          # a rule without `when` always holds
      extras:                     # every extra whose `when` holds is added
        - per: pages              # an integer form field
          above: 2                # count only the units beyond the first two
          amount: 1000
      cap: 200000                 # rules + extras come to at most this...
      times: copies               # ...and are charged once per copy (an integer form field)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from motcua.lib.conditions import evaluate


@dataclass(frozen=True)
class FeeLine:
    rule: str
    label: dict
    amount: int


@dataclass(frozen=True)
class FeeQuote:
    total: int
    lines: tuple[FeeLine, ...] = field(default_factory=tuple)


def quote(fees: Mapping[str, Any] | None, data: Mapping[str, Any], context: Mapping[str, Any] | None = None) -> FeeQuote:
    if not fees:
        return FeeQuote(0)
    lines: list[FeeLine] = []
    for index, rule in enumerate(fees.get("rules", [])):
        if evaluate(rule.get("when"), data, context):
            lines.append(FeeLine(rule.get("id", f"rules/{index}"), rule.get("label", {}), int(rule["amount"])))
            break
    for index, extra in enumerate(fees.get("extras", [])):
        if not evaluate(extra.get("when"), data, context):
            continue
        units = 1
        if "per" in extra:
            raw = data.get(extra["per"], 0)
            units = max(0, (raw if isinstance(raw, int) else 0) - int(extra.get("above", 0)))
        if units:
            lines.append(FeeLine(extra.get("id", f"extras/{index}"), extra.get("label", {}), units * int(extra["amount"])))
    subtotal = sum(line.amount for line in lines)
    if "cap" in fees and subtotal > int(fees["cap"]):
        # A line of its own, so the receipt shows both the tariff and the legal maximum.
        lines.append(FeeLine("cap", fees.get("cap_label", {}), int(fees["cap"]) - subtotal))
    if "times" in fees:
        raw = data.get(fees["times"], 1)
        times = max(0, raw) if isinstance(raw, int) and not isinstance(raw, bool) else 1
        lines = [FeeLine(line.rule, line.label, line.amount * times) for line in lines]
    return FeeQuote(sum(line.amount for line in lines), tuple(lines))


def standard_amount(fees: Mapping[str, Any] | None) -> int:
    """The amount of the unconditional rule: what a catalog listing shows."""
    for rule in (fees or {}).get("rules", []):
        if "when" not in rule:
            return int(rule["amount"])
    return 0

