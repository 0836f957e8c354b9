"""Login with the national e-ID: the whole OpenID Connect protocol, over real HTTP.

The bundled demo provider (/idp/) and the portal (/oidc/) both run in
pytest-django's live server; each test drives a `requests.Session` like a
browser through login → the provider's authorize endpoint → its login form →
back to the portal's callback, whose code exchange and key fetch are HTTP
requests from the server to itself. Bad answers from the provider are made by
wrapping the portal's code exchange (the live server runs in this process):
each is refused with a message in Vietnamese, and nothing is stored.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import pytest
import requests
import yaml
from django.core.cache import cache
from django.core.management import call_command
from joserfc import jwt
from joserfc.jwk import RSAKey

from motcua.demo.data import DEMO_PASSWORD, load_units_and_users
from motcua.demo.idp import load_level1_citizens, register_portal_client
from motcua.env import local_rsa_key
from motcua.identity import oidc
from motcua.identity.citizens import EidCitizen, read_claims, upsert_citizen
from motcua.identity.models import CitizenProfile, User
from tests.conftest import ApiClient

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())  # wherever the module sits
VIETNAMESE = re.compile(r"[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]", re.IGNORECASE)


class Browser:
    """A browser that shows each redirect instead of following it."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()

    def url(self, location: str) -> str:
        return urljoin(self.base + "/", location)

    def get(self, location: str) -> requests.Response:
        return self.http.get(self.url(location), allow_redirects=False, timeout=30)

    def post(self, location: str, data: dict[str, str]) -> requests.Response:
        return self.http.post(self.url(location), data=data, allow_redirects=False, timeout=30)

    def follow(self, response: requests.Response) -> requests.Response:
        assert response.status_code == 302, (response.status_code, response.text[:2000])
        return self.get(response.headers["Location"])

    def submit_form(self, page: requests.Response, fields: dict[str, str], action: str | None = None) -> requests.Response:
        """POST a form of the page with its CSRF token and hidden fields."""
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
        data = {k: html.unescape(v) for k, v in hidden.items()} | fields
        target = action or html.unescape(re.search(r'<form method="post" action="([^"]+)"', page.text).group(1))
        return self.post(target, data)

    def user_name(self) -> str | None:
        """Whom the portal says is logged in (None: nobody)."""
        page = self.http.get(self.url("/"), timeout=30).text
        found = re.search(r'<span class="user-name">([^<]+)</span>', page)
        return html.unescape(found.group(1)) if found else None


@pytest.fixture
def eid(live_server, transactional_db, settings):
    """The demo citizens and the portal registered at the provider, which is this live server."""
    settings.OIDC_ISSUER = f"{live_server.url}/idp"
    # The live server speaks plain HTTP: cookies must not be Secure, redirects may be http.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"]}
    cache.clear()  # discovery and keys of an earlier test's settings
    load_units_and_users()
    load_level1_citizens()
    register_portal_client(extra_origins=[live_server.url])
    yield live_server.url
    cache.clear()


@pytest.fixture
def browser(eid) -> Browser:
    return Browser(eid)


def sign_in_at_provider(browser: Browser, authorize_url: str, username: str) -> str:
    """From the provider's authorization endpoint to the redirect back; returns that URL."""
    r = browser.get(authorize_url)
    if urlparse(r.headers["Location"]).path == "/idp/login/":
        form = browser.follow(r)
        assert form.status_code == 200 and "Đăng nhập định danh điện tử" in form.text
        r = browser.submit_form(form, {"username": username, "password": DEMO_PASSWORD})
        assert r.status_code == 302, r.text[:2000]
        r = browser.follow(r)  # the authorization endpoint again, now signed in
    assert r.status_code == 302
    return r.headers["Location"]


def start_login(browser: Browser, next_url: str = "/my/dossiers/") -> str:
    r = browser.get(f"/oidc/login/?{urlencode({'next': next_url})}")
    assert r.status_code == 302, r.text[:2000]
    assert r.headers["Location"].startswith(f"{browser.base}/idp/authorize/")
    return r.headers["Location"]


def eid_login(browser: Browser, username: str, next_url: str = "/my/dossiers/") -> requests.Response:
    """The whole login; returns the portal's answer at its callback."""
    callback = sign_in_at_provider(browser, start_login(browser, next_url), username)
    assert callback.startswith(f"{browser.base}/oidc/callback/?")
    return browser.get(callback)


