"""GET /api/v1/procedures/{code}: each component says when it is needed and how it may be supplied.

`required` alone did not tell an API client that a component is needed only in some cases: the
detail now gives the condition as in the procedure format (`when`, machine-readable, null when
always) and the accepted `sources`.
"""

from __future__ import annotations

import yaml
from django.test import Client

from tests.walker import ROOT

BIRTH = yaml.safe_load((ROOT / "procedures" / "1.001193-dang-ky-khai-sinh.yaml").read_text(encoding="utf-8"))


def test_components_carry_their_condition_and_sources(demo):
    r = Client().get("/api/v1/procedures/1.001193", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    components = {c["key"]: c for c in r.json()["components"]}
    assert list(components) == [c["key"] for c in BIRTH["components"]]
    conditional = [c for c in BIRTH["components"] if "when" in c]
    assert conditional, "the birth registration has a component needed only in some cases"
    for spec in BIRTH["components"]:
        got = components[spec["key"]]
        assert got["when"] == spec.get("when")
        assert got["required"] == spec.get("required", True)
        # Each source as the definition gives it, in its order; the other kinds are null.
        assert len(got["sources"]) == len(spec.get("sources", []))
        for given, source in zip(got["sources"], spec.get("sources", []), strict=True):
            kind = next(iter(source))
            assert [k for k, v in given.items() if v is not None] == [kind]
            if kind == "upload":
                assert given["upload"]["types"] == source["upload"].get("types", ["pdf", "jpg", "png"])
                assert given["upload"]["max_mb"] == source["upload"].get("max_mb")
            else:
                assert given[kind] == source[kind]


def test_the_openapi_documents_the_condition(demo):
    schema = Client().get("/api/v1/openapi.json").json()
    component = schema["components"]["schemas"]["ComponentOut"]["properties"]
    assert {"when", "sources"} <= set(component)
    assert "$channel" in component["when"]["description"]
    source = schema["components"]["schemas"]["SourceOut"]["properties"]
    assert source["counter"]["anyOf"][0]["enum"] == ["receipt", "result"]
