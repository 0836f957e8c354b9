"""`POST /api/v1/outside/{agency}/answers`: an outside agency delivers, later, the answer it accepted to give.

The other half of the protocol `motcua.outside/1` (integrations/outside.py; docs/api.md, "Outside agencies'
answers"). An agency that answered a request `202 accepted` POSTs its answer here when it has it, signed
with its shared secret by the Standard Webhooks scheme (the one motcua's own webhooks use, signing.py):

    POST /api/v1/outside/tax/answers
    webhook-id: <the message's id>   webhook-timestamp: <unix seconds>   webhook-signature: v1,<base64 HMAC-SHA256>
    {"protocol": "motcua.outside/1", "request": "<dossier>/<step>", "status": "answered",
     "reference": "TB-…", "answer": "<in words>", "data": {<the agency's values>}}

- the signature is checked against the agency's secret(s) (OUTSIDE_AGENCY_SECRETS) before anything is
  read; a timestamp more than OUTSIDE_ANSWER_TOLERANCE_SECONDS from now is refused (401);
- the message id is remembered (`OutsideAnswer`) with what was answered: the same message again (a retry
  after a lost answer, a replay within the tolerance) gets the same answer and changes nothing;
- the answer goes through the actions layer (`dossiers.actions.who.answer_from_agency`), which completes
  the step and applies its clock rule (a stopped clock runs again, the due dates move by the days waited);
- counted per agency and per address (settings.RATE_LIMITS "outside_answer"): 429 over it.

No bearer token: the agency is not a motcua user; its secret is its credential.
"""

from __future__ import annotations

import json
import time
from typing import Literal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, ValidationError

from motcua.dossiers.actions.who import answer_from_agency
from motcua.dossiers.models import OutsideRequest
from motcua.integrations import signing
from motcua.integrations.models import OutsideAnswer
from motcua.lib.errors import ActionError, Conflict, Invalid, NotFound
from motcua.lib.ratelimit import client_address, rate_limited

router = Router(tags=["outside agencies"])
MAX_BODY = 16 * 1024
PROTOCOL = "motcua.outside/1"


class Unauthenticated(ActionError):
    status = 401


class Malformed(ActionError):
    status = 400


class AgencyAnswerIn(BaseModel):
    """The answer an outside agency delivers later."""

    model_config = ConfigDict(extra="forbid")

    protocol: Literal["motcua.outside/1"]
    request: str = Field(min_length=3, max_length=120, description="the request's id, as sent: <dossier>/<step>")
    status: Literal["answered"]
    reference: str = Field(min_length=1, max_length=100, description="the number of the agency's answer (a notice, a contract)")
    answer: str = Field("", max_length=2000, description="the answer in words")
    data: dict[str, StrictBool | StrictInt | StrictFloat | str | None] = Field(
        default_factory=dict, max_length=32, description="the agency's values (amounts, a meter number), at most 32")


class AnswerOut(BaseModel):
    status: Literal["recorded", "already_recorded"]
    request: str
    dossier: str
    replayed: bool = Field(False, description="this message id was received before: its first answer, again")


def _keys(request: HttpRequest) -> list[str]:
    # By address, and by agency (the path names it): one agency's flood does not stop the others.
    return [f"ip:{client_address(request)}", f"path:{request.path[:120]}"]


def _secrets(agency: str) -> list[str]:
    configured = (getattr(settings, "OUTSIDE_AGENCY_SECRETS", {}) or {}).get(agency)
    if not configured:
        return []
    return [configured] if isinstance(configured, str) else [s for s in configured if isinstance(s, str) and s]


def _storable(value: object) -> bool:
    """No NUL and no lone surrogate in any string (the database can hold neither: a 400, not a 500)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return False
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")  # NaN, Infinity: no database column holds them


def _read(body: bytes) -> AgencyAnswerIn:
    try:
        data = json.loads(body, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError):
        raise Malformed(_("Nội dung không phải JSON hợp lệ."), code="malformed_body") from None
    if not _storable(data):
        raise Malformed(_("Nội dung có ký tự không lưu được (NUL)."), code="malformed_body")
    try:
        return AgencyAnswerIn.model_validate(data)
    except ValidationError as exc:
        raise Invalid(_("Câu trả lời không đúng giao thức motcua.outside/1."), code="invalid_request",
                      errors=[{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                              for e in exc.errors()[:20]]) from None


def _waiting(agency: str, request_id: str) -> OutsideRequest:
    """The request `<dossier>/<step>` this agency was sent; another agency's, or none: the same 404."""
    dossier_code, _sep, step = request_id.rpartition("/")
    found = (OutsideRequest.objects.select_related("task__dossier")
             .filter(agency=agency, task__dossier__code=dossier_code, task__step=step).first())
    if found is None:
        raise NotFound(_("Không có yêu cầu %(request)s gửi cơ quan này.") % {"request": request_id},
                       code="request_not_found")
    return found


