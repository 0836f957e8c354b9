"""The demo provider's pages: its login, and django-oauth-toolkit's views seeing its own sign-in."""

from __future__ import annotations

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods
from oauth2_provider.views import AuthorizationView, RPInitiatedLogoutView

from motcua.identity.models import CitizenProfile
from motcua.identity.provider.credentials import DEMO_PASSWORD
from motcua.identity.provider.session import sign_in, signed_in
from motcua.identity.views import LOGIN_FAILURES
from motcua.lib.ratelimit import locked_out


class EidAuthorizationView(AuthorizationView):
    """The authorization endpoint; who is signed in is the provider's business, not the portal's."""

    login_url = reverse_lazy("oauth2_provider:login")

    def dispatch(self, request, *args, **kwargs):
        request.user = signed_in(request)
        return super().dispatch(request, *args, **kwargs)


class EidLogoutView(RPInitiatedLogoutView):
    """The end-session endpoint. It flushes the shared session, so the portal's login ends too."""

    def dispatch(self, request, *args, **kwargs):
        request.user = signed_in(request)
        return super().dispatch(request, *args, **kwargs)


class CitizenLoginForm(AuthenticationForm):
    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if not CitizenProfile.objects.filter(user=user).exists():
            # Officers have no e-ID in the demo: they log in to the portal with their password.
            raise ValidationError(_("Tài khoản này không có định danh điện tử công dân."), code="not_a_citizen")


def _demo_citizens():
    # Citizens created by an e-ID login have no password and cannot sign in here.
    return (
        CitizenProfile.objects.select_related("user")
        .filter(user__is_active=True)
        .exclude(user__password__startswith=UNUSABLE_PASSWORD_PREFIX)
        .order_by("assurance_level", "user__username")
    )


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """Username and password of a demo citizen; then back to the authorization request."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        next_url = "/"
    form = CitizenLoginForm(request, data=request.POST or None)
    account = request.POST.get("username", "")
    # The same lockout as the portal's password login (the demo's password is public, a real provider's is not).
    wait = LOGIN_FAILURES.locked(request, account) if request.method == "POST" else None
    if wait is None and request.method == "POST":
        if form.is_valid():
            LOGIN_FAILURES.succeeded(request, account)
            sign_in(request, form.get_user())
            return redirect(next_url)
        LOGIN_FAILURES.failed(request, account)
    elif wait is not None:
        locked_out(form, LOGIN_FAILURES.message(wait))
    response = render(
        request,
        "oauth2_provider/login.html",
        {"form": form, "next": next_url, "citizens": _demo_citizens(), "password": DEMO_PASSWORD},
        status=429 if wait is not None else 200,
    )
    if wait is not None:
        response["Retry-After"] = str(wait)
    return response
