"""The vocabularies a procedure definition may use, read from the catalog files.

Document types, agencies (sectors), registries and their attributes, unit kinds
and levels, the roles' display names, national programmes, currencies and the country (its holiday
calendar, currency, time zone, languages) are data: YAML files in the
directories of CATALOG_DIRS (`catalog/` beside `procedures/` for the shipped
country, then an installation's own), each checked against
`schema/catalog.schema.json` and for meaning here. A definition that names
anything outside them is refused with the list of known values, so a typo in a
role or a document type cannot reach a dossier; a new document type is a line
in a catalog file, never a code change.
"""

from __future__ import annotations

import json
import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import holidays
import yaml
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator

from motcua.catalog.files import COUNTRY, KEYED_SECTIONS, CatalogFile, catalog_files, merge
from motcua.catalog.reports import Report
from motcua.catalog.yamlpos import line_of, scan

SCHEMA_PATH = Path(__file__).parent / "schema" / "catalog.schema.json"
# The roles are the platform's: what each may do is code (dossiers/actions/rules.py). A catalog
# only names them. Kept in step with units.models.Role (a test says so).
PLATFORM_ROLES = frozenset({"one_stop_officer", "specialist", "approver", "unit_admin", "monitor", "catalog_editor",
                            "catalog_approver"})
# Who may hold a workflow step or sign a result: not the catalogue's authors (they see no dossier).
STEP_ROLES = PLATFORM_ROLES - {"catalog_editor", "catalog_approver"}
# Kinds the code gives a meaning to, which every country's catalog has.
STRUCTURAL_KINDS = ("department", "one_stop")
COUNTRY_KEYS = ("code", "holidays", "currency", "time_zone", "languages")

_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Vocabulary:
    country: dict
    currencies: dict[str, dict]
    agencies: dict[str, dict]
    document_types: dict[str, dict]
    registries: dict[str, dict]
    unit_kinds: dict[str, dict]
    roles: dict[str, dict]
    # National programmes a procedure's `programmes` names (Project 06's essential services).
    programmes: dict[str, dict] = field(default_factory=dict)
    # Who does the work beyond the agency tree (catalog/who.py): agencies that are not motcua users,
    # and the kinds of teams (councils, inspection groups) a step may name as its actor.
    outside_agencies: dict[str, dict] = field(default_factory=dict)
    teams: dict[str, dict] = field(default_factory=dict)

    @property
    def levels(self) -> frozenset[str]:
        return frozenset(k for k, v in self.unit_kinds.items() if v.get("level"))

    @property
    def role_keys(self) -> frozenset[str]:
        return STEP_ROLES

    @property
    def person_registries(self) -> frozenset[str]:
        return frozenset(k for k, v in self.registries.items() if v.get("person"))

    @property
    def currency(self) -> dict:
        return self.currencies.get(self.country.get("currency", ""), {})

    def name(self, section: str, key: str) -> dict:
        """The texts naming `key` in `section` ({} when unknown)."""
        return getattr(self, section).get(key, {}).get("name", {})


def known(values: Iterable[str]) -> str:
    return ", ".join(sorted(values))


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))


