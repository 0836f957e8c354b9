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


def _definition(name: str) -> dict:
    return yaml.safe_load((ROOT / "procedures" / name).read_text(encoding="utf-8"))


def test_alternative_times_obligations_and_charges_are_in_the_detail(demo):
    # 3.000333: 15 working days when verification is needed; 2.002040: two charges; 1.001193: one table.
    record = Client().get("/api/v1/procedures/3.000333", HTTP_ACCEPT_LANGUAGE="en").json()
    spec = _definition("3.000333-phieu-ly-lich-tu-phap.yaml")
    assert record["processing_days"] == 10
    assert record["processing_times"] == [
        {"when": t["when"], "days": t["days"], "label": t["label"]["en"]} for t in spec["processing_times"]
    ]
    assert record["obligations"] == []
    assert record["fee_pay"] == "at_submission"
    [charge] = record["charges"]
    assert charge["id"] == "" and charge["standard"] == record["fee"] == 200000
    assert [r["id"] for r in charge["rules"]] == [r["id"] for r in spec["fees"]["rules"]]
    assert charge["rules"][0]["when"] == spec["fees"]["rules"][0]["when"] and charge["rules"][-1]["when"] is None

    company = Client().get("/api/v1/procedures/2.002040", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [(c["id"], c["name"], c["standard"]) for c in company["charges"]] == [
        ("registration", "Registration fee", 50000), ("publication", "Publication fee", 100000)]
    assert company["fee"] == 150000
    assert company["charges"][0]["rules"][0] == {
        "id": "online", "amount": 0, "when": {"field": "$channel", "equals": 2},
        "label": "Filed online — no registration fee"}

    # A household's health insurance: a charge counted per month, with an extra per member above four.
    bhyt = Client().get("/api/v1/procedures/1.011880", HTTP_ACCEPT_LANGUAGE="en").json()
    [contribution] = bhyt["charges"]
    assert contribution["times"] == "months"
    assert contribution["extras"] == [{
        "id": "fifth_and_more", "amount": 42120, "when": None, "per": "members", "above": 4,
        "label": "From the 5th member: 40% of the first's, each a month"}]
    assert bhyt["programmes"] == ["project-06"]


def test_obligations_and_local_tables_are_given_as_written(demo, tmp_path):
    from django.core.management import call_command

    definition = _definition("1.001193-dang-ky-khai-sinh.yaml")
    definition["obligations"] = [{"id": "financial", "name": {"vi": "Nộp thuế", "en": "Pay the taxes"},
                                  "steps": [definition["workflow"]["steps"][1]["id"]]}]
    definition["fees"]["local"] = [{"units": ["000.00.00.H99"], "from": "2026-08-08", "basis": "NQ 23/2026/NQ-HĐND",
                                    "when": {"field": "$channel", "equals": 2},
                                    "rules": [{"id": "online_free", "amount": 0}]}]
    path = tmp_path / "birth.yaml"
    path.write_text(yaml.safe_dump(definition, allow_unicode=True, sort_keys=False), encoding="utf-8")
    call_command("catalog", "import", str(path))
    got = Client().get("/api/v1/procedures/1.001193", HTTP_ACCEPT_LANGUAGE="en").json()
    assert got["obligations"] == [{"id": "financial", "name": "Pay the taxes",
                                   "steps": [definition["workflow"]["steps"][1]["id"]], "when": None}]
    [local] = got["charges"][0]["local"]
    assert local == {"units": ["000.00.00.H99"], "valid_from": "2026-08-08", "valid_until": None,
                     "when": {"field": "$channel", "equals": 2}, "basis": "NQ 23/2026/NQ-HĐND",
                     "rules": [{"id": "online_free", "amount": 0, "when": None, "label": ""}],
                     "extras": None, "cap": None}


def test_the_openapi_types_the_new_parts(demo):
    schemas = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]
    detail = schemas["ProcedureDetail"]["properties"]
    assert {"processing_times", "obligations", "charges", "fee_pay", "programmes"} <= set(detail)
    assert {"when", "days", "label"} <= set(schemas["ProcessingTimeOut"]["properties"])
    assert {"id", "name", "steps", "when"} <= set(schemas["ObligationOut"]["properties"])
    assert {"id", "name", "standard", "rules", "extras", "cap", "times", "local"} <= set(schemas["ChargeOut"]["properties"])
    assert "valid_from" in schemas["LocalTableOut"]["properties"]
    assert "programme" in str(Client().get("/api/v1/openapi.json").json()["paths"]["/api/v1/procedures"])
