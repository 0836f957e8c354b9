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