def portal_rows() -> dict[str, int]:
    return {"users": User.objects.count(), "profiles": CitizenProfile.objects.count()}


# --- the provider -------------------------------------------------------------------------


def test_discovery_document_and_keys(browser):
    doc = browser.get("/idp/.well-known/openid-configuration").json()
    base = f"{browser.base}/idp"
    assert doc["issuer"] == base
    assert doc["authorization_endpoint"] == f"{base}/authorize/"
    assert doc["token_endpoint"] == f"{base}/token/"
    assert doc["userinfo_endpoint"] == f"{base}/userinfo/"
    assert doc["end_session_endpoint"] == f"{base}/logout/"
    assert doc["jwks_uri"] == f"{base}/.well-known/jwks.json"
    assert doc["response_types_supported"] == ["code"]
    assert doc["code_challenge_methods_supported"] == ["S256"]  # no "plain"
    assert "RS256" in doc["id_token_signing_alg_values_supported"]
    assert {"sub", "name", "personal_id", "acr"} <= set(doc["claims_supported"])
    assert {"openid", "profile"} <= set(doc["scopes_supported"])

    keys = browser.get(doc["jwks_uri"]).json()["keys"]
    assert len(keys) == 1
    (key,) = keys
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig" and key["kid"]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)  # the public half only


def test_officers_cannot_sign_in_at_the_provider(browser):
    form = browser.follow(browser.get(start_login(browser)))
    r = browser.submit_form(form, {"username": "onestop_anbinh", "password": DEMO_PASSWORD})
    assert r.status_code == 200
    assert "không có định danh điện tử" in html.unescape(r.text)


def test_the_provider_login_page_lists_the_demo_citizens_with_their_level(browser):
    page = html.unescape(browser.follow(browser.get(start_login(browser))).text)
    assert '<html lang="vi">' in page and DEMO_PASSWORD in page
    assert "citizen_l1" in page and "Phan Văn Đức" in page and "Mức 1" in page
    assert "Nguyễn Văn An" in page and "Mức 2" in page


# --- the whole login ----------------------------------------------------------------------


@pytest.mark.parametrize("client_secret", ["", "confidential-demo-secret"], ids=["public+pkce", "confidential+pkce"])
def test_whole_login_over_http(eid, settings, client_secret):
    settings.OIDC_CLIENT_SECRET = client_secret
    register_portal_client(extra_origins=[eid])
    browser = Browser(eid)
    before = portal_rows()

    # Signed in at the provider is not logged in at the portal: only the callback does that.
    authorize = start_login(browser)
    assert parse_qs(urlparse(authorize).query)["code_challenge_method"] == ["S256"]
    callback = sign_in_at_provider(browser, authorize, "citizen")
    assert browser.user_name() is None
    query = parse_qs(urlparse(callback).query)
    assert set(query) == {"code", "state", "iss"} and query["iss"] == [f"{eid}/idp"]

    r = browser.get(callback)
    assert r.status_code == 302 and r.headers["Location"] == "/my/dossiers/"
    page = browser.get("/my/dossiers/")
    assert page.status_code == 200 and "Nguyễn Văn An" in page.text
    assert browser.user_name() == "Nguyễn Văn An"
    assert portal_rows() == before  # the demo citizen existed: found by personal ID, not duplicated
    assert CitizenProfile.objects.get(personal_id="001090012345").assurance_level == 2


def test_the_level_comes_from_the_id_token(browser):
    assert eid_login(browser, "citizen_l1").status_code == 302
    assert browser.user_name() == "Phan Văn Đức"
    assert CitizenProfile.objects.get(user__username="citizen_l1").assurance_level == 1


def test_a_second_login_reuses_the_provider_session(browser):
    assert eid_login(browser, "citizen2").status_code == 302
    # A new portal login while the provider still knows the citizen: no password asked again.
    r = browser.get(start_login(browser, "/"))
    assert r.status_code == 302 and r.headers["Location"].startswith(f"{browser.base}/oidc/callback/?code=")
    assert browser.get(r.headers["Location"]).headers["Location"] == "/"


