"""Reading the catalog's vocabulary files (YAML) and merging them, without Django.

A catalog directory (`catalog/` beside `procedures/`) holds YAML files that each
open with `catalog: 1` and carry any of the sections below; the directories of
CATALOG_DIRS are read in order, each one's files by name, and a later entry of
a section replaces an earlier one of the same key (an installation's own
directory adds to the country's catalog or overrides it). Settings read the
`country` section here, before Django is set up; checking the files is
`vocab.py`'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

# Sections whose entries are keyed (merged entry by entry) and the one that is a plain mapping
# (merged key by key).
KEYED_SECTIONS = ("currencies", "agencies", "document_types", "registries", "unit_kinds", "roles", "programmes",
                  "outside_agencies", "teams")
COUNTRY = "country"
# Viet Nam's, for an installation without a catalog directory.
VN_KINDS = ("ministry", "province", "department", "commune", "one_stop")
VN_LEVELS = ("ministry", "province", "commune")

_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class CatalogFile:
    path: Path
    text: str
    data: object


@dataclass
class Merged:
    """The sections after merging, and the file each entry came from (for reports)."""

    sections: dict[str, dict] = field(default_factory=dict)
    origin: dict[tuple[str, str], Path] = field(default_factory=dict)


def is_catalog_data(data: object) -> bool:
    """A catalog file's data (rather than a procedure's): a mapping that opens with `catalog:`."""
    return isinstance(data, dict) and "catalog" in data


def catalog_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(path.glob("*.yaml")))
        elif path.exists():
            files.append(path)
    return files


def merge(files: Iterable[CatalogFile]) -> Merged:
    """The sections of the files, later entries over earlier ones; files that are not mappings are skipped."""
    merged = Merged()
    for f in files:
        if not isinstance(f.data, dict):
            continue
        for section, entries in f.data.items():
            if not isinstance(entries, dict) or (section not in KEYED_SECTIONS and section != COUNTRY):
                continue
            into = merged.sections.setdefault(section, {})
            for key, value in entries.items():
                into[key] = value
                merged.origin[(section, str(key))] = f.path
    return merged


LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English", "bn": "বাংলা"}


def catalog_settings(directories: Iterable[Path]) -> dict:
    """The Django settings the catalog decides: holidays, languages (the first the default), time
    zone, the form of a personal ID, the unit kinds and which are levels. Viet Nam's when the
    catalog says nothing. Settings, because the agency tree (units) reads them and must not
    import the catalog room (which imports it)."""
    sections = _sections(directories)
    country = sections.get(COUNTRY, {})
    kinds = sections.get("unit_kinds") or {k: {"level": k in VN_LEVELS} for k in VN_KINDS}
    languages = [(c, LANGUAGE_NAMES[c]) for c in country.get("languages", ["vi", "en", "bn"]) if c in LANGUAGE_NAMES]
    languages = languages or [("vi", LANGUAGE_NAMES["vi"])]
    return {
        "COUNTRY": country.get("holidays", "VN"),
        "LANGUAGES": languages,
        "LANGUAGE_CODE": languages[0][0],
        "TIME_ZONE": country.get("time_zone", "Asia/Ho_Chi_Minh"),
        "PERSONAL_ID_PATTERN": country.get("personal_id", ""),
        "UNIT_KINDS": frozenset(kinds),
        "UNIT_LEVELS": frozenset(k for k, v in kinds.items() if isinstance(v, dict) and v.get("level")),
    }


def _sections(directories: Iterable[Path]) -> dict:
    """The merged sections of the directories ({} for those unreadable: `catalog validate` says why)."""
    files = []
    for path in catalog_files(directories):
        try:
            files.append(CatalogFile(path, "", yaml.load(path.read_text("utf-8"), Loader=_SafeLoader)))  # noqa: S506
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue  # `motcua catalog validate` says what is wrong with it
    return merge(files).sections
