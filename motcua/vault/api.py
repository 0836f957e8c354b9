"""Vault endpoints: the caller's documents and access log, and file uploads for dossier components."""

from __future__ import annotations

from datetime import date, datetime

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as Answer

from motcua.catalog.models import Procedure
from motcua.lib.bounded import Id, limit_query, offset_query
from motcua.lib.errors import ActionError, Invalid, NotFound
from motcua.lib.ratelimit import rate_limited
from motcua.vault import uploads
from motcua.vault.access import log_for
from motcua.vault.content_checks import UploadRefused
from motcua.vault.store import documents_for, get_for, is_expired, open_file, type_label
from motcua.vault.upload_checks import CONTENT_TYPES, safe_name

router = Router(tags=["vault"])
uploads_router = Router(tags=["uploads"])


class DocumentOut(Schema):
    id: int
    document_type: str
    type_label: str
    title: str
    issuer: str
    issued_on: date | None
    valid_until: date | None
    expired: bool
    origin: str
    source_dossier: str
    sha256: str
    size: int
    content_type: str
    created_at: datetime
    file_url: str


class AccessOut(Schema):
    at: datetime
    kind: str
    actor: str | None
    actor_label: str
    what: str
    registry: str
    vault_document: int | None
    fields: list[str]
    dossier: str
    purpose: str


class UploadOut(Schema):
    id: str
    name: str
    size: int
    sha256: str
    content_type: str


@router.get("/documents", response=list[DocumentOut], summary="Your vault documents (reuse them by id in a dossier)")
def list_documents(request, document_type: str | None = Query(None, max_length=64)):
    return [
        {
            "id": d.pk, "document_type": d.document_type, "type_label": type_label(d.document_type), "title": d.title,
            "issuer": d.issuer, "issued_on": d.issued_on, "valid_until": d.valid_until, "expired": is_expired(d),
            "origin": d.origin, "source_dossier": d.source_dossier, "sha256": d.sha256, "size": d.size,
            "content_type": d.content_type, "created_at": d.created_at, "file_url": f"/api/v1/vault/documents/{d.pk}/file",
        }
        for d in documents_for(request.user, document_type)
    ]


@router.get("/documents/{doc_id}/file", summary="Download one of your vault documents", response={200: None})
def document_file(request, doc_id: Id):
    document = get_for(request.user, doc_id)
    opened = open_file(document)
    if opened is None:
        raise NotFound(_("Không tìm thấy tệp của giấy tờ này."), code="file_missing")
    kind = {v: k for k, v in CONTENT_TYPES.items()}.get(document.content_type, "pdf")
    return FileResponse(opened, content_type=document.content_type, filename=safe_name(document.title, kind))


@router.get("/access-log", response=list[AccessOut], summary="Who read your registry data and vault documents")
def access_log(request, limit: int = limit_query(100, 500), offset: int = offset_query()):
    return [
        {
            "at": e.at, "kind": e.kind, "actor": e.actor.get_username() if e.actor else None,
            "actor_label": e.actor_label, "what": e.what, "registry": e.registry, "vault_document": e.document_id,
            "fields": e.fields, "dossier": e.dossier, "purpose": e.purpose,
        }
        for e in log_for(request.user).select_related("actor")[offset : offset + limit]
    ]


class TooLarge(ActionError):
    status = 413
    code = "upload_too_large"


class WrongType(ActionError):
    status = 415
    code = "upload_wrong_type"


class UploadError(ActionError):
    """A refusal whose status and code the content checks chose (vault/content_checks.py)."""

    def __init__(self, message: str, *, status: int, code: str) -> None:
        super().__init__(message, code=code)
        self.status = status


@uploads_router.post("", response={201: UploadOut}, summary="Upload a file for a dossier component")
@rate_limited("upload")
def upload(
    request,
    file: File[UploadedFile],
    procedure: Form[str | None] = None,
    component: Form[str | None] = None,
):
    """The file is checked by its content (PDF, JPEG, PNG); with `procedure` and `component`, by that component's rule."""
    spec = None
    if procedure or component:
        found = Procedure.objects.select_related("current").filter(code=procedure or "", active=True).first()
        spec = next((c for c in (found.current.components if found and found.current else []) if c["key"] == component), None)
        if spec is None:
            raise Invalid(_("Thủ tục không có thành phần hồ sơ này."), code="unknown_component", components=[component])
    return Answer(201, receive_file(file, spec, owner=request.user))


def receive_file(file: UploadedFile, spec: dict | None, *, owner=None, contact: str = "") -> dict:
    """Check and keep one file sent to the API (an account's, or an anonymous filer's verified contact's): the
    upload's answer, or 400/413/415/422/503 in the user's language. Also POST /api/v1/petitions/attachments."""
    rule = uploads.api_rule(spec)
    if not file.size:
        raise Invalid(_("Tệp “%(name)s” rỗng.") % {"name": file.name}, code="upload_empty")
    if file.size is not None and file.size > rule.max_bytes:
        raise TooLarge(
            _("Tệp “%(name)s” quá lớn (%(size)s MB); tối đa %(max)s MB.")
            % {"name": file.name, "size": f"{file.size / 1024 / 1024:.1f}", "max": f"{rule.max_mb:g}"},
            max_mb=rule.max_mb,
        )
    try:
        stored = uploads.receive(owner, file, spec, contact=contact)
    except UploadRefused as exc:  # what is inside: active content, trailing data, a virus (422), no scanner (503)
        raise UploadError(str(exc), status=exc.status, code=exc.code) from None
    except ValueError as exc:
        raise WrongType(str(exc), types=list(rule.types)) from None
    return {"id": stored.token, "name": stored.name, "size": stored.size, "sha256": stored.sha256,
            "content_type": stored.content_type}
