"""Dossier endpoints: submit, read, list, act, download the result."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status as Answer
from pydantic import BaseModel, ConfigDict, Field, model_validator

from motcua.catalog.models import Procedure, localized
from motcua.dossiers import actions
from motcua.dossiers.access import not_found, staff_dossiers, visible_dossiers
from motcua.dossiers.actions import payments as payment_actions
from motcua.dossiers.models import Dossier, Rating, Status, Task
from motcua.dossiers.timing import unit_shares
from motcua.lib.bounded import limit_query, offset_query
from motcua.lib.errors import Forbidden, Invalid, NotFound
from motcua.payments.gateways import gateway
from motcua.payments.gateways import known as known_gateways
from motcua.units.models import Unit
from motcua.units.scope import Grants, grants_of, units_for
from motcua.vault import uploads as vault_uploads

router = Router(tags=["dossiers"])


class ComponentIn(BaseModel):
    """One component: a file sent to POST /uploads, a vault document, or the registry that holds it.

    Paths, digests and names are never taken from a client (extra fields are refused).
    """

    model_config = ConfigDict(extra="forbid")

    key: str = Field(max_length=64)
    upload: str | None = Field(None, max_length=64, description="an id from POST /api/v1/uploads")
    vault_document: int | None = Field(None, ge=1, description="an id from GET /api/v1/vault/documents")
    source: Literal["registry"] | None = Field(None, description="registry: looked up by the agency's systems")

    @model_validator(mode="after")
    def one_source(self) -> ComponentIn:
        given = [self.upload is not None, self.vault_document is not None, self.source is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of upload, vault_document or source")
        return self


def _records(request, items: list[ComponentIn] | None, components: list[dict]) -> tuple[list[dict] | None, list[str]]:
    """The API's component references as the records the actions layer stores (files checked again)."""
    if items is None:
        return None, []
    return vault_uploads.resolve(request.user, components, [i.model_dump(exclude_none=True) for i in items])


class DossierIn(Schema):
    procedure: str
    data: dict[str, Any]
    unit: str | None = None
    components: list[ComponentIn] | None = None


# The rating's answers: the body of POST /dossiers/{code}/rating, and of the `rate` action.
RatingIn = actions.RatingAnswers


class RatingOut(Schema):
    answers: dict[str, str]
    overall: str
    comment: str
    rated_at: datetime


class SupplementAnswerIn(actions.SupplementAnswerInput):
    """submit_supplement's body: the components as references (the API turns them into records)."""

    components: list[ComponentIn] | None = Field(None, description="the components supplied")


# Each action's body: its rule's input model (dossiers/actions/inputs.py), but for the
# supplement answer, whose components arrive as references to uploads or vault documents.
BODIES: dict[str, type[actions.ActionInput]] = {
    **{name: rule.schema for name, rule in actions.RULES.items()}, "submit_supplement": SupplementAnswerIn,
}


class EventOut(Schema):
    action: str
    from_status: int | None
    to_status: int
    at: datetime
    actor: str | None
    reason: str


class TaskOut(Schema):
    step: str
    name: str
    unit: str
    role: str
    status: str
    assignee: str | None
    opened_at: datetime | None
    due_at: datetime | None
    done_at: datetime | None


class UnitShareOut(Schema):
    unit: str
    days_allowed: float
    days_used: float


class SupplementOut(Schema):
    number: int
    reason: str
    items: list[dict[str, str]]
    requested_at: datetime
    answered_at: datetime | None
    paused_days: int


class ApologyOut(Schema):
    number: str
    reason: str
    previous_due_at: datetime
    new_due_at: datetime
    issued_at: datetime


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
    legal_due_at: datetime | None
    deadline_state: str
    paused_days: int
    supplement_count: int
    payment_due: int
    amount_due: int = Field(description="đồng still to pay (the same as payment_due)")
    paid_online: int = Field(description="Decision 766: 0 not paid online, 1 national payment platform, 2 local gateway")
    data: dict[str, Any]
    components: list[dict[str, Any]]
    tasks: list[TaskOut]
    unit_shares: list[UnitShareOut]
    supplements: list[SupplementOut]
    apologies: list[ApologyOut]
    allowed_actions: list[str]
    result_url: str | None
    rating: RatingOut | None
    history: list[EventOut]


class DossierRow(Schema):
    code: str
    status: int
    status_label: str
    procedure: str
    unit: str
    submitted_at: datetime
    due_at: datetime | None


def _rating_out(dossier: Dossier) -> dict | None:
    found = Rating.objects.filter(dossier=dossier).first()
    if found is None:
        return None
    return {"answers": found.answers, "overall": found.overall, "comment": found.comment, "rated_at": found.rated_at}


def _has_result(dossier: Dossier) -> bool:
    if dossier.status not in (Status.PROCESSED, Status.RETURNED) and not Dossier.result.is_cached(dossier):
        return False
    return hasattr(dossier, "result")


