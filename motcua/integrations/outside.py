"""Sending an outside agency's step (the tax authority, the electricity company) its request, and reading its answer.

An agency that is not a motcua user does a step of a procedure (`outside:` in the format, catalog/who.py).
When the step opens, the workflow writes its `OutsideRequest` (dossiers/workflow.py); `deliver_outside`
(swept by `motcua scheduler` with the other deliveries) POSTs it to the agency's endpoint, outside any
transaction, on the shared retry schedule (lib/deliveries.py). The protocol, plain HTTP and JSON
(docs/procedure-format.md, "Outside agencies"):

    POST <endpoint>   Content-Type: application/json, Idempotency-Key: <request>, [Authorization: Bearer <token>]
    {"protocol": "motcua.outside/1", "request": "<dossier>/<step>", "dossier", "procedure", "step",
     "agency", "unit", "data": {the step's `send` fields}, "sent_at"}

    200 {"status": "answered", "reference": "...", ...}   the answer: the step is done (answer_from_agency)
    202 {"status": "accepted"}                             taken; the answer comes later, on paper (record_answer)
    anything else, or no answer                            tried again, dead after the last attempt

An agency without an endpoint is sent nothing: the step waits for an officer to record the paper answer.
"""

from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from motcua.dossiers.actions.who import answer_from_agency
from motcua.dossiers.models import OutsideRequest, TaskStatus
from motcua.integrations import transport
from motcua.lib import deliveries, leases

LEASE = timedelta(minutes=5)
BATCH = 32
MAX_ANSWER = 4096


def deliver_outside(limit: int = 200, now=None) -> dict[str, int]:
    """Send the due requests; count what happened to them."""
    counts = {"answered": 0, "accepted": 0, "failed": 0, "cancelled": 0}
    sent = 0
    while sent < limit:
        now = now or timezone.now()
        due = OutsideRequest.objects.filter(state=OutsideRequest.State.PENDING, next_attempt_at__lte=now)
        ids = leases.take(due, min(BATCH, limit - sent), now, LEASE, ("next_attempt_at", "id"))
        if not ids:
            break
        for request in OutsideRequest.objects.filter(pk__in=ids).select_related("task"):
            counts[_send(request)] += 1
            sent += 1
        now = None
    return counts


def _send(request: OutsideRequest) -> str:
    from motcua.catalog import who

    if request.task.status != TaskStatus.OPEN:
        # The dossier ended (refused, withdrawn, stopped) before the request left: nothing to ask.
        OutsideRequest.objects.filter(pk=request.pk).update(state=OutsideRequest.State.CANCELLED, claimed_until=None)
        return "cancelled"
    endpoint = who.endpoint(request.agency)
    headers = {"Content-Type": "application/json", "Idempotency-Key": request.body.get("request", str(request.pk))}
    token = getattr(settings, "OUTSIDE_AGENCY_TOKEN", "")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps(request.body, ensure_ascii=False, sort_keys=True).encode()
    answer = transport.post(endpoint, body, headers, getattr(settings, "OUTSIDE_AGENCY_TIMEOUT_SECONDS", 15.0))
    now = timezone.now()
    attempts = request.attempts + 1
    if answer.status == 200:
        parsed = _answer(answer.body)
        if parsed is not None:
            OutsideRequest.objects.filter(pk=request.pk).update(attempts=attempts, sent_at=now, claimed_until=None)
            answer_from_agency(request.pk, parsed)
            return "answered"
    if answer.status == 202:
        OutsideRequest.objects.filter(pk=request.pk).update(
            state=OutsideRequest.State.SENT, attempts=attempts, sent_at=now, claimed_until=None)
        return "accepted"
    retry = deliveries.next_attempt_at(attempts, now)
    error = answer.error or f"HTTP {answer.status}: {answer.body[:200].decode('utf-8', 'replace')}"
    OutsideRequest.objects.filter(pk=request.pk).update(
        attempts=attempts, last_error=error[:500], claimed_until=None,
        state=OutsideRequest.State.PENDING if retry else OutsideRequest.State.DEAD, next_attempt_at=retry)
    return "failed"


def _answer(body: bytes) -> dict | None:
    """The agency's answer: a JSON object saying `answered` with a reference, kept small; else None."""
    try:
        data = json.loads(body[:MAX_ANSWER])
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or data.get("status") != "answered" or not str(data.get("reference", "")).strip():
        return None
    return {str(k)[:64]: v for k, v in list(data.items())[:32]}