def test_a_client_that_is_not_trusted_asks_for_consent(browser):
    from oauth2_provider.models import Application

    Application.objects.filter(client_id="motcua-portal").update(skip_authorization=False)
    authorize = start_login(browser)
    form = browser.follow(browser.get(authorize))
    r = browser.submit_form(form, {"username": "citizen", "password": DEMO_PASSWORD})
    consent = browser.follow(r)
    text = html.unescape(consent.text)
    assert consent.status_code == 200 and "dùng thông tin định danh của bạn?" in text
    assert "Họ tên, số định danh cá nhân" in text
    r = browser.submit_form(consent, {"allow": "1"}, action=authorize)
    assert r.status_code == 302 and r.headers["Location"].startswith(f"{browser.base}/oidc/callback/?code=")
    assert browser.get(r.headers["Location"]).status_code == 302
    assert browser.user_name() == "Nguyễn Văn An"


def test_an_outside_next_is_not_followed(browser):
    r = eid_login(browser, "citizen", next_url="https://evil.example/steal")
    assert r.status_code == 302 and r.headers["Location"] == "/"


def test_logout_ends_both_sessions(browser):
    eid_login(browser, "citizen")
    page = browser.get("/my/dossiers/")
    r = browser.submit_form(page, {}, action="/accounts/logout/")
    assert r.status_code == 302
    end_session = urlparse(r.headers["Location"])
    assert f"{end_session.scheme}://{end_session.netloc}{end_session.path}" == f"{browser.base}/idp/logout/"
    query = parse_qs(end_session.query)
    assert query["post_logout_redirect_uri"] == [f"{browser.base}/"] and query["client_id"] == ["motcua-portal"]
    assert query["id_token_hint"][0].count(".") == 2

    back = browser.follow(r)
    assert back.status_code == 302 and back.headers["Location"] == f"{browser.base}/"
    assert browser.user_name() is None
    assert browser.get("/my/dossiers/").headers["Location"].startswith("/accounts/login/")
    # The provider forgot the citizen too: the next login asks for the password again.
    assert urlparse(browser.get(start_login(browser)).headers["Location"]).path == "/idp/login/"


def test_password_logout_of_staff_stays_local(client, db):
    load_units_and_users()
    client.force_login(User.objects.get(username="onestop_anbinh"))
    r = client.post("/accounts/logout/")
    assert r.status_code == 302 and r["Location"] == "/"
    assert client.get("/my/dossiers/").status_code == 302


def test_the_login_page_offers_the_e_id_first(client, db):
    page = client.get("/accounts/login/?next=/my/dossiers/").content.decode()
    assert "Đăng nhập bằng định danh điện tử (VNeID)" in page
    assert 'href="/oidc/login/?next=/my/dossiers/"' in page
    assert page.index("/oidc/login/") < page.index('name="password"')


# --- PKCE, the provider's side ------------------------------------------------------------


def _pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _authorize(browser: Browser, challenge: str | None) -> dict[str, list[str]]:
    """This test as the client: an authorization request of its own; the provider's answer."""
    params = {
        "response_type": "code", "client_id": "motcua-portal", "scope": "openid profile",
        "redirect_uri": f"{browser.base}/oidc/callback/", "state": "s", "nonce": "n",
    }
    if challenge:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    return parse_qs(urlparse(sign_in_at_provider(browser, f"/idp/authorize/?{urlencode(params)}", "citizen")).query)


def _token_request(browser: Browser, code: str, verifier: str | None) -> requests.Response:
    data = {
        "grant_type": "authorization_code", "code": code, "client_id": "motcua-portal",
        "redirect_uri": f"{browser.base}/oidc/callback/",
    }
    if verifier is not None:
        data["code_verifier"] = verifier
    return requests.post(f"{browser.base}/idp/token/", data=data, timeout=30)


def test_pkce_is_required(browser):
    verifier, challenge = _pkce_pair()
    # Without a challenge the provider refuses to issue a code at all.
    answer = _authorize(browser, None)
    assert "code" not in answer and answer["error"] == ["invalid_request"]

    code = _authorize(browser, challenge)["code"][0]
    r = _token_request(browser, code, None)
    assert r.status_code == 400 and "id_token" not in r.text

    code = _authorize(browser, challenge)["code"][0]
    r = _token_request(browser, code, _pkce_pair()[0])
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"

    code = _authorize(browser, challenge)["code"][0]
    r = _token_request(browser, code, verifier)
    assert r.status_code == 200 and r.json()["id_token"]
    # A code works once.
    assert _token_request(browser, code, verifier).status_code == 400


