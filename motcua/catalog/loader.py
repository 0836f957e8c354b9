"""Reading procedure definitions (YAML) and storing them as versions.

Every file is checked first (shape and meaning, see validate.py); only when
all of them are sound is anything written, in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils.translation import gettext as _

from motcua.catalog import vocab
from motcua.catalog.fees import standard_amount
from motcua.catalog.models import (
    CatalogVersion,
    Procedure,
    ProcedureVersion,
    hand_over_key,
    implementers_key,
    programmes_key,
)
from motcua.catalog.reports import Report
from motcua.catalog.validate import Problem, problems
from motcua.catalog.yamlpos import line_index, line_of, scan_node
from motcua.lib.text import search_index


class DefinitionError(ValueError):
    """Definitions that cannot be loaded; `reports` names file, line and field of each problem."""

    def __init__(self, reports: list[Report]) -> None:
        self.reports = reports
        super().__init__("\n".join(str(r) for r in reports))


@dataclass(frozen=True)
class Definition:
    data: dict
    text: str
    source: str


# libyaml when present: the pure-Python parser made loading the catalog the
# slowest part of every start-up and test (2.5 s of 3.4 s for 16 files).
_FastSafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _JsonLoader(_FastSafeLoader):
    """YAML that yields JSON data only.

    A definition is stored as JSON, but the safe loader turns an unquoted
    `2020-01-01` into a date: such a definition passed `validate` and then
    crashed `import` (digest, JSONField) with a TypeError. A date written
    unquoted now stays the text it is, which is also what a JSON Schema
    `format: date` field expects.
    """


_JsonLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _not_json(value: Any, path: tuple = ()) -> Iterator[tuple]:
    """Paths of values JSON (and PostgreSQL's jsonb) cannot hold: !!binary, !!set, .nan, keys that are not text."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                yield path
                return
            yield from _not_json(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _not_json(item, (*path, i))
    elif isinstance(value, float):
        if not math.isfinite(value):
            yield path
    elif not (value is None or isinstance(value, str | int | bool)):
        yield path


def read(path: Path, vocabulary: vocab.Vocabulary | None = None) -> tuple[Definition | None, list[Report]]:
    """Parse and check one file; a definition only when it has no problem."""
    source = str(path)
    try:
        # Bytes, decoded: read_text() would turn CRLF into LF, and `export` must
        # give back the file exactly as it was loaded.
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Report(source, 1, "(file)", _("không đọc được tệp: %(detail)s") % {"detail": exc})]
    return read_text(text, source, vocabulary)


def parse_text(text: str, source: str) -> tuple[object, dict[tuple, int], list[Report]]:
    """A YAML text's data and the line of every path, or the report of why it is not YAML (or not JSON data)."""
    try:
        # Composed once, for the data and for the lines: parsing the text twice (yaml.load, then
        # yamlpos.scan) was a fifth of importing a 2,000-procedure catalogue (bench/catalogue_scale.py).
        loader = _JsonLoader(text)  # a SafeLoader without timestamps
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
        lines, twice = scan_node(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        # str(exc) names the parser's input ("<unicode string>") and repeats the
        # line; the report already says file and line, so only the reason is kept.
        reason = "; ".join(part for part in (getattr(exc, "context", None), getattr(exc, "problem", None)) if part)
        return None, {}, [
            Report(source, (mark.line + 1) if mark else 1, "(yaml)", _("không phải YAML hợp lệ: %(detail)s") % {"detail": reason or exc})
        ]
    found = [
        Problem(key_path, _("khóa %(key)s được viết hai lần; YAML chỉ giữ giá trị sau cùng") % {"key": key_path[-1]})
        for key_path, _line in twice
    ]
    found += [
        Problem(where, _("giá trị này không phải dữ liệu JSON (văn bản, số, true/false, danh sách, ánh xạ)"))
        for where in _not_json(data)
    ]
    return data, lines, [Report(source, line_of(lines, p.path), p.where, p.message) for p in found]


def read_text(text: str, source: str, vocabulary: vocab.Vocabulary | None = None) -> tuple[Definition | None, list[Report]]:
    """`read`, of a text already in hand (a file of a zip)."""
    data, lines, reports = parse_text(text, source)
    if reports:
        return None, reports
    found = problems(data, vocabulary)
    if found:
        return None, [Report(source, line_of(lines, p.path), p.where, p.message) for p in found]
    return Definition(data, text, source), []


def definition_files(paths: list[Path]) -> list[Path]:
    """The procedure files of the paths (a catalog file, `catalog: 1`, is not one)."""
    return [f for f in _yaml_files(paths) if not _is_catalog_file(f)]


def catalog_paths(paths: list[Path]) -> list[Path]:
    """The catalog files (vocabularies) among the paths."""
    return [f for f in _yaml_files(paths) if _is_catalog_file(f)]


def _yaml_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return files


_CATALOG_KEY = re.compile(rb"^catalog:", re.MULTILINE)


def _is_catalog_file(path: Path) -> bool:
    # A top-level `catalog:` key: a procedure never has one (its schema says so).
    try:
        return _CATALOG_KEY.search(path.read_bytes()) is not None
    except OSError:
        return False


def vocabulary_for(paths: list[Path]) -> tuple[vocab.Vocabulary | None, list[Report]]:
    """The vocabulary procedures of `paths` are checked against: the catalog files among the paths
    when there are any (they are a whole catalog: check a country's or an installation's before
    installing it), else the installation's (CATALOG_DIRS)."""
    given = catalog_paths(paths)
    if not given:
        try:
            return vocab.current(), []
        except ImproperlyConfigured:
            given = list(settings.CATALOG_DIRS)  # its problems, reported like any file's
    vocabulary, _files, reports = vocab.read(given)
    return vocabulary, reports


def check_files(paths: list[Path]) -> tuple[list[Definition], list[Report]]:
    """Every definition of the paths, and every problem found in any of them (the catalog's too)."""
    definitions: list[Definition] = []
    vocabulary, reports = vocabulary_for(paths)
    if vocabulary is None:
        # Nothing can be said of a procedure's names while the catalog itself is unsound.
        return [], reports
    seen: dict[str, str] = {}
    for file in definition_files(paths):
        definition, found = read(file, vocabulary)
        reports.extend(found)
        if definition is None:
            continue
        code = definition.data["code"]
        if code in seen:
            # The line of `code:`, not line 1 (a file usually opens with a comment).
            line = line_of(line_index(definition.text), ("code",))
            reports.append(Report(definition.source, line, "code", _("thủ tục %(code)s đã được định nghĩa trong %(other)s") % {"code": code, "other": seen[code]}))
            continue
        seen[code] = definition.source
        definitions.append(definition)
    return definitions, reports


def digest_of(definition: dict) -> str:
    return hashlib.sha256(json.dumps(definition, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass
class LoadOutcome:
    procedure: Procedure
    version: ProcedureVersion
    created: bool


def _search_text(d: dict) -> str:
    parts = [d["code"], *d["name"].values(), *(v for k, v in d["field"].items() if k != "code")]
    # A line break between the parts: a query word never holds one (words are split
    # on whitespace). With " | " the query "|" matched every procedure.
    return search_index(parts)


# The source of a version published through the catalogue's editor (motcua/authoring): "authoring/<code>.yaml".
AUTHORED = "authoring/"


def store(definition: Definition, *, make_current: bool = True) -> LoadOutcome:
    """Make the definition its procedure's current version, adding a version only if it changed.

    `make_current=False` stores the version without making it current (a version published for a later
    effective date: `make_current(version)` on that day). A file bringing back a definition already stored
    does not undo a later version published through the editor (the shipped file read at every start-up
    would otherwise replace what the approver published).
    """
    d = definition.data
    digest = digest_of(d)
    procedure = Procedure.objects.select_for_update().filter(code=d["code"]).first()
    latest = procedure.versions.order_by("-number").first() if procedure else None
    if procedure is not None and latest is not None and (
        latest.digest == digest
        or (latest.source.startswith(AUTHORED) and not definition.source.startswith(AUTHORED)
            and procedure.versions.filter(digest=digest).exists())
    ):
        search_text = _search_text(latest.definition)
        programmes = programmes_key(latest.definition.get("programmes", []))
        implementers, hand_over = implementers_key(latest.definition), hand_over_key(latest.definition)
        if (procedure.search_text != search_text or procedure.programmes_key != programmes
                or procedure.implementers_key != implementers or procedure.hand_over_key != hand_over) \
                and procedure.current_id == latest.pk:
            # Stored by an older way of building it: refreshed at the next load
            # (start-up loads every time), without a new version.
            procedure.search_text = search_text
            procedure.programmes_key = programmes
            procedure.implementers_key, procedure.hand_over_key = implementers, hand_over
            procedure.save(update_fields=["search_text", "programmes_key", "implementers_key", "hand_over_key"])
        return LoadOutcome(procedure, latest, created=False)
    if procedure is None:
        procedure = Procedure(code=d["code"])
        _set_facts(procedure, d)
        procedure.save()
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=(latest.number + 1) if latest else 1,
        definition=d,
        digest=digest,
        # The column holds 255 characters; a deeper path failed the whole load on
        # PostgreSQL. Its end (the file name) is what `export` uses.
        source=definition.source[-255:],
        source_text=definition.text,
    )
    if make_current:
        make_version_current(version)
    return LoadOutcome(procedure, version, created=True)


def _set_facts(procedure: Procedure, d: dict) -> None:
    procedure.names = d["name"]
    procedure.field = d["field"]
    procedure.field_code = d["field"]["code"]
    procedure.levels = d["levels"]
    procedure.levels_key = "," + ",".join(d["levels"]) + ","
    procedure.agency = d.get("agency", "")
    procedure.implementers_key = implementers_key(d)
    procedure.hand_over_key = hand_over_key(d)
    procedure.unit_codes_key = ("," + ",".join(d["unit_codes"]) + ",") if d.get("unit_codes") else ""
    procedure.programmes_key = programmes_key(d.get("programmes", []))
    procedure.service_mode = d["service_mode"]
    procedure.processing_days = d["processing_days"]
    procedure.fee = standard_amount(d.get("fees"))
    procedure.search_text = _search_text(d)


def make_version_current(version: ProcedureVersion) -> None:
    """The version becomes its procedure's current one: lists, search and new dossiers read it."""
    procedure = version.procedure
    _set_facts(procedure, version.definition)
    procedure.active = True
    procedure.current = version
    procedure.save()


def _serialize_loaders() -> None:
    # Several web processes may load the catalog at the same moment at start-up;
    # on PostgreSQL they take turns on an advisory lock (SQLite's IMMEDIATE
    # transactions already take turns).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('motcua.catalog.load'))")


def _configured_files() -> list[dict]:
    """The catalog files in force, named as `export` writes them: catalog/ for the first directory
    of CATALOG_DIRS, catalog-2/ for the next, …"""
    files = []
    for i, directory in enumerate(settings.CATALOG_DIRS, start=1):
        folder = "catalog" if i == 1 else f"catalog-{i}"
        for path in vocab.catalog_files([directory]):
            files.append({"name": f"{folder}/{path.name}", "source": str(path)[-255:], "text": path.read_bytes().decode("utf-8")})
    return files


def _outside_catalog_dirs(paths: list[Path]) -> list[Report]:
    """Catalog files given to `import` that are not the vocabulary in force (CATALOG_DIRS)."""
    configured = {p.resolve() for p in vocab.catalog_files(settings.CATALOG_DIRS)}
    dirs = ", ".join(str(d) for d in settings.CATALOG_DIRS)
    return [
        Report(str(path), 1, "(file)", _("tệp danh mục không nằm trong CATALOG_DIRS (%(dirs)s): danh mục đang dùng được đọc từ đó") % {"dirs": dirs})
        for path in catalog_paths(paths) if path.resolve() not in configured
    ]


def store_catalog() -> CatalogVersion | None:
    """Record the catalog files in force as a new version if they changed; the new version or None."""
    files = _configured_files()
    digest = hashlib.sha256(json.dumps([(f["name"], f["text"]) for f in files], ensure_ascii=False).encode()).hexdigest()
    latest = CatalogVersion.objects.order_by("-number").first()
    if latest is not None and latest.digest == digest:
        return None
    v = vocab.current()
    sections = {"country": v.country, **{name: getattr(v, name) for name in vocab.KEYED_SECTIONS}}
    return CatalogVersion.objects.create(
        number=(latest.number + 1) if latest else 1, digest=digest, vocabulary=sections, files=files
    )


def load_paths(paths: list[Path]) -> list[LoadOutcome]:
    """Check every file, then store all of them in one transaction; nothing if any is unsound.

    The catalog in force is recorded too (a new CatalogVersion when its files changed).
    """
    definitions, reports = check_files(paths)
    reports += _outside_catalog_dirs(paths)
    if reports:
        raise DefinitionError(reports)
    with transaction.atomic():
        _serialize_loaders()
        store_catalog()
        return [store(d) for d in definitions]


def export(directory: Path) -> list[Path]:
    """Write the current version of every active procedure as it was loaded, and the catalog's files
    (the latest imported version) under catalog/."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    catalog = CatalogVersion.objects.order_by("-number").first()
    for f in catalog.files if catalog else []:
        path = directory / f["name"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f["text"].encode("utf-8"))
        written.append(path)
    names: set[str] = set()
    for procedure in Procedure.objects.filter(active=True, current__isnull=False).select_related("current"):
        version = procedure.current
        text = version.source_text or yaml.safe_dump(version.definition, allow_unicode=True, sort_keys=False)
        name = Path(version.source).name if version.source.endswith(".yaml") else f"{procedure.code}.yaml"
        n = 1
        while name in names:
            # Two procedures loaded from files of the same name in different
            # directories: the second used to overwrite the first.
            name = f"{procedure.code}.yaml" if n == 1 else f"{procedure.code}-{n}.yaml"
            n += 1
        names.add(name)
        path = directory / name
        path.write_bytes(text.encode("utf-8"))  # as loaded, line endings included
        written.append(path)
    return written


@dataclass
class FileLine:
    """One line of a bulk import's report: the file, and what became of it."""

    file: str
    ok: bool
    code: str = ""
    text: str = ""  # "v3 new version", "unchanged", or the problems

    def __str__(self) -> str:
        return f"{self.file}: {'ok' if self.ok else 'refused'} {self.code} {self.text}".rstrip()


def load_zip(source) -> tuple[list[FileLine], bool]:
    """Import every procedure file of a zip, all or nothing; one report line per file, and whether it was stored."""
    from motcua.catalog.zipfiles import entries

    lines: list[FileLine] = []
    definitions: list[tuple[str, Definition]] = []
    vocabulary = vocab.current()
    seen: dict[str, str] = {}
    for entry in entries(source):
        if entry.text is None:
            lines.append(FileLine(entry.name, False, text=entry.error))
            continue
        definition, reports = read_text(entry.text, entry.name, vocabulary)
        if definition is None:
            lines.append(FileLine(entry.name, False, text="; ".join(f"{r.line}: {r.where}: {r.message}" for r in reports)))
            continue
        code = definition.data["code"]
        if code in seen:
            lines.append(FileLine(entry.name, False, code, _("thủ tục %(code)s đã được định nghĩa trong %(other)s") % {"code": code, "other": seen[code]}))
            continue
        seen[code] = entry.name
        definitions.append((entry.name, definition))
        lines.append(FileLine(entry.name, True, code))
    if not all(line.ok for line in lines):
        return lines, False
    by_file = {line.file: line for line in lines}
    with transaction.atomic():
        _serialize_loaders()
        store_catalog()
        for name, definition in definitions:
            outcome = store(definition)
            by_file[name].text = f"v{outcome.version.number} " + ("new version" if outcome.created else "unchanged")
    return lines, True
