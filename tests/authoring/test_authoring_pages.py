"""The catalogue's pages: list, new draft, problems beside their fields, conflict, review, publish, diff, preview."""

from __future__ import annotations

import copy
import html
import re

import pytest
import yaml
from django.utils import timezone

from motcua.authoring.models import DraftStatus, ProcedureDraft
from motcua.catalog.models import Procedure
from tests.conftest import logged_in
from tests.walker import DEFINITIONS

BIRTH = DEFINITIONS["1.001193-dang-ky-khai-sinh.yaml"]


def _text(code: str = "1.999201", **changes) -> str:
    d = copy.deepcopy(BIRTH)
    d["code"] = code
    d.update(changes)
    return yaml.safe_dump(d, allow_unicode=True, sort_keys=False)


@pytest.fixture
def editor(demo):
    return logged_in("catalog_editor")


@pytest.fixture
def approver(demo):
    return logged_in("catalog_approver")


def _new(editor, text: str) -> ProcedureDraft:
    r = editor.post("/office/catalog/new/", {"unit": "000.00.00.H99", "text": text, "from_code": ""})
    assert r.status_code == 302, r.content.decode()[:2000]
    return ProcedureDraft.objects.get(public_id=r["Location"].rstrip("/").rsplit("/", 1)[-1])


def test_only_catalogue_staff_see_the_pages(demo):
    assert logged_in("citizen").get("/office/catalog/").status_code == 403
    assert logged_in("specialist_anbinh").get("/office/catalog/").status_code == 403
    r = logged_in("catalog_editor").get("/office/catalog/")
    assert r.status_code == 200 and "/office/catalog/new/" in r.content.decode()
    # The header leads the catalogue's people there, not to the dossiers they do not handle.
    assert 'href="/office/catalog/"' in r.content.decode()
    assert logged_in("catalog_approver").get("/office/catalog/new/").status_code == 403