def parse(path: Path) -> tuple[CatalogFile | None, dict, list[Report]]:
    """One catalog file, its lines, and the problems of its text and shape."""
    from motcua.catalog.validate import shape_message  # the same wording as for procedures

    source = str(path)
    try:
        text = path.read_bytes().decode("utf-8")
        data = yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - a SafeLoader
        lines, twice = scan(text)
    except (OSError, UnicodeDecodeError) as exc:
        return None, {}, [Report(source, 1, "(file)", _("không đọc được tệp: %(detail)s") % {"detail": exc})]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, {}, [Report(source, (mark.line + 1) if mark else 1, "(yaml)", _("không phải YAML hợp lệ: %(detail)s") % {"detail": getattr(exc, "problem", None) or exc})]
    reports = [
        Report(source, line, "/".join(map(str, key_path)), _("khóa %(key)s được viết hai lần; YAML chỉ giữ giá trị sau cùng") % {"key": key_path[-1]})
        for key_path, line in twice
    ]
    for e in sorted(_validator().iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        where = "/".join(str(p) for p in e.absolute_path) or "(root)"
        reports.append(Report(source, line_of(lines, e.absolute_path), where, shape_message(e)))
    return CatalogFile(path, text, data), lines, reports


def read(paths: Iterable[Path]) -> tuple[Vocabulary | None, list[CatalogFile], list[Report]]:
    """The vocabulary of the catalog files under `paths`, the files, and every problem found."""
    parsed: list[tuple[CatalogFile, dict]] = []
    reports: list[Report] = []
    for path in catalog_files(paths):
        file, lines, found = parse(path)
        reports.extend(found)
        if file is not None and not found:
            parsed.append((file, lines))
    if reports:
        return None, [f for f, _lines in parsed], reports
    files = [f for f, _lines in parsed]
    merged = merge(files)
    lines_of = {str(f.path): lines for f, lines in parsed}

    def report(section: str, key: str, path: tuple, message: str) -> Report:
        origin = merged.origin.get((section, key))
        file = str(origin) if origin else (str(files[-1].path) if files else "(catalog)")
        return Report(file, line_of(lines_of.get(file, {}), (section, *path)), "/".join((section, *map(str, path))), message)

    s = merged.sections
    country = s.get(COUNTRY, {})
    for key in COUNTRY_KEYS:
        if key not in country:
            reports.append(report(COUNTRY, key, (), _("thiếu khóa bắt buộc %(name)s") % {"name": repr(key)}))
    code = country.get("holidays", "")
    if code and code.split("-")[0] not in holidays.list_supported_countries():
        reports.append(report(COUNTRY, "holidays", ("holidays",), _("thư viện holidays không có lịch của %(value)s") % {"value": repr(code)}))
    if "currency" in country and country["currency"] not in s.get("currencies", {}):
        reports.append(report(COUNTRY, "currency", ("currency",), _("tiền tệ %(value)s không có; các tiền tệ có: %(known)s") % {"value": repr(country["currency"]), "known": known(s.get("currencies", {}))}))
    if "procedure_code" in country:
        try:
            re.compile(country["procedure_code"])
        except re.error as exc:
            reports.append(report(COUNTRY, "procedure_code", ("procedure_code",), _("không phải biểu thức chính quy hợp lệ: %(detail)s") % {"detail": exc}))
    if "time_zone" in country:
        try:
            zoneinfo.ZoneInfo(country["time_zone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            reports.append(report(COUNTRY, "time_zone", ("time_zone",), _("múi giờ %(value)s không có") % {"value": repr(country["time_zone"])}))
    kinds = s.get("unit_kinds", {})
    for kind in STRUCTURAL_KINDS:
        if kind not in kinds:
            reports.append(report("unit_kinds", kind, (), _("thiếu loại đơn vị %(value)s (mọi danh mục đều cần)") % {"value": repr(kind)}))
    if kinds and not any(v.get("level") for v in kinds.values()):
        reports.append(report("unit_kinds", "", (), _("không loại đơn vị nào là một cấp ('level: true')")))
    for role in s.get("roles", {}):
        if role not in PLATFORM_ROLES:
            reports.append(report("roles", role, (role,), _("vai trò %(value)s không có; các vai trò có: %(known)s") % {"value": repr(role), "known": known(PLATFORM_ROLES)}))
    if reports:
        return None, files, reports
    return Vocabulary(country=country, **{name: s.get(name, {}) for name in KEYED_SECTIONS}), files, []


@cache
def _configured(directories: tuple[Path, ...]) -> Vocabulary:
    vocabulary, _files, reports = read(directories)
    if vocabulary is None:
        raise ImproperlyConfigured("the catalog (CATALOG_DIRS) has problems:\n" + "\n".join(map(str, reports)))
    return vocabulary


def current() -> Vocabulary:
    """The installation's vocabulary (CATALOG_DIRS), read once per process."""
    return _configured(tuple(settings.CATALOG_DIRS))


def _forget(*, setting: str, **_kwargs: object) -> None:
    if setting == "CATALOG_DIRS":
        _configured.cache_clear()


setting_changed.connect(_forget, dispatch_uid="motcua.catalog.vocab.forget")
