"""The portal as an OpenID Connect relying party: citizens log in with the national e-ID.

Authorization code flow with PKCE (S256). `begin` remembers state, nonce and
the code verifier in the session; `finish` takes them out again (so a state
works once), exchanges the code at the provider's token endpoint, and verifies
the ID token's signature against the provider's published keys (JWKS) and its
iss, aud, exp, iat and nonce. Everything about the provider comes from its
discovery document, so pointing OIDC_ISSUER at another standard provider
(Keycloak, VNeID) needs no code change. Nothing here touches the database:
what a verified login means for our users is `identity.citizens`.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from joserfc import jwt
from joserfc.errors import (
    ExpiredTokenError,
    InvalidClaimError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet

log = logging.getLogger(__name__)

PENDING = "oidc_pending"  # session key: state → what the callback needs
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
    "inactive_user": _("Tài khoản này đã bị khóa."),
}
# 401: the provider's answer does not prove who the user is; 400: the request itself is wrong;
# 502: the provider could not be asked (not the user's fault, and worth an operator's look).
STATUS = {"invalid_state": 400, "provider_unreachable": 502, "provider_misconfigured": 502, "inactive_user": 403}


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
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str = ""


@dataclass(frozen=True)
class Login:
    """A verified login: the ID token's claims, the raw token (for logout) and where to go next."""

    claims: dict[str, Any]
    id_token: str
    next_url: str


# --- the provider's documents, fetched over HTTP and cached ------------------------------


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


def discover() -> Provider:
    """The configured provider's endpoints, from its discovery document."""
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
    return Provider(
        issuer=doc["issuer"],
        authorization_endpoint=doc["authorization_endpoint"],
        token_endpoint=doc["token_endpoint"],
        jwks_uri=doc["jwks_uri"],
        end_session_endpoint=doc.get("end_session_endpoint") or "",
    )


def _keys(provider: Provider, *, refresh: bool = False) -> KeySet:
    key = f"oidc:jwks:{provider.jwks_uri}"
    jwks = None if refresh else cache.get(key)
    if jwks is None:
        jwks = _get_json(provider.jwks_uri)
        cache.set(key, jwks, settings.OIDC_CACHE_SECONDS)
    try:
        return KeySet.import_key_set(jwks)
    except (JoseError, KeyError, TypeError, ValueError) as exc:
        raise LoginError("provider_misconfigured", f"JWKS: {exc}") from exc


# --- the flow -----------------------------------------------------------------------------


def _client(redirect_uri: str) -> OAuth2Session:
    secret = settings.OIDC_CLIENT_SECRET
    method = settings.OIDC_TOKEN_AUTH_METHOD or ("client_secret_basic" if secret else "none")
    return OAuth2Session(
        client_id=settings.OIDC_CLIENT_ID,
        client_secret=secret or None,
        token_endpoint_auth_method=method,
        scope=settings.OIDC_SCOPES,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )


def begin(session: SessionBase, redirect_uri: str, next_url: str) -> str:
    """The provider's authorization URL to send the browser to; remembers what the callback checks."""
    provider = discover()
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    with _client(redirect_uri) as client:
        url, _state = client.create_authorization_url(
            provider.authorization_endpoint, state=state, code_verifier=verifier, nonce=nonce
        )
    now = time.time()
    pending = {s: p for s, p in session.get(PENDING, {}).items() if now - p["at"] < PENDING_TTL}
    pending[state] = {"nonce": nonce, "verifier": verifier, "redirect_uri": redirect_uri, "next": next_url, "at": now}
    session[PENDING] = dict(sorted(pending.items(), key=lambda item: item[1]["at"])[-PENDING_MAX:])
    return url


def _take_pending(session: SessionBase, state: object) -> dict[str, Any]:
    pending = dict(session.get(PENDING, {}))
    entry = pending.pop(state, None) if isinstance(state, str) else None
    # Taken out before anything else is checked: whatever happens next, this state is spent.
    session[PENDING] = pending
    if entry is None or time.time() - entry["at"] >= PENDING_TTL:
        raise LoginError("invalid_state", "unknown, used or expired state")
    return entry


def finish(session: SessionBase, params: Mapping[str, str]) -> Login:
    """Check the provider's answer to `begin`, exchange the code and verify the ID token."""
    pending = _take_pending(session, params.get("state"))
    if params.get("error"):
        code = "access_denied" if params["error"] == "access_denied" else "provider_error"
        raise LoginError(code, f"{params['error']}: {params.get('error_description', '')}")
    provider = discover()
    # RFC 9207: a provider that names itself must be the one we asked (mix-up attacks).
    if params.get("iss") and params["iss"] != provider.issuer:
        raise LoginError("wrong_audience", f"authorization response from {params['iss']!r}")
    if not params.get("code"):
        raise LoginError("provider_error", "no code in the authorization response")
    id_token = _exchange(provider, params["code"], pending)
    claims = verify_id_token(id_token, provider, nonce=pending["nonce"])
    return Login(claims=claims, id_token=id_token, next_url=pending["next"])


def _exchange(provider: Provider, code: str, pending: Mapping[str, Any]) -> str:
    try:
        with _client(pending["redirect_uri"]) as client:
            token = client.fetch_token(
                provider.token_endpoint,
                grant_type="authorization_code",
                code=code,
                code_verifier=pending["verifier"],
                timeout=settings.OIDC_TIMEOUT_SECONDS,
            )
    except OAuthError as exc:
        raise LoginError("token_refused", f"{exc.error}: {exc.description}") from exc
    except requests.RequestException as exc:
        raise LoginError("provider_unreachable", f"token endpoint: {exc}") from exc
    except ValueError as exc:  # an answer that is not a JSON object
        raise LoginError("token_refused", str(exc)) from exc
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise LoginError("token_refused", "no id_token in the token response")
    return id_token


def verify_id_token(raw: str, provider: Provider, *, nonce: str) -> dict[str, Any]:
    """The ID token's claims, if its signature, issuer, audience, times and nonce are right."""
    try:
        try:
            token = jwt.decode(raw, _keys(provider), algorithms=ALGORITHMS)
        except InvalidKeyIdError:
            # The provider may have rotated its keys since we cached them: fetch once more.
            token = jwt.decode(raw, _keys(provider, refresh=True), algorithms=ALGORITHMS)
    except JoseError as exc:
        raise LoginError("invalid_id_token", f"{type(exc).__name__}: {exc}") from exc
    except (ValueError, TypeError) as exc:
        raise LoginError("invalid_id_token", f"malformed: {exc}") from exc
    claims = token.claims
    registry = jwt.JWTClaimsRegistry(
        leeway=settings.OIDC_LEEWAY_SECONDS,
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": settings.OIDC_CLIENT_ID},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except ExpiredTokenError as exc:
        raise LoginError("expired_id_token", str(exc)) from exc
    except (InvalidClaimError, MissingClaimError) as exc:
        code = {"nonce": "nonce_mismatch", "iss": "wrong_audience", "aud": "wrong_audience"}.get(exc.claim, "invalid_id_token")
        raise LoginError(code, str(exc)) from exc
    # OpenID Connect Core §3.1.3.7: with several audiences, azp must name us.
    aud = claims["aud"]
    if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != settings.OIDC_CLIENT_ID:
        raise LoginError("wrong_audience", "several audiences and azp is not this client")
    return claims


def end_session_url(id_token: str, post_logout_redirect_uri: str) -> str:
    """Where to send the browser so the provider ends its session too ("" if it cannot)."""
    try:
        endpoint = discover().end_session_endpoint
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
