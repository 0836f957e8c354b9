"""Personal data a filer writes inside a petition's text, found so the public version is masked.

The public page shows only the version an officer published (Petition.public_*). When they
publish, the officer is shown this module's *proposal* — the subject, body and answer with
what looks personal replaced by "***" — and may edit it first. What the proposal masks:

- e-mail addresses;
- phone numbers, found by `phonenumbers`' matcher (Vietnamese numbers without "+84" too);
- personal ID numbers and other long numbers: 9 digits (old identity card) up to 16 (12: the
  citizen ID), grouped by spaces or dots or not;
- house numbers of an address ("số nhà 12", "ngõ 34", "12/3 đường Lê Lợi");
- the names motcua knows for this petition: the filer's, the officers' of the units that
  handle it and of its history, and the names written in the dossier it concerns;
- and, as a guess only, other Vietnamese names: two to five capitalised words starting with a
  common family name ("Trịnh Văn Sơn"), or a capitalised word after a form of address
  ("anh Sơn"), unless a place word comes before (đường Lê Lợi, xã Phú Mỹ).

Matching ignores case and diacritics: "Trinh Van Son" is found for the name "Trịnh Văn Sơn".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import phonenumbers

MASK = "***"

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 9 to 16 digits, grouped by single spaces or dots (not dashes or slashes: codes and dates keep those).
LONG_NUMBER = re.compile(r"(?<![\w.])\d(?:[ .]?\d){8,15}(?![\w])")
# On the folded text (lower case, no diacritics). A house number: after "số nhà", "nhà số", an alley word,
# or before an alley or street word.
_HOUSE = r"\d+[a-z]?(?:/\d+[a-z]?)*"
ADDRESS = (
    re.compile(rf"\b(?:so nha|nha so|nha)\s+{_HOUSE}\b"),
    re.compile(rf"\b(?:ngo|ngach|hem|kiet)\s+(?:so\s+)?{_HOUSE}\b"),
    re.compile(rf"\b(?:so\s+)?{_HOUSE}(?=,?\s+(?:ngo|ngach|hem|kiet|duong|pho)\b)"),
)
# The most common Vietnamese family names (they cover the great majority of people); a word written
# with diacritics is compared with diacritics ("Đường" is a road, "Dương" a name), one without, folded.
SURNAMES = frozenset(unicodedata.normalize("NFC", w) for w in """
nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý trịnh đinh lâm mai cao lương
tạ quách trương tô hà đào đoàn vương thái kiều tống chu lưu la triệu tiêu âu thạch lại khúc nông
""".split())
SURNAMES_FOLDED = frozenset(w.replace("đ", "d") for w in (
    "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c)) for s in SURNAMES))
# Forms of address, as written ("có", has, is not "cô"; "ba", three, is not "bà"), or folded in a text without any.
ADDRESS_WORDS = frozenset(unicodedata.normalize("NFC", w) for w in "anh chị ông bà cô chú bác em".split())
ADDRESS_WORDS_FOLDED = frozenset("anh chi ong ba co chu bac em".split())
PLACE_WORDS = frozenset("""
duong pho phuong quan xa huyen tinh thanh thon ap ban lang truong cau cho benh vien song nui ngo hem
""".split())


# Places that begin like a name ("Hà Nội"), folded: never a guessed name.
PLACE_NAMES = frozenset({
    "ha noi", "ha giang", "ha tinh", "ha nam", "ha dong", "ha long", "ha tien", "cao bang", "lam dong",
    "phan thiet", "phan rang", "ho guom", "ho tay", "ho tram", "mai chau", "do son", "thai binh", "thai nguyen",
    "le chan", "ly son", "tam dao", "to lich",
})


def fold(text: str) -> str:
    """Lower case without diacritics, one character for one: positions in the result are positions in `text`."""
    out = []
    for c in text:
        base = "d" if c in "đĐ" else "".join(x for x in unicodedata.normalize("NFD", c) if not unicodedata.combining(x))
        low = base.lower()
        out.append(low if len(low) == 1 else c)
    return "".join(out)


def _name_pattern(name: str) -> re.Pattern | None:
    words = fold(name).split()
    if not words or sum(len(w) for w in words) < 3:
        return None
    return re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"(?!\w)")


def _guessed_names(text: str, folded: str) -> Iterable[tuple[int, int]]:
    words = [(m.start(), m.end()) for m in re.finditer(r"\w+", text)]
    i = 0
    while i < len(words):
        start, end = words[i]
        word = folded[start:end]
        before = folded[words[i - 1][0]:words[i - 1][1]] if i else ""
        written = unicodedata.normalize("NFC", text[start:end]).lower()
        surname = written in SURNAMES or (written.isascii() and written in SURNAMES_FOLDED)
        pair = f"{word} {folded[words[i + 1][0]:words[i + 1][1]]}" if i + 1 < len(words) else ""
        if text[start].isupper() and surname and before not in PLACE_WORDS and pair not in PLACE_NAMES:
            j = i + 1
            while j < len(words) and j - i < 5 and text[words[j][0]].isupper() and _adjacent(text, words[j - 1], words[j]):
                j += 1
            if j - i >= 2:
                yield start, words[j - 1][1]
                i = j
                continue
        address = written in ADDRESS_WORDS or (written.isascii() and written in ADDRESS_WORDS_FOLDED)
        if address and i + 1 < len(words) and text[words[i + 1][0]].isupper() \
                and _adjacent(text, words[i], words[i + 1]):
            j = i + 1
            while j < len(words) and j - i <= 4 and text[words[j][0]].isupper() and _adjacent(text, words[j - 1], words[j]):
                j += 1
            yield words[i + 1][0], words[j - 1][1]
            i = j
            continue
        i += 1


def _adjacent(text: str, a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Two words of one name: only spaces between them (a comma or a full stop ends a name)."""
    gap = text[a[1]:b[0]]
    return bool(gap) and gap.isspace() and "\n" not in gap


