"""Staff sessions end after a time without activity (settings.STAFF_SESSION_IDLE_MINUTES).

An officer's browser left open at a counter must not stay signed in to the back office. A citizen's
session keeps Django's cookie age. The last activity is written to the session at most once a minute,
so a busy officer does not write the session on every request.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

LAST_SEEN = "motcua_last_seen"


def serves_units(user) -> bool:
    found = getattr(user, "serves_units", None)  # read with the user by identity.backends
    if found is None:
        from motcua.units.models import Membership

        found = Membership.objects.filter(user=user).exists()
    return bool(found or user.is_staff or user.is_superuser)


class StaffIdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        idle = settings.STAFF_SESSION_IDLE_MINUTES * 60
        user = getattr(request, "user", None)
        if idle and getattr(user, "is_authenticated", False) and serves_units(user):
            now = int(time.time())
            last = request.session.get(LAST_SEEN)
            if last is not None and now - int(last) > idle:
                logout(request)
                messages.info(request, _("Phiên làm việc đã hết hạn do lâu không thao tác; vui lòng đăng nhập lại."))
            elif last is None or now - int(last) >= 60:
                request.session[LAST_SEEN] = now
        return self.get_response(request)
