"""The structured editor's sections for who receives, prefill, and outside agencies and teams (issue 24, item 1).

Parts of the format a catalogue editor writes without YAML: receivers chosen by a condition and the
hand-over of lower desks, which registry fills which field, and the steps done by an agency outside
motcua or by a team. Each saves, shows each problem of `motcua catalog validate` at its input, keeps
what it does not show (saving every shipped procedure's sections unchanged is
test_structured_editor.test_every_shipped_procedure_survives_each_section_saved_unchanged, over
editor.ORDER), refuses strangers (404) and stale forms (409).
"""

from __future__ import annotations

import pytest

from motcua.authoring import editor as ed
from motcua.authoring import store
from motcua.units.models import Membership, Role, Unit
from tests.authoring.test_structured_editor import _form, _new, _post, _valid
from tests.conftest import logged_in, user


@pytest.fixture
def editor_client(demo):
    return logged_in("catalog_editor")


def _draft_with(client, definition: dict):
    draft, base = _new(client)
    draft.refresh_from_db()
    draft = store.save(draft.created_by, str(draft.public_id), definition, draft.revision)
    return draft, base


def _error_at(page: str, name: str) -> str:
    """The error message drawn for input NAME (its aria-describedby target), '' when none."""
    at = page.index(f'id="f-{name}')
    block = page[max(page.rfind('<div class="field', 0, at), 0): page.index("</div>", at) + 6]
    if f'id="f-{name}-error"' not in block:
        return ""
    return block.split(f'id="f-{name}-error"', 1)[1].split("</p>", 1)[0]


def test_receivers_by_condition_and_hand_over(editor_client):
    d = _valid()
    d["levels"] = ["province", "commune"]
    d["form"]["properties"]["meals"] = {"type": "integer", "title": "Số suất ăn"}
    draft, base = _draft_with(editor_client, d)
    url = base + "receivers/"
    page = editor_client.get(url).content.decode()
    assert "Chưa có dòng nào" in page and 'name="hand_over_days"' in page
    # Two receivers: the province's health department from 200 meals, else the commune.
    _post(editor_client, url, {}, action="add")
    _post(editor_client, url, {"r0_level": "province", "r0_agency": "health", "r0_when_field": "meals",
                               "r0_when_op": "gte", "r0_when_value": "200", "r0_label_vi": "Sở Y tế"}, action="add")
    _post(editor_client, url, {"r1_level": "commune"})
    draft.refresh_from_db()
    assert draft.definition["receivers"] == [
        {"level": "province", "agency": "health", "label": {"vi": "Sở Y tế"}, "when": {"field": "meals", "gte": 200}},
        {"level": "commune"},
    ]
    assert store.problems_of(draft.definition) == []
    # A level the procedure is not implemented at, a last receiver with a condition: each at its input.
    _post(editor_client, url, {"r1_level": "ministry", "r1_when_field": "meals", "r1_when_op": "lt", "r1_when_value": "5"})
    page = editor_client.get(url).content.decode()
    assert "ministry" in _error_at(page, "r1_level") and 'aria-invalid="true"' in page
    assert "when" in page[page.index('id="row-1"'):]  # the last receiver's condition is reported in its row
    assert _error_at(page, "r0_level") == ""
    draft_page = editor_client.get(f"/office/catalog/drafts/{draft.public_id}/").content.decode()
    assert "Nơi tiếp nhận</a> <span class=\"tag tag-missing\">" in draft_page
    # Removing every receiver removes the key; a hand-over from the commune to a province-only procedure.
    _post(editor_client, url, {}, action="remove-1")
    _post(editor_client, url, {}, action="remove-0")
    draft.refresh_from_db()
    assert "receivers" not in draft.definition
    draft.definition["levels"] = ["province"]
    draft.definition["processing_days"] = 6  # the longest chain (5 days) and the hand-over's half day
    store.save(draft.created_by, str(draft.public_id), draft.definition, draft.revision)
    _post(editor_client, url, {"hand_over_levels": ["commune"], "hand_over_days": "0,5"})
    draft.refresh_from_db()
    assert draft.definition["hand_over"] == {"levels": ["commune"], "days": 0.5}
    assert store.problems_of(draft.definition) == []
    # A level that already implements the procedure, days over the time: at their inputs.
    _post(editor_client, url, {"hand_over_levels": ["province"], "hand_over_days": "99"})
    page = editor_client.get(url).content.decode()
    assert "province" in page[page.index('<legend>Cấp dưới'):page.index('id="f-hand_over_days"')]
    assert _error_at(page, "hand_over_days")
    _post(editor_client, url, {"hand_over_levels": [], "hand_over_days": ""})
    draft.refresh_from_db()
    assert "hand_over" not in draft.definition
    # The identity section no longer writes the hand-over.
    assert "hand_over" not in _form(editor_client.get(base + "identity/").content.decode())


