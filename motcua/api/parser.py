"""Reading request input: only values the database can store.

Python's json module accepts NaN and Infinity, any string may carry a NUL
character, and a `\\ud800` escape gives a lone UTF-16 surrogate, which no UTF-8
text can hold; none can be stored (PostgreSQL jsonb and text reject all three,
SQLite's JSON_VALID check rejects NaN, and encoding a surrogate raises), so
without this parser such a body became a 500 at INSERT time instead of a 400 at
the door. django-ninja turns any exception raised here into a 400, which the API
answers as `malformed_body`.

`unstorable` is the same check for the pages' forms (motcua/api/middleware.py).
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser


class UnstorableJson(ValueError):
    """The body is JSON, but holds a value no database column can keep."""


def _no_constants(name: str) -> Any:
    raise UnstorableJson(f"{name} is not a JSON number")


def unstorable(text: str) -> bool:
    """True when `text` holds a NUL or a lone surrogate (which UTF-8, and so the database, cannot hold)."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def reject_unstorable(value: object) -> None:
    """Raise UnstorableJson if a NUL or lone surrogate hides in any key or string of `value`."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if unstorable(item):
                raise UnstorableJson("NUL character or lone surrogate in a string")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


class StrictJsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body, parse_constant=_no_constants)
        reject_unstorable(data)
        return data
