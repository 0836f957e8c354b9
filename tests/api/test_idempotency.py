"""Idempotency-Key (IETF draft-ietf-httpapi-idempotency-key-header) and staged uploads taken once.

A client that lost the answer retries with the same key: the first answer comes
back and nothing is filed twice; the same key with another body is a 422; while
the first is still in flight, a 409. A staged upload named by two submissions at
once ends in exactly one dossier. The races run on real parallel connections
(threads on a committed database), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from motcua.api import idempotency
from motcua.api.models import IdempotentRequest
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.identity.models import User
from motcua.vault.models import Upload
from tests.api.test_bad_input import VIETNAMESE
from tests.conftest import BIRTH, BIRTH_COMPONENTS, ApiClient
from tests.races import at_once


def _post(api: ApiClient, path: str, body: object | None, key: str | None):
    headers = {**api.headers, **({"Idempotency-Key": key} if key is not None else {})}
    return api.client.post(f"/api/v1{path}", body if body is not None else {}, content_type="application/json",
                           headers=headers)


def _submit(citizen: ApiClient, key: str | None, components: list[dict], data: dict | None = None):
    return _post(citizen, "/dossiers", {"procedure": "1.001193", "data": data or BIRTH, "components": components}, key)


def test_a_retry_with_the_same_key_replays_the_first_answer(demo):
    citizen = ApiClient("citizen")
    components = citizen.references(BIRTH_COMPONENTS)
    before = Dossier.objects.count()
    first = _submit(citizen, '"c0ffee-1"', components)
    assert first.status_code == 201, first.content
    again = _submit(citizen, '"c0ffee-1"', components)
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Dossier.objects.count() == before + 1
    # A bare token names the same key as its sf-string form.
    assert _submit(citizen, "c0ffee-1", components).json()["code"] == first.json()["code"]
    # The same JSON written another way is the same request.
    raw = f'{{"components": {json.dumps(components)}, "data": {json.dumps(BIRTH)}, "procedure": "1.001193"}}'
    same = citizen.client.post("/api/v1/dossiers", raw, content_type="application/json",
                               headers={**citizen.headers, "Idempotency-Key": "c0ffee-1"})
    assert same.status_code == 201 and same.json()["code"] == first.json()["code"]
    assert Dossier.objects.count() == before + 1


def test_the_same_key_with_another_body_is_a_422(demo):
    citizen = ApiClient("citizen")
    components = citizen.references(BIRTH_COMPONENTS)
    assert _submit(citizen, "k-1", components).status_code == 201
    before = Dossier.objects.count()
    other = _submit(citizen, "k-1", components, data={**BIRTH, "child_name": "Nguyễn Minh Khôi"})
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert VIETNAMESE.search(other.json()["message"])
    assert Dossier.objects.count() == before


def test_keys_are_per_user(demo):
    first, second = ApiClient("citizen"), ApiClient("citizen2")
    a = _submit(first, "shared-key", first.references(BIRTH_COMPONENTS))
    b = _submit(second, "shared-key", second.references(BIRTH_COMPONENTS))
    assert a.status_code == b.status_code == 201 and a.json()["code"] != b.json()["code"]


def test_a_key_in_flight_is_a_409_until_it_is_stale(demo):
    citizen = ApiClient("citizen")
    components = citizen.references(BIRTH_COMPONENTS)
    user = User.objects.get(username="citizen")
    probe = Client().post("/api/v1/dossiers", {"procedure": "1.001193", "data": BIRTH, "components": components},
                          content_type="application/json")
    print_ = idempotency.fingerprint(probe.wsgi_request)
    now = timezone.now()
    row = IdempotentRequest.objects.create(user=user, key="busy", fingerprint=print_, created_at=now,
                                           expires_at=now + idempotency.KEEP)
    before = Dossier.objects.count()
    r = _submit(citizen, "busy", components)
    assert r.status_code == 409 and r.json()["code"] == "idempotency_request_in_flight"
    assert Dossier.objects.count() == before
    # Its worker died (nothing was committed with it): after STALE, a retry does the work.
    IdempotentRequest.objects.filter(pk=row.pk).update(created_at=now - idempotency.STALE - timedelta(seconds=1))
    r = _submit(citizen, "busy", components)
    assert r.status_code == 201, r.content
    assert Dossier.objects.count() == before + 1


def test_an_action_retried_is_done_once(demo):
    citizen = ApiClient("citizen")
    code = _submit(citizen, None, citizen.references(BIRTH_COMPONENTS)).json()["code"]
    officer = ApiClient("onestop_anbinh")
    first = _post(officer, f"/dossiers/{code}/actions/receive", None, "recv-1")
    assert first.status_code == 200, first.content
    again = _post(officer, f"/dossiers/{code}/actions/receive", None, "recv-1")
    assert again.status_code == 200 and again.json() == first.json()  # not a 409 "already received"
    assert DossierEvent.objects.filter(dossier__code=code, action="receive").count() == 1
    # Without the key, the same request is a new one: refused as the transition it is.
    assert officer.post(f"/dossiers/{code}/actions/receive").status_code == 409


def test_a_refusal_is_replayed_too_and_a_bad_key_is_a_422(demo):
    citizen = ApiClient("citizen")
    bad = {"procedure": "1.001193", "data": {**BIRTH, "undeclared": 1}}
    first = _post(citizen, "/dossiers", bad, "r-1")
    assert first.status_code == 422
    assert _post(citizen, "/dossiers", bad, "r-1").json() == first.json()
    for key in ("", "x" * 129, "a b", '"unterminated'):
        r = _post(citizen, "/dossiers", bad, key)
        assert r.status_code == 422 and r.json()["code"] == "invalid_idempotency_key", key


def test_expired_keys_are_pruned_and_may_be_used_again(demo):
    citizen = ApiClient("citizen")
    components = citizen.references(BIRTH_COMPONENTS)
    assert _submit(citizen, "old", components).status_code == 201
    IdempotentRequest.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert idempotency.prune() == 1
    assert not IdempotentRequest.objects.exists()


# --- races on real parallel connections ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_one_staged_upload_ends_in_exactly_one_dossier_under_concurrency(demo):
    for round_ in range(3):
        citizen = ApiClient("citizen")
        components = citizen.references(BIRTH_COMPONENTS)
        before = Dossier.objects.count()
        answers = at_once(*[lambda c=components: _submit(ApiClient("citizen"), None, c) for _ in range(2)])
        statuses = sorted(a.status_code for a in answers)
        assert statuses[0] == 201 and statuses[1] in (409, 422), [a.content[:200] for a in answers]
        loser = next(a for a in answers if a.status_code != 201).json()
        assert loser["code"] == "upload_already_used", loser
        assert Dossier.objects.count() == before + 1, round_
        winner = next(a for a in answers if a.status_code == 201).json()["code"]
        assert Upload.objects.get(token=components[0]["upload"]).used_in == winner


@pytest.mark.django_db(transaction=True)
def test_the_same_key_sent_twice_at_once_files_one_dossier(demo):
    citizen = ApiClient("citizen")
    for round_ in range(3):
        components = citizen.references(BIRTH_COMPONENTS)
        before = Dossier.objects.count()
        answers = at_once(*[lambda c=components, k=f"race-{round_}": _submit(citizen, k, c) for _ in range(2)])
        statuses = sorted(a.status_code for a in answers)
        # Either the second came while the first was in flight (409), or after it (the replay).
        assert statuses in ([201, 409], [201, 201]), [a.content[:200] for a in answers]
        assert Dossier.objects.count() == before + 1