def test_prefill_from_a_registry(editor_client):
    d = _valid()
    d["form"]["properties"] |= {"full_name": {"type": "string", "title": "Họ tên"},
                                "relationship": {"type": "string", "title": "Quan hệ", "enum": ["me", "cha"]}}
    draft, base = _draft_with(editor_client, d)
    url = base + "prefill/"
    _post(editor_client, url, {}, action="add")
    draft.refresh_from_db()
    assert draft.definition["form_ui"]["prefill"] == {"x": "population.personal_id"}  # the first free field
    _post(editor_client, url, {"r0_field": "full_name", "r0_source": "population.full_name"})
    draft.refresh_from_db()
    assert draft.definition["form_ui"]["prefill"] == {"full_name": "population.full_name"}
    # Only a suggestion, enforced when the applicant is the father.
    _post(editor_client, url, {"r0_when_field": "relationship", "r0_when_op": "equals", "r0_when_value": "cha"})
    draft.refresh_from_db()
    assert draft.definition["form_ui"]["prefill"] == {
        "full_name": {"from": "population.full_name", "when": {"field": "relationship", "equals": "cha"}}}
    assert store.problems_of(draft.definition) == []
    # An attribute the registry lacks: at the source's input, counted in this section (not the form's).
    _post(editor_client, url, {"r0_source": "population.shoe_size"})
    page = editor_client.get(url).content.decode()
    assert "shoe_size" in _error_at(page, "r0_source")
    draft.refresh_from_db()
    found = ed.counts(draft.definition, store.problems_of(draft.definition))
    assert found["prefill"] == 1 and found["fields"] == 0
    # A field renamed in the form section keeps its prefill; removed here, the form_ui goes when empty.
    _post(editor_client, url, {"r0_source": "population.full_name"})
    _post(editor_client, url, {}, action="remove-0")
    draft.refresh_from_db()
    assert "form_ui" not in draft.definition


def test_outside_agency_and_team_steps(editor_client):
    d = _valid("inter_agency")
    d["form"]["properties"]["price"] = {"type": "integer", "title": "Giá"}
    draft, base = _draft_with(editor_client, d)
    url = base + "agencies/"
    page = editor_client.get(url).content.decode()
    # The workflow's steps, none added or removed here.
    assert page.count('class="editor-row"') == 5 and 'value="add"' not in page and 'value="remove-' not in page
    _post(editor_client, url, {"r2_outside": "tax", "r2_send": ["price", "x"], "r2_clock": "stops",
                               "r2_answer_vi": "Thông báo nộp thuế đã nộp", "r1_team": "food_safety_inspection"})
    draft.refresh_from_db()
    steps = draft.definition["workflow"]["steps"]
    assert steps[2]["outside"] == {"agency": "tax", "send": ["price", "x"], "clock": "stops",
                                   "answer": {"vi": "Thông báo nộp thuế đã nộp"}}
    assert steps[1]["team"] == "food_safety_inspection"
    assert steps[2]["unit"] == {"agency": "police"}  # what this section does not show is kept
    assert store.problems_of(draft.definition) == []
    # An unknown team, an outside step first in the workflow: the team at its input (this section), the
    # order at the workflow section's step.
    _post(editor_client, url, {"r1_team": "no_such_team", "r0_outside": "electricity"})
    page = editor_client.get(url).content.decode()
    assert "no_such_team" in _error_at(page, "r1_team")
    draft.refresh_from_db()
    problems = store.problems_of(draft.definition)
    assert ed.counts(draft.definition, problems)["agencies"] == 1 and ed.counts(draft.definition, problems)["workflow"] == 1
    # Back to none: the keys go; the clock's default is not written.
    _post(editor_client, url, {"r0_outside": "", "r1_team": "", "r2_clock": "runs"})
    draft.refresh_from_db()
    steps = draft.definition["workflow"]["steps"]
    assert "outside" not in steps[0] and "team" not in steps[1] and "clock" not in steps[2]["outside"]
    # Strict: no row is added or removed here, a clock that is not one.
    good = {**_form(editor_client.get(url).content.decode())}
    assert editor_client.post(url, {**good, "action": "add"}).status_code == 400
    assert editor_client.post(url, {**good, "action": "remove-0"}).status_code == 400
    assert editor_client.post(url, {**good, "action": "save", "r2_clock": "sometimes"}).status_code == 400


@pytest.mark.parametrize("part", ["receivers", "prefill", "agencies", "fee_extras", "fee_charges", "fee_local",
                                  "obligations", "decisions"])
def test_strangers_get_404_and_a_stale_form_a_conflict(editor_client, part):
    strangers_and_stale_forms(editor_client, part, _valid("inter_agency"))


def strangers_and_stale_forms(editor_client, part: str, definition: dict) -> None:
    """A section of a draft of DEFINITION: 404 to an editor of another unit, 409 on a stale form, 400 on an
    undeclared field, a NUL or a row that was not drawn."""
    _draft, base = _draft_with(editor_client, definition)
    url = base + f"{part}/"
    form = {**_form(editor_client.get(url).content.decode()), "action": ["save"]}
    # A catalogue editor of a commune only: the province's draft is not theirs to see.
    commune_editor = user("specialist_hoathuan")
    Membership.objects.create(user=commune_editor, unit=Unit.objects.get(code="000.12.00.H99"), role=Role.CATALOG_EDITOR)
    stranger = logged_in("specialist_hoathuan")
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, form).status_code == 404
    # Another editor saved first: the stale form is refused, nothing written over their work.
    other = logged_in("catalog_editor")
    assert other.post(url, form).status_code == 302
    r = editor_client.post(url, form)
    assert r.status_code == 409 and "người khác" in r.content.decode()
    # Undeclared and NUL: 400.
    fresh = {**_form(editor_client.get(url).content.decode()), "action": ["save"]}
    assert editor_client.post(url, {**fresh, "colour": "x"}).status_code == 400
    assert editor_client.post(url, {**fresh, "r0_" + ed.SECTIONS[part].row_attrs[0]: "a\x00"}).status_code == 400
    assert editor_client.post(url, {**fresh, "r9_" + ed.SECTIONS[part].row_attrs[0]: "0"}).status_code == 400
