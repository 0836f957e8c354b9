"""The structured editor's fee sections beyond the base rules (issue 24, item 1): extras and cap, several
charges, a province's own table for a period. Each saves, shows the validator's problems at the input they
concern, and keeps what it does not show (the round trip over every shipped procedure is
test_structured_editor's, over editor.ORDER; strangers and stale forms: test_editor_sections_who)."""

from __future__ import annotations

import pytest

from motcua.authoring import editor as ed
from motcua.authoring import store
from motcua.authoring.sections_fees import extras_text, rules_text, write_extras, write_rules
from tests.authoring.test_editor_sections_who import _draft_with, _error_at
from tests.authoring.test_structured_editor import _post, _valid
from tests.conftest import logged_in


@pytest.fixture
def editor_client(demo):
    return logged_in("catalog_editor")


def _with_copies() -> dict:
    d = _valid()
    d["form"]["properties"]["copies"] = {"type": "integer", "title": "Số bản", "minimum": 1}
    d["fees"] = {"rules": [{"id": "standard", "amount": 2000}]}
    return d


def test_extras_cap_and_times(editor_client):
    draft, base = _draft_with(editor_client, _with_copies())
    url = base + "fee_extras/"
    _post(editor_client, url, {}, action="add")
    _post(editor_client, url, {"r0_id": "extra_pages", "r0_amount": "1000", "r0_per": "copies", "r0_above": "2",
                               "r0_label_vi": "Từ trang thứ ba", "cap": "200000", "times": "copies"})
    draft.refresh_from_db()
    fees = draft.definition["fees"]
    assert fees["extras"] == [{"id": "extra_pages", "amount": 1000, "per": "copies", "above": 2, "label": {"vi": "Từ trang thứ ba"}}]
    assert fees["cap"] == 200000 and fees["times"] == "copies" and fees["rules"] == [{"id": "standard", "amount": 2000}]
    assert store.problems_of(draft.definition) == []
    # 'per' and 'times' over a field that is not an integer: at their inputs, counted here, not in the fees.
    _post(editor_client, url, {"r0_per": "x", "times": "x"})
    page = editor_client.get(url).content.decode()
    assert "&#x27;x&#x27;" in _error_at(page, "r0_per") and "&#x27;x&#x27;" in _error_at(page, "times")
    draft.refresh_from_db()
    found = ed.counts(draft.definition, store.problems_of(draft.definition))
    assert found["fee_extras"] >= 2 and found["fees"] == 0
    # Removing all: the keys go, the base rules stay.
    _post(editor_client, url, {"cap": "", "times": ""}, action="remove-0")
    draft.refresh_from_db()
    assert draft.definition["fees"] == {"rules": [{"id": "standard", "amount": 2000}]}


def test_several_charges_written_as_lines(editor_client):
    d = _valid()
    draft, base = _draft_with(editor_client, d)
    url = base + "fee_charges/"
    _post(editor_client, url, {}, action="add")
    _post(editor_client, url, {"r0_id": "registration", "r0_name_vi": "Lệ phí đăng ký",
                               "r0_rules": "online | 0 | $channel equals 2 | Nộp trực tuyến\r\nstandard | 50000"}, action="add")
    _post(editor_client, url, {"r1_id": "publication", "r1_name_vi": "Phí công bố", "r1_rules": "publication | 100000"})
    draft.refresh_from_db()
    assert draft.definition["fees"]["charges"] == [
        {"id": "registration", "name": {"vi": "Lệ phí đăng ký"}, "rules": [
            {"id": "online", "when": {"field": "$channel", "equals": 2}, "amount": 0, "label": {"vi": "Nộp trực tuyến"}},
            {"id": "standard", "amount": 50000}]},
        {"id": "publication", "name": {"vi": "Phí công bố"}, "rules": [{"id": "publication", "amount": 100000}]},
    ]
    assert store.problems_of(draft.definition) == []
    # A charge declared twice, a condition over a field the form lacks: at the inputs of their charge.
    _post(editor_client, url, {"r1_id": "registration", "r0_rules": "online | 0 | ghost equals 1\nstandard | 50000"})
    page = editor_client.get(url).content.decode()
    assert "registration" in _error_at(page, "r1_id") and "ghost" in _error_at(page, "r0_rules")


