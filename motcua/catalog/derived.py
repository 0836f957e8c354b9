"""Derived form fields: answers the form already implies, computed here and never taken from the client.

A procedure's `form_ui.derived` names a form field and how to compute it:

    registration_timing:
      days_since: child_birth_date      # whole days from that date to the day of filing
      cases:                            # the first case whose test holds gives the value
        - {lte: 60, value: on_time}
        - {value: late}                 # no test: the default

or `field: name` to test another field's value as it is. `derive` puts the
computed values into the data, replacing whatever was sent for those fields (a
client cannot pick a cheaper fee), and drops a derived field whose source is
missing or unreadable (the source's own error tells the applicant what to fix).
It runs in `dossiers.actions.submit` and wherever a draft is saved or reviewed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from motcua.lib.conditions import TESTS, evaluate

_MISSING = object()


def specs(definition: Mapping) -> dict[str, Mapping]:
    """{field: how it is derived} of a procedure definition."""
    return dict((definition.get("form_ui") or {}).get("derived") or {})


def source_field(spec: Mapping) -> str:
    return str(spec.get("days_since") or spec.get("field") or "")


def case_test(case: Mapping) -> str | None:
    """The one comparison a case makes (None: the default case)."""
    found = [t for t in TESTS if t in case and t != "present"]
    return found[0] if found else None


def _measure(spec: Mapping, data: Mapping, today: date) -> object:
    if "days_since" in spec:
        raw = data.get(str(spec["days_since"]))
        if not isinstance(raw, str):
            return _MISSING
        try:
            return (today - date.fromisoformat(raw)).days
        except ValueError:
            return _MISSING
    return data.get(str(spec.get("field", "")), _MISSING)


def value_of(spec: Mapping, data: Mapping, today: date) -> object:
    """The derived value, or None when its source is not (validly) answered."""
    measure = _measure(spec, data, today)
    if measure is _MISSING or measure is None:
        return None
    for case in spec.get("cases", []) or []:
        test = case_test(case)
        if test is None or evaluate({"field": "value", test: case[test]}, {"value": measure}):
            return case.get("value")
    return None


def derive(definition: Mapping, data: object, today: date) -> object:
    """The data with every derived field computed (sent values replaced, unknown ones removed)."""
    rules = specs(definition)
    if not rules or not isinstance(data, Mapping):
        return data
    result = dict(data)
    for name, spec in rules.items():
        value = value_of(spec, result, today)
        if value is None:
            result.pop(name, None)
        else:
            result[name] = value
    return result


def without_derived(errors: Iterable[Mapping], definition: Mapping) -> list[Mapping]:
    """Form errors minus those about derived fields (the applicant cannot answer them; their source's error says what to fix)."""
    names = set(specs(definition))
    return [e for e in errors if str(e.get("field", "")).split(".")[0] not in names]
