"""Dossier endpoints: submit, read, list, act, download the result."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status as Answer
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationInfo,
    create_model,
    model_validator,
)

from motcua.catalog.models import Procedure, localized
from motcua.dossiers import actions, bulk
from motcua.dossiers import search as dossier_search
from motcua.dossiers.access import not_found, staff_dossiers, visible_dossiers
from motcua.dossiers.actions import counter as counter_actions
from motcua.dossiers.actions import payments as payment_actions
from motcua.dossiers.models import Channel, Dossier, DossierEvent, Rating, Status, Task
from motcua.dossiers.timing import unit_shares
from motcua.lib import extensions
from motcua.lib.bounded import limit_query, offset_query
from motcua.lib.compiled import Compiled
from motcua.lib.errors import Forbidden, Invalid, NotFound
from motcua.lib.ratelimit import rate_limited
from motcua.payments.gateways import gateway
from motcua.payments.gateways import known as known_gateways
from motcua.results import receipt as receipt_drawing
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
    paper_reason: str | None = Field(
        None, min_length=1, max_length=500,
        description="counter and postal filings only: the component stays on paper only, for this reason",
    )

    @model_validator(mode="after")
    def one_source(self) -> ComponentIn:
        given = [self.upload is not None, self.vault_document is not None, self.source is not None,
                 self.paper_reason is not None]
        if sum(given) != 1:
            raise ValueError("give exactly one of upload, vault_document, source or paper_reason")
        if self.paper_reason is not None and "\x00" in self.paper_reason:
            raise ValueError("NUL character")
        return self


def _records(request, items: list[ComponentIn] | None, components: list[dict]) -> tuple[list[dict] | None, list[str]]:
    """The API's component references as the records the actions layer stores (files checked again)."""
    if items is None:
        return None, []
    return vault_uploads.resolve(request.user, components, [i.model_dump(exclude_none=True) for i in items])


class ApplicantIn(BaseModel):
    """Whom a one-stop officer files for: a citizen by personal ID, a foreigner by passport, a company by tax code."""

    model_config = ConfigDict(extra="forbid")

    personal_id: str | None = Field(None, max_length=32, description="12 digits; looked up in the population registry")
    passport: str | None = Field(None, max_length=32, description="a foreigner's passport number (with full_name)")
    nationality: str | None = Field(None, max_length=64)
    tax_code: str | None = Field(None, max_length=16, description="a company's tax code (with full_name if unknown)")
    full_name: str | None = Field(None, max_length=255, description="the name as written on the papers")


class Plain(Schema):
    """A schema for parsed JSON and for the dicts the views build (`_out`): a dict is validated once, as it is.

    django-ninja's `Schema` reads every field through its `DjangoGetter` (which lists a manager, calls a
    callable, gives a file's URL: none of which a dict of plain values holds), in Python, field by field, and
    with `extra="forbid"` validates a body twice (docs/operations.md, issue 22). Anything else than a dict (a
    model instance) goes the library's way.
    """

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler: ModelWrapValidatorHandler, info: ValidationInfo) -> Any:
        if type(values) is dict:
            return handler(values)
        return super()._run_root_validator(values, handler, info)


class DossierIn(Plain):
    model_config = ConfigDict(extra="forbid")

    procedure: str = Field(max_length=64)
    data: dict[str, Any]
    unit: str | None = Field(None, max_length=32)
    components: list[ComponentIn] | None = None
    channel: int | None = Field(
        None, ge=1, le=3,
        description="1 in person at the counter, 3 by public post (one-stop officers, with `applicant`); 2 online",
    )
    applicant: ApplicantIn | None = Field(None, description="one-stop officers only: whom the dossier is filed for")
    payment_receipt: str | None = Field(
        None, min_length=1, max_length=64, pattern=r"^[\w./-]+$",
        description="counter filings: the receipt number of a fee due at filing, paid at the counter",
    )


# The rating's answers: the body of POST /dossiers/{code}/rating, and of the `rate` action.
RatingIn = actions.RatingAnswers


class RatingOut(Plain):
    answers: dict[str, str]
    overall: str
    comment: str
    rated_at: datetime


class SupplementAnswerIn(actions.SupplementAnswerInput):
    """submit_supplement's body: the components as references (the API turns them into records)."""

    components: list[ComponentIn] | None = Field(None, description="the components supplied")