# --- refused logins: a clear message, nothing stored -----------------------------------------


def assert_refused(browser: Browser, r: requests.Response, status: int, code: str, before: dict[str, int]) -> None:
    assert r.status_code == status, r.text[:2000]
    text = html.unescape(r.text)
    assert "Chưa đăng nhập được" in text and f"<code>{code}</code>" in text
    message = re.search(r'<div class="error-summary".*?<p>(.*?)</p>', text, re.S).group(1)
    assert VIETNAMESE.search(message), message
    assert portal_rows() == before
    assert browser.user_name() is None


def test_a_replayed_state_is_refused(browser):
    callback = sign_in_at_provider(browser, start_login(browser), "citizen")
    assert browser.get(callback).status_code == 302
    before = portal_rows()
    # The same answer again, in the same browser and in another one (an attacker who saw the URL).
    assert browser.get(callback).status_code == 400
    other = Browser(browser.base)
    assert_refused(other, other.get(callback), 400, "invalid_state", before)


def test_a_callback_without_a_login_started_is_refused(browser):
    before = portal_rows()
    assert_refused(browser, browser.get("/oidc/callback/?code=abc&state=made-up"), 400, "invalid_state", before)
    assert_refused(browser, browser.get("/oidc/callback/"), 400, "invalid_state", before)


def test_the_provider_refusing_is_shown(browser):
    state = parse_qs(urlparse(start_login(browser)).query)["state"][0]
    before = portal_rows()
    r = browser.get(f"/oidc/callback/?{urlencode({'error': 'access_denied', 'state': state})}")
    assert_refused(browser, r, 401, "access_denied", before)


def test_an_answer_from_another_issuer_is_refused(browser):
    callback = sign_in_at_provider(browser, start_login(browser), "citizen")
    before = portal_rows()
    parts = urlparse(callback)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | {"iss": "https://evil.example"}
    forged = parts._replace(query=urlencode(query)).geturl()
    assert_refused(browser, browser.get(forged), 401, "wrong_audience", before)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def flip_signature_byte(token: str) -> str:
    header, payload, signature = token.split(".")
    raw = bytearray(_unb64(signature))
    raw[len(raw) // 2] ^= 0x01
    return f"{header}.{payload}.{_b64(bytes(raw))}"


def swap_payload(token: str, **changes: object) -> str:
    """The same header and signature over a changed payload: what a forger without the key can do."""
    header, payload, signature = token.split(".")
    claims = json.loads(_unb64(payload)) | changes
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


def resign(token: str, pem: str, **changes: object) -> str:
    """Signed again with `pem` (the provider's real key, unless a test says otherwise)."""
    header, payload, _ = token.split(".")
    claims = json.loads(_unb64(payload)) | changes
    return jwt.encode(json.loads(_unb64(header)), claims, RSAKey.import_key(pem), algorithms=["RS256"])


@pytest.fixture
def provider_key(settings) -> str:
    return settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]


@pytest.fixture
def provider_answers(monkeypatch):
    """Replace the ID token the provider really issued by what the test makes of it."""

    def use(change) -> None:
        real = oidc._exchange
        monkeypatch.setattr(oidc, "_exchange", lambda *args: (token := real(*args)) | {"id_token": change(token["id_token"])})

    return use


