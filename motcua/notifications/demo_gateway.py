"""The bundled demo SMS gateway (/demo-sms/, DEMO_SMS_ENABLED): receives texts and shows them. Never in production.

It speaks the generic HTTP provider's protocol (channels/sms.py): `POST /demo-sms/api/messages`
with JSON `{"id", "to", "text", "sender"}`; a resend with the same id is dropped, as a real
provider de-duplicates. `GET /demo-sms/api/messages?to=PHONE` answers the texts received for a
number, oldest first; `/demo-sms/` shows them on a page.
"""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from motcua.notifications import phones
from motcua.notifications.models import DemoSms

FIELDS = {"id", "to", "text", "sender"}


def _number(value: str) -> str | None:
    if not value or "\x00" in value or len(value) > 32:
        return None
    try:
        return phones.normalize(value)
    except ValidationError:
        pass
    if value[:1] == " " and value.strip()[:1].isdigit():
        # "?to=+8801712345678" typed in a URL unencoded: the query string made its "+" a space.
        try:
            return phones.normalize("+" + value.strip())
        except ValidationError:
            return None
    return None


def _json(m: DemoSms) -> dict:
    return {"id": m.message_id, "to": m.to, "text": m.text, "sender": m.sender,
            "received_at": m.received_at.isoformat()}


@csrf_exempt  # a machine-to-machine endpoint, as a real SMS provider's is
@require_http_methods(["GET", "POST"])
def api_messages(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _receive(request)
    to = _number(request.GET.get("to", ""))
    if to is None:
        return JsonResponse({"error": "invalid_phone", "detail": "?to= must be a valid phone number"}, status=400)
    rows = DemoSms.objects.filter(to=to).order_by("id")[:500]
    return JsonResponse({"to": to, "messages": [_json(m) for m in rows]})


def _receive(request: HttpRequest) -> HttpResponse:
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": "invalid_json"}, status=400)
    if not isinstance(body, dict) or set(body) - FIELDS or not all(isinstance(body.get(k, ""), str) for k in FIELDS):
        return JsonResponse({"error": "invalid_body", "detail": f"fields: {sorted(FIELDS)}, all strings"}, status=422)
    to, text = _number(body.get("to", "")), body.get("text", "")
    if to is None or not text or "\x00" in text or len(text) > 1600 or len(body.get("id", "")) > 128:
        return JsonResponse({"error": "invalid_message"}, status=422)
    message_id = body.get("id", "")
    found = DemoSms.objects.filter(message_id=message_id).first() if message_id else None
    if found is None:
        found = DemoSms.objects.create(to=to, text=text, message_id=message_id, sender=body.get("sender", "")[:32],
                                       received_at=timezone.now())
    return JsonResponse(_json(found), status=201)


@require_GET
def page(request: HttpRequest) -> HttpResponse:
    rows = DemoSms.objects.order_by("-id")
    to = _number(request.GET.get("to", "")) if request.GET.get("to") else None
    if to:
        rows = rows.filter(to=to)
    page_obj = Paginator(rows, 50).get_page(request.GET.get("page") if str(request.GET.get("page", "")).isdigit()
                                            and len(request.GET.get("page", "")) < 7 else 1)
    return render(request, "notifications/demo_sms.html", {"page_obj": page_obj, "to": to or ""})