class DigitizeIn(actions.ActionInput):
    """digitize's body: the component and the scan, sent first to POST /uploads (never a path)."""

    key: str = Field(max_length=64, description="a component of the procedure")
    upload: str = Field(max_length=64, description="an id from POST /api/v1/uploads: the scan (PDF, JPEG, PNG)")


class ResultScanIn(actions.ActionInput):
    """digitize_result's body: the scan of the paper result, sent first to POST /uploads."""

    upload: str = Field(max_length=64, description="an id from POST /api/v1/uploads")


# Each action's body: its rule's input model (dossiers/actions/inputs.py), but for the
# supplement answer and the scans, whose files arrive as references to uploads or vault documents.
BODIES: dict[str, type[actions.ActionInput]] = {
    **{name: rule.schema for name, rule in actions.RULES.items()}, "submit_supplement": SupplementAnswerIn,
    "digitize": DigitizeIn, "digitize_result": ResultScanIn,
}


class EventOut(Plain):
    action: str
    from_status: int | None
    to_status: int
    at: datetime
    actor: str | None
    reason: str


class TaskOut(Plain):
    step: str
    name: str
    unit: str
    role: str
    status: str
    assignee: str | None
    opened_at: datetime | None
    due_at: datetime | None
    done_at: datetime | None


class UnitShareOut(Plain):
    unit: str
    days_allowed: float
    days_used: float


class LateRiskOut(Plain):
    risk: float | None = Field(description="chance (0–1) it ends after its legal due date; null: too little history")
    step: str = Field(description="the step it waits in (empty: the whole dossier)")
    step_unit: str | None
    holder: str | None
    elapsed_days: float
    available_days: float
    similar: int
    late_similar: int
    basis: str = Field(description="unit, procedure, past_due, or empty (too little history)")
    reason: str
    scored_at: datetime


class SupplementOut(Plain):
    number: int
    reason: str
    items: list[dict[str, str]]
    requested_at: datetime
    answered_at: datetime | None
    paused_days: int


class ApologyOut(Plain):
    number: str
    reason: str
    previous_due_at: datetime
    new_due_at: datetime
    issued_at: datetime


class DossierOut(Plain):
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
    decisions: dict[str, Any] = Field(
        default_factory=dict,
        description="what officers decided while processing: {choices: {step: choice}, values: {key: value}, "
                    "rounds: {step.choice: n}, refusal: {step, choice, reasons}} (docs/procedure-format.md)")
    components: list[dict[str, Any]]
    tasks: list[TaskOut]
    unit_shares: list[UnitShareOut]
    supplements: list[SupplementOut]
    apologies: list[ApologyOut]
    allowed_actions: list[str]
    result_url: str | None
    result_documents: list[dict[str, Any]] = Field(
        default_factory=list,
        description="the documents other agencies issued with the result (`result.parts`), each its own PDF "
                    "signed by its unit: {number, document_type, title, unit, url}")
    rating: RatingOut | None
    history: list[EventOut]
    late_risk: LateRiskOut | None = Field(
        None, description="officers only: the lateness risk of an open dossier (docs/monitoring.md, Insights)")


class DossierRow(Schema):
    code: str
    status: int
    status_label: str
    procedure: str
    unit: str
    channel: int
    applicant: str = Field(description="the applicant's name as written")
    submitted_at: datetime
    due_at: datetime | None
    deadline_state: str


def _rating_out(dossier: Dossier) -> dict | None:
    found = Rating.objects.filter(dossier=dossier).first()
    if found is None:
        return None
    return {"answers": found.answers, "overall": found.overall, "comment": found.comment, "rated_at": found.rated_at}


def _has_result(dossier: Dossier) -> bool:
    if dossier.status not in (Status.PROCESSED, Status.RETURNED) and not Dossier.result.is_cached(dossier):
        return False
    return hasattr(dossier, "result")