NEW_PERSON = "079090099999"  # valid, and nobody in the demo


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (flip_signature_byte, "invalid_id_token"),
        (lambda t: swap_payload(t, personal_id=NEW_PERSON), "invalid_id_token"),
        (lambda t: swap_payload(t, acr="vneid:level2"), "invalid_id_token"),
        (lambda t: "not-a-jwt", "invalid_id_token"),
        (lambda t: t.rsplit(".", 1)[0] + ".", "invalid_id_token"),  # no signature at all
    ],
    ids=["flipped signature byte", "other person", "raised level", "garbage", "unsigned"],
)
def test_a_tampered_id_token_is_refused(browser, provider_answers, change, code):
    provider_answers(change)
    before = portal_rows()
    assert_refused(browser, eid_login(browser, "citizen_l1"), 401, code, before)
    assert not CitizenProfile.objects.filter(personal_id=NEW_PERSON).exists()
    assert CitizenProfile.objects.get(user__username="citizen_l1").assurance_level == 1


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        # Beyond the 60 s of clock difference tolerated (OIDC_LEEWAY_SECONDS).
        (lambda now: {"exp": now - 120, "iat": now - 720}, "expired_id_token"),
        (lambda now: {"nonce": "another-login"}, "nonce_mismatch"),
        (lambda now: {"aud": "another-client"}, "wrong_audience"),
        (lambda now: {"iss": "https://evil.example/idp"}, "wrong_audience"),
        (lambda now: {"iat": now + 3600}, "invalid_id_token"),  # issued in the future
        (lambda now: {"personal_id": "123"}, "invalid_personal_id"),
        (lambda now: {"personal_id": "999090012345"}, "invalid_personal_id"),  # 999 is no province
    ],
    ids=["expired", "nonce", "audience", "issuer", "future", "short personal ID", "bad province"],
)
def test_a_well_signed_but_wrong_id_token_is_refused(browser, provider_answers, provider_key, changes, code):
    provider_answers(lambda token: resign(token, provider_key, **changes(int(time.time()))))
    before = portal_rows()
    assert_refused(browser, eid_login(browser, "citizen"), 401, code, before)


def test_an_id_token_signed_by_another_key_is_refused(browser, provider_answers, tmp_path):
    provider_answers(lambda token: resign(token, local_rsa_key(tmp_path)))
    assert_refused(browser, eid_login(browser, "citizen"), 401, "invalid_id_token", portal_rows())


def test_the_untouched_id_token_passes_the_same_checks(browser, provider_answers, provider_key):
    # The re-signing above changes nothing by itself: the refusals are the claims' doing.
    provider_answers(lambda token: resign(token, provider_key))
    assert eid_login(browser, "citizen").status_code == 302
    assert browser.user_name() == "Nguyễn Văn An"


def test_an_unreachable_provider_is_a_clear_error(client, db, settings):
    settings.OIDC_ISSUER = "http://127.0.0.1:9/idp"  # nothing listens on the discard port
    cache.clear()
    r = client.get("/oidc/login/")
    assert r.status_code == 502
    text = r.content.decode()
    assert "<code>provider_unreachable</code>" in text and "Không kết nối được" in text


def test_a_discovery_document_for_another_issuer_is_refused(client, eid, monkeypatch):
    real = oidc._get_json
    monkeypatch.setattr(oidc, "_get_json", lambda url: real(url) | {"issuer": "https://evil.example/idp"})
    r = client.get("/oidc/login/")
    assert r.status_code == 502 and "<code>provider_misconfigured</code>" in r.content.decode()


# --- minimum assurance level ----------------------------------------------------------------


@pytest.fixture
def level2_procedure(eid, tmp_path) -> str:
    """A copy of the marital status certificate that needs an e-ID of level 2."""
    definition = yaml.safe_load((ROOT / "procedures" / "1.004873-xac-nhan-tinh-trang-hon-nhan.yaml").read_text())
    definition |= {"code": "9.999002", "min_assurance_level": 2}
    definition["name"] = {**definition["name"], "vi": "Thủ tục thử cần định danh mức 2"}
    path = tmp_path / "9.999002-level2.yaml"
    path.write_text(yaml.safe_dump(definition, allow_unicode=True))
    call_command("catalog", "import", str(path), verbosity=0)
    return "9.999002"


def test_a_level_1_citizen_cannot_submit_a_procedure_needing_level_2(browser, level2_procedure):
    example = yaml.safe_load((ROOT / "procedures" / "1.004873-xac-nhan-tinh-trang-hon-nhan.yaml").read_text())["example"]
    eid_login(browser, "citizen_l1")
    form = browser.get(f"/procedures/{level2_procedure}/")
    assert form.status_code == 200
    r = browser.submit_form(form, example, action=f"/procedures/{level2_procedure}/")
    assert r.status_code == 403
    assert "cần tài khoản định danh điện tử mức 2" in html.unescape(r.text)

    api = ApiClient("citizen_l1").post("/dossiers", {"procedure": level2_procedure, "data": example})
    assert api.status_code == 403
    body = api.json()
    assert body["code"] == "assurance_too_low" and body["required_level"] == 2 and "mức 2" in body["message"]
    # A citizen at level 2 files the very same dossier.
    assert ApiClient("citizen").post("/dossiers", {"procedure": level2_procedure, "data": example}).status_code == 201


