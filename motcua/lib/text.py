"""Text folding for search: case- and diacritics-insensitive matching of Vietnamese."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# đ/Đ are letters of their own, not d with a combining mark, so NFD does not split them.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d", "ð": "d"})


def fold(text: str) -> str:
    """'Đăng ký  Khai sinh' → 'dang ky khai sinh'."""
    # Case-folded before the đ/ð mapping: 'Ð' (capital eth) was kept, then folded
    # to 'ð' at the end, so fold(fold(x)) != fold(x) (found by hypothesis).
    decomposed = unicodedata.normalize("NFD", text.casefold().translate(_EXTRA))
    kept: list[str] = []
    base_is_latin = False
    for ch in decomposed:
        if unicodedata.category(ch) == "Mn":
            # Tone and vowel marks of Latin letters go; marks of other scripts
            # (Bengali vowel signs, virama) are part of the spelling and stay.
            if not base_is_latin:
                kept.append(ch)
            continue
        base_is_latin = ch < "\u0250"
        kept.append(ch)
    folded = unicodedata.normalize("NFC", "".join(kept)).casefold()
    return _SPACES.sub(" ", folded).strip()


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PS"


def search_words(text: str) -> list[str]:
    """The words of a search, folded: punctuation and symbols separate words like spaces
    ("khai-sinh", "khai_sinh", "khai/sinh" → khai, sinh), except a dot or comma inside a
    number (a procedure code "1.001193", "2,5")."""
    folded = fold(text)
    chars = list(folded)
    for i, ch in enumerate(chars):
        if not _is_mark(ch):
            continue
        inside_number = ch in ".," and 0 < i < len(chars) - 1 and chars[i - 1].isdigit() and chars[i + 1].isdigit()
        if not inside_number:
            chars[i] = " "
    return "".join(chars).split()


def search_index(parts: list[str]) -> str:
    """What a query's words are looked for in (each must be a substring): every part's words,
    and the same run together, so that "khaisinh" finds "khai sinh".

    One line per part: a query word never holds a line break, so no word matches across parts.
    """
    lines = [" ".join(search_words(p)) for p in parts]
    return "\n".join([*lines, *(line.replace(" ", "") for line in lines)])
