"""The started e-ID logins kept in the session (Authlib's Django client, with our limits), without HTTP."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from motcua.identity import oidc

ISSUER = "https://eid.example.gov.vn"


@pytest.fixture
def provider(settings, monkeypatch):
    settings.OIDC_ISSUER = ISSUER
    doc = {
        "issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/authorize", "token_endpoint": f"{ISSUER}/token",
        "jwks_uri": f"{ISSUER}/jwks",
    }
    monkeypatch.setattr(oidc, "discover", lambda: doc)


def _request(session: SessionStore, **query: str):
    request = RequestFactory().get("/oidc/callback/", query)
    request.session = session
    return request


def _begin(session: SessionStore, next_url: str = "/") -> str:
    url = oidc.begin(_request(session), "https://portal.example/oidc/callback/", next_url)
    query = parse_qs(urlparse(url).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["code_challenge"]
    return query["state"][0]


def _refusal(session: SessionStore, **query: str) -> str:
    with pytest.raises(oidc.LoginError) as refused:
        oidc.finish(_request(session, **query))
    return refused.value.code


def test_only_the_newest_logins_are_kept(provider):
    session = SessionStore()
    states = [_begin(session) for _ in range(oidc.PENDING_MAX + 1)]
    assert len([k for k in session.keys() if k.startswith("_state_")]) == oidc.PENDING_MAX
    assert _refusal(session, state=states[0], code="c") == "invalid_state"  # the oldest was dropped
    # A newer one is still pending (refused further on, at the provider's error).
    assert _refusal(session, state=states[-1], error="access_denied") == "access_denied"


def test_an_expired_login_is_refused(provider):
    session = SessionStore()
    state = _begin(session)
    key = f"_state_{oidc.NAME}_{state}"
    session[key] = {**session[key], "exp": 1.0}
    assert _refusal(session, state=state, code="c") == "invalid_state"


def test_the_state_is_spent_even_by_an_error_answer(provider):
    session = SessionStore()
    state = _begin(session, "/my/dossiers/")
    assert _refusal(session, state=state, error="server_error") == "provider_error"
    assert _refusal(session, state=state, code="c") == "invalid_state"
    assert not [k for k in session.keys() if k.startswith("_state_")]


def test_another_issuer_named_in_the_answer_is_refused_before_the_code_is_used(provider, monkeypatch):
    monkeypatch.setattr(oidc, "_exchange", lambda *args: pytest.fail("the code was exchanged"))
    session = SessionStore()
    state = _begin(session)
    assert _refusal(session, state=state, code="c", iss="https://evil.example") == "wrong_audience"
