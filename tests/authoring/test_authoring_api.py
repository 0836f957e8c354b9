"""The catalogue written without code, through the API: drafts, concurrency, review, publication, versions."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from django.utils import timezone

from motcua.authoring import store
from motcua.catalog.models import Procedure
from motcua.units.models import Membership, Role, Unit
from tests.conftest import ApiClient, user
from tests.walker import DEFINITIONS

BIRTH = DEFINITIONS["1.001193-dang-ky-khai-sinh.yaml"]
DECISION = {"number": "1234/QĐ-UBND", "date": "2026-12-01", "issuer": "Chủ tịch UBND tỉnh Demo"}


def new_procedure(code: str = "1.999001") -> dict:
    d = copy.deepcopy(BIRTH)
    d["code"] = code
    d["name"] = {"vi": "Thủ tục thử nghiệm", "en": "A trial procedure"}
    return d


def put(client: ApiClient, draft_id: str, definition: dict, etag: str | None):
    headers = {**client.headers, **({"If-Match": etag} if etag else {})}
    return client.client.put(f"/api/v1/catalog/drafts/{draft_id}", definition, content_type="application/json",
                             headers=headers)


@pytest.fixture
def editor(demo):
    return ApiClient("catalog_editor")


@pytest.fixture
def approver(demo):
    return ApiClient("catalog_approver")


def create(editor: ApiClient, definition: dict, **kw) -> str:
    r = editor.post("/catalog/drafts", definition, **kw)
    assert r.status_code == 201, r.content
    return r.json()["id"]


def publish_new(editor, approver, definition, **body):
    draft_id = create(editor, definition)
    assert editor.post(f"/catalog/drafts/{draft_id}/submit").status_code == 200
    r = approver.post(f"/catalog/drafts/{draft_id}/publish", {"decision": DECISION, **body})
    assert r.status_code == 200, r.content
    return draft_id, r.json()


def test_a_draft_answers_its_problems_with_the_field_they_concern(editor):
    d = new_procedure()
    d["workflow"]["steps"][1]["role"] = "clerk"
    d["fees"] = {"rules": [{"id": "x", "when": {"field": "no_such_field", "equals": 1}, "amount": 1000},
                           {"id": "standard", "amount": 0}]}
    d["components"][0]["sources"] = [{"vault": "no_such_type"}]
    r = editor.post("/catalog/drafts", d)
    assert r.status_code == 201, r.content
    paths = {p["path"]: p["message"] for p in r.json()["problems"]}
    assert "workflow/steps/1/role" in paths and "clerk" in paths["workflow/steps/1/role"]
    assert "no_such_field" in paths["fees/rules/0/when"]
    assert "components/0/sources/0/vault" in paths
    # Submitting a draft with problems is refused, naming them.
    r = editor.post(f"/catalog/drafts/{r.json()['id']}/submit")
    assert r.status_code == 422 and r.json()["code"] == "draft_has_problems"
    assert any(p["path"] == "workflow/steps/1/role" for p in r.json()["problems"])


def test_bad_input_is_refused_with_4xx(editor):
    r = editor.post("/catalog/drafts", {**new_procedure(), "colour": "blue"})
    assert r.status_code == 422 and r.json()["code"] == "undeclared_field"
    r = editor.post("/catalog/drafts", [1, 2])
    assert r.status_code == 422
    r = editor.client.post("/api/v1/catalog/drafts", '{"code": "1.9\\u0000"}', content_type="application/json",
                           headers=editor.headers)
    assert r.status_code == 400
    r = editor.get("/catalog/drafts/not-a-uuid")
    assert r.status_code == 404


def test_an_editor_without_rights_on_a_unit_gets_404(demo, editor):
    commune_editor = user("specialist_hoathuan")
    Membership.objects.create(user=commune_editor, unit=Unit.objects.get(code="000.12.00.H99"), role=Role.CATALOG_EDITOR)
    commune = ApiClient("specialist_hoathuan")
    # Another commune's procedure, the province as a whole, a ministry: not theirs.
    d = new_procedure()
    d["unit_codes"] = ["000.11.00.H99"]
    assert commune.post("/catalog/drafts", d).status_code == 404
    assert commune.post("/catalog/drafts?unit=000.00.00.H99", new_procedure()).status_code == 404
    # A shipped procedure belongs to the root's editors: a commune editor cannot make a new version of it.
    assert commune.post("/catalog/drafts", copy.deepcopy(BIRTH)).status_code == 404
    # Its own commune: yes. The province's editor sees that draft (it is in the subtree), a citizen does not.
    d["unit_codes"] = ["000.12.00.H99"]
    draft_id = create(commune, d)
    assert editor.get(f"/catalog/drafts/{draft_id}").status_code == 200
    assert ApiClient("citizen").get(f"/catalog/drafts/{draft_id}").status_code == 404
    assert ApiClient("citizen").post("/catalog/drafts", new_procedure()).status_code == 403
    # And the commune editor does not see the province's drafts.
    province_draft = create(editor, new_procedure("1.999002"))
    assert commune.get(f"/catalog/drafts/{province_draft}").status_code == 404


def test_two_editors_saving_the_same_revision_get_a_conflict_not_a_lost_edit(demo, editor):
    Membership.objects.create(user=user("specialist_justice"), unit=Unit.objects.get(code="000.00.00.H99"),
                              role=Role.CATALOG_EDITOR)
    other = ApiClient("specialist_justice")
    draft_id = create(editor, new_procedure())
    r = editor.get(f"/catalog/drafts/{draft_id}")
    etag = r["ETag"]
    assert etag == '"r1"'
    first, second = new_procedure(), new_procedure()
    first["processing_days"] = 7
    second["processing_days"] = 9
    assert put(editor, draft_id, first, etag).status_code == 200
    r = put(other, draft_id, second, etag)
    assert r.status_code == 409 and r.json()["code"] == "edit_conflict" and r.json()["revision"] == 2
    assert editor.get(f"/catalog/drafts/{draft_id}").json()["definition"]["processing_days"] == 7
    # Without If-Match: 428, nothing saved.
    assert put(other, draft_id, second, None).status_code == 428
    # With the new ETag the second editor saves on top of the first's.
    r = put(other, draft_id, second, '"r2"')
    assert r.status_code == 200 and r["ETag"] == '"r3"'


def test_publish_a_new_procedure_and_its_versions(editor, approver):
    _draft_id, published = publish_new(editor, approver, new_procedure())
    assert published["code"] == "1.999001" and published["version"] == 1 and published["current"] is True
    procedure = Procedure.objects.get(code="1.999001")
    assert procedure.active and procedure.current.number == 1
    r = ApiClient(None).get("/procedures/1.999001/versions")
    assert r.status_code == 200
    (v1,) = r.json()["versions"]
    assert v1["decision"] == DECISION and v1["current"] and v1["approved_by"] == "catalog_approver"
    # Searchable and open to dossiers like any procedure.
    assert ApiClient(None).get("/procedures/1.999001").status_code == 200
    # A new version: started from the published one, changed, diffed, published from a later date.
    d = new_procedure()
    d["processing_days"] = 5
    d["fees"] = {"rules": [{"id": "standard", "amount": 20000}]}
    second = create(editor, d)
    assert editor.get(f"/catalog/drafts/{second}").json()["base_version"] == 1
    changes = editor.get(f"/catalog/drafts/{second}/diff").json()["changes"]
    items = {(c["section"], c["item"]): c for c in changes}
    assert items[("times", "processing_days")]["new"] == "5"
    assert any(c["section"] == "fees" for c in changes)
    assert editor.post(f"/catalog/drafts/{second}/submit").status_code == 200
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    r = approver.post(f"/catalog/drafts/{second}/publish", {"effective_from": tomorrow, "decision": DECISION})
    assert r.status_code == 200 and r.json() == {"code": "1.999001", "version": 2, "effective_from": tomorrow,
                                                 "current": False}
    procedure.refresh_from_db()
    assert procedure.current.number == 1  # until tomorrow
    assert store.apply_due(timezone.localdate() + timedelta(days=1)) == (1, 0)
    procedure.refresh_from_db()
    assert procedure.current.number == 2 and procedure.processing_days == 5
    r = ApiClient(None).get("/procedures/1.999001/versions/2/diff")
    assert any(c["item"] == "processing_days" and c["old"] == str(BIRTH["processing_days"]) for c in r.json()["changes"])


def test_publish_is_refused_in_the_past_to_the_author_and_before_submission(demo, editor, approver):
    draft_id = create(editor, new_procedure())
    r = approver.post(f"/catalog/drafts/{draft_id}/publish", {"decision": DECISION})
    assert r.status_code == 409 and r.json()["code"] == "not_submitted"
    assert editor.post(f"/catalog/drafts/{draft_id}/submit").status_code == 200
    # An editor is not an approver.
    assert editor.post(f"/catalog/drafts/{draft_id}/publish", {}).status_code == 403
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    r = approver.post(f"/catalog/drafts/{draft_id}/publish", {"effective_from": yesterday})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "effective_from"
    r = approver.post(f"/catalog/drafts/{draft_id}/publish", {"effective_from": yesterday, "colour": 1})
    assert r.status_code == 422
    # An approver who also edits cannot approve a draft they wrote.
    Membership.objects.create(user=user("catalog_approver"), unit=Unit.objects.get(code="000.00.00.H99"),
                              role=Role.CATALOG_EDITOR)
    own = create(approver, new_procedure("1.999003"))
    assert approver.post(f"/catalog/drafts/{own}/submit").status_code == 200
    r = approver.post(f"/catalog/drafts/{own}/publish", {"decision": DECISION})
    assert r.status_code == 403 and r.json()["code"] == "own_draft"
    assert not Procedure.objects.filter(code="1.999003").exists()


def test_send_back_with_comments_then_edit_again(editor, approver):
    draft_id = create(editor, new_procedure())
    assert editor.post(f"/catalog/drafts/{draft_id}/submit").status_code == 200
    # A submitted draft is not edited under the approver's eyes.
    assert put(editor, draft_id, new_procedure(), '"r1"').status_code == 409
    assert approver.post(f"/catalog/drafts/{draft_id}/return", {"comments": ""}).status_code == 422
    r = approver.post(f"/catalog/drafts/{draft_id}/return", {"comments": "Thiếu căn cứ pháp lý."})
    assert r.status_code == 200 and r.json()["status"] == "returned"
    got = editor.get(f"/catalog/drafts/{draft_id}")
    assert got.json()["comments"] == "Thiếu căn cứ pháp lý."
    assert put(editor, draft_id, new_procedure(), got["ETag"]).status_code == 200


def test_idempotency_key_on_creating_a_draft(editor):
    headers = {**editor.headers, "Idempotency-Key": '"draft-1"'}

    def post():
        return editor.client.post("/api/v1/catalog/drafts", new_procedure(), content_type="application/json",
                                  headers=headers)

    first, again = post(), post()
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert len(editor.get("/catalog/drafts").json()) == 1