def spans(text: str, names: Iterable[str] = ()) -> list[tuple[int, int]]:
    """Where personal data is in `text`: sorted, merged (start, end) spans."""
    folded = fold(text)
    found: list[tuple[int, int]] = [m.span() for m in EMAIL.finditer(text)]
    found += [(m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(text, "VN")]
    found += [m.span() for m in LONG_NUMBER.finditer(text)]
    for pattern in ADDRESS:
        found += [m.span() for m in pattern.finditer(folded)]
    for name in set(names):
        pattern = _name_pattern(name)
        if pattern is not None:
            found += [m.span() for m in pattern.finditer(folded)]
    found += list(_guessed_names(text, folded))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mask(text: str, names: Iterable[str] = ()) -> str:
    """The text with every span of personal data replaced by "***"."""
    out, last = [], 0
    for start, end in spans(text, names):
        out += [text[last:start], MASK]
        last = end
    out.append(text[last:])
    return "".join(out)


def _dossier_names(data, key: str = "") -> Iterable[str]:
    """String values of a dossier's form whose field names say they are names (full_name, mother_name…)."""
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _dossier_names(v, str(k))
    elif isinstance(data, list):
        for v in data:
            yield from _dossier_names(v, key)
    elif isinstance(data, str) and "name" in key.lower() and 2 < len(data) <= 120:
        yield data


def known_names(petition) -> set[str]:
    """The names motcua knows around this petition: its filer, the officers, the dossier's people."""
    from motcua.units.models import Membership  # here: the units room need not load with this module

    names = {petition.contact_name}
    people = [petition.filer, petition.registered_by, petition.answered_by]
    people += [e.actor for e in petition.events.select_related("actor") if e.actor_id]
    names |= {p.get_full_name() for p in people if p is not None}
    officers = Membership.objects.filter(unit_id__in={petition.unit_id, petition.first_unit_id}).select_related("user")
    names |= {m.user.get_full_name() for m in officers}
    if petition.dossier_id:
        dossier = petition.dossier
        names.add(dossier.applicant.get_full_name())
        names |= set(_dossier_names(dossier.data))
    return {n.strip() for n in names if n and n.strip()}


def proposal(petition) -> dict[str, str]:
    """The public version proposed to the officer who publishes: subject, body and answer, masked."""
    names = known_names(petition)
    return {"subject": mask(petition.subject, names), "body": mask(petition.body, names),
            "answer": mask(petition.answer, names)}
