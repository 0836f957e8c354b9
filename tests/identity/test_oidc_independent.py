"""The e-ID login against a provider not written here: panva's oidc-provider (OpenID Certified).

The bundled demo provider puts every claim in the ID token; a certified provider,
like the national e-ID, gives the profile (name, birth date, personal ID number)
only at its UserInfo endpoint in the code flow (OIDC Core §5.4). This provider
runs in node (tests/identity/oidc_provider/, installed by `make test` with
`npm ci`) on a free port, configured so; motcua runs in pytest-django's live
server; each test drives a `requests.Session` through the whole code flow with
PKCE, following the redirects as a browser would.
"""

from __future__ import annotations

import base64
import html
import json
import re
import selectors
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlparse

import pytest
import requests
from django.core.cache import cache

from motcua.identity import oidc
from motcua.identity.models import CitizenProfile, User

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc_provider"
SUB = "vneid-7f3a91"  # the provider's subject: opaque, not the personal ID number
PERSONAL_ID = "001192012345"
ACCOUNT = {"name": "Lê Thị Hoa", "birthdate": "1992-03-04", "personal_id": PERSONAL_ID}


class Provider:
    """The node process and the state file it reads at every request."""

    def __init__(self, state_path: Path, client_origin: str) -> None:
        self.state_path = state_path
        self.client_origin = client_origin
        self.reset()
        if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
            pytest.fail(f"oidc-provider is not installed: run `make test`, or `npm ci` in {PROVIDER_DIR}")
        self.process = subprocess.Popen(  # noqa: S603 - node and our own script
            ["node", "provider.js", str(state_path)],  # noqa: S607
            cwd=PROVIDER_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        with selectors.DefaultSelector() as ready:
            ready.register(self.process.stdout, selectors.EVENT_READ)
            if not ready.select(timeout=30):
                self.stop()
                pytest.fail("oidc-provider did not start within 30 s")
        line = self.process.stdout.readline()
        if not line:
            pytest.fail(f"oidc-provider did not start: {self.process.stderr.read()}")
        self.issuer = json.loads(line)["issuer"]

    def reset(self) -> None:
        self.write(accounts={SUB: ACCOUNT}, userinfo_sub=None)

    def write(self, **state: Any) -> None:
        self.state_path.write_text(json.dumps({"client_origin": self.client_origin, **state}, ensure_ascii=False))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def provider(live_server, tmp_path_factory) -> Iterator[Provider]:
    started = Provider(tmp_path_factory.mktemp("oidc_provider") / "state.json", live_server.url)
    yield started
    started.stop()


@pytest.fixture
def portal(provider, live_server, transactional_db, settings, monkeypatch) -> Iterator[dict[str, Any]]:
    """motcua pointed at the independent provider, as a public client with PKCE; records the ID tokens."""
    provider.reset()
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_CLIENT_SECRET = ""
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    cache.clear()  # another test's discovery document and keys
    seen: dict[str, Any] = {}
    real = oidc._exchange

    def exchange(*args):
        token = real(*args)
        seen["id_token"] = json.loads(base64.urlsafe_b64decode(token["id_token"].split(".")[1] + "=="))
        return token

    monkeypatch.setattr(oidc, "_exchange", exchange)
    yield seen
    cache.clear()


class Browser:
    """Follows redirects one by one, signing in at the provider's form when it is shown."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()

    def get(self, url: str) -> requests.Response:
        return self.http.get(urljoin(self.base + "/", url), allow_redirects=False, timeout=30)

    def post(self, url: str, data: dict[str, str]) -> requests.Response:
        return self.http.post(urljoin(self.base + "/", url), data=data, allow_redirects=False, timeout=30)

    def to_portal(self, r: requests.Response, login: str = SUB) -> requests.Response:
        """Through the provider until it sends the browser back to the portal; that answer."""
        for _ in range(10):
            if r.status_code in (302, 303):
                url = urljoin(r.url, r.headers["Location"])
                if url.startswith(self.base):
                    return self.get(url)
                r = self.get(url)
            elif r.status_code == 200 and 'name="prompt" value="login"' in r.text:
                action = html.unescape(re.search(r'<form[^>]* action="([^"]+)"', r.text).group(1))
                r = self.post(urljoin(r.url, action), {"prompt": "login", "login": login, "password": "any"})
            else:
                raise AssertionError((r.status_code, r.url, r.text[:2000]))
        raise AssertionError("too many redirects")

    def login(self) -> requests.Response:
        start = self.get(f"/oidc/login/?{urlencode({'next': '/my/dossiers/'})}")
        assert start.status_code == 302, start.text[:2000]
        return self.to_portal(start)

    def user_name(self) -> str | None:
        found = re.search(r'<span class="user-name">([^<]+)</span>', self.get("/").text)
        return html.unescape(found.group(1)) if found else None


def test_the_name_and_birth_date_come_from_userinfo(portal, provider, live_server):
    browser = Browser(live_server.url)
    start = browser.get("/oidc/login/")
    authorize = urlparse(start.headers["Location"])
    assert f"{authorize.scheme}://{authorize.netloc}" == provider.issuer
    assert parse_qs(authorize.query)["code_challenge_method"] == ["S256"]

    r = browser.to_portal(start)
    assert r.status_code == 302 and r.headers["Location"] == "/", r.text[:2000]
    # The provider kept the profile out of the ID token: only UserInfo said who this is.
    assert portal["id_token"]["sub"] == SUB
    assert not {"name", "birthdate", "personal_id"} & set(portal["id_token"])
    citizen = CitizenProfile.objects.get(personal_id=PERSONAL_ID)
    assert (citizen.full_name, citizen.birth_date) == ("Lê Thị Hoa", date(1992, 3, 4))
    assert citizen.user.username == f"eid-{PERSONAL_ID}"
    assert browser.user_name() == "Lê Thị Hoa"


def test_a_login_without_the_name_keeps_the_known_one(portal, provider, live_server):
    assert Browser(live_server.url).login().status_code == 302
    # Later the provider's UserInfo says only the personal ID number (a narrower consent, a
    # provider's outage of its civil registry): what motcua knows stays.
    provider.write(accounts={SUB: {"personal_id": PERSONAL_ID}}, userinfo_sub=None)
    browser = Browser(live_server.url)
    r = browser.login()
    assert r.status_code == 302 and r.headers["Location"] == "/my/dossiers/"
    citizen = CitizenProfile.objects.get(personal_id=PERSONAL_ID)
    assert (citizen.full_name, citizen.birth_date) == ("Lê Thị Hoa", date(1992, 3, 4))
    assert browser.user_name() == "Lê Thị Hoa"
    # A changed name, given, is taken.
    provider.write(accounts={SUB: {**ACCOUNT, "name": "Lê Thị Hoà"}}, userinfo_sub=None)
    assert Browser(live_server.url).login().status_code == 302
    assert CitizenProfile.objects.get(personal_id=PERSONAL_ID).full_name == "Lê Thị Hoà"


def test_userinfo_about_someone_else_is_refused(portal, provider, live_server):
    provider.write(accounts={SUB: ACCOUNT}, userinfo_sub="vneid-someone-else")
    users = User.objects.count()
    browser = Browser(live_server.url)
    r = browser.login()
    assert r.status_code == 401
    text = html.unescape(r.text)
    assert "<code>userinfo_mismatch</code>" in text and "không thuộc tài khoản vừa đăng nhập" in text
    assert User.objects.count() == users and not CitizenProfile.objects.filter(personal_id=PERSONAL_ID).exists()
    assert browser.user_name() is None


def test_logout_reaches_the_providers_end_session_endpoint(portal, provider, live_server):
    browser = Browser(live_server.url)
    browser.login()
    page = browser.get("/my/dossiers/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    r = browser.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert r.status_code == 302
    end_session = urlparse(r.headers["Location"])
    assert f"{end_session.scheme}://{end_session.netloc}{end_session.path}" == f"{provider.issuer}/session/end"
    query = parse_qs(end_session.query)
    assert query["post_logout_redirect_uri"] == [f"{live_server.url}/"] and query["client_id"] == ["motcua-portal"]
    assert browser.user_name() is None  # logged out of motcua already

    # The provider accepts the ID token hint and asks to confirm; confirmed, it returns to motcua.
    confirm = browser.get(r.headers["Location"])
    assert confirm.status_code == 200, confirm.text[:2000]
    form = re.search(r'<form[^>]*id="op.logoutForm"[^>]*>.*?</form>', confirm.text, re.S).group(0)
    action = html.unescape(re.search(r'action="([^"]+)"', form).group(1))
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    done = browser.post(urljoin(confirm.url, action), {**fields, "logout": "yes"})
    assert done.status_code in (302, 303) and done.headers["Location"] == f"{live_server.url}/"
    # The provider forgot the citizen: the next login shows its sign-in form again.
    start = browser.get("/oidc/login/")
    r = browser.get(start.headers["Location"])
    while r.status_code in (302, 303) and not r.headers["Location"].startswith(live_server.url):
        r = browser.get(urljoin(r.url, r.headers["Location"]))
    assert r.status_code == 200 and 'name="prompt" value="login"' in r.text
