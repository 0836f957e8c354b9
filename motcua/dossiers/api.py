"""Dossier endpoints: submit, read, list, act, download the result."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status as Answer
from pydantic import BaseModel

from motcua.dossiers import actions
from motcua.dossiers.access import staff_dossiers, visible_dossiers
from motcua.dossiers.errors import Forbidden, NotFound
from motcua.dossiers.models import Dossier, Status
from motcua.units.models import Unit
from motcua.units.scope import units_for

router = Router(tags=["dossiers"])


class DossierIn(Schema):
    procedure: str
    data: dict[str, Any]
    unit: str | None = None
    components: list[dict[str, Any]] | None = None


class ActionIn(BaseModel):
    # A plain pydantic model, not a ninja Schema: a Schema reads attributes off any
    # value, so a JSON string or list as the body validated as "no reason" and the
    # action ran; this one accepts only a JSON object.
    reason: str = ""


class EventOut(Schema):
    action: str
    from_status: int | None
    to_status: int
    at: datetime
    actor: str | None
    reason: str


class DossierOut(Schema):
    code: str
    status: int
    status_label: str
    procedure: str
    procedure_version: int
    unit: str
    channel: int
    fee: int
    submitted_at: datetime
    received_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    returned_at: datetime | None
    data: dict[str, Any]
    allowed_actions: list[str]
    result_url: str | None
    history: list[EventOut]


class DossierRow(Schema):
    code: str
    status: int
    status_label: str
    procedure: str
    unit: str
    submitted_at: datetime
    due_at: datetime | None


def _out(dossier: Dossier, user) -> dict:
    events = dossier.events.select_related("actor").order_by("id")
    return {
        "code": dossier.code,
        "status": dossier.status,
        "status_label": str(Status(dossier.status).label),
        "procedure": dossier.procedure.code,
        "procedure_version": dossier.procedure_version.number,
        "unit": dossier.unit.code,
        "channel": dossier.channel,
        "fee": dossier.fee,
        "submitted_at": dossier.submitted_at,
        "received_at": dossier.received_at,
        "due_at": dossier.due_at,
        "finished_at": dossier.finished_at,
        "returned_at": dossier.returned_at,
        "data": dossier.data,
        "allowed_actions": actions.allowed_actions(dossier, user),
        "result_url": f"/api/v1/dossiers/{dossier.code}/result" if hasattr(dossier, "result") else None,
        "history": [
            {
                "action": e.action, "from_status": e.from_status, "to_status": e.to_status, "at": e.at,
                "actor": e.actor.get_username() if e.actor else None, "reason": e.reason,
            }
            for e in events
        ],
    }


def _visible(request, code: str) -> Dossier:
    dossier = (
        visible_dossiers(request.user)
        .select_related("procedure", "procedure_version", "unit", "result")
        .filter(code=code)
        .first()
    )
    if dossier is None:
        raise NotFound(_("Không tìm thấy hồ sơ %(code)s.") % {"code": code}, code="dossier_not_found")
    return dossier


@router.post("", response={201: DossierOut}, summary="Submit a dossier")
def submit(request, body: DossierIn):
    dossier = actions.submit(
        request.user, body.procedure, body.data, unit_code=body.unit, components=body.components
    )
    return Answer(201, _out(_visible(request, dossier.code), request.user))


@router.get("", response=list[DossierRow], summary="List dossiers: your own, or a unit's (staff)")
def list_dossiers(
    request,
    unit: str | None = None,
    status: int | None = Query(None, ge=1, le=10),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
):
    if unit:
        target = Unit.objects.filter(code=unit).first()
        if target is None or not units_for(request.user).filter(pk=target.pk).exists():
            raise Forbidden(_("Bạn không phục vụ đơn vị %(unit)s.") % {"unit": unit}, code="unit_forbidden")
        qs = staff_dossiers(request.user).filter(unit__path__startswith=target.path)
    else:
        qs = Dossier.objects.filter(applicant=request.user)
    if status:
        qs = qs.filter(status=status)
    qs = qs.select_related("procedure", "unit").order_by("-submitted_at", "-id")[offset : offset + limit]
    return [
        {
            "code": d.code, "status": d.status, "status_label": str(Status(d.status).label),
            "procedure": d.procedure.code, "unit": d.unit.code, "submitted_at": d.submitted_at, "due_at": d.due_at,
        }
        for d in qs
    ]


@router.get("/{code}", response=DossierOut, summary="One dossier with its history")
def get_dossier(request, code: str):
    return _out(_visible(request, code), request.user)


@router.post("/{code}/actions/{action}", response=DossierOut, summary="Act on a dossier")
def act(request, code: str, action: str, body: ActionIn | None = None):
    actions.perform(code, action, request.user, reason=body.reason if body else "")
    return _out(_visible(request, code), request.user)


@router.get("/{code}/result", summary="Download the result PDF", response={200: None})
def result(request, code: str):
    dossier = _visible(request, code)
    doc = getattr(dossier, "result", None)
    if doc is None:
        raise NotFound(_("Hồ sơ chưa có kết quả."), code="no_result")
    return FileResponse(doc.file.open("rb"), content_type="application/pdf", filename=f"{dossier.code}.pdf")
