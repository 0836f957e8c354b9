"""The structured editor's sections for what happens during processing (issue 24, item 1): the applicant's
obligations while the clock stops, and the officers' decisions at a step (choices written one per line).
Round trip over every shipped procedure: test_structured_editor (editor.ORDER); strangers and stale forms:
test_editor_sections_who."""

from __future__ import annotations

import pytest

from motcua.authoring import editor as ed
from motcua.authoring import store
from motcua.authoring.sections_steps import choices_text, write_choices
from tests.authoring.test_editor_sections_who import _draft_with, _error_at
from tests.authoring.test_structured_editor import _post, _valid
from tests.conftest import logged_in


@pytest.fixture
def editor_client(demo):
    return logged_in("catalog_editor")


def test_obligations(editor_client):
    draft, base = _draft_with(editor_client, _valid())
    url = base + "obligations/"
    _post(editor_client, url, {}, action="add")
    _post(editor_client, url, {"r0_id": "financial", "r0_name_vi": "Nộp thuế", "r0_steps": ["process"],
                               "r0_when_field": "x", "r0_when_op": "equals", "r0_when_value": "a"})
    draft.refresh_from_db()
    assert draft.definition["obligations"] == [
        {"id": "financial", "name": {"vi": "Nộp thuế"}, "steps": ["process"], "when": {"field": "x", "equals": "a"}}]
    assert store.problems_of(draft.definition) == []
    # Declared twice, over a field the form lacks: at their inputs, counted here and not in the times.
    _post(editor_client, url, {}, action="add")
    _post(editor_client, url, {"r1_id": "financial", "r1_name_vi": "Lại", "r0_when_field": "ghost"})
    page = editor_client.get(url).content.decode()
    assert "financial" in _error_at(page, "r1_id")
    assert "ghost" in _error_at(page, "r0_when_field")
    draft.refresh_from_db()
    found = ed.counts(draft.definition, store.problems_of(draft.definition))
    assert found["obligations"] == 2 and found["times"] == 0
    _post(editor_client, url, {}, action="remove-1")
    _post(editor_client, url, {}, action="remove-0")
    draft.refresh_from_db()
    assert draft.definition.get("obligations", []) == []


def test_decisions_at_a_step(editor_client):
    d = _valid()
    d["result"]["refusal"] = {"title": {"vi": "Từ chối", "en": "Refusal"}, "document_type": "refusal_letter"}
    draft, base = _draft_with(editor_client, d)
    url = base + "decisions/"
    page = editor_client.get(url).content.decode()
    assert 'value="add"' not in page and 'value="remove-' not in page
    _post(editor_client, url, {"r1_choices": "pass | Đạt | approve\nremedy | Chờ hoàn thiện | | process | 1\n"
                                             "fail | Không đạt | approve | | | yes"})
    draft.refresh_from_db()
    assert draft.definition["workflow"]["steps"][1]["choices"] == [
        {"id": "pass", "name": {"vi": "Đạt"}, "next": ["approve"]},
        {"id": "remedy", "name": {"vi": "Chờ hoàn thiện"}, "back": "process", "max": 1},
        {"id": "fail", "name": {"vi": "Không đạt"}, "next": ["approve"], "refuse": True},
    ]
    assert store.problems_of(draft.definition) == [], store.problems_of(draft.definition)
    # Back to a step that does not exist: at the step's choices, counted here.
    _post(editor_client, url, {"r1_choices": "pass | Đạt\nremedy | Làm lại | | nowhere"})
    page = editor_client.get(url).content.decode()
    assert "nowhere" in _error_at(page, "r1_choices")
    _post(editor_client, url, {"r1_choices": ""})
    draft.refresh_from_db()
    assert "choices" not in draft.definition["workflow"]["steps"][1]


def test_choice_lines_keep_what_they_do_not_show():
    old = [{"id": "pass", "name": {"vi": "Đạt", "en": "Pass"}, "next": ["sign"], "requires": ["inspection_date"]},
           {"id": "fail", "name": {"vi": "Không đạt"}, "refuse": True, "next": ["sign"]}]
    text = choices_text(old)
    assert text.splitlines() == ["pass | Đạt | sign |  |  |  | Pass", "fail | Không đạt | sign |  |  | yes"]
    assert write_choices(text, old) is old
    changed = write_choices(text.replace("Đạt |", "Đạt yêu cầu |", 1), old)
    assert changed[0] == {**old[0], "name": {"vi": "Đạt yêu cầu", "en": "Pass"}} and changed[1] == old[1]
    # The names in English and Bengali: written where the line has their column, kept where it lacks it.
    changed = write_choices("pass | Đạt | sign |  |  |  | Passed | উত্তীর্ণ\nfail | Không đạt | sign |  |  | yes | ", old)
    assert changed[0]["name"] == {"vi": "Đạt", "en": "Passed", "bn": "উত্তীর্ণ"}
    assert changed[1]["name"] == {"vi": "Không đạt"}
    assert write_choices("pass | Đạt | sign", old)[0]["name"] == {"vi": "Đạt", "en": "Pass"}
    assert write_choices("pass | Đạt | sign |  |  |  | ", old)[0]["name"] == {"vi": "Đạt"}
