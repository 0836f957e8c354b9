"""Vietnamese 12-digit personal identification number (số định danh cá nhân).

Structure (Circular 59/2021/TT-BCA): 3 digits of the province of birth
registration, 1 digit of century and sex, 2 digits of the year of birth,
6 random digits.
"""

from __future__ import annotations

import re

from django.conf import settings

PROVINCE_CODES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 035 036 "
    "037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 072 074 075 "
    "077 079 080 082 083 084 086 087 089 091 092 093 094 095 096".split()
)
# ASCII digits only: a bare \d also matches Arabic-Indic, Bengali or full-width
# digits, which would let "001" + nine non-ASCII digits through.
_PATTERN = re.compile(r"[0-9]{12}")


class InvalidPersonalId(ValueError):
    """The number is not a well-formed personal identification number.

    `code` ("format" or "province") lets callers show the reason in the user's
    language; the English text is for logs.
    """

    def __init__(self, message: str, code: str = "format") -> None:
        super().__init__(message)
        self.code = code


def validate_personal_id(value: str) -> str:
    """Return the number if valid, else raise InvalidPersonalId with the reason.

    Viet Nam's number unless the catalog's country names another form (`personal_id`, a regular
    expression: PERSONAL_ID_PATTERN), e.g. Bangladesh's 10-digit NID; then only that form is checked
    (code "country").
    """
    other = getattr(settings, "PERSONAL_ID_PATTERN", "")
    if other:
        if not isinstance(value, str) or not re.fullmatch(other, value, re.ASCII):
            raise InvalidPersonalId(f"does not match {other}", code="country")
        return value
    if not isinstance(value, str) or not _PATTERN.fullmatch(value):
        raise InvalidPersonalId("must be exactly 12 digits", code="format")
    if value[:3] not in PROVINCE_CODES:
        raise InvalidPersonalId("the first three digits are not a province code", code="province")
    return value


def birth_century(value: str) -> int:
    """1900, 2000, … from the 4th digit (0/1 → 1900s, 2/3 → 2000s, …)."""
    digit = int(value[3])
    return {0: 1900, 1: 1900, 2: 2000, 3: 2000, 4: 2100, 5: 2100, 6: 2200, 7: 2200, 8: 1800, 9: 1800}[digit]


def birth_year(value: str) -> int:
    return birth_century(value) + int(value[4:6])