def _out(dossier: Dossier, user, *, new: bool = False, grants: Grants | None = None) -> dict:
    """The dossier as the API shows it; `new`: just submitted, so no supplement, apology or rating yet.

    The tasks and events `actions.submit` leaves on a new dossier (prefetched) are used as they are.
    """
    known = getattr(dossier, "_prefetched_objects_cache", {})
    events = (
        sorted(known["events"], key=lambda e: e.pk) if "events" in known
        else dossier.events.select_related("actor").order_by("id")
    )
    tasks = (
        sorted(known["tasks"], key=lambda t: t.pk) if "tasks" in known
        else list(dossier.tasks.select_related("unit", "assignee").order_by("id"))
    )
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
        "legal_due_at": dossier.legal_due_at,
        "deadline_state": dossier.deadline_state,
        "paused_days": dossier.paused_days,
        "supplement_count": dossier.supplement_count,
        "payment_due": dossier.payment_due,
        "amount_due": dossier.payment_due,
        "paid_online": dossier.paid_online,
        "data": dossier.data,
        "components": dossier.components,
        "tasks": [
            {
                "step": t.step, "name": localized(t.name), "unit": t.unit.code, "role": t.role, "status": t.status,
                "assignee": t.assignee.get_username() if t.assignee else None,
                "opened_at": t.opened_at, "due_at": t.due_at, "done_at": t.done_at,
            }
            for t in tasks
        ],
        "unit_shares": [
            {"unit": s.unit.code, "days_allowed": s.days_allowed, "days_used": round(s.days_used, 2)}
            for s in unit_shares(dossier, tasks)
        ],
        # The dossier's own counts (kept by the actions layer with each request and letter) say
        # when there is nothing to read; so do the statuses for the result and the rating: a
        # result is issued on the way to PROCESSED, which leads only to RETURNED, the one status
        # a dossier is rated in and never leaves.
        "supplements": [] if new or not dossier.supplement_count else list(
            dossier.supplements.values("number", "reason", "items", "requested_at", "answered_at", "paused_days")
        ),
        "apologies": [] if new or not dossier.apology_count else list(
            dossier.apologies.values("number", "reason", "previous_due_at", "new_due_at", "issued_at")
        ),
        "allowed_actions": actions.allowed_actions(dossier, user, grants=grants, tasks=tasks),
        "result_url": f"/api/v1/dossiers/{dossier.code}/result" if _has_result(dossier) else None,
        "rating": None if new or dossier.status != Status.RETURNED else _rating_out(dossier),
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
        raise not_found(code)
    return dossier


@router.post("", response={201: DossierOut}, summary="Submit a dossier")
def submit(request, body: DossierIn):
    found = Procedure.objects.select_related("current").filter(code=body.procedure, active=True).first()
    version_components = found.current.components if found is not None and found.current is not None else []
    records, taken = _records(request, body.components, version_components)
    with transaction.atomic():  # the dossier and its uploads' claim commit together (vault/uploads.py)
        dossier = actions.submit(
            request.user, body.procedure, body.data, unit_code=body.unit, components=records, procedure=found
        )
        vault_uploads.mark_used(taken, dossier.code)
    # The dossier in hand is the applicant's own, with its procedure, version and unit: no need to
    # read it back (submit's answer took 7 queries; the benchmark's submit scenario, bench/run.py).
    Dossier.result.related.set_cached_value(dossier, None)  # no result yet, known without a query
    return Answer(201, _out(dossier, request.user, new=True))


@router.get("", response=list[DossierRow], summary="List dossiers: your own, or a unit's (staff)")
def list_dossiers(
    request,
    unit: str | None = None,
    status: int | None = Query(None, ge=1, le=10),
    limit: int = limit_query(50, 500),
    offset: int = offset_query(),
):
    if unit:
        target = Unit.objects.filter(code=unit).first()
        if target is None or not units_for(request.user).filter(pk=target.pk).exists():
            raise Forbidden(_("Bạn không phục vụ đơn vị %(unit)s.") % {"unit": unit}, code="unit_forbidden")
        # The unit's own dossiers and those in which it has a step (inter-agency work).
        subtree = Unit.objects.filter(path__startswith=target.path).values("pk")
        qs = staff_dossiers(request.user).filter(
            Q(unit__in=subtree) | Q(Exists(Task.objects.filter(dossier=OuterRef("pk"), unit__in=subtree)))
        )
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


def _act(request, code: str, action: str, body: actions.ActionInput | None) -> dict:
    records, taken = None, []
    if isinstance(body, SupplementAnswerIn):
        if body.components is not None:
            dossier = _visible(request, code)
            records, taken = _records(request, body.components, dossier.procedure_version.components)
        body = actions.SupplementAnswerInput(reason=body.reason, components=records, data=body.data)
    grants = grants_of(request.user)  # read once: for the action and for the answer's allowed actions
    with transaction.atomic():  # the supplement and its uploads' claim commit together
        dossier = actions.perform(code, action, request.user, payload=body, grants=grants)
        vault_uploads.mark_used(taken, code)
    # The dossier the action just saved, with its unit, procedure and version, and seen by the
    # actor (the action checked that): shown without reading it back. Its tasks are read again,
    # since an action may change them in bulk.
    return _out(dossier, request.user, grants=grants)


