"""Every shipped procedure, walked from its `example` to a downloaded result (generated).

One test per file in procedures/: a demo citizen submits the definition's example
through the API to a unit that implements the procedure, and the demo staff who
serve that unit take it through the fixed lifecycle. Adding a procedure adds a
test; a procedure whose example, fee or implementing unit does not work in the
demo fails here.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml
from django.test import Client
from jsonschema import Draft202012Validator

from motcua.catalog.fees import quote
from motcua.catalog.models import Procedure
from motcua.catalog.search import implementing_units
from motcua.identity.models import User
from motcua.lib.conditions import fields_of
from motcua.units.models import Membership, Role, Unit
from motcua.units.scope import roles_on

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "procedures").glob("*.yaml"))
WALK_ROLES = (Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.APPROVER)


def _definition(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


DEFINITIONS = {path.name: _definition(path) for path in FILES}


def _staff(unit: Unit) -> dict[str, str]:
    """A demo username for each walk role that serves `unit`: the nearest membership wins.

    Staff of a commune's People's Committee also serve the commune police in its
    subtree; the police's own staff are the ones who should act on police dossiers.
    """
    found: dict[str, tuple[int, str]] = {}
    memberships = Membership.objects.filter(role__in=WALK_ROLES).select_related("user", "unit__parent")
    for m in memberships.order_by("user__username"):
        depth = len(m.unit.scope_root.path)
        if m.role in roles_on(m.user, unit) and depth > found.get(m.role, (-1, ""))[0]:
            found[m.role] = (depth, m.user.username)
    return {role: username for role, (_, username) in found.items()}


def _staffed_unit(procedure: Procedure, level: str | None = None) -> tuple[Unit, dict[str, str]]:
    units = implementing_units(procedure).order_by("code")
    if level is not None:
        units = units.filter(level=level)
    assert units, f"{procedure.code}: no unit of the demo implements it" + (f" at {level} level" if level else "")
    for unit in units:
        staff = _staff(unit)
        if all(role in staff for role in WALK_ROLES):
            return unit, staff
    pytest.fail(f"{procedure.code}: no implementing unit ({[u.code for u in units]}) has staff for {WALK_ROLES}")


def _walk(as_user, definition: dict, level: str | None = None) -> None:
    example = definition.get("example")
    assert isinstance(example, dict), f"{definition['code']} has no example"
    procedure = Procedure.objects.get(code=definition["code"])
    unit, staff = _staffed_unit(procedure, level)

    citizen = as_user("citizen")
    r = citizen.post("/dossiers", {"procedure": definition["code"], "data": example, "unit": unit.code})
    assert r.status_code == 201, r.content
    body = r.json()
    code = body["code"]
    assert body["status"] == 1 and body["unit"] == unit.code
    assert body["fee"] == quote(definition.get("fees"), example, {"channel": 2}).total

    officer = as_user(staff[Role.ONE_STOP_OFFICER])
    specialist = as_user(staff[Role.SPECIALIST])
    approver = as_user(staff[Role.APPROVER])
    for actor, action, status in [
        (officer, "receive", 2),
        (specialist, "start_processing", 4),
        (approver, "approve", 4),
        (approver, "issue_result", 9),
        (officer, "return_result", 10),
    ]:
        r = actor.act(code, action)
        assert r.status_code == 200, (definition["code"], unit.code, actor.username, action, r.content)
        assert r.json()["status"] == status, (definition["code"], action)

    pdf = citizen.get(f"/dossiers/{code}/result")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_procedure_example_walks_to_a_result(as_user, name):
    _walk(as_user, DEFINITIONS[name])


MINISTRY_LEVEL = sorted(name for name, d in DEFINITIONS.items() if "ministry" in d["levels"])


@pytest.mark.parametrize("name", MINISTRY_LEVEL)
def test_ministry_level_procedure_walks_at_a_ministry(as_user, name):
    # The walk above takes the first unit by code; this one takes the ministry's.
    _walk(as_user, DEFINITIONS[name], level="ministry")


def test_every_implementing_unit_of_the_demo_is_staffed(demo):
    # Not only one unit per procedure: whichever unit a citizen picks can process it.
    missing = []
    for procedure in Procedure.objects.filter(active=True).order_by("code"):
        for unit in implementing_units(procedure):
            roles = set(_staff(unit))
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
        page = client.get(f"/procedures/{d['code']}/")
        assert page.status_code == 200, name
        text = page.content.decode()
        missing = [field for field in d["form"]["properties"] if f'name="{field}"' not in text]
        assert missing == [], (name, missing)
