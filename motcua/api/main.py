"""The REST API under /api/v1, assembled from the rooms' routers."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from motcua.api.auth import TOKEN_FAILURES, BearerToken, InvalidToken, TooManyFailures
from motcua.api.links import add_links_and_headers
from motcua.api.parser import StrictJsonParser
from motcua.authoring.api import router as authoring_router
from motcua.authoring.api import versions_router
from motcua.catalog.api import router as catalog_router
from motcua.dossiers.api import router as dossiers_router
from motcua.drafts.api import router as drafts_router
from motcua.insights.api import router as insights_router
from motcua.integrations.api import router as webhooks_router
from motcua.integrations.outside_api import router as outside_router
from motcua.lib.errors import ActionError
from motcua.monitoring.api import router as monitoring_router
from motcua.petitions.api import router as petitions_router
from motcua.petitions.limits import RateLimited
from motcua.vault.api import router as vault_router
from motcua.vault.api import uploads_router

# Every operation may answer these (the handlers below, the strict parser, the middlewares in front):
# declared once for all in the OpenAPI, so that a client, and Schemathesis, know every status it can get.
ERROR_ANSWERS = {
    "400": "malformed request or body (not JSON, NaN, NUL or a lone surrogate in text)",
    "401": "no valid bearer token",
    "403": "not allowed to do this",
    "404": "not found, or not yours to see",
    "409": "conflicts with the object's state, or an Idempotency-Key still in flight",
    "413": "upload too large",
    "415": "upload of a kind not accepted",
    "422": "invalid input: the errors name the fields",
    "429": "too many requests",
    "503": "a service needed for this answer is unavailable (e.g. the virus scanner); retry later",
}
ERROR_SCHEMA = {
    "type": "object",
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
    "required": ["code", "message"],
}


class MotcuaAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                answers = operation.setdefault("responses", {})
                for status, description in ERROR_ANSWERS.items():
                    answers.setdefault(status, {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    })
        add_links_and_headers(schema)  # links between operations, the Idempotency-Key header (api/links.py)
        return schema


api = MotcuaAPI(
    title="motcua API",
    version="1",
    description="Full-process online public services: procedures, dossiers, actions, results, the citizen's vault.",
    urls_namespace="api-v1",
    auth=BearerToken(),
    parser=StrictJsonParser(),  # NaN, Infinity or NUL: a 400, not a 500 at INSERT time
)
api.add_router("/procedures", catalog_router)
api.add_router("/procedures", versions_router)  # versions, their diff, abolition (authoring)
api.add_router("/catalog", authoring_router)  # the catalogue's drafts, review and publication (issue 24)
api.add_router("/dossiers", dossiers_router)
api.add_router("/kpi", monitoring_router)
api.add_router("/insights", insights_router)
api.add_router("/drafts", drafts_router)
api.add_router("/vault", vault_router)
api.add_router("/uploads", uploads_router)
api.add_router("/petitions", petitions_router)
api.add_router("/webhooks", webhooks_router)
api.add_router("/outside", outside_router)  # outside agencies deliver their later answers (signed, no token)


def _error(request: HttpRequest, http_status: int, code: str, message: str, /, **extra: object):
    # Positional-only: an error's extra fields may themselves be named `status` (a
    # 409 names the dossier's status), which used to collide with this parameter
    # and turn every illegal transition into a 500.
    return api.create_response(request, {"code": code, "message": message, **extra}, status=http_status)


@api.exception_handler(ActionError)
def on_action_error(request: HttpRequest, exc: ActionError):
    return _error(request, exc.status, exc.code, exc.message, **exc.extra)


@api.exception_handler(RateLimited)
def on_rate_limited(request: HttpRequest, exc: RateLimited):
    answer = _error(request, exc.status, exc.code, exc.message, **exc.extra)
    answer["Retry-After"] = str(exc.retry_after)
    return answer


@api.exception_handler(InvalidToken)
def on_invalid_token(request: HttpRequest, exc: InvalidToken):
    return _error(request, 401, "invalid_token", _("Mã truy cập không hợp lệ hoặc đã hết hạn."))


@api.exception_handler(TooManyFailures)
def on_too_many_failures(request: HttpRequest, exc: TooManyFailures):
    response = _error(request, 429, "too_many_requests", TOKEN_FAILURES.message(exc.retry_after),
                      retry_after=exc.retry_after)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError):
    return _error(request, 401, "unauthorized", _("Cần đăng nhập (Authorization: Bearer …)."))


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError):
    errors = [
        {"field": ".".join(str(p) for p in e.get("loc", ())[1:]), "code": e.get("type", ""), "message": e.get("msg", "")}
        for e in exc.errors
    ]
    return _error(request, 422, "invalid_request", _("Yêu cầu không đúng định dạng."), errors=errors)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404):
    return _error(request, 404, "not_found", _("Không tìm thấy."))


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError):
    if exc.status_code == 400:
        # django-ninja raises this when the body is not parseable JSON.
        return _error(request, 400, "malformed_body", _("Nội dung yêu cầu không phải JSON hợp lệ."))
    return _error(request, exc.status_code, "http_error", str(exc))
