"""The bundled demo national portal: receives the sync (national/), validates and stores it, shows it back.

Only with DEMO_NATIONAL_ENABLED (on in the demo, `motcua check --deploy` fails with it on and DEBUG off).
It reads requests with the configured adapter's own parser, so it checks exactly the wire format a real
portal would get. A change already received (same idempotency id) is acknowledged again and not stored
twice; a change that skips one of its dossier's (its number is not the next) is refused with 409, so an
out-of-order sender is caught.

POST /demo-national/api/dossiers          one change → {"error_code": 0}
GET  /demo-national/api/dossiers/{code}   the changes received for a dossier, in order of arrival
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from motcua.integrations.models import DemoNationalChange
from motcua.integrations.national.adapters import Malformed, adapter

MAX_BODY = 64 * 1024


def _authorized(request: HttpRequest) -> bool:
    token = settings.NATIONAL_SYNC_TOKEN
    if not token:
        return True
    return hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {token}")


@csrf_exempt
@require_POST
def receive(request: HttpRequest) -> JsonResponse:
    if not _authorized(request):
        return JsonResponse({"error_code": 401, "message": "unauthorized"}, status=401)
    if len(request.body) > MAX_BODY:
        return JsonResponse({"error_code": 413, "message": "too large"}, status=413)
    try:
        change = adapter().parse(request.body)
    except Malformed as exc:
        return JsonResponse({"error_code": 400, "message": str(exc)}, status=400)
    with transaction.atomic():
        if DemoNationalChange.objects.filter(idempotency_id=change.idempotency_id).exists():
            return JsonResponse({"error_code": 0, "duplicate": True})
        last = DemoNationalChange.objects.filter(code=change.code).aggregate(m=Max("seq"))["m"] or 0
        if change.seq != last + 1:
            return JsonResponse({"error_code": 409, "message": f"change {change.seq} after {last}"}, status=409)
        try:
            DemoNationalChange.objects.create(
                code=change.code, idempotency_id=change.idempotency_id, seq=change.seq, status=change.status,
                at=change.at, fields=change.fields, arrived_at=timezone.now(),
            )
        except IntegrityError:  # the same change arriving twice at once
            return JsonResponse({"error_code": 0, "duplicate": True})
    return JsonResponse({"error_code": 0})


@require_GET
def dossier(request: HttpRequest, code: str) -> JsonResponse:
    changes = DemoNationalChange.objects.filter(code=code).order_by("id")
    return JsonResponse({
        "code": code,
        "changes": [
            {"status": c.status, "at": c.at.isoformat(), "seq": c.seq, "idempotency_id": c.idempotency_id,
             "arrived_at": c.arrived_at.isoformat(), **c.fields}
            for c in changes
        ],
    })
