"""One middleware around every request: a request id, the latency metric and the request log line.

The request id comes from the proxy's X-Request-ID when it looks sane, else a new
one; it goes back in the answer's X-Request-ID and into every log record written
while the request runs (ops.logs.RequestIdFilter), so one request's lines can be
found together across web and database logs.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from motcua.ops.metrics import REQUEST_SECONDS

log = logging.getLogger("motcua.request")
request_id: ContextVar[str] = ContextVar("request_id", default="")
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class RequestMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.log_requests = settings.LOG_REQUESTS

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        given = request.headers.get("X-Request-ID", "")
        rid = given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex
        token = request_id.set(rid)
        request.request_id = rid
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        duration = time.perf_counter() - started
        response["X-Request-ID"] = rid
        match = getattr(request, "resolver_match", None)
        # The route pattern, never the path: a dossier code per label would grow without bound.
        route = match.route if match is not None else "unmatched"
        REQUEST_SECONDS.labels(route, request.method, f"{response.status_code // 100}xx").observe(duration)
        if self.log_requests:
            log.info(
                "%s %s %s", request.method, request.path, response.status_code,
                extra={
                    "request_id": rid, "method": request.method, "path": request.path,
                    "status": response.status_code, "duration_ms": round(duration * 1000, 2),
                    "user_id": getattr(getattr(request, "user", None), "pk", None),
                },
            )
        return response
