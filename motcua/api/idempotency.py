"""`Idempotency-Key` (IETF draft-ietf-httpapi-idempotency-key-header): a retried POST does its work once.

A client that sent a submission, an action or a payment and lost the answer (a
dropped connection, a timeout) sends the same request again with the same key:
- same key, same request: the first answer is replayed (status and body), nothing is done again;
- same key, another request (method, path or body differ): 422 `idempotency_key_reused`;
- same key while the first request is still being worked on: 409 `idempotency_request_in_flight`.

Keys are kept per user for KEEP (then pruned by the scheduler's `prune_idempotency_keys`, api/tasks.py).
The work and the stored answer commit in one transaction: a worker killed in
between leaves neither, and its key, in flight, may be retried after STALE.
Answers of 5xx are not kept (the retry does the work again), 4xx are (the
request was understood and refused; the same request would be refused again).

The key is a Structured Field string (`"8e03978e-…"`); a bare token is accepted
as well. Only the operations in PATHS take a key; elsewhere it is ignored.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.api.models import IdempotentRequest
from motcua.identity.models import ApiToken

PATHS = re.compile(r"^/api/v1/(?:dossiers(?:/[^/]+/(?:actions/[^/]+|payments|rating))?|drafts/[^/]+/submit|webhooks|catalog/drafts)/?$")
KEEP = timedelta(hours=24)
# A request in flight for longer than this has lost its worker (no request here takes a minute).
STALE = timedelta(minutes=5)
KEY = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]{1,128}$")  # visible ASCII but " and \, as an sf-string holds; at most 128


class _Rollback(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def parse_key(raw: str) -> str | None:
    """The key of an `Idempotency-Key` header value, or None when it is not a usable one."""
    text = raw.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1]
    return text if KEY.match(text) else None


def fingerprint(request: HttpRequest) -> str:
    body = request.body
    try:  # the same JSON written another way (spaces, key order) is the same request
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        pass
    return hashlib.sha256(b"\n".join([request.method.encode(), request.path_info.encode(), body])).hexdigest()


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


def _bearer_user(request: HttpRequest):
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return ApiToken.user_for(token.strip())


def _replay(found: IdempotentRequest) -> HttpResponse:
    response = HttpResponse(found.body, status=found.status, content_type=found.content_type or "application/json")
    response["Idempotent-Replayed"] = "true"
    return response


def _reserve(user, key: str, print_: str, now: datetime) -> IdempotentRequest | HttpResponse:
    """The new in-flight row for this key, or the answer to give at once (replay, 409, 422)."""
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotentRequest.objects.create(
                    user=user, key=key, fingerprint=print_, created_at=now, expires_at=now + KEEP
                )
        except IntegrityError:
            pass
        found = IdempotentRequest.objects.filter(user=user, key=key).first()
        if found is None:
            continue  # the other request failed and let its key go meanwhile: take it
        if found.expires_at <= now:
            IdempotentRequest.objects.filter(pk=found.pk, expires_at=found.expires_at).delete()
            continue
        if found.fingerprint != print_:
            return _error(422, "idempotency_key_reused",
                          _("Khóa Idempotency-Key này đã được dùng cho một yêu cầu khác."))
        if found.status is not None:
            return _replay(found)
        if found.created_at < now - STALE and IdempotentRequest.objects.filter(
            pk=found.pk, status__isnull=True, created_at=found.created_at
        ).update(created_at=now):
            found.created_at = now
            return found  # its worker died before committing anything: this retry does the work
        break
    return _error(409, "idempotency_request_in_flight",
                  _("Yêu cầu với khóa Idempotency-Key này đang được xử lý; hãy thử lại sau giây lát."))


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw = request.headers.get("Idempotency-Key")
        if raw is None or request.method != "POST" or not PATHS.match(request.path_info):
            return self.get_response(request)
        key = parse_key(raw)
        if key is None:
            return _error(422, "invalid_idempotency_key", _("Khóa Idempotency-Key không hợp lệ."))
        user = _bearer_user(request)
        if user is None:
            return self.get_response(request)  # the API answers 401 itself; nothing to remember
        reserved = _reserve(user, key, fingerprint(request), timezone.now())
        if isinstance(reserved, HttpResponse):
            return reserved
        try:
            with transaction.atomic():
                response = self.get_response(request)
                if response.status_code >= 500 or response.streaming:
                    raise _Rollback(response)
                IdempotentRequest.objects.filter(pk=reserved.pk).update(
                    status=response.status_code, content_type=response.get("Content-Type", ""),
                    body=response.content.decode("utf-8"),
                )
        except _Rollback as rollback:
            IdempotentRequest.objects.filter(pk=reserved.pk).delete()
            return rollback.response
        except BaseException:
            IdempotentRequest.objects.filter(pk=reserved.pk).delete()
            raise
        return response


def prune(now: datetime | None = None) -> int:
    """Forget the keys past their keeping time; how many."""
    deleted, _kinds = IdempotentRequest.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted
