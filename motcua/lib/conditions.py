"""Conditions written in procedure definitions, evaluated over a dossier's form data.

A condition is a small mapping, readable in YAML:

    {field: relationship, in: [nguoi_khac]}          # one test on one field
    {field: copies, gte: 3}
    {field: applicant_group, present: true}
    {all: [cond, …]}   {any: [cond, …]}   {not: cond}

A field named with a leading `$` comes from the dossier's context rather than
the form (`$channel`: 1 in person, 2 online, 3 post). A field that is absent
compares false with everything except `present: false` and `not_in`.

A repeating group (an array of rows: household members) is compared by its number of
rows: `{field: members, gte: 4}` holds from the fourth member (`present` still asks
whether it was answered at all). A cell inside the rows cannot be named.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

TESTS = ("equals", "not_equals", "in", "not_in", "gt", "gte", "lt", "lte", "present")
_MISSING = object()


class ConditionError(ValueError):
    """A condition that is not well formed."""


def evaluate(condition: Mapping[str, Any] | None, data: Mapping[str, Any], context: Mapping[str, Any] | None = None) -> bool:
    if condition is None:
        return True
    if "all" in condition:
        return all(evaluate(c, data, context) for c in condition["all"])
    if "any" in condition:
        return any(evaluate(c, data, context) for c in condition["any"])
    if "not" in condition:
        return not evaluate(condition["not"], data, context)
    name = condition.get("field")
    if not isinstance(name, str):
        raise ConditionError(f"a condition needs 'field', 'all', 'any' or 'not': {dict(condition)!r}")
    source = (context or {}) if name.startswith("$") else data
    value = source.get(name[1:] if name.startswith("$") else name, _MISSING)
    tests = [t for t in TESTS if t in condition]
    if len(tests) != 1:
        raise ConditionError(f"a condition on {name!r} needs exactly one of {', '.join(TESTS)}")
    test, expected = tests[0], condition[tests[0]]
    if test == "present":
        return (value is not _MISSING and value not in ("", None)) == bool(expected)
    if isinstance(value, list):
        value = len(value)  # a repeating group: its number of rows
    if test == "not_in":
        return value is _MISSING or not any(_same(value, e) for e in expected)
    if value is _MISSING or value is None:
        return False
    if test in ("gt", "gte", "lt", "lte") and not _is_number(value):
        return False  # order is only between numbers (text vs number used to be a TypeError, true vs 0 held)
    try:
        match test:
            case "equals":
                return _same(value, expected)
            case "not_equals":
                return not _same(value, expected)
            case "in":
                return any(_same(value, e) for e in expected)
            case "gt":
                return value > expected
            case "gte":
                return value >= expected
            case "lt":
                return value < expected
            case _:  # "lte"
                return value <= expected
    except TypeError:
        return False  # comparing a number with text: the condition does not hold


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(a: object, b: object) -> bool:
    """JSON equality: true is not 1 and false is not 0 (Python says they are).

    Without this, `{field: copies, equals: 1}` held for a yes/no field set to
    true, and `{field: $channel, in: [1, 3]}` for a channel of `true`.
    """
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def fields_of(condition: Mapping[str, Any] | None) -> Iterator[str]:
    """Every field name a condition reads (context names keep their `$`)."""
    if not condition:
        return
    for key in ("all", "any"):
        for part in condition.get(key, []):
            yield from fields_of(part)
    if "not" in condition:
        yield from fields_of(condition["not"])
    if "field" in condition:
        yield condition["field"]
