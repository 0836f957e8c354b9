"""Prefill by the applicant's declared relation (form_ui.people) and derived fields (form_ui.derived).

Issue 14: a father applying for the newborn bundle was made the mother, and the
birth-registration timing that sets the fee was asked by hand though the date of
birth says it.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.test import Client

from motcua.catalog.derived import derive, value_of
from motcua.catalog.models import Procedure
from motcua.dossiers.models import Dossier
from motcua.drafts.models import Draft
from motcua.identity.models import User
from motcua.vault.prefill import apply, lookup
from motcua.vault.store import documents_for

TIMING = {"days_since": "child_birth_date", "cases": [{"lte": 60, "value": "on_time"}, {"value": "late"}]}


def bundle():
    return Procedure.objects.get(code="3.000722").current


def user(name: str) -> User:
    return User.objects.get(username=name)


def test_each_parent_block_follows_the_declared_relation(demo):
    father = lookup(user("citizen"), bundle(), data={"relationship": "cha"})
    assert {k: (v.value, v.read_only, v.enforced) for k, v in father.items() if k != "residence_address"} == {
        "father_name": ("Nguyễn Văn An", True, True), "father_id_number": ("001090012345", True, True),
        "mother_name": ("Trần Thị Hạnh", False, False), "mother_id_number": ("001192034567", False, False),
    }
    mother = lookup(user("citizen2"), bundle(), data={"relationship": "me"})
    assert (mother["mother_name"].value, mother["mother_name"].read_only) == ("Trần Thị Bình", True)
    assert mother["father_name"].value == "Võ Minh Tuấn" and not mother["father_name"].read_only
    # A grandparent or a guardian: nothing of the applicant is put in a parent's place.
    for relation in ("ong_ba", "nguoi_giam_ho"):
        found = lookup(user("citizen"), bundle(), data={"relationship": relation})
        assert not {"mother_name", "mother_id_number", "father_name", "father_id_number"} & set(found)
        # The applicant's address is the child's only when the applicant is the parent it lives with.
        assert not apply({"relationship": relation, "residence_with_parent": True}, found)[1]
    assert not {"mother_name", "father_name"} & set(lookup(user("citizen"), bundle()))  # relation not yet known


def test_at_submission_the_own_block_is_enforced_and_the_spouses_suggestion_is_not():
    from motcua.vault.prefill import Prefilled, PrefillResult

    result = PrefillResult()
    when = {"field": "relationship", "equals": "cha"}
    result["father_name"] = Prefilled("Nguyễn Văn An", "population", "", True, when, True, True, "self")
    result["mother_name"] = Prefilled("Trần Thị Hạnh", "population", "", True, when, False, True, "spouse")
    filled, used = apply({"relationship": "cha", "father_name": "Giả mạo", "mother_name": "Lê Thị Mai"}, result)
    assert (filled["father_name"], filled["mother_name"], used) == ("Nguyễn Văn An", "Lê Thị Mai", {"father_name": "population"})
    filled, used = apply({"relationship": "ong_ba", "father_name": "Nguyễn Văn Tú"}, result)
    assert filled["father_name"] == "Nguyễn Văn Tú" and used == {}


def test_a_derived_field_is_worked_out_and_replaces_what_was_sent():
    today = date(2026, 12, 4)
    definition = {"form_ui": {"derived": {"registration_timing": TIMING}}}
    assert value_of(TIMING, {"child_birth_date": "2026-10-05"}, today) == "on_time"  # day 60
    assert value_of(TIMING, {"child_birth_date": "2026-10-04"}, today) == "late"  # day 61
    assert derive(definition, {"child_birth_date": "2026-01-02", "registration_timing": "on_time"}, today) == {
        "child_birth_date": "2026-01-02", "registration_timing": "late",
    }
    # No (readable) date: no value, whatever was sent; the date's own error says what to fix.
    assert derive(definition, {"child_birth_date": "hôm qua", "registration_timing": "on_time"}, today) == {
        "child_birth_date": "hôm qua",
    }


def test_the_api_recomputes_a_derived_field_and_keeps_a_grandparents_answers(demo, as_user):
    born = (date.today() - timedelta(days=100)).isoformat()
    example = {**bundle().definition["example"], "child_birth_date": born, "registration_timing": "on_time"}
    data = {**example, "relationship": "ong_ba", "mother_name": "Lê Thị Mai", "mother_id_number": "001195000111",
            "father_name": "Phạm Văn Tú", "father_id_number": "001093000222"}
    api = as_user("citizen")
    token = api.upload("giay-chung-sinh.pdf", procedure="3.000722", component="birth_certificate").json()["id"]
    r = api.post("/dossiers", {"procedure": "3.000722", "data": data,
                               "components": [{"key": "birth_certificate", "upload": token}]})
    assert r.status_code == 201, r.content
    dossier = Dossier.objects.get()
    assert dossier.data["registration_timing"] == "late" and dossier.fee == 8000  # not the "on_time" sent
    assert (dossier.data["mother_name"], dossier.data["father_name"]) == ("Lê Thị Mai", "Phạm Văn Tú")
    assert dossier.data["residence_address"] == example["residence_address"]  # not the grandparent's own address


def test_a_matching_vault_document_is_preselected_on_the_documents_step(demo):
    client = Client()
    client.force_login(user("citizen2"))
    client.post("/procedures/3.000722/start/")
    draft = Draft.objects.get()
    doc = documents_for(user("citizen2"), "medical_birth_certificate").get()
    page = client.get(f"/my/drafts/{draft.public_id}/documents/").content.decode()
    assert f'name="vault-birth_certificate" value="{doc.pk}" checked' in page
    assert 'id="vault-birth_certificate-none" name="vault-birth_certificate" value="" checked' not in page


def _parents_page(client: Client, draft: Draft, relation: str) -> str:
    child = {"relationship": relation, "child_name": "Nguyễn Minh Khang", "child_birth_date": "2026-11-20",
             "child_sex": "nam", "birth_place": "Bệnh viện Đa khoa tỉnh Demo"}
    assert client.post(f"/my/drafts/{draft.public_id}/child/", child).status_code == 302
    return client.get(f"/my/drafts/{draft.public_id}/parents/").content.decode()


def test_birth_registration_suggests_the_applicant_only_in_their_own_place(demo):
    client = Client()
    client.force_login(user("citizen"))
    client.post("/procedures/1.001193/start/")
    draft = Draft.objects.get()
    page = _parents_page(client, draft, "cha")
    assert '<input type="text" id="field-father_name" name="father_name" value="Nguyễn Văn An" readonly' in page
    assert 'id="field-mother_name" name="mother_name" value="Trần Thị Hạnh"' in page  # his wife, as a suggestion
    assert page.count("Nguyễn Văn An") == page.count('value="Nguyễn Văn An"') + 1  # + the header's user name
    # He says he is the mother by mistake, saves, then corrects it: the blocks are filled again.
    _parents_page(client, draft, "me")
    client.post(f"/my/drafts/{draft.public_id}/parents/", {"mother_name": "Nguyễn Văn An", "father_name": ""})
    assert Draft.objects.get().data["mother_name"] == "Nguyễn Văn An"
    page = _parents_page(client, draft, "ong_ba")
    assert "mother_name" not in Draft.objects.get().data
    assert 'name="mother_name" value=""' in page and 'name="father_name" value=""' in page
