"""A bundled demo outside agency that answers (the tax authority, the electricity company, the exam system): never
in production.

Only with DEMO_NATIONAL_ENABLED (the demo's outside systems; `motcua check --deploy` fails with it on and
DEBUG off). It speaks the protocol of integrations/outside.py and answers at once, from the data sent:

- `tax`: the land-transfer taxes of a transfer price (personal income tax 2 %, registration fee 0.5 %),
  answered as paid (a demo: the real authority notifies the tax, the applicant pays, it confirms);
- `electricity`: a connection contract and meter number;
- `exam_system`: the candidate's number (số báo danh) from the Ministry of Education's exam system.

POST /demo-outside/<agency>   → 200 {"status": "answered", "reference": ..., ...}
"""

from __future__ import annotations

import json
import zlib

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

MAX_BODY = 64 * 1024


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
    dossier, data = str(body.get("dossier", ""))[:48], body["data"]
    if agency == "tax":
        price = data.get("transfer_price")
        price = price if isinstance(price, int) and price >= 0 else 0
        return JsonResponse({"status": "answered", "reference": f"TB-{dossier}", "paid": True,
                             "personal_income_tax": price * 2 // 100, "registration_fee": price * 5 // 1000})
    if agency == "electricity":
        return JsonResponse({"status": "answered", "reference": f"HD-{dossier}", "meter": f"PE{abs(hash(dossier)) % 10**8:08d}"})
    if agency == "exam_system":
        # A candidate number of the form the exam uses: the council's two digits, then six.
        return JsonResponse({"status": "answered", "reference": f"SBD-{dossier}",
                             "candidate_number": f"99{zlib.crc32(dossier.encode()) % 10**6:06d}"})
    return JsonResponse({"status": "refused", "message": "unknown agency"}, status=404)