def test_problems_are_shown_beside_their_field_and_the_yaml_line(editor):
    shape = _new(editor, _text(processing_days=-1))
    page = editor.get(f"/office/catalog/drafts/{shape.public_id}/").content.decode()
    # processing_days: at its own input, marked invalid.
    block = page[page.index('id="f-processing_days"') - 600: page.index('id="f-processing_days"') + 200]
    assert 'aria-invalid="true"' in block and "f-processing_days-error" in block
    d = copy.deepcopy(BIRTH)
    d["code"] = "1.999201"
    d["workflow"]["steps"][1]["role"] = "clerk"
    draft = _new(editor, yaml.safe_dump(d, allow_unicode=True, sort_keys=False))
    page = editor.get(f"/office/catalog/drafts/{draft.public_id}/").content.decode()
    # The role: beside the text area, with the line of the YAML it is on.
    assert "workflow/steps/1/role" in page and "clerk" in page
    line = re.search(r"dòng (\d+)</?[^>]*>?: <code>workflow/steps/1/role", page) or re.search(r"dòng (\d+): <code>workflow/steps/1/role", page)
    assert line, page[page.index("workflow/steps/1/role") - 200: page.index("workflow/steps/1/role") + 50]
    area = re.search(r'<textarea id="text"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert "clerk" in html.unescape(area).split("\n")[int(line.group(1)) - 1]


def test_save_fix_conflict_submit_review_and_publish(editor, approver, demo):
    draft = _new(editor, _text(processing_days=-1))
    url = f"/office/catalog/drafts/{draft.public_id}/"
    fields = {"text": _text(), "revision": "1", "code": "1.999201", "name_vi": "Thủ tục thử", "name_en": "Trial",
              "name_bn": "", "service_mode": "full", "processing_days": str(BIRTH["processing_days"])}
    r = editor.post(url, fields)
    assert r.status_code == 302
    draft.refresh_from_db()
    assert draft.revision == 2 and draft.definition["name"]["vi"] == "Thủ tục thử"
    # A second editor's page still at revision 1: a conflict, shown, nothing lost.
    stale = editor.post(url, {**fields, "name_vi": "Khác", "revision": "1"})
    assert stale.status_code == 409 and "người khác" in stale.content.decode()
    draft.refresh_from_db()
    assert draft.definition["name"]["vi"] == "Thủ tục thử"
    # Undeclared or repeated fields: 400.
    assert editor.post(url, {**fields, "colour": "x"}).status_code == 400
    assert editor.post(f"/office/catalog/drafts/{draft.public_id}/submit/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == DraftStatus.SUBMITTED
    page = approver.get(url).content.decode()
    assert "Công bố" in page and "Trả lại để sửa" in page
    # A past date is refused at its field.
    r = approver.post(f"/office/catalog/drafts/{draft.public_id}/publish/", {
        "effective_from": "2020-01-01", "decision_number": "1/QĐ", "decision_date": "2026-12-01", "decision_issuer": "UBND"})
    assert r.status_code == 422 and "effective_from-error" in r.content.decode()
    # The decision is required on the page.
    r = approver.post(f"/office/catalog/drafts/{draft.public_id}/publish/", {
        "effective_from": "", "decision_number": "", "decision_date": "", "decision_issuer": ""})
    assert r.status_code == 422
    r = approver.post(f"/office/catalog/drafts/{draft.public_id}/publish/", {
        "effective_from": timezone.localdate().isoformat(), "decision_number": "1/QĐ-UBND", "decision_date": "2026-12-01",
        "decision_issuer": "Chủ tịch UBND tỉnh"})
    assert r.status_code == 302
    assert Procedure.objects.get(code="1.999201").current.record.decision_number == "1/QĐ-UBND"
    page = approver.get("/office/catalog/procedures/1.999201/").content.decode()
    assert "1/QĐ-UBND" in page and "v1" in page
    assert approver.get("/office/catalog/procedures/1.999201/diff/1/").status_code == 200


def test_send_back_and_the_diff_page(editor, approver, demo):
    r = editor.post("/office/catalog/new/", {"unit": "000.00.00.H99", "text": "", "from_code": "1.001193"})
    assert r.status_code == 302
    draft = ProcedureDraft.objects.get(public_id=r["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert draft.base.procedure.code == "1.001193"
    d = copy.deepcopy(draft.definition)
    d["processing_days"] = d["processing_days"] + 1
    d["components"] = d["components"][1:]
    d["fees"] = {"rules": [{"id": "standard", "amount": 15000}]}
    url = f"/office/catalog/drafts/{draft.public_id}/"
    assert editor.post(url, {"text": yaml.safe_dump(d, allow_unicode=True), "revision": "1"}).status_code == 302
    page = editor.get(url + "diff/").content.decode()
    assert "Thời hạn giải quyết" in page and "Thành phần hồ sơ" in page and "Phí, lệ phí" in page
    assert "processing_days" in page and "<del>" in page and "15000" in page
    assert "form:" not in page  # not YAML
    assert editor.post(url + "submit/").status_code == 302
    assert approver.post(url + "return/", {"comments": ""}).status_code == 422
    assert approver.post(url + "return/", {"comments": "Ghi rõ căn cứ."}).status_code == 302
    page = editor.get(url).content.decode()
    assert "Ghi rõ căn cứ." in page and "Lưu bản nháp" in page


def test_preview_and_dry_run(editor, demo):
    draft = _new(editor, _text())
    url = f"/office/catalog/drafts/{draft.public_id}/preview/"
    page = editor.get(url).content.decode()
    assert 'name="child_name"' in page or "child" in page
    answers = {k: str(v) for k, v in BIRTH["example"].items() if not isinstance(v, bool | dict | list)}
    r = editor.post(url, {**answers, "submitted_on": "2026-12-04", "channel": "2"})
    body = r.content.decode()
    assert "dry-run-fee" in body and "dry-run-due" in body, body[:3000]
    assert editor.post(url, {"nope": "1"}).status_code == 400
    assert logged_in("catalog_editor").get(f"/office/catalog/drafts/{draft.public_id}x/preview/").status_code == 404


def test_yaml_aliases_and_broken_yaml_are_refused_at_their_line(editor):
    bomb = 'a: &a ["x", "x"]\nb: &b [*a, *a]\nc: [*b, *b]\n'
    r = editor.post("/office/catalog/new/", {"unit": "000.00.00.H99", "text": bomb, "from_code": ""})
    assert r.status_code == 422 and "dòng 2" in r.content.decode()
    draft = _new(editor, _text())
    url = f"/office/catalog/drafts/{draft.public_id}/"
    r = editor.post(url, {"text": bomb, "revision": "1"})
    assert r.status_code == 422
    r = editor.post(url, {"text": "code: [unclosed\n", "revision": "1"})
    assert r.status_code == 422 and "dòng" in r.content.decode()
    draft.refresh_from_db()
    assert draft.revision == 1
