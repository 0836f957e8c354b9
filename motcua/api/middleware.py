"""Refusing text no database can store (NUL, lone surrogates) before any view sees it.

PostgreSQL cannot compare a text column with a string holding NUL (0x00):
`/api/v1/dossiers/abc%00` or `?unit=%00` raised DataError, a 500, in every view
that looks the value up; a NUL typed into a citizen's form was a 500 when the
draft was saved. One check here instead of one in each view: the URL, and the
fields (and file names) of a posted form. JSON bodies are checked by the API's
parser (motcua/api/parser.py), which answers the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_plus

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

from motcua.api.parser import unstorable

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _bad_form(request: HttpRequest) -> bool:
    if request.method != "POST" or not request.content_type.startswith(FORM_TYPES):
        return False
    for key, values in request.POST.lists():
        if unstorable(key) or any(unstorable(v) for v in values):
            return True
    return any(unstorable(f.name or "") for files in request.FILES.lists() for f in files[1])


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info or "\x00" in unquote_plus(request.META.get("QUERY_STRING", "")):
            return self._refuse(request, _("Địa chỉ yêu cầu chứa ký tự không hợp lệ."))
        if _bad_form(request):
            return self._refuse(request, _("Nội dung gửi lên chứa ký tự không hợp lệ (ví dụ ký tự NUL)."))
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, message: str) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            return JsonResponse({"code": "malformed_request", "message": message}, status=400)
        return HttpResponseBadRequest(message)
