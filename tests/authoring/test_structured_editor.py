"""The structured editor (issue 24, item 1): a procedure written section by section, without YAML.

Each section is its own form that writes its part of the draft through store.save (If-Match semantics:
a form of an older revision is a conflict, not a lost edit); rows are added and removed with buttons;
every problem of `motcua catalog validate` is shown at the input it concerns; posted names are strict.
"""

from __future__ import annotations

import copy
import re

import pytest
from django.conf import settings
from django.core.cache import cache

from motcua.authoring import editor as ed
from motcua.authoring import store
from motcua.authoring.models import ProcedureDraft
from tests.conftest import logged_in
from tests.walker import DEFINITIONS


@pytest.fixture
def editor_client(demo):
    return logged_in("catalog_editor")


def _new(client) -> tuple[ProcedureDraft, str]:
    r = client.post("/office/catalog/new/", {"unit": "000.00.00.H99", "text": "", "from_code": ""})
    assert r.status_code == 302
    assert r["Location"].endswith("/edit/identity/")
    draft = ProcedureDraft.objects.get(public_id=r["Location"].split("/drafts/")[1].split("/")[0])
    return draft, f"/office/catalog/drafts/{draft.public_id}/edit/"


def _form(page: str) -> dict[str, list[str]]:
    """The values the section's form would post as drawn (inputs, textareas, chosen options, ticked boxes)."""
    form = page[page.index('class="editor-form"'):]
    values: dict[str, list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) == "csrfmiddlewaretoken":
            continue
        kind = (re.search(r'type="([^"]+)"', tag) or [None, "text"])[1]
        if kind == "checkbox" and "checked" not in tag:
            continue
        values.setdefault(name.group(1), []).append(re.search(r'value="([^"]*)"', tag).group(1))
    for name, body in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        values[name] = [body]
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body) or re.search(r'<option value="([^"]*)"', body)
        values[name] = [chosen.group(1)] if chosen else [""]
    import html as h
    return {k: [h.unescape(x) for x in v] for k, v in values.items()}


def _post(client, url: str, changes: dict, action: str = "save", status: int = 302):
    page = client.get(url).content.decode()
    data = {**_form(page), **{k: v if isinstance(v, list) else [v] for k, v in changes.items()}, "action": [action]}
    r = client.post(url, data)
    assert r.status_code == status, r.content.decode()[:3000]
    return r


