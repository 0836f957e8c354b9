"""The portal as an OpenID Connect relying party: citizens log in with the national e-ID.

Built on Authlib's Django client (`authlib.integrations.django_client`): the
provider is registered with `OAuth().register`; `begin` has Authlib make the
authorization URL (state, nonce, PKCE S256 verifier) and keep what the
callback needs in the session (`save_authorize_data`); `finish` takes it out
again (so a state works once), exchanges the code (`fetch_access_token`),
verifies the ID token (`parse_id_token`: signature against the provider's
JWKS, iss, aud, sub, exp, iat, nonce, azp) and reads the UserInfo endpoint
(`userinfo`): in the code flow a provider may keep the profile claims (name,
birthdate, even the personal ID number) out of the ID token and give them only
there (OpenID Connect Core §5.3, §5.4), as a certified provider does by default.

What this module adds to Authlib: the discovery document and the JWKS are
fetched with a timeout, checked (the document must name the configured
issuer) and kept in Django's cache for OIDC_CACHE_SECONDS, shared by every
process that shares the cache, where Authlib would keep them in the client
object forever; a pending login expires after PENDING_TTL and at most
PENDING_MAX are kept (Authlib keeps them an hour and returns one whatever its
age); the state is spent before anything else is checked, even the provider's
error; the RFC 9207 `iss` of the authorization response is checked; only
asymmetric signature algorithms are accepted; every failure becomes a
`LoginError` with a code and a message in the user's language. Everything
about the provider comes from its discovery document, so pointing OIDC_ISSUER
at another standard provider (Keycloak, VNeID) needs no code change. Nothing
here touches the database: what a verified login means for our users is
`identity.citizens`.
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.django_client import DjangoIntegration, DjangoOAuth2App, OAuth
from authlib.oidc.core import CodeIDToken
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import KeySet

log = logging.getLogger(__name__)

NAME = "eid"  # the provider's name in Authlib's registry; session keys are "_state_eid_<state>"
PENDING_MAX = 5  # logins started in other tabs stay valid, but only a few
PENDING_TTL = 600  # seconds from the redirect to the provider until the callback
# Asymmetric algorithms only: a JWKS holds public keys, and "none" or HS256 would let anyone sign.
ALGORITHMS = ["RS256", "PS256", "ES256"]

MESSAGES = {
    "provider_unreachable": _("Không kết nối được với hệ thống định danh điện tử. Vui lòng thử lại sau."),
    "provider_misconfigured": _("Hệ thống định danh điện tử trả về cấu hình không hợp lệ. Vui lòng báo cho quản trị viên."),
    "invalid_state": _("Phiên đăng nhập không hợp lệ, đã hết hạn hoặc đã được dùng. Vui lòng đăng nhập lại."),
    "access_denied": _("Bạn đã không đồng ý đăng nhập bằng định danh điện tử."),
    "provider_error": _("Hệ thống định danh điện tử không xác nhận được việc đăng nhập. Vui lòng đăng nhập lại."),
    "token_refused": _("Hệ thống định danh điện tử từ chối cấp mã xác thực. Vui lòng đăng nhập lại."),
    "invalid_id_token": _("Mã xác thực (ID token) không hợp lệ: chữ ký sai hoặc nội dung đã bị sửa đổi."),
    "expired_id_token": _("Mã xác thực (ID token) đã hết hạn. Vui lòng đăng nhập lại."),
    "nonce_mismatch": _("Mã xác thực (ID token) không thuộc phiên đăng nhập này."),
    "wrong_audience": _("Mã xác thực (ID token) không do hệ thống định danh đã cấu hình cấp cho cổng dịch vụ công này."),
    "invalid_personal_id": _("Tài khoản định danh điện tử không có số định danh cá nhân hợp lệ."),
    "userinfo_mismatch": _("Thông tin công dân do hệ thống định danh điện tử trả về không thuộc tài khoản vừa đăng nhập."),
    "inactive_user": _("Tài khoản này đã bị khóa."),
}
# 401: the provider's answer does not prove who the user is; 400: the request itself is wrong;
# 502: the provider could not be asked (not the user's fault, and worth an operator's look).
STATUS = {"invalid_state": 400, "provider_unreachable": 502, "provider_misconfigured": 502, "inactive_user": 403}
# A claim that fails validation → the code shown; any other claim is "invalid_id_token".
CLAIM_CODES = {"nonce": "nonce_mismatch", "iss": "wrong_audience", "aud": "wrong_audience", "azp": "wrong_audience"}


class LoginError(Exception):
    """A login refused; `code` is machine-readable, `message` in the user's language."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail  # for the log only: may be technical, never shown

    @property
    def status(self) -> int:
        return STATUS.get(self.code, 401)

    @property
    def message(self) -> str:
        return str(MESSAGES[self.code])


