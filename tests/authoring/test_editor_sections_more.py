"""The structured editor's sections for the last parts of the format that were only in the advanced YAML
(issue 24, item 1): the values an officer records at a step, appointments and a step's inner deadline,
and the blocks of other people in the dossier filled from a registry.
Round trip over every shipped procedure: test_structured_editor (editor.ORDER)."""

from __future__ import annotations

import pytest

from motcua.authoring import editor as ed
from motcua.authoring import store
from tests.authoring.test_editor_sections_who import _draft_with, _error_at, strangers_and_stale_forms
from tests.authoring.test_structured_editor import _form, _post, _valid
from tests.conftest import logged_in


@pytest.fixture
def editor_client(demo):
    return logged_in("catalog_editor")


def _step(draft, i: int) -> dict:
    draft.refresh_from_db()
    return draft.definition["workflow"]["steps"][i]


def test_recorded_values_at_a_step(editor_client):
    d = _valid()
    d["result"]["summary_fields"] = ["x", "inspection_date"]  # a recorded value is printed like an answer
    draft, base = _draft_with(editor_client, d)
    url = base + "records/"
    page = editor_client.get(url).content.decode()
    assert "Chưa có dòng nào" in page
    _post(editor_client, url, {}, action="add")
    assert _step(draft, 1)["record"] == {"properties": {"value_1": {"type": "string", "title": ""}}}
    _post(editor_client, url, {"r0_key": "inspection_date", "r0_type": "date", "r0_title_vi": "Ngày thẩm định",
                               "r0_title_en": "Date of the inspection", "r0_required": "1"})
    assert _step(draft, 1)["record"] == {
        "properties": {"inspection_date": {"type": "string", "format": "date", "title": "Ngày thẩm định",
                                           "x-title": {"en": "Date of the inspection"}}},
        "required": ["inspection_date"]}
    assert store.problems_of(draft.definition) == [], store.problems_of(draft.definition)
    # A second value, a choice with its labels; named like a form field: at its key, counted here.
    _post(editor_client, url, {}, action="add")
    _post(editor_client, url, {"r1_key": "x", "r1_type": "choice", "r1_options": "nhe | Nhẹ | Mild\nnang | Nặng | Severe"})
    page = editor_client.get(url).content.decode()
    assert "x" in _error_at(page, "r1_key") and 'aria-invalid="true"' in page
    assert 'aria-describedby="f-r1_required-hint' in page  # a checkbox's hint is read with it
    assert _error_at(page, "r0_key") == ""
    draft.refresh_from_db()
    problems = store.problems_of(draft.definition)
    found = ed.counts(draft.definition, problems)
    assert found["records"] == len(problems) >= 1 and found["workflow"] == 0
    _post(editor_client, url, {"r1_key": "level"})
    level = _step(draft, 1)["record"]["properties"]["level"]
    assert level["enum"] == ["nhe", "nang"] and level["x-enum-titles"]["en"] == ["Mild", "Severe"]
    # Never printed nor read: at its key.
    assert "level" in _error_at(editor_client.get(url).content.decode(), "r1_key")
    # Moved to the approver's step: that step records it, the first keeps its own.
    _post(editor_client, url, {"r1_step": "2"})
    assert list(_step(draft, 1)["record"]["properties"]) == ["inspection_date"]
    assert list(_step(draft, 2)["record"]["properties"]) == ["level"] and "required" not in _step(draft, 2)["record"]
    # Removed: the step has no `record` left.
    _post(editor_client, url, {}, action="remove-1")
    assert "record" not in _step(draft, 2)
    # A kind the officer's page does not take from this section (a repeating group): kept as written.
    draft.refresh_from_db()
    rows = {"type": "array", "title": "Thành viên", "items": {"type": "object", "properties": {"n": {"type": "string"}}}}
    draft.definition["workflow"]["steps"][1]["record"]["properties"]["members"] = rows
    draft = store.save(draft.created_by, str(draft.public_id), draft.definition, draft.revision)
    _post(editor_client, url, {"r1_required": "1"})
    assert _step(draft, 1)["record"]["properties"]["members"] == rows
    assert _step(draft, 1)["record"]["required"] == ["inspection_date", "members"]
    # Strict: a step that is not drawn, a kind that is not offered.
    good = _form(editor_client.get(url).content.decode())
    assert editor_client.post(url, {**good, "action": "save", "r0_step": "99"}).status_code == 400
    assert editor_client.post(url, {**good, "action": "save", "r0_type": "group"}).status_code == 400


def test_appointments_and_inner_deadlines(editor_client):
    draft, base = _draft_with(editor_client, _valid())
    url = base + "appointments/"
    page = editor_client.get(url).content.decode()
    assert page.count('class="editor-row"') == 4 and 'value="add"' not in page and 'value="remove-' not in page
    _post(editor_client, url, {"r1_appointment": "on_site", "r1_calendar_days": "3"})
    assert _step(draft, 1)["appointment"] == {"kind": "on_site"} and _step(draft, 1)["calendar_days"] == 3
    assert store.problems_of(draft.definition) == [], store.problems_of(draft.definition)
    # Out of range; then on the end step: at the deadline's input of its step, counted here.
    _post(editor_client, url, {"r1_calendar_days": "400"})
    page = editor_client.get(url).content.decode()
    assert "365" in _error_at(page, "r1_calendar_days") and _error_at(page, "r1_appointment") == ""
    _post(editor_client, url, {"r1_calendar_days": "3", "r3_calendar_days": "2"})
    page = editor_client.get(url).content.decode()
    assert _error_at(page, "r3_calendar_days") and _error_at(page, "r1_calendar_days") == ""
    draft.refresh_from_db()
    found = ed.counts(draft.definition, store.problems_of(draft.definition))
    assert found["appointments"] == 1 and found["workflow"] == 0
    _post(editor_client, url, {"r1_appointment": "", "r1_calendar_days": "", "r3_calendar_days": ""})
    assert "appointment" not in _step(draft, 1) and "calendar_days" not in _step(draft, 1)
    good = _form(editor_client.get(url).content.decode())
    assert editor_client.post(url, {**good, "action": "save", "r1_appointment": "at_home"}).status_code == 400
    assert editor_client.post(url, {**good, "action": "add"}).status_code == 400


