"""What /api/v1/openapi.json says beyond the routers (motcua/api/links.py): the Idempotency-Key header on exactly
the operations that honour it, and the links Schemathesis's stateful phase follows."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from motcua.api import idempotency

PATH_PARAM = re.compile(r"\{\w+\}")


@pytest.fixture
def document(db) -> dict:
    r = Client().get("/api/v1/openapi.json")
    assert r.status_code == 200
    return r.json()


def _operations(document: dict):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield method, path, operation


def _honoured(method: str, path: str) -> bool:
    # What the middleware does with a concrete path (api/idempotency.py, PATHS), not what the document says.
    return method == "post" and bool(idempotency.PATHS.match(PATH_PARAM.sub("X-1", path)))


def test_the_idempotency_key_header_is_declared_where_a_retry_is_safe_and_nowhere_else(document):
    declared, honoured = set(), set()
    for method, path, operation in _operations(document):
        headers = [p for p in operation.get("parameters", []) if p["in"] == "header" and p["name"] == "Idempotency-Key"]
        if headers:
            declared.add(f"{method.upper()} {path}")
            assert headers[0]["required"] is False and headers[0]["schema"]["type"] == "string"
        if _honoured(method, path):
            honoured.add(f"{method.upper()} {path}")
    assert declared == honoured
    for expected in ("POST /api/v1/dossiers", "POST /api/v1/dossiers/{code}/actions/receive",
                     "POST /api/v1/dossiers/{code}/payments", "POST /api/v1/drafts/{draft_id}/submit",
                     "POST /api/v1/webhooks"):
        assert expected in declared
    assert "GET /api/v1/dossiers" not in declared and "POST /api/v1/dossiers/actions/receive" not in declared


def test_the_declared_key_pattern_is_the_one_the_middleware_takes(document):
    pattern = next(
        p["schema"]["pattern"] for _m, _p, o in _operations(document) for p in o.get("parameters", [])
        if p["name"] == "Idempotency-Key"
    )
    for key in ("8e03978e-40d5-43e8-bc93-6894a57f9324", '"8e03978e"', "a", "x" * 128, '"' + "y" * 128 + '"'):
        assert re.match(pattern, key) and idempotency.parse_key(key), key
    for key in ("", "x" * 129, 'a"b', "a\\b", "with space", '"open'):
        assert not re.match(pattern, key), key
        assert idempotency.parse_key(key) is None, key


def _links(document: dict, method: str, path: str, status: str = "") -> dict:
    responses = document["paths"][path][method]["responses"]
    return {name: link for code, answer in responses.items() if not status or code == status
            for name, link in answer.get("links", {}).items()}


def test_links_lead_from_a_filing_to_the_dossier_and_its_actions(document):
    operation_ids = {o["operationId"]: (m, p) for m, p, o in _operations(document)}
    filed = _links(document, "post", "/api/v1/dossiers", "201")
    assert filed["motcua_dossiers_api_get_dossier"]["parameters"] == {"code": "$response.body#/code"}
    assert {"act_receive", "act_withdraw", "motcua_dossiers_api_list_payments"} <= set(filed)
    # From the dossier read by its code, to every action on it.
    read = _links(document, "get", "/api/v1/dossiers/{code}")
    actions_ = {name for name in operation_ids if name.startswith("act_")}
    assert actions_ and actions_ <= set(read)
    # The list leads to its first dossier; a draft to its submission, which leads to the dossier.
    assert _links(document, "get", "/api/v1/dossiers")["motcua_dossiers_api_get_dossier"]["parameters"] == {
        "code": "$response.body#/0/code"}
    draft = _links(document, "post", "/api/v1/drafts", "201")
    assert draft["motcua_drafts_api_submit"]["parameters"] == {"draft_id": "$response.body#/id"}
    assert "motcua_dossiers_api_get_dossier" in _links(document, "post", "/api/v1/drafts/{draft_id}/submit", "201")
    # A petition filed, to the petition and its actions.
    petition = _links(document, "post", "/api/v1/petitions", "201")
    assert petition["motcua_petitions_api_read"]["parameters"] == {"code": "$response.body#/code"}
    assert "petition_answer" in petition
    # Every link names an operation of the document, with the path parameter it fills.
    for method, path, _operation in _operations(document):
        for name, link in _links(document, method, path).items():
            _target_method, target_path = operation_ids[link["operationId"]]
            assert set(link["parameters"]) == {p[1:-1] for p in PATH_PARAM.findall(target_path)}, (path, name)
