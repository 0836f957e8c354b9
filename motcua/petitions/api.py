"""Petition endpoints (/api/v1/petitions): file, read, act, the public list, contact codes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as Answer
from ninja.security import APIKeyHeader, HttpBearer
from pydantic import ConfigDict, Field

from motcua.identity.models import ApiToken
from motcua.lib.ratelimit import rate_limited, request_keys
from motcua.petitions import access, otp, public, redact
from motcua.petitions.actions import RULES, Filing, allowed_actions, file_petition, perform
from motcua.petitions.actions.filing import ATTACHMENT_COMPONENT
from motcua.petitions.actions.inputs import MAX_TEXT
from motcua.petitions.models import Kind, Petition, PetitionStatus, Topic
from motcua.units.scope import grants_of
from motcua.vault.api import UploadOut, receive_file

router = Router(tags=["petitions"])


class ContactToken(APIKeyHeader):
    """An anonymous filer: the token a verified one-time code gave (POST /petitions/contact-codes/verify)."""

    param_name = "X-Contact-Token"

    def authenticate(self, request: HttpRequest, key: str | None):
        contact = otp.contact_for_token(key or "", timezone.now())
        if not contact:
            return None
        request.petition_contact = contact
        return contact


class FilerBearer(HttpBearer):
    """A citizen's bearer token, as the API's own (api/auth.py, not imported: the api room imports this one).

    An unknown token is not an error here: the contact token may still be there; with neither, 401."""

    def authenticate(self, request: HttpRequest, token: str):
        user = ApiToken.user_for(token.strip())
        if user is None:
            return None
        request.user = user
        return user


FILER_AUTH = [FilerBearer(), ContactToken()]


def _who(request) -> tuple[Any, str]:
    """(the signed-in user or None, the verified contact or "")."""
    contact = getattr(request, "petition_contact", "")
    user = None if contact else request.user
    return user, contact


class AttachmentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    upload: str = Field(min_length=1, max_length=64, description="an id from POST /api/v1/uploads")


class PetitionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: Kind = Field(description="feedback, petition, or complaint (about one of the filer's dossiers)")
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=MAX_TEXT)
    unit: str | None = Field(None, max_length=32, description="e-ID code of the unit addressed")
    procedure: str | None = Field(None, max_length=64, description="national code of the procedure concerned")
    dossier: str | None = Field(None, max_length=48, description="code of the filer's own dossier concerned")
    topic: Topic | None = Field(None, description="what it is about (default: from the references given)")
    attachments: list[AttachmentIn] = Field(
        default_factory=list, max_length=5,
        description="files sent first to POST /api/v1/petitions/attachments (or, signed in, POST /api/v1/uploads): "
                    "PDF, JPEG, PNG; 10 MB each; at most 5; the filer's own")


class FiledOut(Schema):
    code: str
    due_at: datetime
    status: str


class EventOut(Schema):
    action: str
    from_status: str
    to_status: str
    at: datetime
    reason: str


class PublicVersionOut(Schema):
    proposed: bool = Field(description="true: the masked proposal an officer may edit and publish; false: as published")
    subject: str
    body: str
    answer: str


class PetitionOut(Schema):
    code: str
    kind: str
    topic: str
    subject: str
    body: str
    status: str
    status_label: str
    origin: str
    unit: str
    first_unit: str
    forwarded: bool
    procedure: str | None
    dossier: str | None
    first_received_at: datetime
    refuse_due_at: datetime
    info_due_at: datetime
    due_at: datetime
    publish_due_at: datetime | None
    paused_days: int
    info_request: str
    refusal_reason: str
    answer: str
    answered_at: datetime | None
    published_at: datetime | None
    likes: int
    dislikes: int
    complained_again: bool
    attachments: list[dict[str, Any]]
    allowed_actions: list[str]
    public: PublicVersionOut | None = Field(
        description="what the public page shows once published; before, to the officer who may publish, the proposal")
    history: list[EventOut]


def _public(p: Petition, allowed: list[str]) -> dict | None:
    if p.status == PetitionStatus.PUBLISHED:
        return {"proposed": False, "subject": p.public_subject, "body": p.public_body, "answer": p.public_answer}
    if "publish" in allowed:
        return {"proposed": True, **redact.proposal(p)}
    return None


def _out(p: Petition, user, contact: str) -> dict:
    allowed = allowed_actions(p, user, contact=contact)
    return {
        "code": p.code, "kind": p.kind, "topic": p.topic, "subject": p.subject, "body": p.body,
        "status": p.status, "status_label": p.get_status_display(), "origin": p.origin, "unit": p.unit.code,
        "first_unit": p.first_unit.code, "forwarded": p.forwarded,
        "procedure": p.procedure.code if p.procedure_id else None, "dossier": p.dossier.code if p.dossier_id else None,
        "first_received_at": p.first_received_at, "refuse_due_at": p.refuse_due_at, "info_due_at": p.info_due_at,
        "due_at": p.due_at, "publish_due_at": p.publish_due_at, "paused_days": p.paused_days,
        "info_request": p.info_request, "refusal_reason": p.refusal_reason, "answer": p.answer,
        "answered_at": p.answered_at, "published_at": p.published_at, "likes": p.likes, "dislikes": p.dislikes,
        "complained_again": p.complained_again,
        "attachments": [{"name": a.get("name"), "size": a.get("size"), "content_type": a.get("content_type")}
                        for a in p.attachments],
        "allowed_actions": allowed, "public": _public(p, allowed),
        "history": [{"action": e.action, "from_status": e.from_status, "to_status": e.to_status, "at": e.at,
                     "reason": e.reason} for e in p.events.order_by("id")],
    }


def _visible(request, code: str) -> Petition:
    user, contact = _who(request)
    grants = grants_of(user) if user is not None else ()
    p = (access.visible_petitions(user, grants, contact).select_related("unit", "first_unit", "procedure", "dossier")
         .filter(code=code).first())
    if p is None:
        raise access.not_found(code)
    return p


@router.post("", response={200: FiledOut, 201: FiledOut}, auth=FILER_AUTH,
             summary="File feedback, a petition or a complaint (a citizen, or a verified contact); "
                     "Idempotency-Key makes a retry safe")
@rate_limited("petition")
def file(request, body: PetitionIn):
    user, contact = _who(request)
    petition, created = file_petition(
        Filing(kind=body.kind, subject=body.subject, body=body.body, unit=body.unit, procedure=body.procedure,
               dossier=body.dossier, topic=body.topic),
        user=user, contact=contact, idempotency_key=request.headers.get("Idempotency-Key", ""),
        uploads=[a.upload for a in body.attachments],
    )
    return Answer(201 if created else 200, {"code": petition.code, "due_at": petition.due_at, "status": petition.status})


class PublicRow(Schema):
    code: str
    kind: str
    topic: str
    subject: str
    body: str
    unit: str
    unit_name: str
    first_received_at: datetime
    answer: str
    published_at: datetime
    likes: int
    dislikes: int


class PublicPage(Schema):
    count: int
    items: list[PublicRow]


def _filer_keys(request: HttpRequest) -> list[str]:
    """By address, and by account or (anonymous) by the verified contact: one contact, one allowance."""
    contact = getattr(request, "petition_contact", "")
    return [*request_keys(request), f"contact:{contact}"] if contact else request_keys(request)


@router.post("/attachments", response={201: UploadOut}, auth=FILER_AUTH,
             summary="Upload a file to attach to a petition (a citizen, or a contact verified by a one-time code)")
@rate_limited("upload", keys=_filer_keys)
def attach(request, file: File[UploadedFile]):
    """Checked by content as a dossier's upload (PDF, JPEG, PNG; 10 MB); name its id in the petition's
    `attachments`. An anonymous filer's upload is their verified contact's: no other contact nor account can use it."""
    user, contact = _who(request)
    return Answer(201, receive_file(file, ATTACHMENT_COMPONENT, owner=user, contact=contact))


@router.get("/public", response=PublicPage, auth=None,
            summary="Published petitions and their answers, without personal data (anyone)")
def public_list(request, q: str = Query("", max_length=200), topic: Topic | None = None,
                limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0, le=100_000)):
    qs = public.search(q, topic)
    return {"count": qs.count(), "items": [public.row(p) for p in qs[offset:offset + limit]]}


class CodeIn(Schema):
    model_config = ConfigDict(extra="forbid")
    contact: str = Field(min_length=3, max_length=254, description="an e-mail address or a phone number")


class VerifyIn(CodeIn):
    code: str = Field(min_length=6, max_length=6, pattern=r"^[0-9]{6}$")


class TokenOut(Schema):
    token: str = Field(description="send it as X-Contact-Token to file and to act as this contact (1 hour)")


@router.post("/contact-codes", response={202: dict}, auth=None,
             summary="Send a one-time code to a contact (anonymous filing)")
@rate_limited("petition_code")
def send_code(request, body: CodeIn):
    otp.send_code(body.contact, timezone.now())
    return Answer(202, {"sent": True})


@router.post("/contact-codes/verify", response=TokenOut, auth=None, summary="Verify a one-time code")
@rate_limited("petition_code")
def verify_code(request, body: VerifyIn):
    return {"token": otp.verify_code(body.contact, body.code, timezone.now())}


@router.get("/{code}", response=PetitionOut, auth=FILER_AUTH,
            summary="A petition (its filer, or staff of the unit it is with or that forwarded it)")
def read(request, code: str):
    user, contact = _who(request)
    return _out(_visible(request, code), user, contact)


def _action_operation(action: str, schema) -> None:
    def act(request, code: str, body=None):
        user, contact = _who(request)
        perform(code, action, user, payload=body, contact=contact)
        return _out(_visible(request, code), user, contact)

    act.__annotations__ = {"code": str, "body": schema | None}
    act.__name__ = f"petition_{action}"
    router.post(f"/{{code}}/actions/{action}", response=PetitionOut, auth=FILER_AUTH,
                summary=f"Act on a petition: {action}", operation_id=f"petition_{action}")(act)


for _name, _rule in RULES.items():
    _action_operation(_name, _rule.schema)


@router.post("/{code}/actions/{action}", response=PetitionOut, auth=FILER_AUTH, include_in_schema=False)
def unknown_action(request, code: str, action: str):
    user, contact = _who(request)
    perform(code, action, user, contact=contact)