# Read by every answer that shows a dossier, and the procedure by every submission: compiled once (lib/compiled.py).
# The history as shown: the six columns of each event, the actor's user name joined (no instances built).
_HISTORY_COLUMNS = ("action", "from_status", "to_status", "at", "actor__username", "reason")
_HISTORY_KEYS = ("action", "from_status", "to_status", "at", "actor", "reason")  # EventOut's fields
_EVENTS: Compiled[tuple] = Compiled(
    lambda dossier_id: DossierEvent.objects.filter(dossier_id=dossier_id).order_by("id").values_list(*_HISTORY_COLUMNS)
)
_ACTIVE_PROCEDURE: Compiled[Procedure] = Compiled(
    lambda code: Procedure.objects.select_related("current").filter(code=code, active=True)[:1]
)


def _out(dossier: Dossier, user, *, new: bool = False, grants: Grants | None = None) -> dict:
    """The dossier as the API shows it; `new`: just submitted, so no supplement, apology or rating yet.

    The tasks and events `actions.submit` leaves on a new dossier (prefetched) are used as they are.
    """
    known = getattr(dossier, "_prefetched_objects_cache", {})
    history = (
        [
            {"action": e.action, "from_status": e.from_status, "to_status": e.to_status, "at": e.at,
             "actor": e.actor.get_username() if e.actor else None, "reason": e.reason}
            for e in sorted(known["events"], key=lambda e: e.pk)
        ] if "events" in known
        else [dict(zip(_HISTORY_KEYS, row, strict=True)) for row in _EVENTS(dossier.pk)]
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
        "decisions": dossier.decisions or {},
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
        "result_documents": [
            {"number": d.number, "document_type": d.document_type, "title": d.title, "unit": d.unit.code,
             "url": f"/api/v1/dossiers/{dossier.code}/results/{d.number}"}
            for d in dossier.result.documents.select_related("unit")
        ] if _has_result(dossier) else [],
        "rating": None if new or dossier.status != Status.RETURNED else _rating_out(dossier),
        "history": history,
    }


def _visible(request, code: str, grants: Grants | None = None) -> Dossier:
    dossier = (
        visible_dossiers(request.user, grants)
        .select_related("procedure", "procedure_version", "unit", "result")
        .filter(code=code)
        .first()
    )
    if dossier is None:
        raise not_found(code)
    return dossier


def _file_at_counter(request, body: DossierIn, found: Procedure | None, version_components: list[dict]):
    """A one-stop officer's counter (1) or postal (3) filing: the scans are the officer's uploads."""
    counter_actions.check_officer(request.user)
    if body.channel not in counter_actions.COUNTER_CHANNELS:
        raise Invalid(_("Tại quầy chỉ tiếp nhận hồ sơ trực tiếp (1) hoặc qua bưu chính công ích (3)."), code="invalid_channel")
    if body.applicant is None:
        raise Invalid(_("Hãy cho biết người nộp hồ sơ."), code="applicant_required")
    records, taken = _records(request, body.components, version_components)
    now = timezone.now()
    components = [
        counter_actions.scanned(r, request.user, now) if r.get("source") == "upload"
        else counter_actions.on_paper(r["key"], r["paper_reason"], request.user, now) if "paper_reason" in r
        else r
        for r in records or []
    ]
    # The dossier and its scans' claim commit together (vault/uploads.py); without scans, one transaction.
    with transaction.atomic() if taken else nullcontext():
        dossier = actions.file_at_counter(
            request.user, body.applicant.model_dump(exclude_none=True), body.procedure, body.data,
            channel=body.channel, unit_code=body.unit, components=components, procedure=found,
            payment_receipt=body.payment_receipt,
        )
        vault_uploads.mark_used(taken, dossier.code)
    shown = _visible(request, dossier.code)
    if shown.received_at is not None:
        receipt_drawing.keep_in_vault(shown)  # the receipt handed over, in the applicant's vault
    return Answer(201, _out(shown, request.user))


@router.post("", response={200: DossierOut, 201: DossierOut},
             summary="Submit a dossier (online), or file one at the counter or from the post (one-stop officers)")