@dataclass(frozen=True)
class Login:
    """A verified login: its claims (ID token and UserInfo), the raw ID token (for logout), where to go next."""

    claims: dict[str, Any]
    id_token: str
    next_url: str


# --- the provider's documents, fetched over HTTP and kept in Django's cache ---------------


def _get_json(url: str) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT_SECONDS, headers={"Accept": "application/json"})
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise LoginError("provider_unreachable", f"{url}: {exc}") from exc
    if not isinstance(data, dict):
        raise LoginError("provider_misconfigured", f"{url}: not a JSON object")
    return data


def discover() -> dict[str, Any]:
    """The configured provider's discovery document, checked."""
    issuer = settings.OIDC_ISSUER
    key = f"oidc:discovery:{issuer}"
    doc = cache.get(key)
    if doc is None:
        doc = _get_json(f"{issuer}/.well-known/openid-configuration")
        # OpenID Connect Discovery §4.3: the document must name exactly the issuer asked for.
        if doc.get("issuer") != issuer:
            raise LoginError("provider_misconfigured", f"issuer {doc.get('issuer')!r} is not {issuer!r}")
        missing = [f for f in ("authorization_endpoint", "token_endpoint", "jwks_uri") if not isinstance(doc.get(f), str)]
        if missing:
            raise LoginError("provider_misconfigured", f"discovery lacks {', '.join(missing)}")
        cache.set(key, doc, settings.OIDC_CACHE_SECONDS)
    return doc


def _jwks(uri: str, *, refresh: bool = False) -> dict[str, Any]:
    key = f"oidc:jwks:{uri}"
    jwks = None if refresh else cache.get(key)
    if jwks is None:
        jwks = _get_json(uri)
        try:
            KeySet.import_key_set(jwks)  # checked once, before it is kept
        except (JoseError, KeyError, TypeError, ValueError) as exc:
            raise LoginError("provider_misconfigured", f"JWKS: {exc}") from exc
        cache.set(key, jwks, settings.OIDC_CACHE_SECONDS)
    return jwks


# --- Authlib's client, with our session limits and our cache ---------------------------------


class _SessionState(DjangoIntegration):
    """Where Authlib keeps a started login until its callback: the session, with our limits."""

    expires_in = PENDING_TTL

    def _key(self, state: str) -> str:
        return f"_state_{self.name}_{state}"

    def get_state_data(self, session: SessionBase, state: object) -> dict[str, Any] | None:
        # Authlib's own returns a state's data whatever its age; an expired login is refused here.
        entry = session.get(self._key(state)) if isinstance(state, str) and state else None
        if not isinstance(entry, dict) or entry.get("exp", 0) <= time.time():
            return None
        return entry.get("data")

    def set_state_data(self, session: SessionBase, state: str, data: dict[str, Any]) -> None:
        self._clear_session_state(session)  # the expired ones
        super().set_state_data(session, state, data)
        prefix = self._key("")
        started = sorted((entry.get("exp", 0), key) for key, entry in session.items() if key.startswith(prefix))
        for _exp, key in started[:-PENDING_MAX]:  # the oldest beyond PENDING_MAX
            del session[key]


