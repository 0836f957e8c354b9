from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from motcua.identity.models import ApiToken, User


@pytest.fixture(autouse=True, scope="session")
def _plain_http_live_server():
    # Session-scoped fixtures run before function-scoped ones, so the session-wide
    # `live_server` builds its middleware (SecurityMiddleware reads
    # SECURE_SSL_REDIRECT once, at construction) before `_plain_http` below runs:
    # without this its answers were redirects to https:// that the test cannot follow.
    with override_settings(SECURE_SSL_REDIRECT=False):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The demo load hashes 16 passwords: PBKDF2 made it ~4 s per test; what is
    # tested is the product, not the strength of the test hashes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_http(settings, tmp_path):
    # Production defaults redirect to HTTPS; the test client speaks plain HTTP.
    settings.SECURE_SSL_REDIRECT = False
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def demo(db):
    """The demo province, its staff, citizens and the shipped procedures."""
    call_command("load_demo", verbosity=0)


class ApiClient:
    """A user's view of the API: JSON in, JSON out, with the user's bearer token."""

    def __init__(self, username: str | None, token: str | None = None) -> None:
        self.client = Client()
        self.username = username
        if token is None and username is not None:
            token = ApiToken.issue(User.objects.get(username=username))
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **kw):
        return self.client.get(f"/api/v1{path}", headers=self.headers, **kw)

    def post(self, path: str, body: object | None = None, **kw):
        return self.client.post(
            f"/api/v1{path}", body if body is not None else {}, content_type="application/json", headers=self.headers, **kw
        )

    def act(self, code: str, action: str, reason: str = ""):
        return self.post(f"/dossiers/{code}/actions/{action}", {"reason": reason} if reason else None)


@pytest.fixture
def as_user(demo):
    return ApiClient


BIRTH = {
    "child_name": "Nguyễn Minh Khang",
    "child_birth_date": "2026-11-20",
    "child_sex": "nam",
    "birth_place": "Bệnh viện Đa khoa tỉnh Demo",
    "mother_name": "Trần Thị Hạnh",
    "father_name": "Nguyễn Văn An",
    "relationship": "cha",
    "registration_timing": "on_time",
}
# The required component of birth registration, as the portal records an upload.
BIRTH_COMPONENTS = [{"key": "birth_certificate", "source": "upload", "name": "giay-chung-sinh.pdf"}]