@rate_limited("submit")
def submit(request, body: DossierIn):
    found = _ACTIVE_PROCEDURE.first(body.procedure)
    version_components = found.current.components if found is not None and found.current is not None else []
    if body.applicant is not None or body.channel not in (None, Channel.ONLINE):
        return _file_at_counter(request, body, found, version_components)
    if body.payment_receipt is not None or any(c.paper_reason is not None for c in body.components or []):
        raise Invalid(_("Chỉ hồ sơ nộp tại quầy mới có thể giữ bản giấy hoặc ghi biên lai thu tiền."), code="counter_only")
    records, taken = _records(request, body.components, version_components)
    # The dossier and its uploads' claim commit together (vault/uploads.py); without uploads (documents
    # reused from the vault, or none) the action's own transaction is all: no savepoint inside another.
    with transaction.atomic() if taken else nullcontext():
        dossier = actions.submit(
            request.user, body.procedure, body.data, unit_code=body.unit, components=records, procedure=found
        )
        vault_uploads.mark_used(taken, dossier.code)
    # The dossier in hand is the applicant's own, with its procedure, version and unit: no need to
    # read it back (submit's answer took 7 queries; the benchmark's submit scenario, bench/run.py).
    Dossier.result.related.set_cached_value(dossier, None)  # no result yet, known without a query
    return Answer(201, _out(dossier, request.user, new=True))


# "from" and "to" are Python words: the parameters are named so only in the query string.
DATE_FROM = Query(None, alias="from", description="submitted on or after (yyyy-mm-dd, local day)")
DATE_TO = Query(None, alias="to", description="submitted on or before (yyyy-mm-dd, local day)")


@router.get("", response=list[DossierRow], summary="List dossiers: your own (citizen), or your units' (staff), with filters")
def list_dossiers(
    request,
    unit: str | None = Query(None, max_length=48),
    q: str | None = Query(None, max_length=dossier_search.MAX_QUERY,
                          description="a dossier code (from its start), a 12-digit personal ID, or the applicant's "
                                      "name from its start, diacritics ignored"),
    status: int | None = Query(None, ge=1, le=10),
    channel: int | None = Query(None, ge=1, le=3, description="1 in person, 2 online, 3 public post"),
    procedure: str | None = Query(None, max_length=64, description="a procedure's code"),
    date_from: date | None = DATE_FROM,
    date_to: date | None = DATE_TO,
    limit: int = limit_query(50, 500),
    offset: int = offset_query(),
):
    filters = dossier_search.parse(q, status, channel, procedure, date_from, date_to)
    if unit:
        target = Unit.objects.filter(code=unit).first()
        if target is None or not units_for(request.user).filter(pk=target.pk).exists():
            raise Forbidden(_("Bạn không phục vụ đơn vị %(unit)s.") % {"unit": unit}, code="unit_forbidden")
        # The unit's own dossiers and those in which it has a step (inter-agency work).
        subtree = Unit.objects.filter(path__startswith=target.path).values("pk")
        qs = staff_dossiers(request.user).filter(
            Q(unit__in=subtree) | Q(Exists(Task.objects.filter(dossier=OuterRef("pk"), unit__in=subtree)))
        )
    elif grants_of(request.user):
        # An officer: the dossiers of every unit they serve (issue 17's search); never others'.
        # Each half of the search reads only as far as this page (dossiers/search.py).
        qs = dossier_search.for_officer(request.user, filters, window=offset + limit)
    else:
        qs = dossier_search.matching(Dossier.objects.filter(applicant=request.user), filters)
    if unit:
        qs = dossier_search.matching(qs, filters)
    qs = qs.select_related("procedure", "unit", "applicant__citizen").order_by(*dossier_search.ORDER)[offset : offset + limit]
    return [
        {
            "code": d.code, "status": d.status, "status_label": str(Status(d.status).label),
            "procedure": d.procedure.code, "unit": d.unit.code, "channel": d.channel,
            "applicant": d.applicant.get_full_name(), "submitted_at": d.submitted_at, "due_at": d.due_at,
            "deadline_state": d.deadline_state,
        }
        for d in qs
    ]


class BulkRow(Schema):
    code: str
    ok: bool
    status: int | None
    status_label: str | None = None
    error: str | None = None
    message: str | None = None
    allowed: list[str] | None = None


class BulkOut(Schema):
    action: str
    done: int
    refused: int
    results: list[BulkRow]


Code = Annotated[str, Field(min_length=1, max_length=48)]