# --- claims to citizens (no HTTP) -------------------------------------------------------------


def test_claims_are_read_with_the_configured_names(settings):
    settings.OIDC_PERSONAL_ID_CLAIM = "cccd"
    settings.OIDC_ACR_LEVELS = {"1": 1, "2": 2}  # as a Keycloak realm might say it
    citizen = read_claims({"cccd": "001090012345", "given_name": "An", "family_name": "Nguyễn Văn", "acr": "2", "birthdate": "1990-05-01"})
    assert citizen == EidCitizen("001090012345", "Nguyễn Văn An", 2, citizen.birth_date)
    assert str(citizen.birth_date) == "1990-05-01"
    # An acr we do not know proves only the basic level.
    assert read_claims({"cccd": "001090012345", "acr": "gold"}).assurance_level == 1
    assert read_claims({"cccd": "001090012345"}).assurance_level == 1
    with pytest.raises(oidc.LoginError) as refused:
        read_claims({"personal_id": "001090012345"})
    assert refused.value.code == "invalid_personal_id"


def test_a_first_login_creates_the_citizen_and_later_ones_refresh_the_level(db):
    user = upsert_citizen(EidCitizen("079090099999", "Trần Văn Mới", 1))
    assert user.username == "eid-079090099999" and not user.has_usable_password()
    assert (user.first_name, user.last_name) == ("Mới", "Trần Văn")
    assert upsert_citizen(EidCitizen("079090099999", "Trần Văn Mới", 2)) == user
    assert CitizenProfile.objects.get(user=user).assurance_level == 2
    assert User.objects.filter(username__startswith="eid-").count() == 1


def test_a_login_without_a_name_or_birth_date_keeps_the_known_ones(db):
    user = upsert_citizen(EidCitizen("079090099999", "Trần Văn Mới", 1, date(1990, 5, 1)))
    # A provider that put the personal ID number in `name` and said nothing of the birth date.
    citizen = read_claims({"personal_id": "079090099999", "name": "079090099999", "birthdate": ""})
    assert (citizen.full_name, citizen.birth_date) == ("", None)
    assert upsert_citizen(citizen) == user
    profile = CitizenProfile.objects.get(user=user)
    assert (profile.full_name, profile.birth_date, profile.assurance_level) == ("Trần Văn Mới", date(1990, 5, 1), 1)
    # A first login without a name: no name rather than the number; shown by the account name.
    newcomer = upsert_citizen(read_claims({"personal_id": "048094099999"}))
    assert newcomer.citizen.full_name == "" and "048094099999" not in (newcomer.first_name, newcomer.last_name)


def test_userinfo_completes_the_id_token_and_must_be_about_the_same_person():
    id_claims = {"sub": "s1", "iss": "https://eid", "acr": "vneid:level1", "name": "", "personal_id": "001090012345"}
    userinfo = {"sub": "s1", "name": "Nguyễn Văn An", "birthdate": "1990-05-01", "acr": "vneid:level2",
                "personal_id": "079090099999", "iss": "https://evil.example"}
    merged = oidc.merge_userinfo(id_claims, userinfo)
    # Filled where the ID token is silent or empty; the signed ID token's own claims stand.
    assert merged == {**id_claims, "name": "Nguyễn Văn An", "birthdate": "1990-05-01"}
    assert oidc.merge_userinfo(id_claims, {}) == id_claims
    for other in ({"sub": "s2", "name": "X"}, {"name": "X"}):
        with pytest.raises(oidc.LoginError) as refused:
            oidc.merge_userinfo(id_claims, other)
        assert refused.value.code == "userinfo_mismatch" and refused.value.status == 401


def test_the_demo_client_is_registered_under_both_loopback_names(db, settings):
    settings.PUBLIC_URL = "http://127.0.0.1:8101"
    app = register_portal_client()
    assert app.redirect_uris.split() == ["http://127.0.0.1:8101/oidc/callback/", "http://localhost:8101/oidc/callback/"]
    assert app.post_logout_redirect_uris.split() == ["http://127.0.0.1:8101/", "http://localhost:8101/"]
    settings.PUBLIC_URL = "https://dichvucong.example.gov.vn"
    assert register_portal_client().redirect_uris == "https://dichvucong.example.gov.vn/oidc/callback/"