def _with_people_fields() -> dict:
    d = _valid()
    d["form"]["properties"] |= {
        "relationship": {"type": "string", "title": "Quan hệ", "enum": ["me", "cha"]},
        "mother_name": {"type": "string", "title": "Họ tên mẹ"},
        "deceased_id": {"type": "string", "title": "Số định danh người chết"},
        "deceased_name": {"type": "string", "title": "Họ tên người chết"},
    }
    return d


def test_people_blocks(editor_client):
    draft, base = _draft_with(editor_client, _with_people_fields())
    url = base + "people/"
    _post(editor_client, url, {}, action="add")
    _post(editor_client, url, {"relation": "relationship", "r0_id": "mother", "r0_fields": "mother_name | full_name",
                               "r0_as": "me | self\ncha | spouse"})
    draft.refresh_from_db()
    assert draft.definition["form_ui"]["people"] == {"relation": "relationship", "blocks": [
        {"id": "mother", "registry": "population", "fields": {"mother_name": "full_name"}, "as": {"me": "self", "cha": "spouse"}}]}
    assert store.problems_of(draft.definition) == [], store.problems_of(draft.definition)
    # A field the form lacks, a relation value the field cannot take, an attribute the registry lacks.
    _post(editor_client, url, {"r0_fields": "ghost | full_name", "r0_as": "aunt | self"})
    page = editor_client.get(url).content.decode()
    assert "ghost" in _error_at(page, "r0_fields") and "aunt" in _error_at(page, "r0_as")
    draft.refresh_from_db()
    found = ed.counts(draft.definition, store.problems_of(draft.definition))
    assert found["people"] == 2 and found["fields"] == 0
    _post(editor_client, url, {"r0_fields": "mother_name | shoe_size", "r0_as": "me | self"})
    assert "shoe_size" in _error_at(editor_client.get(url).content.decode(), "r0_fields")
    # Blocks by relation without the relation field: at the block's relations.
    _post(editor_client, url, {"relation": "", "r0_fields": "mother_name | full_name"})
    assert "relation" in _error_at(editor_client.get(url).content.decode(), "r0_as")
    # A block keyed by a field holding another person's ID (the deceased).
    _post(editor_client, url, {}, action="add")
    _post(editor_client, url, {"relation": "relationship", "r1_id": "deceased", "r1_key": "deceased_id",
                               "r1_fields": "deceased_name | full_name"})
    draft.refresh_from_db()
    assert draft.definition["form_ui"]["people"]["blocks"][1] == {
        "id": "deceased", "registry": "population", "key": "deceased_id", "fields": {"deceased_name": "full_name"}}
    assert store.problems_of(draft.definition) == []
    # The key filled by the block itself: at the key.
    _post(editor_client, url, {"r1_key": "deceased_name"})
    assert "deceased_name" in _error_at(editor_client.get(url).content.decode(), "r1_key")
    # Every block removed, no relation: `people` and the emptied form_ui go.
    _post(editor_client, url, {}, action="remove-1")
    _post(editor_client, url, {"relation": ""}, action="remove-0")
    draft.refresh_from_db()
    assert "form_ui" not in draft.definition


def _with_every_part() -> dict:
    d = _with_people_fields()
    d["result"]["summary_fields"] = ["x", "inspection_date"]
    d["workflow"]["steps"][1]["record"] = {"properties": {"inspection_date": {"type": "string", "format": "date",
                                                                             "title": "Ngày"}}}
    d["form_ui"] = {"people": {"blocks": [{"id": "deceased", "registry": "population", "key": "deceased_id",
                                           "fields": {"deceased_name": "full_name"}}]}}
    return d


@pytest.mark.parametrize("part", ["records", "appointments", "people"])
def test_strangers_get_404_and_a_stale_form_a_conflict(editor_client, part):
    draft, _base = _draft_with(editor_client, _with_every_part())
    assert ed.SECTIONS[part].rows_of(draft.definition)  # a row is drawn: the checks are of a real row's inputs
    strangers_and_stale_forms(editor_client, part, _with_every_part())


@pytest.mark.parametrize("broken", [
    {"people": "everyone"}, {"people": {"blocks": "mother"}}, {"people": {"blocks": ["mother"]}},
    {"record": "date"}, {"record": {"properties": "date"}}, {"record": {"properties": {"day": "date"}, "required": "day"}},
    {"appointment": "on_site", "calendar_days": "fifteen"},
])
def test_what_is_written_wrong_is_shown_and_kept_not_a_500(editor_client, broken):
    d = _valid()
    if "people" in broken:
        d["form_ui"] = {"people": broken["people"]}
    else:
        d["workflow"]["steps"][1].update(broken)
    draft, base = _draft_with(editor_client, d)
    for part in ("records", "appointments", "people"):
        url = base + f"{part}/"
        assert editor_client.get(url).status_code == 200
        r = editor_client.post(url, {**_form(editor_client.get(url).content.decode()), "action": ["save"]})
        assert r.status_code in (302, 400), (part, r.status_code)
        draft.refresh_from_db()
        if "people" in broken:
            assert draft.definition["form_ui"]["people"] == broken["people"], part
        elif "appointment" not in broken:
            assert draft.definition["workflow"]["steps"][1]["record"] == broken["record"], part
