"""Procedure format v2, decisions and results: each new construct checked for meaning (docs/procedure-format.md).

An officer's choices at a step (next / back / refuse / requires), values a step records, the refusal
letter, the holder of a result or part, and person blocks keyed by a form field: each mistake reported
once, as file:line: field/path: reason, in the reader's language.
"""

from __future__ import annotations

import pytest
from django.utils import translation

from motcua.catalog.validate import problems
from tests.catalog.test_catalog_format import Bad, _report_pattern, _validate, shipped, steps

DEATH = "1.011537-lien-thong-khai-tu-xoa-thuong-tru-mai-tang.yaml"
DISABILITY = "1.001699-xac-dinh-muc-do-khuyet-tat.yaml"
FOOD = "2.000591-cap-giay-chung-nhan-co-so-du-dieu-kien-attp.yaml"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _inspect(d: dict) -> dict:
    return steps(d)[2]


def _unused(d: dict) -> None:
    d["result"]["summary_fields"].remove("inspection_date")
    d["result"]["refusal"]["fields"].remove("inspection_date")


def _no_refuse(d: dict) -> None:
    del _inspect(d)["choices"][2]["refuse"]


BAD = [
    Bad("a choice opening a step that does not follow", FOOD, "workflow/steps/2/choices/0/next/0",
        r"step 'review' does not come after step 'inspect'",
        change=lambda d: _inspect(d)["choices"][0].update(next=["review"]), needles=("id: pass", "next:", "- review")),
    Bad("a loop back to a later step", FOOD, "workflow/steps/2/choices/1/back",
        r"step 'sign' does not come before step 'inspect'",
        change=lambda d: _inspect(d)["choices"][1].update(back="sign"), needles=("choices:", "id: remedy", "back:")),
    Bad("a bound without a loop", FOOD, "workflow/steps/2/choices/0/max", r"'max' only goes with 'back'",
        change=lambda d: _inspect(d)["choices"][0].update(max=2), needles=("id: pass", "max:")),
    Bad("a branch that leaves no end", DISABILITY, "workflow/steps/1/choices/0", r"choice 'disabled' skips every end step",
        change=lambda d: steps(d)[1]["choices"][0].update(next=[]), needles=("- id: disabled",)),
    Bad("a refusal without its letter", DISABILITY, "result", r"no 'refusal'",
        change=lambda d: d["result"].pop("refusal"), line="result:"),
    Bad("a refusal letter no choice can lead to", FOOD, "result/refusal", r"no choice refuses",
        change=_no_refuse, needles=("  refusal:",)),
    Bad("an unknown document type of the refusal letter", FOOD, "result/refusal/document_type",
        r"unknown document type 'letter_x'",
        change=lambda d: d["result"]["refusal"].update(document_type="letter_x"),
        needles=("  refusal:", "document_type:")),
    Bad("a recorded value never used", FOOD, "workflow/steps/2/record/properties/inspection_date",
        r"recorded value 'inspection_date' is never printed",
        change=_unused, needles=("record:", "inspection_date:")),
    Bad("a recorded value named like a form field", DISABILITY, "workflow/steps/1/record/properties/person_name",
        r"'person_name' is already a field of the form",
        change=lambda d: steps(d)[1]["record"]["properties"].update(person_name={"type": "string"}),
        needles=("record:", "person_name:")),
    Bad("a choice needing a value the step does not record", FOOD, "workflow/steps/2/choices/0/requires/0",
        r"step 'inspect' records no value 'grade'",
        change=lambda d: _inspect(d)["choices"][0].update(requires=["grade"]),
        needles=("id: pass", "requires:", "- grade")),
    Bad("a decision at the end step", FOOD, "workflow/steps/4/choices", r"an end step cannot ask for a choice",
        change=lambda d: steps(d)[4].update(choices=[{"id": "a", "name": {"vi": "A"}}, {"id": "b", "name": {"vi": "B"}}]),
        needles=("id: return", "choices:")),
    Bad("a result without a signer", FOOD, "result/signer_role", r"no step is done by role 'unit_admin'",
        change=lambda d: d["result"].update(signer_role="unit_admin"), needles=("signer_role:",)),
    Bad("an unknown holder field", DEATH, "result/parts/1/holder/name",
        r"holder of the result: unknown form field 'funeral_organiser'",
        change=lambda d: d["result"]["parts"][1]["holder"].update(name="funeral_organiser"),
        needles=("step: funeral_allowance", "holder:", "name: funeral_organiser")),
    Bad("a person block keyed by an unknown field", DEATH, "form_ui/people/blocks/0/key",
        r"unknown form field 'dead_id'",
        change=lambda d: d["form_ui"]["people"]["blocks"][0].update(key="dead_id"), needles=("people:", "key:")),
]


@pytest.mark.parametrize("bad", BAD, ids=lambda b: b.id)
def test_decision_problems_name_file_line_field_and_reason(tmp_path, bad):
    path, line = bad.write(tmp_path)
    _, err = _validate(path)
    assert _report_pattern(path, line, bad).search(err), f"expected {path}:{line}: {bad.path}: …{bad.message}\ngot:\n{err}"
    assert len([r for r in err.splitlines() if r.startswith(f"{path}:")]) == 1, err


def test_the_three_procedures_are_valid_and_reported_in_vietnamese_when_wrong():
    for name in (DEATH, DISABILITY, FOOD):
        assert problems(shipped(name)) == [], name
    d = shipped(FOOD)
    _inspect(d)["choices"][1]["back"] = "sign"
    with translation.override("vi"):
        found = problems(d)
    assert [(p.where, p.message) for p in found] == [
        ("workflow/steps/2/choices/1/back", "bước 'sign' không đứng trước bước 'inspect': không thể quay lại")]


def test_a_relation_block_needs_its_relation_field_but_a_keyed_one_does_not():
    d = shipped(DEATH)
    assert "relation" not in d["form_ui"]["people"]
    d["form_ui"]["people"]["blocks"].append(
        {"registry": "population", "fields": {"organiser_name": "full_name"}, "as": {"con": "self"}})
    assert [p.where for p in problems(d)] == ["form_ui/people/blocks/1/as"]
