from __future__ import annotations

import pytest

from tests.conftest import BIRTH, BIRTH_COMPONENTS
from tests.integrations.receivers import Receiver

PROVINCE, ANBINH, HOATHUAN = "000.00.00.H99", "000.11.00.H99", "000.12.00.H99"


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def loopback_allowed(settings):
    # The tests' receivers listen on loopback, which a production server refuses (addresses.py).
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True


def submit(as_user, username: str = "citizen") -> str:
    """A birth registration at An Bình (status 1), through the API."""
    citizen = as_user(username)
    r = citizen.post("/dossiers", {"procedure": "1.001193", "data": BIRTH, "components": citizen.references(BIRTH_COMPONENTS)})
    assert r.status_code == 201, r.content
    return r.json()["code"]


def post(client, path: str, body: object, headers: dict[str, str]):
    """An API POST with headers of its own (an Idempotency-Key) beside the bearer token."""
    return client.client.post(f"/api/v1{path}", body, content_type="application/json",
                              headers={**client.headers, **headers})


def subscribe(as_user, url: str, types: list[str], unit: str = PROVINCE) -> dict:
    r = as_user("admin_province").post("/webhooks", {"unit": unit, "url": url, "event_types": types})
    assert r.status_code == 201, r.content
    return r.json()
