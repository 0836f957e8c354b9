"""Integers from outside, bounded to what the database can hold.

A number in a query string, a path or a form is unbounded in Python, but a
database column or an SQL OFFSET is 64 bits at most (SQLite: OverflowError,
PostgreSQL: DataError): `?offset=99999999999999999999` was a 500. Every integer
a client sends goes through one of these types, so it is refused at the door
with a 4xx instead.

- `offset_query()`, `limit_query(default, maximum)`: django-ninja query parameters
  (`offset: int = offset_query()`), documented in the OpenAPI with their bounds;
  `Id`: a bounded id for pydantic models and path parameters;
- `IdConverter` (`<id:doc_id>` in a URL pattern): a path converter that does not
  match beyond the bound, so the page answers 404;
- `clamp_int`: for a number read by hand from a form.
"""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Query
from pydantic import Field

# The largest value of a signed 64-bit column (PostgreSQL bigint, SQLite INTEGER).
INT64_MAX = 2**63 - 1
# Primary keys are 32- or 64-bit depending on the model: an id above int32 is refused too,
# since no row here will ever have one and PostgreSQL's `integer` would overflow.
ID_MAX = 2**31 - 1
# An offset deeper than this is never a page a person reads: the database would still count
# through every row before it. Lists are paged by `limit` up to 500.
OFFSET_MAX = 1_000_000

Id = Annotated[int, Field(ge=1, le=ID_MAX)]


def offset_query() -> Any:
    return Query(0, ge=0, le=OFFSET_MAX, description=f"rows to skip (0 to {OFFSET_MAX})")


def limit_query(default: int, maximum: int) -> Any:
    return Query(default, ge=1, le=maximum, description=f"rows to return (1 to {maximum})")


def clamp_int(raw: object, *, low: int = 0, high: int = INT64_MAX) -> int | None:
    """`raw` as an int within [low, high], or None when it is not one (empty, not digits, out of range)."""
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return value if low <= value <= high else None


class IdConverter:
    """`<id:name>`: a positive database id of at most 10 digits within int32; anything else is no match (404)."""

    regex = "[1-9][0-9]{0,9}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > ID_MAX:
            raise ValueError("id out of range")  # Django treats this as "no match"
        return number

    def to_url(self, value: int) -> str:
        return str(value)