def _action_operation(action: str, schema: type[actions.ActionInput]) -> None:
    """POST /{code}/actions/<action>: one operation per action, so the OpenAPI shows what each takes."""

    def act(request, code: str, body=None):
        return _act(request, code, action, body)

    # Set here, not written: the body's model differs per action (and annotations are strings here).
    act.__annotations__ = {"code": str, "body": schema | None}
    act.__name__ = f"act_{action}"
    router.post(
        f"/{{code}}/actions/{action}", response=DossierOut, summary=f"Act on a dossier: {action}",
        operation_id=f"act_{action}",
    )(act)


for _name, _schema in BODIES.items():
    _action_operation(_name, _schema)


@router.post("/{code}/actions/{action}", response=DossierOut, summary="An action that does not exist",
             include_in_schema=False)
def unknown_action(request, code: str, action: str):
    # Every action has its own operation above; any other name is answered as `perform` does.
    actions.perform(code, action, request.user)


@router.post("/{code}/rating", response={201: RatingOut}, summary="Rate a returned dossier (its applicant, once)")
def rate(request, code: str, body: RatingIn):
    actions.perform(code, "rate", request.user, payload=actions.RatingInput(rating=body))
    return Answer(201, _rating_out(_visible(request, code)))


@router.get("/{code}/result", summary="Download the result PDF", response={200: None})
def result(request, code: str):
    dossier = _visible(request, code)
    doc = getattr(dossier, "result", None)
    if doc is None:
        raise NotFound(_("Hồ sơ chưa có kết quả."), code="no_result")
    return FileResponse(doc.file.open("rb"), content_type="application/pdf", filename=f"{dossier.code}.pdf")


# --- payments (docs/payments.md) -------------------------------------------------------------------


class PaymentIn(Schema):
    model_config = ConfigDict(extra="forbid")
    gateway: str | None = Field(None, pattern=r"^[a-z0-9_-]{1,32}$", description="a configured gateway; default the site's")


class PaymentOut(Schema):
    id: int
    amount: int
    state: str
    purpose: str
    gateway: str
    order_ref: str
    pay_url: str | None = Field(None, description="where the applicant pays (a VNPAY 2.1.0 payment URL) while open")
    receipt_number: str
    refund_of: int | None
    created_at: datetime
    paid_at: datetime | None


def _payment_out(payment, pay_url: str | None = None) -> dict:
    return {
        "id": payment.pk, "amount": payment.amount, "state": payment.state, "purpose": payment.purpose,
        "gateway": payment.gateway, "order_ref": payment.order_ref, "pay_url": pay_url,
        "receipt_number": payment.receipt_number, "refund_of": payment.refund_of_id, "created_at": payment.created_at,
        "paid_at": payment.paid_at,
    }


def _return_url(request, gateway_code: str) -> str:
    return request.build_absolute_uri(f"/payments/return/{gateway_code}/")


@router.post("/{code}/payments", response={200: PaymentOut, 201: PaymentOut},
             summary="Pay what the dossier owes online (its applicant); Idempotency-Key makes a retry safe")
def start_payment(request, code: str, body: PaymentIn | None = None):
    key = request.headers.get("Idempotency-Key", "")
    if len(key) > 128 or "\x00" in key:
        raise Invalid(_("Khóa Idempotency-Key không hợp lệ."), code="invalid_idempotency_key")
    gateway_code = (body.gateway if body is not None else None) or django_settings.PAYMENT_GATEWAY
    if gateway_code not in known_gateways():
        raise Invalid(_("Không có cổng thanh toán “%(gateway)s”.") % {"gateway": gateway_code}, code="unknown_gateway")
    started = payment_actions.start_payment(
        code, request.user, return_url=_return_url(request, gateway_code), ip=request.META.get("REMOTE_ADDR") or "127.0.0.1",
        idempotency_key=key, gateway_code=gateway_code,
    )
    return Answer(201 if started.created else 200, _payment_out(started.payment, started.pay_url))


@router.get("/{code}/payments", response=list[PaymentOut], summary="The dossier's payments and refunds")
def list_payments(request, code: str):
    dossier = _visible(request, code)
    rows = []
    for p in dossier.payments.order_by("id"):
        url = None
        if p.state in ("created", "pending") and p.gateway in known_gateways() and dossier.applicant_id == request.user.pk:
            p.dossier = dossier
            url = gateway(p.gateway).pay_url(payment_actions.order_of(
                p, return_url=_return_url(request, p.gateway), ip=request.META.get("REMOTE_ADDR") or "127.0.0.1"))
        rows.append(_payment_out(p, url))
    return rows
