"""The catalogue's authoring API: /api/v1/catalog/drafts … and a procedure's versions (docs/api.md, "Authoring").

A draft's body is a procedure in the catalogue format, as JSON (what a YAML file of procedures/ holds).
Saving needs `If-Match` with the draft's ETag (its revision): two editors saving the same revision get
one success and one 409 `edit_conflict`, never a lost edit.
"""

from __future__ import annotations

from datetime import date as Day
from datetime import datetime
from typing import Annotated, Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Body, File, Query, Router
from ninja.files import UploadedFile
from ninja.responses import Status as Answer
from pydantic import BaseModel, ConfigDict, Field

from motcua.authoring import bulk, store
from motcua.authoring.diff import diff
from motcua.authoring.models import Abolition, ProcedureDraft, VersionRecord
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.lib.errors import Forbidden, NotFound
from motcua.lib.ratelimit import rate_limited

router = Router(tags=["authoring"])
# The body of a draft: a procedure as a file of procedures/ holds it, in JSON (the whole of it, on every save).
DEFINITION_BODY = Annotated[dict[str, Any], Body(..., description="a procedure in the catalogue format, as JSON")]
versions_router = Router(tags=["procedures"])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProblemOut(BaseModel):
    path: str = Field(description="the field concerned, as `workflow/steps/1/role`")
    message: str


class CreatedOut(BaseModel):
    id: str
    revision: int
    problems: list[ProblemOut]


class DraftOut(BaseModel):
    id: str
    code: str
    unit: str
    status: str = Field(description="draft, submitted, returned or published")
    revision: int = Field(description="the draft's revision: send it back as If-Match (the ETag) when saving")
    base_version: int | None = Field(description="the version the draft was started from (null: a new procedure)")
    published_version: int | None
    comments: str = Field(description="the approver's comments when the draft was sent back")
    created_by: str
    updated_by: str
    submitted_by: str | None
    created_at: datetime
    updated_at: datetime
    definition: dict[str, Any]
    problems: list[ProblemOut]


class RevisionErrorOut(BaseModel):
    code: str = Field(description="precondition_required")
    message: str
    revision: int = Field(description="the draft's current revision: send it as If-Match")


class DraftRow(BaseModel):
    id: str
    code: str
    unit: str
    status: str
    revision: int
    updated_at: datetime


class DecisionIn(Strict):
    number: str = Field("", max_length=64, description="the decision's number, e.g. 1234/QĐ-UBND")
    date: Day | None = Field(None, description="the day it was signed")
    issuer: str = Field("", max_length=255, description="who issued it, e.g. Chủ tịch UBND tỉnh")


class PublishIn(Strict):
    effective_from: Day | None = Field(None, description="the first day of the new version (default: today; never in the past)")
    decision: DecisionIn | None = Field(None, description="the decision announcing the version (quyết định công bố)")


class ReturnIn(Strict):
    comments: str = Field(min_length=1, max_length=store.MAX_COMMENTS)


class PublishedOut(BaseModel):
    code: str
    version: int
    effective_from: Day
    current: bool = Field(description="false while the effective date has not come")


class DecisionOut(BaseModel):
    number: str
    date: Day | None
    issuer: str


class VersionOut(BaseModel):
    number: int
    loaded_at: datetime
    source: str = Field(description="`authoring/…` for a version published through the editor, else the file")
    current: bool
    effective_from: Day | None
    decision: DecisionOut | None
    approved_by: str | None


class AbolitionOut(BaseModel):
    effective_from: Day
    decision: DecisionOut
    applied: bool


class VersionsOut(BaseModel):
    code: str
    active: bool = Field(description="false once abolished: no new dossiers")
    abolition: AbolitionOut | None
    versions: list[VersionOut]


class ChangeOut(BaseModel):
    section: str = Field(description="identity, fields, components, fees, times, steps, result or other")
    kind: str = Field(description="added, removed or changed")
    item: str
    old: str
    new: str


class DiffOut(BaseModel):
    code: str
    old: str = Field(description="what is compared: `v3`, or `none` for a new procedure")
    new: str = Field(description="`v4`, or `draft`")
    changes: list[ChangeOut]


