"""Strict input (issue 20): the hostile inputs that were 500s, or stored, are refused with a 4xx, in words.

Each case here was seen failing: an `offset` beyond 64 bits (anonymous procedures,
dossiers, the vault's access log), a payment amount beyond 64 bits, a lone UTF-16
surrogate in JSON, a NUL in a citizen's web form, an undeclared field or a 1.5 MB
value stored with a submission. Run on SQLite and PostgreSQL (DATABASE_URL).
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from motcua.dossiers.models import Dossier
from motcua.drafts.models import Draft
from motcua.identity.models import User
from tests.api.test_bad_input import VIETNAMESE, row_counts
from tests.conftest import BIRTH, BIRTH_COMPONENTS, ApiClient

HUGE = 2**70  # beyond any 64-bit column or OFFSET


@pytest.mark.parametrize("path", [
    f"/procedures?offset={HUGE}",
    f"/procedures?limit={HUGE}",
    f"/dossiers?offset={HUGE}",
    f"/dossiers?offset={2**63}",
    f"/vault/access-log?offset={HUGE}",
    f"/vault/documents/{HUGE}/file",
])
def test_integers_beyond_64_bits_are_a_422(demo, path):
    r = ApiClient("citizen").get(path)
    assert r.status_code == 422, r.content
    assert r.json()["code"] == "invalid_request"


def test_anonymous_procedure_search_with_a_huge_offset(demo):
    r = Client().get(f"/api/v1/procedures?offset={HUGE}")
    assert r.status_code == 422
    assert Client().get("/api/v1/procedures?offset=0&limit=1").status_code == 200


def test_a_page_id_beyond_the_database_is_a_404(demo):
    client = Client()
    client.force_login(User.objects.get(username="citizen"))
    assert client.get(f"/my/documents/{HUGE}/").status_code == 404


def _submitted(citizen: ApiClient) -> str:
    r = citizen.post("/dossiers", {"procedure": "1.001193", "data": BIRTH, "components": citizen.references(BIRTH_COMPONENTS)})
    assert r.status_code == 201, r.content
    return r.json()["code"]


def test_payment_request_amount_beyond_64_bits(demo):
    code = _submitted(ApiClient("citizen"))
    r = ApiClient("onestop_anbinh").post(f"/dossiers/{code}/actions/request_payment", {"amount": HUGE})
    assert r.status_code == 422, r.content


def test_a_lone_surrogate_in_json_is_a_400(demo):
    citizen = ApiClient("citizen")
    before = row_counts()
    body = json.dumps({"procedure": "1.001193", "data": {**BIRTH, "child_name": "\ud800"}})  # written as \\ud800
    assert "\\ud800" in body
    r = citizen.client.post("/api/v1/dossiers", body, content_type="application/json", headers=citizen.headers)
    assert r.status_code == 400, r.content
    assert r.json()["code"] == "malformed_body"
    # a key, and a draft's answers, alike
    r = citizen.client.post("/api/v1/drafts", '{"procedure": "1.001193", "data": {"\\udc00": "x"}}',
                            content_type="application/json", headers=citizen.headers)
    assert r.status_code == 400, r.content
    assert row_counts() == before


@pytest.mark.parametrize("language, word", [("vi", None), ("en", "character")])
def test_nul_in_a_citizens_web_form_is_a_400_in_words(demo, language, word):
    client = Client(headers={"Accept-Language": language})
    client.force_login(User.objects.get(username="citizen"))
    client.cookies["django_language"] = language
    first = client.post("/procedures/1.001193/start/")["Location"]
    draft = Draft.objects.get()
    r = client.post(first, {"child_name": "An\x00", "relationship": "cha"})
    assert r.status_code == 400
    text = r.content.decode()
    assert (VIETNAMESE.search(text) if word is None else word in text), text
    draft.refresh_from_db()
    assert "An\x00" not in json.dumps(draft.data)


def test_an_undeclared_field_is_refused_on_submission(demo):
    citizen = ApiClient("citizen")
    before = Dossier.objects.count()
    r = citizen.post("/dossiers", {"procedure": "1.001193", "data": {**BIRTH, "note_to_officer": "<b>hi</b>"},
                                   "components": citizen.references(BIRTH_COMPONENTS)})
    assert r.status_code == 422, r.content
    assert r.json()["code"] == "unknown_fields" and r.json()["fields"] == ["note_to_officer"]
    assert VIETNAMESE.search(r.json()["message"])
    assert Dossier.objects.count() == before


@pytest.mark.parametrize("where", ["undeclared", "declared"])
def test_a_megabyte_value_is_refused_on_submission(demo, where):
    citizen = ApiClient("citizen")
    big = {"a": [{"b": "x" * 1000} for _ in range(1500)]}  # ~1.5 MB, nested
    data = {**BIRTH, "extra": big} if where == "undeclared" else {**BIRTH, "birth_place": "x" * 1_500_000}
    before = Dossier.objects.count()
    r = citizen.post("/dossiers", {"procedure": "1.001193", "data": data, "components": citizen.references(BIRTH_COMPONENTS)})
    assert r.status_code == 422, r.content[:300]
    assert r.json()["code"] in ("unknown_fields", "data_too_large", "invalid_form")
    if where == "declared":
        assert r.json()["code"] in ("data_too_large", "invalid_form")
    assert Dossier.objects.count() == before


def test_a_supplement_answer_cannot_add_undeclared_fields(demo):
    from motcua.dossiers import actions
    from motcua.lib.errors import Invalid

    citizen = ApiClient("citizen")
    code = _submitted(citizen)
    officer = User.objects.get(username="onestop_anbinh")
    actions.perform(code, "request_supplement", officer, reason="Thiếu",
                    payload={"items": [{"key": "birth_certificate", "reason": "mờ"}]})
    applicant = User.objects.get(username="citizen")
    with pytest.raises(Invalid) as err:
        actions.perform(code, "submit_supplement", applicant,
                        payload={"data": {"hidden": "x"}, "components": [{"key": "birth_certificate", "source": "registry"}]})
    assert err.value.code == "unknown_fields"
    assert "hidden" not in Dossier.objects.get(code=code).data


def test_a_bulk_action_with_a_json_null_body_is_a_422_not_a_500(demo):
    # Found by the Schemathesis run: the bulk actions' body was optional, and `null` reached the handler.
    officer = ApiClient("onestop_anbinh")
    for action in ("receive", "claim", "assign", "return_result", "return"):
        r = officer.client.post(f"/api/v1/dossiers/actions/{action}", "null", content_type="application/json",
                                headers=officer.headers)
        assert r.status_code == 422, (action, r.status_code, r.content)
    r = officer.post("/dossiers/actions/receive", {"codes": ["000.11.00.H99-000000-0000"]})
    assert r.status_code == 200 and r.json()["refused"] == 1, r.content