def test_rules_lines_keep_what_they_do_not_show():
    d = _valid()
    old = [{"id": "late", "when": {"all": [{"field": "x", "equals": "a"}, {"field": "x", "present": True}]}, "amount": 8000,
            "label": {"vi": "Quá hạn", "en": "Late"}}, {"id": "on_time", "amount": 0}]
    text = rules_text(old)
    assert text.splitlines()[0] == "late | 8000 | * | Quá hạn | Late"
    assert write_rules(d, text + "\n", old) is old
    changed = write_rules(d, text.replace("8000", "9000"), old)
    assert changed[0] == {**old[0], "amount": 9000} and changed[1] == old[1]
    assert write_rules(d, "late | 1 | x lte 3", old)[0]["when"] == {"field": "x", "lte": "3"}
    # Labels in English and Bengali: a column the line has is written (empty: gone), one it lacks is kept.
    assert write_rules(d, "late | 8000 | * | Quá hạn", old)[0]["label"] == {"vi": "Quá hạn", "en": "Late"}
    assert write_rules(d, "late | 8000 | * | Quá hạn | Overdue | বিলম্বিত", old)[0]["label"] == {
        "vi": "Quá hạn", "en": "Overdue", "bn": "বিলম্বিত"}
    assert write_rules(d, "late | 8000 | * | Quá hạn | ", old)[0]["label"] == {"vi": "Quá hạn"}


def test_extras_lines_of_a_table():
    d = _with_copies()
    old = [{"id": "pages", "per": "copies", "above": 2, "amount": 1000, "label": {"vi": "Từ trang thứ ba", "en": "From page 3"}}]
    text = extras_text(old)
    assert text == "pages | 1000 |  | copies | 2 | Từ trang thứ ba | From page 3"
    assert write_extras(d, text, old) is old
    assert write_extras(d, "pages | 1500 | $channel equals 2 |  | 0 | Thêm", old) == [
        {"id": "pages", "when": {"field": "$channel", "equals": 2}, "above": 0, "amount": 1500,
         "label": {"vi": "Thêm", "en": "From page 3"}}]


def test_a_local_table_for_a_period(editor_client):
    draft, base = _draft_with(editor_client, _with_copies())
    url = base + "fee_local/"
    _post(editor_client, url, {}, action="add")
    _post(editor_client, url, {"r0_units": "000.00.00.H99", "r0_from": "2026-08-08", "r0_until": "2030-12-31",
                               "r0_basis": "NQ 23/2026/NQ-HĐND", "r0_rules": "online_free | 0",
                               "r0_when_field": "$channel", "r0_when_op": "equals", "r0_when_value": "2"})
    draft.refresh_from_db()
    assert draft.definition["fees"]["local"] == [{
        "units": ["000.00.00.H99"], "from": "2026-08-08", "until": "2030-12-31", "basis": "NQ 23/2026/NQ-HĐND",
        "rules": [{"id": "online_free", "amount": 0}], "when": {"field": "$channel", "equals": 2}}]
    assert store.problems_of(draft.definition) == []
    # A day that is not one, a period ending before it starts, a charge the procedure does not declare.
    _post(editor_client, url, {"r0_from": "08/08/2026"})
    page = editor_client.get(url).content.decode()
    assert "08/08/2026" in _error_at(page, "r0_from")
    _post(editor_client, url, {"r0_from": "2031-01-01", "r0_charge": "nothing"})
    page = editor_client.get(url).content.decode()
    assert _error_at(page, "r0_until") and _error_at(page, "r0_charge")
    _post(editor_client, url, {}, action="remove-0")
    draft.refresh_from_db()
    assert "local" not in draft.definition["fees"]