def test_a_procedure_written_section_by_section_validates(editor_client):
    draft, base = _new(editor_client)
    page = editor_client.get(base + "identity/").content.decode()
    # The skeleton's problems are at their inputs: the code, the names, the levels.
    block = page[page.index('id="f-code"') - 700: page.index('id="f-code"') + 100]
    assert 'aria-invalid="true"' in block and "f-code-error" in block
    _post(editor_client, base + "identity/", {
        "code": "1.999301", "name_vi": "Cấp giấy xác nhận thử", "name_en": "Trial certificate", "name_bn": "",
        "field_code": "thu_nghiem", "field_vi": "Thử nghiệm", "field_en": "Trial", "levels": ["commune"]})
    # Fields: add two rows, a text and a choice; one required only when the choice says so.
    _post(editor_client, base + "fields/", {}, action="add")
    _post(editor_client, base + "fields/", {}, action="add")
    _post(editor_client, base + "fields/", {
        "r0_key": "full_name", "r0_type": "text", "r0_title_vi": "Họ và tên", "r0_title_en": "Full name", "r0_required": "1",
        "r0_section": "person", "r1_key": "purpose", "r1_type": "choice", "r1_title_vi": "Mục đích", "r1_title_en": "Purpose",
        "r1_required": "1", "r1_options": "viec_lam | Xin việc | Work\nkhac | Khác | Other", "r1_section": "person"})
    _post(editor_client, base + "fields/", {}, action="add")
    _post(editor_client, base + "fields/", {"r2_key": "other_purpose", "r2_type": "text", "r2_title_vi": "Mục đích khác",
                                            "r2_title_en": "Other purpose", "r2_req_field": "purpose", "r2_req_value": "khac"})
    _post(editor_client, base + "components/", {}, action="add")
    _post(editor_client, base + "components/", {"r0_key": "id_copy", "r0_name_vi": "Bản sao giấy tờ tùy thân",
                                                "r0_name_en": "Copy of the ID"})
    _post(editor_client, base + "fees/", {}, action="add")
    _post(editor_client, base + "fees/", {"r0_id": "standard", "r0_amount": "20000"})
    _post(editor_client, base + "result/", {"title_vi": "Giấy xác nhận", "title_en": "Certificate", "document_type": "birth_certificate",
                                            "summary_fields": ["full_name", "purpose"]})
    draft.refresh_from_db()
    d = draft.definition
    assert store.problems_of(d) == [], store.problems_of(d)
    assert d["form"]["properties"]["purpose"]["enum"] == ["viec_lam", "khac"]
    assert d["form"]["properties"]["purpose"]["x-enum-titles"]["en"] == ["Work", "Other"]
    assert d["form"]["required"] == ["full_name", "purpose"]
    assert d["form"]["allOf"] == [{"if": {"properties": {"purpose": {"const": "khac"}}, "required": ["purpose"]},
                                   "then": {"required": ["other_purpose"]}}]
    assert [s["id"] for s in d["workflow"]["steps"]] == ["receive", "process", "approve", "return"]
    assert d["fees"]["rules"] == [{"id": "standard", "amount": 20000}]
    # Remove the last field: it leaves the form and the rules naming it.
    _post(editor_client, base + "fields/", {}, action="remove-2")
    draft.refresh_from_db()
    assert "other_purpose" not in draft.definition["form"]["properties"]
    page = editor_client.get(f"/office/catalog/drafts/{draft.public_id}/").content.decode()
    assert "Không có lỗi" in page
    # The editor in English and Bengali (gettext, with the site's language cookie).
    for lang, words in (("en", ("Save this section", "Add a field", "Field key")), ("bn", ("এই অংশ সংরক্ষণ করুন", "ক্ষেত্রের কোড"))):
        editor_client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        page = editor_client.get(base + "fields/").content.decode()
        assert all(w in page for w in words), (lang, [w for w in words if w not in page])
    del editor_client.cookies[settings.LANGUAGE_COOKIE_NAME]


def test_problems_are_shown_at_the_row_and_input_they_concern(editor_client):
    draft, base = _new(editor_client)
    _post(editor_client, base + "workflow/", {"r1_role": "", "r2_days": "abc"})
    page = editor_client.get(base + "workflow/").content.decode()
    for name in ("r1_role", "r2_days"):
        block = page[page.index(f'id="f-{name}"') - 900: page.index(f'id="f-{name}"') + 200]
        assert f"f-{name}-error" in block and 'aria-invalid="true"' in block, name
    # A component whose document type the vocabularies lack, and a fee over a field the form has not (the
    # meaning is checked once the shape is right).
    d = _valid() | {"components": [{"key": "x", "name": {"vi": "X"}, "sources": [{"vault": "no_such_type"}]}],
                                  "fees": {"rules": [{"id": "standard", "amount": 1, "when": {"field": "ghost", "equals": 1}}]}}
    draft.refresh_from_db()
    store.save(draft.created_by, str(draft.public_id), d, draft.revision)
    page = editor_client.get(base + "components/").content.decode()
    block = page[page.index('for="f-r0_vault"'): page.index('id="f-r0_vault"')]
    assert "no_such_type" in block and "f-r0_vault-error" in block
    page = editor_client.get(base + "fees/").content.decode()
    assert "ghost" in page and "f-r0_when_field-error" in page
    assert 'id="f-r0_when_field"' in page
    # The draft page counts the problems of each section.
    page = editor_client.get(f"/office/catalog/drafts/{draft.public_id}/").content.decode()
    assert re.search(r"Thành phần hồ sơ</a> <span class=\"tag tag-missing\">1 lỗi", page)


