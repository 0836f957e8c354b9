"""Refusing NUL characters in the URL before any view queries the database with them.

PostgreSQL cannot compare a text column with a string holding NUL (0x00):
`/api/v1/dossiers/abc%00` or `?unit=%00` raised DataError, a 500, in every view
that looks the value up. One check here instead of one in each view.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_plus

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info or "\x00" in unquote_plus(request.META.get("QUERY_STRING", "")):
            message = _("Địa chỉ yêu cầu chứa ký tự không hợp lệ.")
            if request.path_info.startswith("/api/"):
                return JsonResponse({"code": "malformed_request", "message": message}, status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)
