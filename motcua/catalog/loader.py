"""Loading procedure definitions (YAML files) into versioned rows."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from django.db import transaction
from jsonschema import Draft202012Validator

from motcua.catalog.models import Procedure, ProcedureVersion

SCHEMA_PATH = Path(__file__).parent / "schema" / "procedure.schema.json"


class DefinitionError(ValueError):
    """A definition file that cannot be loaded; the message names file and field."""


@lru_cache(maxsize=1)
def definition_validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))


def check_definition(definition: object, source: str) -> dict:
    if not isinstance(definition, dict):
        raise DefinitionError(f"{source}: a procedure definition must be a mapping")
    errors = sorted(definition_validator().iter_errors(definition), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"{source}: {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors]
        raise DefinitionError("\n".join(lines))
    # The form must itself be a valid JSON Schema, and every required field must exist.
    try:
        Draft202012Validator.check_schema(definition["form"])
    except Exception as exc:
        raise DefinitionError(f"{source}: form: not a valid JSON Schema: {exc}") from exc
    missing = set(definition["form"].get("required", [])) - set(definition["form"]["properties"])
    if missing:
        raise DefinitionError(f"{source}: form/required: unknown fields {sorted(missing)}")
    return definition


def read_definition(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DefinitionError(f"{path}: not valid YAML: {exc}") from exc
    return check_definition(data, str(path))


def digest_of(definition: dict) -> str:
    return hashlib.sha256(json.dumps(definition, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass
class LoadOutcome:
    procedure: Procedure
    version: ProcedureVersion
    created: bool


def store_definition(definition: dict, source: str = "") -> LoadOutcome:
    """Make `definition` the current version of its procedure, adding a version if it changed."""
    digest = digest_of(definition)
    procedure, _ = Procedure.objects.select_for_update().get_or_create(
        code=definition["code"],
        defaults={
            "names": definition["name"],
            "field": definition["field"],
            "level": definition["level"],
            "service_mode": definition["service_mode"],
            "processing_days": definition["processing_days"],
            "fee": definition["fee"],
        },
    )
    latest = procedure.versions.order_by("-number").first()
    if latest is not None and latest.digest == digest:
        return LoadOutcome(procedure, latest, created=False)
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=(latest.number + 1) if latest else 1,
        definition=definition,
        digest=digest,
        source=source,
    )
    procedure.names = definition["name"]
    procedure.field = definition["field"]
    procedure.level = definition["level"]
    procedure.service_mode = definition["service_mode"]
    procedure.processing_days = definition["processing_days"]
    procedure.fee = definition["fee"]
    procedure.current = version
    procedure.active = True
    procedure.save()
    return LoadOutcome(procedure, version, created=True)


def load_paths(paths: list[Path]) -> list[LoadOutcome]:
    """Validate every file first, then store all of them in one transaction (nothing half-loaded)."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    definitions = [(read_definition(f), str(f)) for f in files]
    codes = [d["code"] for d, _ in definitions]
    duplicates = {c for c in codes if codes.count(c) > 1}
    if duplicates:
        raise DefinitionError(f"procedure codes defined twice: {sorted(duplicates)}")
    with transaction.atomic():
        return [store_definition(d, source) for d, source in definitions]