def test_a_charges_and_a_local_tables_own_extras_cap_and_times(editor_client):
    d = _with_copies()
    d["fees"] = {"charges": [{"id": "copying", "name": {"vi": "Phí sao chụp"}, "rules": [{"id": "page", "amount": 2000}]}],
                 "local": [{"units": ["000.00.00.H99"], "from": "2026-08-08", "charge": "copying",
                            "rules": [{"id": "page", "amount": 1000}], "extras": []}]}
    draft, base = _draft_with(editor_client, d)
    url = base + "fee_charges/"
    _post(editor_client, url, {"r0_extras": "pages | 1000 |  | copies | 2 | Từ trang thứ ba | From page 3",
                               "r0_cap": "200000", "r0_cap_label_vi": "Giảm về mức trần", "r0_times": "copies",
                               "r0_rules": "page | 2000 |  | Mỗi trang | Per page"})
    draft.refresh_from_db()
    assert draft.definition["fees"]["charges"][0] == {
        "id": "copying", "name": {"vi": "Phí sao chụp"},
        "rules": [{"id": "page", "amount": 2000, "label": {"vi": "Mỗi trang", "en": "Per page"}}],
        "extras": [{"id": "pages", "per": "copies", "above": 2, "amount": 1000,
                    "label": {"vi": "Từ trang thứ ba", "en": "From page 3"}}],
        "cap": 200000, "cap_label": {"vi": "Giảm về mức trần"}, "times": "copies"}
    assert store.problems_of(draft.definition) == [], store.problems_of(draft.definition)
    # An extra per a field that is not an integer, times over another: at the charge's inputs, counted here.
    _post(editor_client, url, {"r0_extras": "pages | 1000 |  | x | 2", "r0_times": "x"})
    page = editor_client.get(url).content.decode()
    assert "&#x27;x&#x27;" in _error_at(page, "r0_extras") and "&#x27;x&#x27;" in _error_at(page, "r0_times")
    draft.refresh_from_db()
    found = ed.counts(draft.definition, store.problems_of(draft.definition))
    assert found["fee_charges"] >= 2 and found["fee_extras"] == 0
    _post(editor_client, url, {"r0_extras": "", "r0_cap": "", "r0_cap_label_vi": "", "r0_times": ""})
    draft.refresh_from_db()
    assert set(draft.definition["fees"]["charges"][0]) == {"id", "name", "rules"}
    # The local table's "no extras" (`extras: []`) is kept while unchanged; its own cap is written.
    url = base + "fee_local/"
    _post(editor_client, url, {"r0_cap": "50000"})
    draft.refresh_from_db()
    assert draft.definition["fees"]["local"][0]["extras"] == [] and draft.definition["fees"]["local"][0]["cap"] == 50000
    _post(editor_client, url, {"r0_cap": "abc"})
    assert "abc" in _error_at(editor_client.get(url).content.decode(), "r0_cap")


def test_a_tables_extras_written_as_something_else_are_kept(editor_client):
    d = _with_copies()
    d["fees"] = {"charges": [{"id": "copying", "name": {"vi": "Phí sao chụp"}, "rules": [{"id": "page", "amount": 2000}],
                              "extras": "many"}]}
    draft, base = _draft_with(editor_client, d)
    _post(editor_client, base + "fee_charges/", {})
    draft.refresh_from_db()
    assert draft.definition["fees"]["charges"][0]["extras"] == "many"


def test_per_and_times_offer_the_repeating_groups_the_fee_may_count(editor_client):
    # `per` and `times` read an integer field or a repeating group's rows (catalog.fees.countable): both
    # are offered to choose from, a text field is not; a group chosen is written and validates.
    d = _with_copies()
    d["form"]["properties"]["members"] = {
        "type": "array", "title": "Thành viên", "minItems": 1, "maxItems": 5,
        "items": {"type": "object", "properties": {"name": {"type": "string", "title": "Họ tên"}}, "required": ["name"]}}
    d["fees"]["extras"] = [{"id": "per_member", "amount": 1000}]
    draft, base = _draft_with(editor_client, d)
    url = base + "fee_extras/"
    page = editor_client.get(url).content.decode()
    for name in ("r0_per", "times"):
        select = page[page.index(f'name="{name}"'):]
        select = select[:select.index("</select>")]
        assert 'value="members"' in select and 'value="copies"' in select
        assert 'value="x"' not in select  # a text field is not counted
    _post(editor_client, url, {"r0_per": "members", "times": "members"})
    draft.refresh_from_db()
    assert draft.definition["fees"]["extras"] == [{"id": "per_member", "amount": 1000, "per": "members"}]
    assert draft.definition["fees"]["times"] == "members"
    assert store.problems_of(draft.definition) == []