class _EidApp(DjangoOAuth2App):
    """The provider as Authlib sees it; its metadata and keys come from our cache, checked."""

    def load_server_metadata(self) -> dict[str, Any]:
        return {**discover(), "id_token_signing_alg_values_supported": ALGORITHMS}

    def fetch_jwk_set(self, force: bool = False) -> dict[str, Any]:
        # Authlib asks again with force=True when the token's key id is unknown (keys rotated).
        return _jwks(self.load_server_metadata()["jwks_uri"], refresh=force)


class _OAuth(OAuth):
    oauth2_client_cls = _EidApp
    framework_integration_cls = _SessionState


@functools.lru_cache(maxsize=4)
def _registered(client_id: str, client_secret: str, auth_method: str, scope: str, timeout: int) -> _EidApp:
    # The settings are the arguments: a changed setting (tests do it) registers the client anew.
    client = _OAuth().register(
        NAME,
        client_id=client_id,
        client_secret=client_secret or None,
        client_kwargs={
            "scope": scope,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": auth_method,
            "default_timeout": timeout,
        },
    )
    assert isinstance(client, _EidApp)
    return client


def _client() -> _EidApp:
    secret = settings.OIDC_CLIENT_SECRET
    method = settings.OIDC_TOKEN_AUTH_METHOD or ("client_secret_basic" if secret else "none")
    return _registered(settings.OIDC_CLIENT_ID, secret, method, settings.OIDC_SCOPES, settings.OIDC_TIMEOUT_SECONDS)


# --- the flow -----------------------------------------------------------------------------


def begin(request: HttpRequest, redirect_uri: str, next_url: str) -> str:
    """The provider's authorization URL to send the browser to; remembers what the callback checks."""
    client = _client()
    made = client.create_authorization_url(redirect_uri)  # state, nonce and the PKCE verifier, by Authlib
    client.save_authorize_data(
        request,
        state=made["state"],
        nonce=made["nonce"],
        code_verifier=made["code_verifier"],
        redirect_uri=redirect_uri,
        next=next_url,
    )
    return made["url"]


def finish(request: HttpRequest) -> Login:
    """Check the provider's answer to `begin`, exchange the code and verify the ID token."""
    client = _client()
    params = request.GET
    state = params.get("state")
    pending = client.framework.get_state_data(request.session, state)
    # Spent before anything else is checked: whatever happens next, this state works no more.
    client.framework.clear_state_data(request.session, state)
    if pending is None:
        raise LoginError("invalid_state", "unknown, used or expired state")
    if params.get("error"):
        code = "access_denied" if params["error"] == "access_denied" else "provider_error"
        raise LoginError(code, f"{params['error']}: {params.get('error_description', '')}")
    # RFC 9207: a provider that names itself must be the one we asked (mix-up attacks).
    if params.get("iss") and params["iss"] != settings.OIDC_ISSUER:
        raise LoginError("wrong_audience", f"authorization response from {params['iss']!r}")
    if not params.get("code"):
        raise LoginError("provider_error", "no code in the authorization response")
    token = _exchange(client, params["code"], pending)
    id_token = token["id_token"]
    claims = verify_id_token(id_token, client, nonce=pending["nonce"])
    claims = merge_userinfo(claims, _userinfo(client, token))
    return Login(claims=claims, id_token=id_token, next_url=pending["next"])


def _exchange(client: _EidApp, code: str, pending: dict[str, Any]) -> dict[str, Any]:
    """The token endpoint's answer for `code`, with an ID token in it (tests wrap this to change it)."""
    try:
        token = client.fetch_access_token(
            redirect_uri=pending["redirect_uri"],
            grant_type="authorization_code",
            code=code,
            code_verifier=pending["code_verifier"],
        )
    except OAuthError as exc:
        raise LoginError("token_refused", f"{exc.error}: {exc.description}") from exc
    except requests.RequestException as exc:
        raise LoginError("provider_unreachable", f"token endpoint: {exc}") from exc
    except ValueError as exc:  # an answer that is not a JSON object
        raise LoginError("token_refused", str(exc)) from exc
    if not isinstance(token.get("id_token"), str):
        raise LoginError("token_refused", "no id_token in the token response")
    return dict(token)


