from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
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


@pytest.fixture(autouse=True, scope="session")
def _signing_material_made_in_real_time():
    # The demo authority is otherwise made by the first result a test issues, perhaps under
    # freezegun: cryptography's Rust side then keeps freezegun's datetime class and refuses
    # every real datetime afterwards (TypeError in the certificate builder).
    from motcua.results import signing

    signing.material()


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


TINY_PDF = b"%PDF-1.4\n% motcua test\n"
# The first bytes of each kind a component may take (uploads are checked by content).
MAGIC_FILES = {"pdf": TINY_PDF, "png": b"\x89PNG\r\n\x1a\n test", "jpg": b"\xff\xd8\xff test", "jpeg": b"\xff\xd8\xff test"}


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

    def upload(self, name: str = "tep.pdf", content: bytes = TINY_PDF, **fields: str):
        """POST /uploads (multipart): the answer, whose "id" a dossier component then names."""
        return self.client.post(
            "/api/v1/uploads", {"file": SimpleUploadedFile(name, content), **fields}, headers=self.headers
        )

    def references(self, records: list[dict]) -> list[dict]:
        """Records as the portal stores them → what the API takes: an upload, a vault document, a registry."""
        found = []
        user = User.objects.get(username=self.username)
        for record in records:
            key, source = record["key"], record.get("source", "upload")
            if source == "upload":
                name = str(record.get("name") or f"{key}.pdf")
                r = self.upload(name, MAGIC_FILES.get(name.rsplit(".", 1)[-1].lower(), TINY_PDF))
                assert r.status_code == 201, r.content
                found.append({"key": key, "upload": r.json()["id"]})
            elif source == "vault":
                found.append({"key": key, "vault_document": vault_document_for(user, record).pk})
            else:
                found.append({"key": key, "source": "registry"})
        return found



def vault_document_for(user: User, record: dict):
    """A valid document of the record's `document_type`, kept in `user`'s vault."""
    from motcua.vault.store import keep_issued

    document_type = record["document_type"]
    return keep_issued(
        user, reference=f"test/{document_type}", document_type=document_type, title=f"Test {document_type}",
        issuer="UBND xã An Bình", issued_on=date(2024, 1, 1), valid_until=None, content=TINY_PDF,
        file_name=f"{document_type}.pdf",
    )


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