class AbolishIn(Strict):
    effective_from: Day | None = Field(None, description="the first day without new dossiers (default: today)")
    decision: DecisionIn | None = None


class ImportRow(BaseModel):
    file: str
    ok: bool
    code: str | None
    id: str | None = Field(description="the draft made of it")
    problems: list[ProblemOut]


def _name(user) -> str:
    return user.username if user else ""


def _draft_out(draft: ProcedureDraft) -> dict:
    return {
        "id": str(draft.public_id), "code": draft.code, "unit": draft.unit.code, "status": draft.status,
        "revision": draft.revision, "base_version": draft.base.number if draft.base else None,
        "published_version": draft.published.number if draft.published else None, "comments": draft.comments,
        "created_by": _name(draft.created_by), "updated_by": _name(draft.updated_by),
        "submitted_by": _name(draft.submitted_by) or None, "created_at": draft.created_at,
        "updated_at": draft.updated_at, "definition": draft.definition,
        "problems": store.problems_of(draft.definition),
    }


def _decision(body: DecisionIn | None) -> store.Decision:
    return store.Decision(body.number, body.date, body.issuer) if body else store.Decision()


@router.post("/drafts", response={201: CreatedOut}, summary="Start a draft from a procedure in the catalogue format")
@rate_limited("catalog_write")
def create_draft(
    request,
    definition: DEFINITION_BODY,
    unit: str = Query("", max_length=32, description="the unit whose catalogue it belongs to (default: the editor's)"),
):
    draft = store.create(request.user, definition, unit or None)
    return Answer(201, {"id": str(draft.public_id), "revision": draft.revision,
                        "problems": store.problems_of(draft.definition)})


@router.get("/drafts", response=list[DraftRow], summary="The drafts of the units one edits or approves for")
def list_drafts(request, status: str = Query("", max_length=16), limit: int = Query(100, ge=1, le=500),
                offset: int = Query(0, ge=0, le=1_000_000)):
    # A row holds no definition: reading and decoding each one's JSON was most of a 500-row answer.
    drafts = store.scope.visible_drafts(request.user).select_related("unit").defer("definition").order_by("-updated_at")
    if status:
        drafts = drafts.filter(status=status)
    return [{"id": str(d.public_id), "code": d.code, "unit": d.unit.code, "status": d.status,
             "revision": d.revision, "updated_at": d.updated_at} for d in drafts[offset:offset + limit]]


@router.get("/drafts/{draft_id}", response=DraftOut, summary="One draft, its problems and its ETag")
def get_draft(request, draft_id: str, response: HttpResponse):
    draft = store.get(request.user, draft_id)
    response["ETag"] = store.etag(draft)
    return _draft_out(draft)


@router.put("/drafts/{draft_id}", response={200: DraftOut, 428: RevisionErrorOut}, summary="Save a draft (If-Match: the ETag read)")
@rate_limited("catalog_write")
def save_draft(request, draft_id: str, response: HttpResponse,
               definition: DEFINITION_BODY):
    revision = store.parse_etag(request.headers.get("If-Match"))
    draft = store.save(request.user, draft_id, definition, revision)
    response["ETag"] = store.etag(draft)
    return _draft_out(draft)


@router.post("/drafts/{draft_id}/submit", response=DraftOut, summary="Submit a draft for review (editor)")
def submit_draft(request, draft_id: str):
    return _draft_out(store.submit(request.user, draft_id))


@router.post("/drafts/{draft_id}/return", response=DraftOut, summary="Send a draft back with comments (approver)")
def return_draft(request, draft_id: str, body: ReturnIn):
    return _draft_out(store.send_back(request.user, draft_id, body.comments))


@router.post("/drafts/{draft_id}/publish", response=PublishedOut, summary="Publish a submitted draft (approver)")
def publish_draft(request, draft_id: str, body: PublishIn | None = None):
    body = body or PublishIn()
    version = store.publish(request.user, draft_id, _decision(body.decision), body.effective_from)
    record = version.record
    return {"code": version.procedure.code, "version": version.number, "effective_from": record.effective_from,
            "current": record.applied}


