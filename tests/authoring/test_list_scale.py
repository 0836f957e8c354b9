"""The catalogue's list pages at two sizes: the SQL statements of a page do not grow with the catalogue.

A province's catalogue holds some 2,000 procedures and hundreds of drafts (issue 24, item 6; the timings
are bench/catalogue_scale.py's). A page whose statements grow with its rows (one more per draft, per
procedure, per version) is slow at that size whatever the database: the same page is read here over a
small catalogue and over a larger one, and must cost the same number of statements.
"""

from __future__ import annotations

import copy
import uuid

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.authoring import scope
from motcua.authoring.models import DraftStatus, ProcedureDraft
from motcua.catalog.loader import Definition, store
from motcua.catalog.models import Procedure
from motcua.identity.models import User
from motcua.units.models import Membership, Role
from tests.conftest import ApiClient, logged_in
from tests.walker import DEFINITIONS

BIRTH = DEFINITIONS["1.001193-dang-ky-khai-sinh.yaml"]
STATUSES = [DraftStatus.DRAFT, DraftStatus.SUBMITTED, DraftStatus.RETURNED]
VERSIONED = "4.900000"  # the procedure whose versions page is read: it gains versions as the catalogue grows


def _definition(i: int, version: int = 1) -> dict:
    d = copy.deepcopy(BIRTH)
    d["code"] = f"4.{900000 + i:06d}"
    d["name"] = {"vi": f"Cấp giấy phép xây dựng số {i}", "en": f"Construction permit number {i}",
                 "bn": f"নির্মাণ অনুমতিপত্র {i}"}
    d["legal_basis"] = [*d.get("legal_basis", []), f"Quyết định {version}/QĐ-UBND"]
    return d


def _grow(procedures: int, versions: int, drafts: int, editors: list[User]) -> None:
    """The catalogue up to `procedures` generated procedures (the first with `versions` versions) and `drafts` drafts."""
    have = ProcedureDraft.objects.count()
    for i in range(Procedure.objects.filter(code__startswith="4.9").count(), procedures):
        d = _definition(i)
        store(Definition(d, yaml.safe_dump(d, allow_unicode=True), f"gen/{d['code']}.yaml"))
    for n in range(2, versions + 1):
        d = _definition(0, n)
        store(Definition(d, yaml.safe_dump(d, allow_unicode=True), f"gen/{d['code']}.yaml"))
    now = timezone.now()
    unit = scope.home_unit(editors[0])
    ProcedureDraft.objects.bulk_create([
        ProcedureDraft(public_id=uuid.uuid4(), unit=unit, code=f"4.{800000 + i:06d}", definition=_definition(i),
                       status=STATUSES[i % len(STATUSES)], created_by=editors[i % len(editors)],
                       updated_by=editors[i % len(editors)], created_at=now, updated_at=now)
        for i in range(have, drafts)
    ])


def _statements(client, url: str, headers: dict | None = None) -> tuple[int, str]:
    client.get(url, headers=headers or {})  # once before: a first view may also save the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers or {})
    assert response.status_code == 200, (url, response.content[:500])
    return len(queries), response.content.decode()


@pytest.mark.django_db
def test_list_pages_cost_the_same_statements_over_a_small_and_a_larger_catalogue(demo):
    editor = User.objects.get(username="catalog_editor")
    # Drafts last saved by several people: a per-row look-up of the name shown would show here.
    others = []
    for n in range(3):
        other = User.objects.create(username=f"catalogue_scale_{n}", full_name=f"Nguyễn Văn Biên {n}")
        Membership.objects.create(user=other, unit=scope.home_unit(editor), role=Role.CATALOG_EDITOR)
        others.append(other)
    editors = [editor, *others]
    office = logged_in("catalog_editor")
    api = ApiClient("catalog_editor")
    citizen = logged_in("citizen")
    pages = {
        "drafts": (office, "/office/catalog/", None),
        "drafts, page 2": (office, "/office/catalog/?page=2", None),
        "drafts submitted": (office, "/office/catalog/?status=submitted", None),
        "versions": (office, f"/office/catalog/procedures/{VERSIONED}/", None),
        "catalogue": (citizen, "/", None),
        "catalogue search": (citizen, "/?q=giay+phep+xay+dung", None),
        "catalogue search (diacritics)": (citizen, "/?q=giấy+phép+xây+dựng", None),
        "API drafts": (api.client, "/api/v1/catalog/drafts?limit=500", api.headers),
        "API procedures": (api.client, "/api/v1/procedures?q=giay+phep", None),
        "API versions": (api.client, f"/api/v1/procedures/{VERSIONED}/versions", None),
    }

    _grow(procedures=3, versions=1, drafts=4, editors=editors)
    small = {name: _statements(client, url, headers) for name, (client, url, headers) in pages.items()}
    _grow(procedures=40, versions=6, drafts=60, editors=editors)
    large = {name: _statements(client, url, headers) for name, (client, url, headers) in pages.items()}

    # The larger catalogue is on the pages (the rows are read, not skipped).
    # Pages of 50 (all of them reachable), the second holding the rest.
    assert large["drafts"][1].count("/office/catalog/drafts/") == 50 > small["drafts"][1].count("/office/catalog/drafts/")
    assert "?page=2" in large["drafts"][1] and "?page=2" not in small["drafts"][1]
    assert large["drafts, page 2"][1].count("/office/catalog/drafts/") == 10
    assert "Nguyễn Văn Biên 2" in large["drafts"][1]
    assert large["versions"][1].count("/office/catalog/procedures/4.900000/diff/") == 6
    for name in ("catalogue search", "catalogue search (diacritics)"):
        assert "page=2" in large[name][1] and "page=2" not in small[name][1], name
    assert len(large["API drafts"][1]) > len(small["API drafts"][1])
    assert {name: count for name, (count, _) in large.items()} == {name: count for name, (count, _) in small.items()}
