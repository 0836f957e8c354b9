"""The structured editor writes a repeating group (issue 24): a field of kind "rows" with its sub-fields.

The sub-fields are one a line in a text area (`key | kind | required | vi | en | bn`, a choice's options on
the lines after it); saved as drawn, the group is kept exactly as written (the round trip over every shipped
procedure, 1.011880's household members included, is tests/authoring/test_structured_editor.py).
"""

from __future__ import annotations

import copy

from motcua.authoring import editor as ed
from motcua.authoring import store
from tests.authoring.test_structured_editor import _new, _post
from tests.conftest import logged_in
from tests.walker import DEFINITIONS

BHYT = DEFINITIONS["1.011880-gia-han-the-bhyt-ho-gia-dinh.yaml"]
CELLS = """full_name | text | required | Họ và tên | Full name | পূর্ণ নাম
share | number | | Phần sở hữu (%) | Share (%)
born | date | required | Ngày sinh | Date of birth
kind | choice | required | Quan hệ | Relationship
  - con | Con | Child | সন্তান
  - khac | Khác | Other
"""


def test_the_members_group_reads_as_lines_and_writes_back_unchanged():
    prop = BHYT["form"]["properties"]["members"]
    text = ed.cells_text(prop)
    assert text.splitlines()[0] == "full_name | text | required | Họ và tên | Full name | পূর্ণ নাম"
    assert "  - vo_chong | Vợ hoặc chồng | Spouse | স্বামী বা স্ত্রী" in text
    again = copy.deepcopy(prop)
    ed.write_rows(again, {"r0_min_items": "1", "r0_max_items": "20", "r0_row_title": "Thành viên | Member | সদস্য",
                          "r0_cells": text}, "r0")
    assert again == prop
    # Edited: a line changed keeps what the text does not show of the other cells (the ID's pattern).
    ed.write_rows(again, {"r0_min_items": "1", "r0_max_items": "20", "r0_row_title": "Thành viên | Member",
                          "r0_cells": text.replace("| Ngày sinh |", "| Ngày tháng năm sinh |")}, "r0")
    assert again["items"]["properties"]["birth_date"]["title"] == "Ngày tháng năm sinh"
    assert again["items"]["properties"]["personal_id"]["pattern"] == "^[0-9]{12}$"
    assert again["items"]["x-title"] == {"en": "Member"}


def test_an_editor_adds_a_repeating_group_and_its_problems_show_at_its_inputs(demo):
    client = logged_in("catalog_editor")
    draft, base = _new(client)
    # The meaning of a draft is checked once its shape is right: an identity, a result.
    _post(client, base + "identity/", {
        "code": "1.999302", "name_vi": "Khai nhận di sản thử", "name_en": "Trial inheritance", "name_bn": "",
        "field_code": "thu_nghiem", "field_vi": "Thử nghiệm", "field_en": "Trial", "levels": ["commune"]})
    _post(client, base + "result/", {"title_vi": "Văn bản", "title_en": "Document", "document_type": "birth_certificate"})
    _post(client, base + "fields/", {}, action="add")
    _post(client, base + "fields/", {"r0_key": "heirs", "r0_type": "rows", "r0_title_vi": "Người thừa kế",
                                     "r0_title_en": "Heirs", "r0_required": "1", "r0_min_items": "1", "r0_max_items": "10",
                                     "r0_row_title": "Người thừa kế | Heir", "r0_cells": CELLS})
    draft.refresh_from_db()
    heirs = draft.definition["form"]["properties"]["heirs"]
    assert heirs["type"] == "array" and heirs["minItems"] == 1 and heirs["maxItems"] == 10
    assert heirs["items"]["title"] == "Người thừa kế" and heirs["items"]["x-title"] == {"en": "Heir"}
    assert heirs["items"]["required"] == ["full_name", "born", "kind"]
    cells = heirs["items"]["properties"]
    assert cells["share"] == {"type": "number", "title": "Phần sở hữu (%)", "x-title": {"en": "Share (%)"}}
    assert cells["born"]["format"] == "date"
    assert cells["kind"]["enum"] == ["con", "khac"] and cells["kind"]["x-enum-titles"]["en"] == ["Child", "Other"]
    assert store.problems_of(draft.definition) == []
    # Saved as drawn: nothing changes.
    before = copy.deepcopy(draft.definition)
    _post(client, base + "fields/", {})
    draft.refresh_from_db()
    assert draft.definition == before
    # Unbounded rows and a nested group are refused at the inputs of the row.
    _post(client, base + "fields/", {"r0_max_items": "500", "r0_cells": CELLS + "children | rows | | Con\n"})
    page = client.get(base + "fields/").content.decode()
    for name in ("r0_max_items", "r0_cells"):
        block = page[page.index(f'id="f-{name}"') - 1200: page.index(f'id="f-{name}"') + 400]
        assert f"f-{name}-error" in block and 'aria-invalid="true"' in block, name
    # A fee over a cell of the rows is refused: conditions count the rows by the group's name.
    d = copy.deepcopy(before)
    d["fees"] = {"rules": [{"id": "a", "amount": 1, "when": {"field": "heirs.kind", "equals": "con"}}, {"id": "b", "amount": 2}]}
    assert any("heirs.kind" in p["message"] and p["path"].startswith("fees") for p in store.problems_of(d))
    d["fees"]["rules"][0]["when"] = {"field": "heirs", "gte": 3}
    assert not [p for p in store.problems_of(d) if p["path"].startswith("fees")]