def _bulk_operation(url_name: str, action: str, schema: type[actions.ActionInput]) -> None:
    """POST /actions/<action>: the action on several dossiers, answered per code (dossiers/bulk.py)."""
    body_model = create_model(
        f"Bulk{schema.__name__}", __base__=schema,
        codes=(list[Code], Field(min_length=1, max_length=bulk.MAX_CODES, description="the dossiers' codes")),
    )

    def act_many(request, body):  # required: a body of `null` is 422, never None here
        fields = body.model_dump(exclude={"codes"}, exclude_unset=True)
        payload = schema(**fields)
        grants = grants_of(request.user)
        outcomes = bulk.perform_many(action, body.codes, request.user, payload, grants=grants)
        done = sum(1 for o in outcomes if o.ok)
        return {"action": action, "done": done, "refused": len(outcomes) - done,
                "results": [o.as_dict() for o in outcomes]}

    act_many.__annotations__ = {"body": body_model}
    act_many.__name__ = f"bulk_{url_name}"
    router.post(
        f"/actions/{url_name}", response=BulkOut, summary=f"Act on several dossiers: {action}",
        operation_id=f"bulk_{url_name}", include_in_schema=url_name == action,
    )(act_many)


for _name in bulk.BULK_ACTIONS:
    _bulk_operation(_name, _name, actions.RULES[_name].schema)
for _alias, _name in bulk.ALIASES.items():  # "return": the officers' short word (not in the OpenAPI twice)
    _bulk_operation(_alias, _name, actions.RULES[_name].schema)


@router.post("/actions/{action}", response=BulkOut, summary="A bulk action that does not exist", include_in_schema=False)
def unknown_bulk_action(request, action: str):
    raise NotFound(
        _("Không có thao tác hàng loạt “%(action)s”.") % {"action": action}, code="unknown_action",
        actions=list(bulk.BULK_ACTIONS),
    )


@router.get("/{code}", response=DossierOut, summary="One dossier with its history")
def get_dossier(request, code: str):
    grants = grants_of(request.user)  # read once: for the lookup and for whether the reader serves it
    dossier = _visible(request, code, grants)
    out = _out(dossier, request.user)
    # Officers only (those who serve its unit or a unit above): an applicant never reads the estimate.
    if grants and staff_dossiers(request.user, grants).filter(pk=dossier.pk).exists():
        for fields in extensions.gather("dossier.staff_fields", dossier):  # insights: late_risk
            out.update(fields)
    return out


def _act(request, code: str, action: str, body: actions.ActionInput | None) -> dict:
    records, taken = None, []
    if isinstance(body, SupplementAnswerIn):
        if body.components is not None:
            dossier = _visible(request, code)
            records, taken = _records(request, body.components, dossier.procedure_version.components)
        body = actions.SupplementAnswerInput(reason=body.reason, components=records, data=body.data)
    elif isinstance(body, DigitizeIn | ResultScanIn):
        # The scan is the caller's own upload, checked for the component (PDF or image): never a path sent in.
        dossier = _visible(request, code)
        key = body.key if isinstance(body, DigitizeIn) else "result"
        records, taken = _records(request, [ComponentIn(key=key, upload=body.upload)], dossier.procedure_version.components)
        scan = records[0] if records else None
        body = (counter_actions.DigitizeInput(reason=body.reason, key=body.key, scan=scan) if isinstance(body, DigitizeIn)
                else counter_actions.ResultScanInput(reason=body.reason, scan=scan))
    grants = grants_of(request.user)  # read once: for the action and for the answer's allowed actions
    # The supplement and its uploads' claim commit together; without uploads (most actions), the
    # action's own transaction is all: no savepoint inside another (two statements a request).
    with transaction.atomic() if taken else nullcontext():
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


@router.get("/{code}/results/{number}", summary="Download a document issued with the result by another agency",
            response={200: None})
def result_document(request, code: str, number: str):
    """Each document another step issued (`result.parts`: the police's residence deletion notice…) is its
    own PDF, signed by the unit that issued it; listed in the dossier's `result_documents`."""
    dossier = _visible(request, code)
    doc = getattr(dossier, "result", None)
    found = doc.documents.filter(number=number).first() if doc is not None else None
    if found is None:
        raise NotFound(_("Không có văn bản số %(number)s.") % {"number": number}, code="no_result")
    return FileResponse(found.file.open("rb"), content_type="application/pdf", filename=f"{found.number}.pdf")


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
