"""Repeating groups of answers (issue 24): a household's members as rows, without JavaScript.

The format (an array of objects, bounded), its checks in `catalog validate`, the rows drawn as
fieldsets with "Add another" and "Remove" buttons that post the form back (the draft saved each
time), errors in the right row, strict refusals (too many rows, missing or undeclared cells) and
the rows shown as a table on the review, the dossier pages and the printed result.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from django.test import Client

from motcua.catalog.display import Table, display_value
from motcua.catalog.fees import quote
from motcua.catalog.forms import check_declared, validate_form
from motcua.catalog.validate import problems
from motcua.dossiers.models import Dossier
from motcua.drafts.models import Draft
from motcua.lib.conditions import evaluate
from motcua.lib.errors import Invalid
from motcua.web.schema_form import build_fields, parse_post, row_action
from tests.conftest import logged_in
from tests.walker import Walker, components_for

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
BHYT = yaml.safe_load((ROOT / "procedures" / "1.011880-gia-han-the-bhyt-ho-gia-dinh.yaml").read_text(encoding="utf-8"))
SCHEMA = BHYT["form"]
MEMBERS = SCHEMA["properties"]["members"]


def row(n: int, **changes) -> dict:
    return {"full_name": f"Người {n}", "personal_id": f"00108501{n:04d}", "birth_date": "1990-01-0" + str(n % 9 + 1),
            "relationship": "con", **changes}


def posted_rows(*rows: dict, count: int | None = None) -> dict[str, str]:
    out = {"members-rows": str(len(rows) if count is None else count)}
    for i, r in enumerate(rows):
        out |= {f"members-{i}-{k}": str(v) for k, v in r.items()}
    return out


def html(response) -> str:
    return response.content.decode()


# --- the format and its checks ------------------------------------------------------------------


def _problems_with(change) -> list[str]:
    definition = copy.deepcopy(BHYT)
    change(definition)
    return [f"{'/'.join(map(str, p.path))}: {p.message}" for p in problems(definition)]


def test_the_shipped_group_is_valid_and_bounded():
    assert problems(BHYT) == []
    assert MEMBERS["maxItems"] == 20 and MEMBERS["minItems"] == 1


@pytest.mark.parametrize(("change", "where"), [
    (lambda d: d["form"]["properties"]["members"].pop("maxItems"), "form/properties/members/maxItems"),
    (lambda d: d["form"]["properties"]["members"].update(maxItems=500), "form/properties/members/maxItems"),
    (lambda d: d["form"]["properties"]["members"].update(minItems=30), "form/properties/members/minItems"),
    (lambda d: d["form"]["properties"]["members"]["items"]["properties"].update(
        children={"type": "array", "items": {"type": "object", "properties": {"x": {"type": "string"}}}, "maxItems": 2}),
     "form/properties/members/items/properties/children"),
    (lambda d: d["form"]["properties"]["members"]["items"]["required"].append("nickname"),
     "form/properties/members/items/required/4"),
    (lambda d: d["form"]["properties"]["members"].update(items={"type": "string"}), "form/properties/members/items"),
    # A fee rule (or any condition) reads the group's row count by its name, never a cell of its rows.
    (lambda d: d["fees"]["charges"][0]["rules"][0].update(when={"field": "members.relationship", "equals": "con"}),
     "fees/charges/0/rules/0/when"),
    (lambda d: d["fees"]["charges"][0]["rules"][0].update(when={"field": "household_members", "gte": 2}),
     "fees/charges/0/rules/0/when"),
    (lambda d: d["form_ui"].setdefault("prefill", {}).update(members="population.full_name"), "form_ui/prefill/members"),
])
def test_the_validator_refuses_a_group_it_cannot_draw_or_bound(change, where):
    found = _problems_with(change)
    assert any(p.startswith(where + ":") for p in found), found


def test_conditions_and_fees_count_the_rows():
    assert evaluate({"field": "members", "gte": 4}, {"members": [row(n) for n in range(4)]})
    assert not evaluate({"field": "members", "gte": 4}, {"members": [row(n) for n in range(3)]})
    assert evaluate({"field": "members", "equals": 2}, {"members": [row(1), row(2)]})
    assert evaluate({"field": "members", "present": True}, {"members": [row(1)]})
    fees = BHYT["fees"]
    assert quote(fees, {"members": [row(1)], "months": 12}).total == 105300 * 12
    assert quote(fees, {"members": [row(n) for n in range(3)], "months": 12}).total == (105300 + 73710 + 63180) * 12
    # From the fifth member, 40 % of the first's each: the extra counts the rows above four.
    seven = quote(fees, {"members": [row(n) for n in range(7)], "months": 3})
    assert seven.total == (105300 + 73710 + 63180 + 52650 + 3 * 42120) * 3


# --- validation of the answers -------------------------------------------------------------------


def test_errors_name_the_row_and_the_cell(settings):
    second = {k: v for k, v in row(2, personal_id="12").items() if k != "full_name"}
    data = {**BHYT["example"], "members": [row(1), second]}
    errors = {e.field: e.message for e in validate_form(SCHEMA, data)}
    assert errors["members.1.full_name"] == "Trường “Họ và tên (Thành viên 2)” là bắt buộc."
    assert errors["members.1.personal_id"] == "“Số định danh cá nhân (Thành viên 2)” không đúng định dạng."
    too_many = validate_form(SCHEMA, {**BHYT["example"], "members": [row(n) for n in range(21)]})
    assert [(e.field, e.message) for e in too_many] == [("members", "“Thành viên gia hạn thẻ” có nhiều nhất 20 dòng.")]
    none = validate_form(SCHEMA, {**BHYT["example"], "members": []})
    assert [e.message for e in none] == ["“Thành viên gia hạn thẻ” cần ít nhất 1 dòng."]


def test_an_undeclared_cell_is_refused():
    with pytest.raises(Invalid) as refused:
        check_declared(SCHEMA, {**BHYT["example"], "members": [row(1), {**row(2), "salary": 10}]})
    assert refused.value.code == "unknown_fields"
    assert refused.value.extra["fields"] == ["members.1.salary"]
    assert "Thành viên 2" in refused.value.message
    check_declared(SCHEMA, BHYT["example"])  # the example's rows are all declared


# --- the form without JavaScript -----------------------------------------------------------------


def test_rows_are_drawn_as_fieldsets_with_their_errors():
    fields, summary = build_fields(SCHEMA, posted_rows(row(1), {"full_name": "An"}),
                                   [{"field": "members.1.personal_id", "message": "thiếu"}, {"field": "members", "message": "nhóm"}])
    group = next(f for f in fields if f.name == "members")
    assert group.kind == "group" and [r.title for r in group.rows] == ["Thành viên 1", "Thành viên 2"]
    cell = group.rows[1].cells[1]
    assert cell.name == "members-1-personal_id" and cell.id == "field-members-1-personal_id" and cell.errors == ["thiếu"]
    assert group.rows[1].cells[0].value == "An" and group.errors == ["nhóm"]
    assert {s.target for s in summary} == {"field-members", "field-members-1-personal_id"}
    assert group.can_add and group.can_remove and group.add_label == "Thêm thành viên"


def test_parsing_types_the_cells_and_leaves_empty_rows_out():
    data = parse_post(SCHEMA, {**posted_rows(row(1), {}, row(3), count=4), "members-2-full_name": "  Ba  "})
    assert data["members"] == [row(1), {**row(3), "full_name": "Ba"}]
    # A required group left empty is an empty list (the schema then says "at least 1 row").
    assert parse_post(SCHEMA, {"members-rows": "1"})["members"] == []


def test_add_and_remove_renumber_the_rows_and_keep_what_was_typed():
    posted = {**posted_rows(row(1), row(2), row(3)), "household_head": "An", "rows": "remove:members:1"}
    after = row_action(SCHEMA, posted)
    assert after["members-rows"] == "2" and after["members-1-full_name"] == "Người 3" and after["household_head"] == "An"
    assert "rows" not in after
    added = row_action(SCHEMA, {**after, "rows": "add:members"})
    assert added["members-rows"] == "3" and "members-2-full_name" not in added
    # Never below one row, never past maxItems; a forged button changes nothing.
    assert row_action(SCHEMA, {**posted_rows(row(1)), "rows": "remove:members:0"})["members-rows"] == "1"
    full = posted_rows(*[row(n) for n in range(20)])
    assert row_action(SCHEMA, {**full, "rows": "add:members"})["members-rows"] == "20"
    assert row_action(SCHEMA, {**full, "rows": "remove:members:99"})["members-rows"] == "20"
    assert row_action(SCHEMA, {"rows": "add:household_head"}) == {}
    assert row_action(SCHEMA, {"go": "next"}) is None


def test_a_table_reads_as_text_and_as_rows(settings):
    shown = display_value(MEMBERS, [row(1, relationship="chu_ho"), {"full_name": "Bình"}])
    assert isinstance(shown, Table)
    assert shown.headers == ["Họ và tên", "Số định danh cá nhân", "Ngày sinh", "Quan hệ với chủ hộ"]
    assert shown.rows[0] == ["Người 1", "001085010001", "02/01/1990", "Chủ hộ"] and shown.rows[1] == ["Bình", "", "", ""]
    assert str(shown) == "1. Người 1, 001085010001, 02/01/1990, Chủ hộ; 2. Bình"


# --- the pages -----------------------------------------------------------------------------------


def _start(client: Client) -> tuple[Draft, str]:
    r = client.post("/procedures/1.011880/start/")
    assert r.status_code == 302, r.content
    draft = Draft.objects.get(procedure__code="1.011880")
    return draft, r["Location"]


ANSWERS = {"months": "12", "health_facility": "Trạm Y tế xã An Bình"}


def test_add_remove_and_submit_without_javascript(demo):
    client = logged_in("citizen")
    draft, url = _start(client)
    page = html(client.get(url))
    assert '<legend>Thành viên 1</legend>' in page and 'name="members-0-full_name"' in page
    assert 'value="add:members"' in page and 'value="remove:members:0"' not in page  # one row cannot be removed
    # The default button (Enter in a field) posts no row action (it saves and goes on): it comes before the rows' buttons.
    default = page.index('<button type="submit" class="visually-hidden" tabindex="-1" aria-hidden="true">')
    assert default < page.index('value="add:members"') and default < page.index('name="go" value="next"')

    # "Add another": the typed row is saved in the draft, a second (empty) row is drawn, no error is shown yet.
    r = client.post(url, {**ANSWERS, **posted_rows(row(1)), "rows": "add:members"})
    assert r.status_code == 200
    page = html(r)
    assert '<legend>Thành viên 2</legend>' in page and 'value="Người 1"' in page and "error-message" not in page
    assert 'value="remove:members:1"' in page
    assert Draft.objects.get().data["members"] == [row(1)]

    # A half-filled second row: "Save and continue" shows the error in that row, in the user's language.
    r = client.post(url, {**ANSWERS, **posted_rows(row(1), {"full_name": "Trần Thị Bình"}), "go": "next"},
                    HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 422
    page = html(r)
    assert re.search(r'id="field-members-1-personal_id-error">.*?Personal ID number \(Member 2\)', page, re.S)
    assert 'href="#field-members-1-personal_id"' in page
    assert 'value="Trần Thị Bình"' in page

    # "Remove" the second row; then 21 rows forged into the post are refused at the group, nothing lost.
    r = client.post(url, {**ANSWERS, **posted_rows(row(1), {"full_name": "Trần Thị Bình"}), "rows": "remove:members:1"})
    assert r.status_code == 200 and "Thành viên 2" not in html(r)
    r = client.post(url, {**ANSWERS, **posted_rows(*[row(n) for n in range(21)]), "go": "next"})
    assert r.status_code == 422 and "có nhiều nhất 20 dòng" in html(r)

    # Two good rows: on to the documents, the review shows them as a table and the fee for two members.
    r = client.post(url, {**ANSWERS, **posted_rows(row(1, relationship="chu_ho"), row(2)), "go": "next"})
    assert r.status_code == 302, html(r)[:3000]
    review = html(client.get(f"/my/drafts/{draft.public_id}/review/"))
    assert '<table class="answer-table">' in review and "<td>Người 2</td>" in review
    assert "2.148.120" in review or "2,148,120" in review  # (105,300 + 73,710) × 12
    r = client.post(f"/my/drafts/{draft.public_id}/submit/", {"version": str(draft.procedure_version_id)})
    assert r.status_code == 302, html(r)[:3000]
    dossier = Dossier.objects.get(procedure__code="1.011880")
    assert dossier.data["members"] == [row(1, relationship="chu_ho"), row(2)] and dossier.fee == 2148120
    page = html(client.get(f"/my/dossiers/{dossier.code}/"))
    assert '<table class="answer-table">' in page and "<td>Vợ hoặc chồng</td>" not in page and "<td>Con</td>" in page
    # The officers' page of the dossier shows the same table.
    office = logged_in("approver_bhxh").get(f"/office/dossiers/{dossier.code}/")
    assert office.status_code == 200
    assert '<table class="answer-table">' in html(office) and "<td>Người 2</td>" in html(office)


def test_the_api_refuses_bad_rows_and_writes_nothing(demo):
    walker = Walker(BHYT)
    before = Dossier.objects.count()
    for data, code in (
        ({**BHYT["example"], "members": [*BHYT["example"]["members"], {**row(4), "salary": 1}]}, "unknown_fields"),
        ({**BHYT["example"], "members": [row(n) for n in range(21)]}, "invalid_form"),
        ({**BHYT["example"], "members": [{"full_name": "Chỉ có tên"}]}, "invalid_form"),
        ({**BHYT["example"], "members": "ba người"}, "invalid_form"),
    ):
        body = {"procedure": "1.011880", "data": data, "unit": walker.unit.code,
                "components": walker.citizen.references(components_for(BHYT, BHYT["example"]))}
        r = walker.citizen.post("/dossiers", body)
        assert r.status_code == 422, r.content
        assert r.json()["code"] == code
    assert Dossier.objects.count() == before


def test_the_editors_preview_draws_the_rows_and_refuses_undeclared_cells(demo):
    from motcua.authoring.models import ProcedureDraft

    client = logged_in("catalog_editor")
    r = client.post("/office/catalog/new/", {"unit": "000.00.00.H99", "text": "", "from_code": "1.011880"})
    assert r.status_code == 302
    draft = ProcedureDraft.objects.get(public_id=r["Location"].split("/drafts/")[1].split("/")[0])
    url = f"/office/catalog/drafts/{draft.public_id}/preview/"
    assert '<legend>Thành viên 1</legend>' in html(client.get(url))
    r = client.post(url, {**ANSWERS, **posted_rows(row(1)), "rows": "add:members"})
    assert r.status_code == 200 and '<legend>Thành viên 2</legend>' in html(r) and 'value="Người 1"' in html(r)
    r = client.post(url, {**ANSWERS, **posted_rows(row(1)), "household_head": "An", "submitted_on": "2026-12-07", "channel": "2"})
    assert r.status_code == 200, html(r)[:2000]
    assert client.post(url, {**ANSWERS, **posted_rows(row(1)), "members-0-salary": "1"}).status_code == 400


def test_the_counter_adds_a_row_without_registering_anything(demo):
    from motcua.identity.models import User

    client = Client()
    client.force_login(User.objects.get(username="onestop_prov"))
    applicant = {"kind": "citizen", "personal_id": "001090012345", "procedure": "1.011880", "channel": "1"}
    page = client.get("/office/intake/", applicant)
    assert page.status_code == 200 and 'name="members-0-full_name"' in html(page)
    before = Dossier.objects.count()
    r = client.post("/office/intake/", {**applicant, **ANSWERS, **posted_rows(row(1)), "rows": "add:members"})
    assert r.status_code == 200 and '<legend>Thành viên 2</legend>' in html(r) and 'value="Người 1"' in html(r)
    assert Dossier.objects.count() == before


def test_the_printed_result_draws_the_rows_as_a_table():
    from django.template.loader import render_to_string

    from motcua.catalog.display import describe

    rows = describe(SCHEMA, {"members": [row(1, relationship="chu_ho"), row(2)]}, ["members"])
    [(label, value)] = rows
    assert isinstance(value, Table) and len(value.rows) == 2
    paper = render_to_string("results/generic.html", {"rows": rows, "title": "Thẻ", "procedure_name": "BHYT"})
    assert label == "Thành viên gia hạn thẻ"
    assert '<table class="answer-table">' in paper and "<td>Người 2</td>" in paper and "<td>Chủ hộ</td>" in paper
    assert render_to_string("results/_answer_value.html", {"value": "Nam"}) == "Nam"
