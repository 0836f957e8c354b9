"""Reading JSON request bodies: only values the database can store.

Python's json module accepts NaN and Infinity, and any string may carry a NUL
character; neither can be stored (PostgreSQL jsonb and text reject both, SQLite's
JSON_VALID check rejects NaN), so without this parser such a body became a 500
at INSERT time instead of a 400 at the door. django-ninja turns any exception
raised here into a 400, which the API answers as `malformed_body`.
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


def reject_nul(value: object) -> None:
    """Raise UnstorableJson if a NUL character hides in any key or string of `value`."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise UnstorableJson("NUL character in a string")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


class StrictJsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        data = json.loads(request.body, parse_constant=_no_constants)
        reject_nul(data)
        return data
