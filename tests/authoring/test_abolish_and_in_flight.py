"""Dossiers in progress keep the version they were filed under; an abolished procedure takes no new dossiers."""

from __future__ import annotations

import copy
from datetime import timedelta

from django.utils import timezone

from motcua.authoring import store
from motcua.catalog.models import Procedure
from motcua.dossiers.models import Dossier
from tests.conftest import BIRTH, BIRTH_COMPONENTS, ApiClient
from tests.walker import DEFINITIONS, Walker

SHIPPED = DEFINITIONS["1.001193-dang-ky-khai-sinh.yaml"]
DECISION = {"number": "9/QĐ-UBND", "date": "2026-12-01", "issuer": "UBND tỉnh Demo"}


def _publish(definition: dict) -> dict:
    editor, approver = ApiClient("catalog_editor"), ApiClient("catalog_approver")
    draft_id = editor.post("/catalog/drafts", definition).json()["id"]
    assert editor.post(f"/catalog/drafts/{draft_id}/submit").status_code == 200
    r = approver.post(f"/catalog/drafts/{draft_id}/publish", {"decision": DECISION})
    assert r.status_code == 200, r.content
    return r.json()


def test_a_dossier_in_flight_keeps_its_version_and_survives_abolition(demo):
    walker = Walker(SHIPPED)
    walker.submit(components=list(BIRTH_COMPONENTS))
    filed_under = Dossier.objects.get(code=walker.code).procedure_version
    # A new version is published while the dossier waits: it keeps the old one.
    changed = copy.deepcopy(SHIPPED)
    changed["processing_days"] = SHIPPED["processing_days"] + 2
    assert _publish(changed)["version"] == filed_under.number + 1
    # The procedure is abolished from today: no new dossier …
    approver = ApiClient("catalog_approver")
    r = approver.post("/procedures/1.001193/abolish", {"decision": DECISION})
    assert r.status_code == 200 and r.json()["applied"] is True
    assert approver.post("/procedures/1.001193/abolish", {}).status_code == 409
    r = ApiClient("citizen2").post("/dossiers", {"procedure": "1.001193", "data": BIRTH, "unit": "000.12.00.H99",
                                                 "components": []})
    assert r.status_code == 422 and r.json()["code"] == "unknown_procedure"
    assert ApiClient(None).get("/procedures/1.001193").status_code == 404
    versions = ApiClient(None).get("/procedures/1.001193/versions").json()
    assert versions["active"] is False and versions["abolition"]["decision"]["number"] == "9/QĐ-UBND"
    # … while the one in progress walks to its result under the version it was filed under.
    walker.walk()
    dossier = Dossier.objects.get(code=walker.code)
    assert dossier.status == 10 and dossier.procedure_version_id == filed_under.pk


def test_abolition_from_a_later_date_waits_for_it(demo):
    approver = ApiClient("catalog_approver")
    later = timezone.localdate() + timedelta(days=3)
    r = approver.post("/procedures/1.001193/abolish", {"effective_from": later.isoformat()})
    assert r.status_code == 200 and r.json()["applied"] is False
    assert Procedure.objects.get(code="1.001193").active
    assert store.apply_due(later - timedelta(days=1)) == (0, 0)
    assert store.apply_due(later) == (0, 1)
    assert not Procedure.objects.get(code="1.001193").active
    # In the past, by someone without the role, or of a procedure one does not see: refused.
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert approver.post("/procedures/1.000656/abolish", {"effective_from": past}).status_code == 422
    assert ApiClient("catalog_editor").post("/procedures/1.000656/abolish", {}).status_code == 404
    assert ApiClient("approver_anbinh").post("/procedures/1.000656/abolish", {}).status_code == 404
