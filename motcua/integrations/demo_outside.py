"""A bundled demo outside agency that answers (the tax authority, the electricity company, the exam system): never
in production.

Only with DEMO_NATIONAL_ENABLED (the demo's outside systems; `motcua check --deploy` fails with it on and
DEBUG off). It speaks the protocol of integrations/outside.py and answers at once, from the data sent:

- `tax`: takes the request (202 accepted: the real authority works out the tax over days) and delivers
  the land-transfer taxes of the transfer price later (personal income tax 2 %, registration fee 0.5 %,
  answered as paid), signed, to motcua's `POST /api/v1/outside/tax/answers` (integrations/outside_api.py):
  `answer_later`, swept with the deliveries while the demo's outside systems are on;
- `electricity`: answers at once, a connection contract and meter number;
- `exam_system`: answers at once, the candidate's number (số báo danh) from the Ministry of Education's exam system.

POST /demo-national/outside/<agency>   → 200 {"status": "answered", "reference": ..., ...} or 202 {"status": "accepted"}

The demo agency keeps no books of its own: what it accepted and has not answered yet is what motcua
sent it and still waits for (the requests in state `sent`).
"""

from __future__ import annotations

import json
import time
import uuid
import zlib

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from motcua.integrations import signing, transport

MAX_BODY = 64 * 1024
# The agencies that answer later, through the signed answers endpoint, rather than at once.
LATER = frozenset({"tax"})


@csrf_exempt
@require_POST
def answer(request: HttpRequest, agency: str) -> JsonResponse:
    if len(request.body) > MAX_BODY:
        return JsonResponse({"status": "refused", "message": "too large"}, status=413)
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"status": "refused", "message": "not JSON"}, status=400)
    if not isinstance(body, dict) or body.get("protocol") != "motcua.outside/1" or not isinstance(body.get("data"), dict):
        return JsonResponse({"status": "refused", "message": "not a motcua.outside/1 request"}, status=400)
    dossier = str(body.get("dossier", ""))[:48]
    if agency == "tax":
        return JsonResponse({"status": "accepted"}, status=202)
    if agency == "electricity":
        return JsonResponse({"status": "answered", "reference": f"HD-{dossier}", "meter": f"PE{abs(hash(dossier)) % 10**8:08d}"})
    if agency == "exam_system":
        # A candidate number of the form the exam uses: the council's two digits, then six.
        return JsonResponse({"status": "answered", "reference": f"SBD-{dossier}",
                             "candidate_number": f"99{zlib.crc32(dossier.encode()) % 10**6:06d}"})
    return JsonResponse({"status": "refused", "message": "unknown agency"}, status=404)


def tax_answer(dossier: str, data: dict) -> dict:
    """The tax authority's answer to a transfer: the taxes of its price, paid (what `answer_later` delivers)."""
    price = data.get("transfer_price")
    price = price if isinstance(price, int) and price >= 0 else 0
    return {"reference": f"TB-{dossier}", "answer": "Thông báo nộp thuế: người nộp đã nộp đủ.",
            "data": {"paid": True, "personal_income_tax": price * 2 // 100, "registration_fee": price * 5 // 1000}}


def signed_answer(agency: str, request_id: str, answer: dict, secret: str, *, message_id: str | None = None,
                  timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
    """The body and Standard Webhooks headers of an answer delivered later (what any agency would send)."""
    body = json.dumps({"protocol": "motcua.outside/1", "request": request_id, "status": "answered", **answer},
                      ensure_ascii=False, separators=(",", ":")).encode()
    message_id = message_id or f"msg_{uuid.uuid4().hex}"
    timestamp = int(time.time()) if timestamp is None else timestamp
    return body, signing.headers([secret], message_id, timestamp, body.decode())


def answer_later(limit: int = 50) -> dict[str, int]:
    """Deliver the answers the demo agencies accepted to give later, to motcua's answers endpoint.

    Only with DEMO_NATIONAL_ENABLED (the deliveries' sweep calls it). Each is signed with the agency's secret
    (OUTSIDE_AGENCY_SECRETS: the published demo secret in a demo run) and POSTed to PUBLIC_URL; an answer
    refused or lost is sent again at the next sweep, under a new message id (motcua answers
    `already_recorded` if it had it).
    """
    from motcua.dossiers.models import OutsideRequest

    counts = {"delivered": 0, "failed": 0}
    if not getattr(settings, "DEMO_NATIONAL_ENABLED", False):
        return counts
    secrets_ = getattr(settings, "OUTSIDE_AGENCY_SECRETS", {}) or {}
    waiting = (OutsideRequest.objects.filter(state=OutsideRequest.State.SENT, agency__in=sorted(LATER))
               .select_related("task__dossier").order_by("sent_at", "id")[:limit])
    for request in waiting:
        secret = secrets_.get(request.agency)
        secret = secret if isinstance(secret, str) else (secret or [""])[0]
        if not secret:
            continue
        dossier = request.task.dossier.code
        body, headers = signed_answer(request.agency, request.body.get("request", f"{dossier}/{request.task.step}"),
                                      tax_answer(dossier, request.body.get("data") or {}), secret)
        url = f"{settings.PUBLIC_URL}/api/v1/outside/{request.agency}/answers"
        answer = transport.post(url, body, headers, getattr(settings, "OUTSIDE_AGENCY_TIMEOUT_SECONDS", 15.0))
        counts["delivered" if answer.status == 200 else "failed"] += 1
    return counts
