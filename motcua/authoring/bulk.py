"""A zip of procedure files made into drafts, one report row per file (POST /api/v1/catalog/imports).

Each file that is YAML of the catalogue format becomes a draft of the editor's unit (its problems listed,
as for any draft: it is reviewed and published like one written by hand); a file that cannot be read, or
whose procedure is not the editor's, is reported and skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from motcua.authoring import store
from motcua.catalog.zipfiles import NotAZip, entries
from motcua.lib.errors import ActionError, Invalid


@dataclass
class Row:
    file: str
    ok: bool
    code: str | None = None
    id: str | None = None
    problems: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"file": self.file, "ok": self.ok, "code": self.code, "id": self.id, "problems": self.problems}


def drafts_from_zip(user, upload, unit_code: str | None) -> list[Row]:
    if upload is None:
        raise Invalid(_("Cần gửi tệp zip trong trường 'file'."), code="file_missing",
                      errors=[{"field": "file", "code": "missing", "message": _("bắt buộc")}])
    try:
        found = entries(upload)
    except NotAZip as exc:
        raise Invalid(str(exc), code="not_a_zip", errors=[{"field": "file", "code": "not_a_zip", "message": str(exc)}]) from exc
    rows: list[Row] = []
    for entry in found:
        if entry.text is None:
            rows.append(Row(entry.name, False, problems=[{"path": "(file)", "message": entry.error}]))
            continue
        data, reports = store.parse_yaml(entry.text, entry.name)
        if reports:
            rows.append(Row(entry.name, False, problems=[{"path": "(yaml)", "message": r} for r in reports]))
            continue
        try:
            with transaction.atomic():
                draft = store.create(user, data, unit_code)
        except ActionError as exc:
            rows.append(Row(entry.name, False, data.get("code") if isinstance(data, dict) else None,
                            problems=[{"path": "(file)", "message": exc.message}]))
            continue
        rows.append(Row(entry.name, True, draft.code, str(draft.public_id), store.problems_of(draft.definition)))
    return rows
