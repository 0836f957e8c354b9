"""A procedure's form cut into steps: one per `form_ui` section, then the documents, then the review.

Fields no section places come in a last "other information" step; a form without
sections is a single step. The step ids appear in URLs (/my/drafts/<id>/<step>/).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from motcua.catalog.display import cells, is_group
from motcua.catalog.models import ProcedureVersion, localized

DOCUMENTS = "documents"
REVIEW = "review"


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    kind: str  # fields | documents | review
    fields: tuple[str, ...] = field(default_factory=tuple)


def plan(version: ProcedureVersion) -> list[Step]:
    schema = version.form_schema
    names = [n for n, p in schema.get("properties", {}).items() if isinstance(p, Mapping)]
    ui = version.definition.get("form_ui", {}) or {}
    steps: list[Step] = []
    placed: set[str] = set()
    reserved = {DOCUMENTS, REVIEW, "delete", "submit"}  # other URLs under a draft
    for section in ui.get("sections", []) or []:
        fields = tuple(n for n in section.get("fields", []) if n in names and n not in placed)
        if not fields:
            continue
        placed.update(fields)
        sid = str(section.get("id") or f"part-{len(steps) + 1}")
        if sid in reserved or any(s.id == sid for s in steps):
            sid = f"{sid}-{len(steps) + 1}"
        steps.append(Step(sid, localized(section.get("title")) or sid, "fields", fields))
    rest = tuple(n for n in names if n not in placed)
    if rest:
        title = _("Thông tin khác") if steps else _("Thông tin trong tờ khai")
        steps.append(Step("other" if steps else "form", title, "fields", rest))
    if version.components:
        steps.append(Step(DOCUMENTS, _("Thành phần hồ sơ"), "documents"))
    steps.append(Step(REVIEW, _("Xem lại và nộp"), "review"))
    return steps


def find(steps: list[Step], step_id: str) -> int | None:
    return next((i for i, s in enumerate(steps) if s.id == step_id), None)


def sub_schema(version: ProcedureVersion, step: Step) -> dict:
    """The part of the form schema a step shows, with the `form_ui` help as each field's hint."""
    schema = version.form_schema
    ui = version.definition.get("form_ui", {}) or {}
    help_texts = ui.get("help", {}) or {}
    properties = {}
    for name in step.fields:
        prop = dict(schema["properties"][name])
        if name in help_texts and "description" not in prop and "x-description" not in prop:
            texts = help_texts[name] if isinstance(help_texts[name], Mapping) else {"vi": str(help_texts[name])}
            prop["description"] = texts.get("vi", "")
            prop["x-description"] = {k: v for k, v in texts.items() if k != "vi"}
        properties[name] = prop
    return {
        "type": "object",
        "properties": properties,
        "required": [n for n in schema.get("required", []) if n in step.fields],
    }


def widgets(version: ProcedureVersion) -> dict[str, str]:
    return dict((version.definition.get("form_ui", {}) or {}).get("widgets", {}) or {})


def as_posted(schema: Mapping, data: Mapping) -> dict[str, str]:
    """Stored answers as the strings a form would post, to draw the inputs again."""
    posted: dict[str, str] = {}
    for name, prop in schema.get("properties", {}).items():
        if name not in data:
            continue
        value = data[name]
        if is_group(prop):
            # A repeating group's rows: NAME-ROW-CELL, and how many rows to draw.
            rows = [row for row in value if isinstance(row, Mapping)] if isinstance(value, list) else []
            posted[f"{name}-rows"] = str(len(rows))
            for i, row in enumerate(rows):
                posted |= {f"{name}-{i}-{cell}": _posted_text(cells(prop).get(cell, {}), v) for cell, v in row.items()
                           if not (v is False and "enum" not in cells(prop).get(cell, {}))}
            continue
        if isinstance(value, bool) and "enum" not in prop:
            if value:
                posted[name] = "on"
            continue
        posted[name] = str(value)
    return posted


def _posted_text(prop: Mapping, value: object) -> str:
    if isinstance(value, bool) and "enum" not in prop:
        return "on" if value else ""
    return str(value)
