"""Every message has its English and Bengali translation, and none is left fuzzy.

A fuzzy entry is left out of the compiled catalogue: its text silently shows in
Vietnamese to an English or Bengali reader (the KPI pages and digest did, after
a merge marked 48 entries fuzzy).
"""

from __future__ import annotations

from pathlib import Path

import pytest

LOCALE = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file()) / "motcua" / "locale"


def _strings(block: list[str], keyword: str) -> str:
    """The text of a msgid / msgstr (all plural forms together), continuation lines included."""
    text, inside = [], False
    for line in block:
        if line.startswith(keyword + " ") or line.startswith(keyword + "["):
            inside = True
            text.append(line.split(" ", 1)[1].strip('"'))
        elif inside and line.startswith('"'):
            text.append(line.strip('"'))
        else:
            inside = False
    return "".join(text)


def problems(po_text: str) -> list[str]:
    """The msgids that are fuzzy or untranslated (obsolete entries and the header aside)."""
    found = []
    for block in (b.splitlines() for b in po_text.split("\n\n")):
        block = [line for line in block if line.strip()]
        if not block or any(line.startswith("#~") for line in block):
            continue
        msgid = _strings(block, "msgid")
        if not msgid:
            continue  # the header
        if any(line.startswith("#,") and "fuzzy" in line for line in block):
            found.append(f"fuzzy: {msgid}")
        elif not _strings(block, "msgstr"):
            found.append(f"untranslated: {msgid}")
    return found


def test_the_check_sees_fuzzy_and_missing_entries():
    po = 'msgid ""\nmsgstr "Language: en\\n"\n\n#, fuzzy\nmsgid "Một"\nmsgstr "One"\n\nmsgid "Hai"\nmsgstr ""\n\n' \
         'msgid ""\n"Ba "\n"bốn"\nmsgstr "Three four"\n\n#~ msgid "Cũ"\n#~ msgstr ""\n'
    assert problems(po) == ["fuzzy: Một", "untranslated: Hai"]


@pytest.mark.parametrize("language", ["en", "bn"])
def test_every_message_is_translated_and_none_is_fuzzy(language):
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    assert text.count("\nmsgid ") > 500
    assert problems(text) == []
