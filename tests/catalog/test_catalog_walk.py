"""Every shipped procedure, walked from its `example` to a downloaded result (generated).

One test per file in procedures/: a demo citizen submits the definition's example
with its required components through the API to a unit that implements the
procedure, and the demo staff who hold each step of its workflow (found from the
step's unit and role, tests/walker.py) take it through: receipt, every step
(transfer, approve), the result and its return (drawn light and unsigned here: each
procedure's result is drawn and signed for real by its happy path in test_lifecycle_paths.py). Adding a procedure adds a
test; a procedure whose example, fee, implementing unit or workflow does not work
in the demo fails here. tests/dossiers/lifecycle_paths.py walks the other paths.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.test import Client
from jsonschema import Draft202012Validator

from motcua.catalog.fees import quote
from motcua.catalog.models import Procedure
from motcua.catalog.search import implementing_units
from motcua.dossiers.models import TaskStatus
from motcua.drafts.models import Draft
from motcua.identity.models import User
from motcua.lib.conditions import fields_of
from motcua.portal import steps
from tests.walker import DEFINITIONS, WALK_ROLES, Walker, staff_of


def _walk(definition: dict, level: str | None = None) -> None:
    example = definition.get("example")
    assert isinstance(example, dict), f"{definition['code']} has no example"
    walker = Walker(definition, level=level)
    body = walker.submit()
    assert body["status"] == 1 and body["unit"] == walker.unit.code
    assert body["fee"] == quote(definition.get("fees"), example, {"channel": 2}).total

    final = walker.walk()
    assert final["status"] == 10 and final["returned_at"] and final["finished_at"]
    # Every step was done, or skipped because its condition did not hold for this example.
    assert {t["status"] for t in final["tasks"]} <= {TaskStatus.DONE, TaskStatus.SKIPPED}
    assert [e["action"] for e in final["history"]] == walker.actions

    pdf = walker.citizen.get(f"/dossiers/{walker.code}/result")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_procedure_example_walks_to_a_result(demo, unsigned_results, name):
    _walk(DEFINITIONS[name])


MINISTRY_LEVEL = sorted(name for name, d in DEFINITIONS.items() if "ministry" in d["levels"])


@pytest.mark.parametrize("name", MINISTRY_LEVEL)
def test_ministry_level_procedure_walks_at_a_ministry(demo, unsigned_results, name):
    # The walk above takes the first unit by code; this one takes the ministry's.
    _walk(DEFINITIONS[name], level="ministry")


def test_every_implementing_unit_of_the_demo_is_staffed(demo):
    # Not only one unit per procedure: whichever unit a citizen picks can process it.
    missing = []
    for procedure in Procedure.objects.filter(active=True).order_by("code"):
        for unit in implementing_units(procedure):
            roles = set(staff_of(unit))
            if not roles >= set(WALK_ROLES):
                missing.append((procedure.code, unit.code, sorted(set(WALK_ROLES) - roles)))
    assert missing == []


# --- what the catalog covers ----------------------------------------------------------------


def _step_place(step: dict) -> tuple:
    # Without `unit` a step is done by the unit that received the dossier.
    return tuple(sorted(step.get("unit", {}).items())) or ("receiving unit",)


def _parallel_and_joined(steps: list[dict]) -> tuple[bool, bool]:
    waiting_on = Counter(before for step in steps for before in step.get("after", []))
    split = any(count >= 2 for count in waiting_on.values())
    join = any(len(step.get("after", [])) >= 2 for step in steps)
    return split, join


def test_catalog_covers_levels_agencies_and_applicant_dependent_fees():
    definitions = list(DEFINITIONS.values())
    assert len(definitions) >= 15
    assert len({d["code"] for d in definitions}) == len(definitions)
    assert {"commune", "province", "ministry"} <= {level for d in definitions for level in d["levels"]}

    inter_agency = [
        d["code"]
        for d in definitions
        if len({_step_place(s) for s in d["workflow"]["steps"]}) >= 3
        and _parallel_and_joined(d["workflow"]["steps"]) == (True, True)
    ]
    assert inter_agency, "no procedure runs steps in three places with a parallel split and a join"

    conditional_steps = [d["code"] for d in definitions if any("when" in s for s in d["workflow"]["steps"])]
    assert conditional_steps, "no workflow has a conditional step"

    def applicant_fields(condition) -> set[str]:
        return {f for f in fields_of(condition) if not f.startswith("$")}

    applicant_dependent = [
        d["code"]
        for d in definitions
        if any(applicant_fields(rule.get("when")) for rule in d.get("fees", {}).get("rules", []))
    ]
    assert len(applicant_dependent) >= 2, applicant_dependent


def test_every_example_fits_its_form_and_every_definition_has_the_parts_of_a_service():
    for name, d in DEFINITIONS.items():
        assert not list(Draft202012Validator(d["form"]).iter_errors(d["example"])), name
        assert {"vi", "en", "bn"} <= set(d["name"]), name
        steps = d["workflow"]["steps"]
        assert any(s.get("may_request_supplement") for s in steps), f"{name}: no step may ask for a supplement"
        assert steps[-1].get("end") is True, f"{name}: the last step does not end the workflow"
        assert d.get("legal_basis"), name


def test_every_procedure_page_renders_its_whole_form(demo):
    client = Client()
    client.force_login(User.objects.get(username="citizen"))
    for name, d in DEFINITIONS.items():
        # The procedure page starts a draft; its form is spread over the steps.
        started = client.post(f"/procedures/{d['code']}/start/")
        assert started.status_code == 302, name
        draft = Draft.objects.filter(procedure__code=d["code"]).latest("created_at")
        text = ""
        for step in steps.plan(draft.procedure_version):
            page = client.get(f"/my/drafts/{draft.public_id}/{step.id}/")
            assert page.status_code == 200, (name, step.id)
            text += page.content.decode()
        # A derived field is shown, worked out, never an input.
        derived = set((d.get("form_ui") or {}).get("derived") or {})
        # A repeating group is drawn as its first row's cells (members-0-full_name…).
        drawn = {field: [f'name="{field}-0-{cell}"' for cell in prop["items"]["properties"]] if prop.get("type") == "array"
                 else [f'name="{field}"'] for field, prop in d["form"]["properties"].items()}
        missing = [field for field in d["form"]["properties"] if field not in derived and not all(n in text for n in drawn[field])]
        assert missing == [], (name, missing)
        assert all(f'id="field-{field}"' in text and f'name="{field}"' not in text for field in derived), name