@router.post(
    "/{agency}/answers", auth=None, response={200: AnswerOut},
    summary="An outside agency delivers the answer it accepted to give later (signed: Standard Webhooks)",
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": AgencyAnswerIn.model_json_schema()}}},
        "parameters": [
            {"name": "webhook-id", "in": "header", "required": True, "schema": {"type": "string", "maxLength": 128},
             "description": "the message's id: the same id again is answered the same, and changes nothing"},
            {"name": "webhook-timestamp", "in": "header", "required": True, "schema": {"type": "string"},
             "description": "unix seconds; refused further than OUTSIDE_ANSWER_TOLERANCE_SECONDS from now"},
            {"name": "webhook-signature", "in": "header", "required": True, "schema": {"type": "string"},
             "description": "v1,<base64 HMAC-SHA256 of id.timestamp.body> with the agency's shared secret"},
        ],
    },
)
@rate_limited("outside_answer", methods=("POST",), keys=_keys)
def deliver_answer(request: HttpRequest, agency: str):
    secrets_ = _secrets(agency[:32])
    if not secrets_:
        raise NotFound(_("Không có cơ quan ngoài %(agency)s nhận trả lời.") % {"agency": agency[:32]}, code="unknown_agency")
    body = request.body
    if len(body) > MAX_BODY:
        raise Malformed(_("Nội dung quá lớn."), code="body_too_large")
    try:
        message_id, _timestamp = signing.verify(secrets_, request.headers, body, time.time(),
                                                settings.OUTSIDE_ANSWER_TOLERANCE_SECONDS)
    except signing.Refused:
        # One answer whatever failed (header, time or signature): nothing to learn by trying.
        raise Unauthenticated(_("Chữ ký của câu trả lời không hợp lệ hoặc đã quá hạn."), code="invalid_signature") from None
    seen = OutsideAnswer.objects.filter(agency=agency, message_id=message_id).first()
    if seen is not None:
        return _again(seen)
    answer = _read(body)
    try:
        with transaction.atomic():
            # The message id first: a concurrent copy of the same message waits here, then finds it.
            kept = OutsideAnswer.objects.create(agency=agency, message_id=message_id, received_at=timezone.now(),
                                                status=200, outcome={})
            status, outcome = _record(agency, answer, message_id, kept)
            kept.status, kept.outcome = status, outcome
            kept.save(update_fields=["status", "outcome", "request"])
    except IntegrityError:
        seen = OutsideAnswer.objects.filter(agency=agency, message_id=message_id).first()
        if seen is None:
            raise
        return _again(seen)
    return JsonResponse(outcome, status=status)


def _record(agency: str, answer: AgencyAnswerIn, message_id: str, kept: OutsideAnswer) -> tuple[int, dict]:
    waiting = _waiting(agency, answer.request)
    kept.request = waiting
    given = {"status": "answered", "reference": answer.reference, "text": answer.answer, **answer.data}
    dossier = answer_from_agency(waiting.pk, given, via={"via": "later_answer", "message_id": message_id})
    code = waiting.task.dossier.code
    if dossier is not None:
        return 200, {"status": "recorded", "request": answer.request, "dossier": code, "replayed": False}
    waiting.refresh_from_db()
    if waiting.state == OutsideRequest.State.ANSWERED and waiting.answer.get("reference") == answer.reference:
        # The same answer under another message id (the agency lost our answer and signed anew): done already.
        return 200, {"status": "already_recorded", "request": answer.request, "dossier": code, "replayed": False}
    raise Conflict(_("Yêu cầu %(request)s không còn chờ trả lời.") % {"request": answer.request}, code="not_waiting",
                   state=waiting.state)


def _again(seen: OutsideAnswer) -> JsonResponse:
    return JsonResponse({**seen.outcome, "replayed": True}, status=seen.status)