def test_two_editors_get_a_conflict_and_strict_posts(editor_client, demo):
    draft, base = _new(editor_client)
    url = base + "identity/"
    page = editor_client.get(url).content.decode()
    first = {**_form(page), "name_vi": ["Tên của người thứ nhất"], "action": ["save"]}
    second = {**_form(page), "name_vi": ["Tên của người thứ hai"], "action": ["save"]}
    assert editor_client.post(url, first).status_code == 302
    r = logged_in("catalog_editor").post(url, second)
    assert r.status_code == 409 and "người khác" in r.content.decode()
    draft.refresh_from_db()
    assert draft.definition["name"]["vi"] == "Tên của người thứ nhất" and draft.revision == 2
    page = editor_client.get(url).content.decode()
    good = {**_form(page), "action": ["save"]}
    assert editor_client.post(url, {**good, "colour": "x"}).status_code == 400  # undeclared
    assert editor_client.post(url, {**good, "code": ["a", "b"]}).status_code == 400  # repeated
    assert editor_client.post(url, {**good, "action": ["explode"]}).status_code == 400
    assert editor_client.post(url, {**good, "count": ["9999"]}).status_code == 400
    assert editor_client.post(url, {**good, "revision": [""]}).status_code == 428
    assert editor_client.post(base + "fields/", {**good, "r0_key": "x"}).status_code == 400  # a row not drawn
    assert editor_client.get(base + "nothing/").status_code == 404
    assert logged_in("catalog_approver").post(url, good).status_code == 403
    assert logged_in("specialist_anbinh").get(url).status_code == 403
    draft.refresh_from_db()
    assert draft.revision == 2


def _valid(template: str = "one_stop") -> dict:
    d = ed.skeleton()
    d.update(code="1.999302", name={"vi": "Thử", "en": "Trial"}, field={"code": "thu", "vi": "Thử", "en": "Trial"},
             levels=["commune"], result={"title": {"vi": "KQ", "en": "Result"}, "template": "generic",
                                         "signer_role": "approver", "document_type": "birth_certificate"})
    d["workflow"]["steps"] = ed.template_steps(template, d["processing_days"])
    d["form"]["properties"] = {"x": {"type": "string", "title": "X"}}
    return d


def test_workflow_templates_fit_the_time_and_validate():
    for name in ed.TEMPLATES:
        d = _valid(name)
        assert store.problems_of(d) == [], (name, store.problems_of(d))


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_every_shipped_procedure_survives_each_section_saved_unchanged(name, demo):
    """Saving a section as it is drawn changes nothing: no attribute the form does not show is lost."""
    client = logged_in("catalog_editor")
    definition = copy.deepcopy(DEFINITIONS[name])
    r = client.post("/office/catalog/new/", {"unit": "000.00.00.H99", "text": "", "from_code": definition["code"]})
    assert r.status_code == 302
    draft = ProcedureDraft.objects.get(public_id=r["Location"].split("/drafts/")[1].split("/")[0])
    for part in ed.ORDER:
        _post(client, f"/office/catalog/drafts/{draft.public_id}/edit/{part}/", {})
        draft.refresh_from_db()
        assert draft.definition == definition, (part, _difference(definition, draft.definition))


def _difference(old: object, new: object, at: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        return [d for k in {*old, *new} for d in _difference(old.get(k, "<absent>"), new.get(k, "<absent>"), f"{at}/{k}")]
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [d for i, (a, b) in enumerate(zip(old, new, strict=True)) for d in _difference(a, b, f"{at}/{i}")]
    return [] if old == new else [f"{at}: {old!r} → {new!r}"]


def test_saving_sections_is_rate_limited(editor_client, settings):
    _draft, base = _new(editor_client)
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "catalog_write": "3/h"}
    cache.clear()
    answers = [editor_client.post(base + "identity/", {"revision": "1", "count": "0", "action": "save"}).status_code
               for _ in range(4)]
    assert answers[-1] == 429, answers