# What only the ID token may say: who issued it to whom, for which login, and how strongly it was
# proven. UserInfo is not signed here and carries no nonce, so it adds profile claims, never these.
ID_TOKEN_ONLY = frozenset({"iss", "sub", "aud", "exp", "iat", "nbf", "nonce", "azp", "acr", "amr", "auth_time", "at_hash", "sid"})


def _userinfo(client: _EidApp, token: dict[str, Any]) -> dict[str, Any]:
    """The UserInfo endpoint's claims ({} when the provider has none or gave no access token)."""
    if not discover().get("userinfo_endpoint") or not token.get("access_token"):
        return {}
    try:
        data = client.userinfo(token=token)
    except requests.HTTPError as exc:
        raise LoginError("token_refused", f"userinfo: {exc}") from exc
    except requests.RequestException as exc:
        raise LoginError("provider_unreachable", f"userinfo: {exc}") from exc
    except ValueError as exc:  # not JSON (a signed UserInfo JWT is not asked for)
        raise LoginError("provider_misconfigured", f"userinfo: {exc}") from exc
    if not isinstance(data, dict):
        raise LoginError("provider_misconfigured", "userinfo: not a JSON object")
    return dict(data)


def merge_userinfo(id_claims: dict[str, Any], userinfo: dict[str, Any]) -> dict[str, Any]:
    """The ID token's claims completed by UserInfo's, which must be about the same person.

    OIDC Core §5.3.2: the UserInfo `sub` must equal the ID token's, else the answer is not used
    (here: the login is refused). UserInfo fills the claims the ID token lacks or leaves empty;
    what the signed ID token says stands.
    """
    if not userinfo:
        return id_claims
    if userinfo.get("sub") != id_claims.get("sub"):
        raise LoginError("userinfo_mismatch", f"userinfo sub {userinfo.get('sub')!r} is not the ID token's")
    merged = dict(id_claims)
    for claim, value in userinfo.items():
        if claim not in ID_TOKEN_ONLY and value not in (None, "") and merged.get(claim) in (None, ""):
            merged[claim] = value
    return merged


def verify_id_token(raw: str, client: _EidApp, *, nonce: str) -> dict[str, Any]:
    """The ID token's claims, if its signature, issuer, audience, times and nonce are right."""
    options = {
        "iss": {"essential": True, "value": settings.OIDC_ISSUER},
        "aud": {"essential": True, "value": settings.OIDC_CLIENT_ID},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "iat": {"essential": True},
        "nonce": {"essential": True, "value": nonce},
    }
    try:
        # CodeIDToken also wants azp to name us when there are several audiences (OIDC Core §3.1.3.7).
        claims = client.parse_id_token(
            {"id_token": raw}, nonce, claims_options=options, claims_cls=CodeIDToken, leeway=settings.OIDC_LEEWAY_SECONDS
        )
    except ExpiredTokenError as exc:
        raise LoginError("expired_id_token", str(exc)) from exc
    except (InvalidClaimError, MissingClaimError) as exc:
        raise LoginError(CLAIM_CODES.get(exc.claim, "invalid_id_token"), str(exc)) from exc
    except JoseError as exc:  # the signature, the key, the format
        raise LoginError("invalid_id_token", f"{type(exc).__name__}: {exc}") from exc
    except (ValueError, TypeError) as exc:
        raise LoginError("invalid_id_token", f"malformed: {exc}") from exc
    return dict(claims)


def end_session_url(id_token: str, post_logout_redirect_uri: str) -> str:
    """Where to send the browser so the provider ends its session too ("" if it cannot).

    Not Authlib's `create_logout_url`: it adds a state, which the provider would
    send back to a logout page that has nothing to check it against.
    """
    try:
        endpoint = discover().get("end_session_endpoint") or ""
    except LoginError as exc:
        log.warning("e-ID logout: %s", exc)  # logged out here all the same
        return ""
    if not endpoint:
        return ""
    query = urlencode({
        "id_token_hint": id_token,
        "post_logout_redirect_uri": post_logout_redirect_uri,
        "client_id": settings.OIDC_CLIENT_ID,
    })
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