def test_a_demo_login_from_another_port_says_what_to_set(client, db, settings, caplog):
    settings.PUBLIC_URL = "http://127.0.0.1:9"
    settings.OIDC_ISSUER = "http://127.0.0.1:9/idp"  # nothing listens on the discard port
    cache.clear()
    with caplog.at_level("WARNING", logger="motcua.identity.views"):
        r = client.get("/oidc/login/", HTTP_HOST="127.0.0.1:8101")
    assert r.status_code == 502
    assert "PUBLIC_URL is http://127.0.0.1:9" in caplog.text and "Set PUBLIC_URL=http://127.0.0.1:8101" in caplog.text
    caplog.clear()
    client.get("/oidc/login/", HTTP_HOST="localhost:9")
    assert "PUBLIC_URL" not in caplog.text


def test_a_deactivated_citizen_is_refused(db):
    user = upsert_citizen(EidCitizen("079090099999", "Trần Văn Mới", 2))
    User.objects.filter(pk=user.pk).update(is_active=False)
    with pytest.raises(oidc.LoginError) as refused:
        upsert_citizen(EidCitizen("079090099999", "Trần Văn Mới", 1))
    assert refused.value.code == "inactive_user" and refused.value.status == 403
    assert CitizenProfile.objects.get(user=user).assurance_level == 2


# --- the key and the switch -------------------------------------------------------------------


def test_the_provider_key_is_made_once_and_kept(tmp_path):
    first = local_rsa_key(tmp_path)
    assert "PRIVATE KEY" in first and local_rsa_key(tmp_path) == first
    assert (tmp_path / "oidc_idp_key.pem").stat().st_mode & 0o777 == 0o600


def test_without_the_demo_provider_there_is_no_idp(tmp_path):
    code = (
        "from django.conf import settings; from django.urls import resolve, Resolver404\n"
        "assert 'oauth2_provider' not in settings.INSTALLED_APPS\n"
        "try:\n    resolve('/idp/.well-known/openid-configuration'); print('routed')\n"
        "except Resolver404:\n    print('no idp')\n"
        "print(settings.OIDC_ISSUER)\n"
    )
    env = {
        "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8", "MOTCUA_VAR_DIR": str(tmp_path / "var"),
        "DEMO_IDP_ENABLED": "false", "OIDC_ISSUER": "https://vneid.example.gov.vn/oidc",
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["no", "idp", "https://vneid.example.gov.vn/oidc"]
    assert not (tmp_path / "var" / "oidc_idp_key.pem").exists()


@pytest.mark.parametrize(
    ("language", "expected"),
    [("vi", "Phiên đăng nhập không hợp lệ"), ("en", "This login attempt is invalid"), ("bn", "এই লগইন প্রচেষ্টা অবৈধ")],
)
def test_a_refusal_speaks_the_users_language(client, db, language, expected):
    r = client.get("/oidc/callback/?code=abc&state=made-up", headers={"Accept-Language": language})
    assert r.status_code == 400 and expected in r.content.decode()


def test_check_deploy_warns_when_the_login_points_at_the_missing_demo_provider(tmp_path):
    def check(**extra: str) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8", "MOTCUA_VAR_DIR": str(tmp_path / "var"),
            "DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "example.gov.vn",
            "DEMO_IDP_ENABLED": "false", "CLAMD_ADDRESS": "unix:///run/clamav/clamd.ctl", **extra,
        }
        return subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )

    missing = check()
    assert missing.returncode != 0 and "identity.W001" in missing.stderr + missing.stdout
    # A real installation also signs results with its own authority (results.W001 otherwise).
    from motcua.results.signing import _demo_material

    own = _demo_material(tmp_path / "authority")
    signing = {
        "SIGNING_KEY_FILE": str(own.key_file), "SIGNING_CERT_FILE": str(own.cert_file),
        "SIGNING_CHAIN_FILES": str(own.chain_files[0]),
    }
    configured = check(OIDC_ISSUER="https://sso.example.gov.vn/realms/citizens", **signing)
    assert configured.returncode == 0, configured.stderr
