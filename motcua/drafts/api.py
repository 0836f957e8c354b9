"""Draft endpoints (/api/v1/drafts): the same server-side drafts the portal's step pages keep.

An app may start a draft, save answers into it as the citizen goes, and submit
it; the citizen can then continue the same draft in the browser, and the other
way round. Files are attached through the portal's documents step only: a
draft's component records are the ones the portal stored and checked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status as Answer
from pydantic import BaseModel, Field

from motcua.catalog.forms import validate_form
from motcua.dossiers.api import DossierOut, _out, _visible
from motcua.drafts import store as drafts
from motcua.drafts.models import Draft
from motcua.lib.errors import Conflict
from motcua.lib.ratelimit import rate_limited

router = Router(tags=["drafts"])


class DraftIn(BaseModel):
    procedure: str = Field(max_length=32)
    data: dict[str, Any] = Field(default_factory=dict)


class DraftUpdate(BaseModel):
    data: dict[str, Any] = Field(description="all answers so far (replaces the stored ones)")
    step: str | None = Field(None, max_length=64, description="where the citizen is, for resuming in the portal")
    unit: str | None = Field(None, max_length=48, description="the receiving unit, when the citizen chose one")


class SubmitIn(BaseModel):
    unit: str | None = Field(None, max_length=48)


class FieldErrorOut(Schema):
    field: str
    code: str
    message: str


class DraftOut(Schema):
    id: str
    procedure: str
    procedure_version: int
    data: dict[str, Any]
    components: list[dict[str, Any]]
    step: str
    unit: str
    created_at: datetime
    updated_at: datetime
    errors: list[FieldErrorOut] = Field(description="what the form's schema says about the answers so far")
    moved_to_new_version: bool = False
    dropped_fields: list[str] = Field(default_factory=list)
    dropped_components: list[str] = Field(default_factory=list)


def _draft_out(draft: Draft, change: drafts.Refresh | None = None) -> dict:
    version = draft.procedure_version
    change = change or drafts.Refresh()
    return {
        "id": str(draft.public_id), "procedure": draft.procedure.code, "procedure_version": version.number,
        "data": draft.data, "components": draft.components, "step": draft.step, "unit": draft.unit_code,
        "created_at": draft.created_at, "updated_at": draft.updated_at,
        "errors": [e.as_dict() for e in validate_form(version.form_schema, draft.data)],
        "moved_to_new_version": change.moved, "dropped_fields": change.dropped_fields,
        "dropped_components": change.dropped_components,
    }


@router.post("", response={201: DraftOut}, summary="Start a draft")
def create(request, body: DraftIn):
    draft = drafts.start(request.user, body.procedure, data=body.data)
    return Answer(201, _draft_out(draft))


@router.get("", response=list[DraftOut], summary="Your drafts, last touched first")
def list_drafts(request):
    return [_draft_out(d) for d in drafts.drafts_of(request.user).order_by("-updated_at")[:drafts.MAX_DRAFTS]]


def _current(request, draft_id: str) -> tuple[Draft, drafts.Refresh]:
    draft = drafts.owned(request.user, draft_id)
    return draft, drafts.refresh(draft)


@router.get("/{draft_id}", response=DraftOut, summary="One draft (moved to the procedure's current version)")
def get_draft(request, draft_id: str):
    return _draft_out(*_current(request, draft_id))


@router.put("/{draft_id}", response=DraftOut, summary="Save answers into a draft")
def update(request, draft_id: str, body: DraftUpdate):
    draft, change = _current(request, draft_id)
    changes: dict[str, object] = {"data": drafts.known_fields(draft.procedure_version, body.data)}
    if body.step is not None:
        changes["step"] = body.step
    if body.unit is not None:
        changes["unit_code"] = body.unit
    drafts.save(draft, **changes)
    return _draft_out(draft, change)


@router.delete("/{draft_id}", response={204: None}, summary="Delete a draft and its uploaded files")
def delete(request, draft_id: str):
    drafts.delete(drafts.owned(request.user, draft_id))
    return Answer(204, None)


@router.post("/{draft_id}/submit", response={201: DossierOut}, summary="Submit a draft as a dossier (the draft is deleted)")
@rate_limited("submit")
def submit(request, draft_id: str, body: SubmitIn | None = None):
    draft, change = _current(request, draft_id)
    if change.moved:
        # The answers were just moved to a new form: the client should look at them again first.
        raise Conflict(
            _("Thủ tục vừa được cập nhật; hãy xem lại bản nháp trước khi nộp."), code="draft_version_changed",
            dropped_fields=change.dropped_fields, dropped_components=change.dropped_components,
        )
    # Registry values and registry-held components are applied by the core (vault.submission).
    dossier = drafts.submit(request.user, draft.public_id, unit_code=body.unit if body is not None else None)
    return Answer(201, _out(_visible(request, dossier.code), request.user))
