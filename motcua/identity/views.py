"""Login with the national e-ID (OpenID Connect) and logout. The protocol itself is in `oidc`."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from motcua.identity import oidc
from motcua.identity.citizens import read_claims, upsert_citizen
from motcua.lib import events
from motcua.lib.ratelimit import Failures, locked_out, rate_limited, too_many

# Wrong passwords by account and by address (settings.RATE_LIMITS "login", "login_ip"): a lockout.
LOGIN_FAILURES = Failures("login")
# Failed e-ID callbacks (a replayed or forged state, a refused token) by address.
EID_FAILURES = Failures("eid")

log = logging.getLogger(__name__)
# Session key (not a secret): the ID token, sent back to the provider at logout.
ID_TOKEN = "oidc_id_token"  # noqa: S105


def _safe_next(request: HttpRequest, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _refused(request: HttpRequest, error: oidc.LoginError) -> HttpResponse:
    log.warning("e-ID login refused: %s", error)
    return render(request, "identity/oidc_error.html", {"error": error}, status=error.status)


def _port(url: str) -> int | None:
    parts = urlsplit(url)
    return parts.port or {"http": 80, "https": 443}.get(parts.scheme)


def _warn_if_demo_elsewhere(request: HttpRequest) -> None:
    """The bundled provider lives at PUBLIC_URL: a demo served on another port sends its logins there."""
    if not settings.DEMO_IDP_ENABLED or settings.OIDC_ISSUER != f"{settings.PUBLIC_URL}/idp":
        return
    here = f"{request.scheme}://{request.get_host()}"
    if _port(here) != _port(settings.PUBLIC_URL):
        log.warning(
            "e-ID login from %s, but PUBLIC_URL is %s: the demo provider is looked for there. "
            "Set PUBLIC_URL=%s (make demo PORT=... does it) and run load-demo again.",
            here, settings.PUBLIC_URL, here,
        )


class LoginView(auth_views.LoginView):
    """Staff's password login, locked for a while after repeated wrong passwords (429 with Retry-After).

    While locked, even the right password is refused: a guesser cannot tell it found the password.
    """

    template_name = "identity/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        account = request.POST.get("username", "")
        wait = LOGIN_FAILURES.locked(request, account)
        if wait is not None:
            form = self.get_form()
            locked_out(form, LOGIN_FAILURES.message(wait))
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        LOGIN_FAILURES.failed(self.request, self.request.POST.get("username", ""))
        return super().form_invalid(form)

    def form_valid(self, form):
        LOGIN_FAILURES.succeeded(self.request, form.get_user().get_username())
        return super().form_valid(form)


@require_safe
@never_cache
@rate_limited("eid_login")
def oidc_login(request: HttpRequest) -> HttpResponse:
    """Off to the e-ID provider, with state, nonce and a PKCE challenge."""
    _warn_if_demo_elsewhere(request)
    callback = request.build_absolute_uri(reverse("oidc:callback"))
    try:
        url = oidc.begin(request, callback, _safe_next(request, request.GET.get("next")))
    except oidc.LoginError as error:
        return _refused(request, error)
    return redirect(url)


@require_safe
@never_cache
def oidc_callback(request: HttpRequest) -> HttpResponse:
    """Back from the provider: verify everything, then find or create the citizen and log in."""
    wait = EID_FAILURES.locked(request)
    if wait is not None:
        return too_many(request, wait, EID_FAILURES.message(wait))
    try:
        result = oidc.finish(request)
        user = upsert_citizen(read_claims(result.claims))
    except oidc.LoginError as error:
        EID_FAILURES.failed(request)
        return _refused(request, error)
    auth_login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    request.session[ID_TOKEN] = result.id_token  # after login(), which may start a fresh session
    # The e-ID vouched for this identity number: what was kept for it (a result held by a person named in
    # someone else's form) is theirs now (the vault subscribes).
    events.announce(events.CitizenSignedIn(user=user, personal_id=user.citizen.personal_id, at=timezone.now()))
    return redirect(result.next_url)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """Log out here; after an e-ID login, also at the provider (RP-initiated logout)."""
    id_token = request.session.get(ID_TOKEN)
    auth_logout(request)
    home = resolve_url(settings.LOGOUT_REDIRECT_URL)
    if id_token:
        url = oidc.end_session_url(id_token, request.build_absolute_uri(home))
        if url:
            return redirect(url)
    return redirect(home)