@router.get("/drafts/{draft_id}/diff", response=DiffOut, summary="What the draft changes in the version it started from")
def draft_diff(request, draft_id: str):
    draft = store.get(request.user, draft_id)
    base = draft.base.definition if draft.base else {}
    return {"code": draft.code, "old": f"v{draft.base.number}" if draft.base else "none", "new": "draft",
            "changes": [c.as_dict() for c in diff(base, draft.definition)]}


@router.post("/imports", response=list[ImportRow], summary="Drafts from a zip of procedure files, one row per file")
@rate_limited("catalog_import")
def import_zip(request, file: File[UploadedFile], unit: str = Query("", max_length=32)):
    if store.scope.home_unit(request.user) is None:
        raise Forbidden(_("Chỉ cán bộ biên tập danh mục mới tạo được bản nháp."), code="not_an_editor")
    rows = bulk.drafts_from_zip(request.user, file, unit or None)
    return [row.as_dict() for row in rows]


def _procedure(code: str) -> Procedure:
    procedure = Procedure.objects.filter(code=code).first()
    if procedure is None:
        raise NotFound(_("Không có thủ tục mã %(code)s.") % {"code": code}, code="unknown_procedure")
    return procedure


def _decision_out(number: str, day: Day | None, issuer: str) -> dict | None:
    return {"number": number, "date": day, "issuer": issuer} if (number or day or issuer) else None


@versions_router.get("/{code}/versions", response=VersionsOut, auth=None,
                     summary="Every version of a procedure, with the decision that announced it")
def versions(request, code: str):
    procedure = _procedure(code)
    rows = ProcedureVersion.objects.filter(procedure=procedure).select_related("record__approved_by") \
        .defer("definition", "source_text").order_by("number")
    found = []
    for v in rows:
        record: VersionRecord | None = getattr(v, "record", None)
        found.append({
            "number": v.number, "loaded_at": v.loaded_at, "source": v.source, "current": v.pk == procedure.current_id,
            "effective_from": record.effective_from if record else None,
            "decision": _decision_out(record.decision_number, record.decision_date, record.decision_issuer) if record else None,
            "approved_by": record.approved_by.username if record else None,
        })
    abolition: Abolition | None = Abolition.objects.filter(procedure=procedure).first()
    return {
        "code": procedure.code, "active": procedure.active, "versions": found,
        "abolition": {"effective_from": abolition.effective_from, "applied": abolition.applied,
                      "decision": _decision_out(abolition.decision_number, abolition.decision_date,
                                                abolition.decision_issuer) or {"number": "", "date": None, "issuer": ""}}
        if abolition else None,
    }


@versions_router.get("/{code}/versions/{number}/diff", response=DiffOut, auth=None,
                     summary="What a version changed from another (by default the one before it)")
def version_diff(request, code: str, number: int, against: int | None = Query(None, ge=0, le=1_000_000)):
    procedure = _procedure(code)
    if not 0 < number <= 1_000_000:
        raise NotFound(_("Không có phiên bản này."), code="unknown_version")
    new = ProcedureVersion.objects.filter(procedure=procedure, number=number).first()
    other = number - 1 if against is None else against
    old = ProcedureVersion.objects.filter(procedure=procedure, number=other).first() if other > 0 else None
    if new is None or (other > 0 and old is None):
        raise NotFound(_("Không có phiên bản này."), code="unknown_version")
    return {"code": code, "old": f"v{old.number}" if old else "none", "new": f"v{new.number}",
            "changes": [c.as_dict() for c in diff(old.definition if old else {}, new.definition)]}


@versions_router.post("/{code}/abolish", response=AbolitionOut, summary="Abolish a procedure from a date (approver)")
def abolish(request, code: str, body: AbolishIn | None = None):
    body = body or AbolishIn()
    abolition = store.abolish(request.user, code, _decision(body.decision), body.effective_from)
    return {"effective_from": abolition.effective_from, "applied": abolition.applied,
            "decision": _decision_out(abolition.decision_number, abolition.decision_date, abolition.decision_issuer)
            or {"number": "", "date": None, "issuer": ""}}
