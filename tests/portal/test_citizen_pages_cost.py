"""What the citizen's pages cost in queries, and that reading less changed nothing they show.

DESIGN.md §6: citizen pages p95 < 30 ms with a million dossiers. Each query is a round
trip plus the ORM's compilation, so the count is the figure a test can hold steady
(bench/run.py measures the time).
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from motcua.dossiers import actions
from motcua.dossiers.models import Dossier
from motcua.identity.models import User
from motcua.portal.views import PAGE_SIZE
from motcua.units.models import Membership
from tests.conftest import BIRTH, BIRTH_COMPONENTS, logged_in


def file_birth(username: str = "citizen") -> Dossier:
    return actions.submit(
        User.objects.get(username=username), "1.001193", dict(BIRTH), components=list(BIRTH_COMPONENTS)
    )


def counted(client: Client, path: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


def test_dossier_page_reads_session_user_dossier_tasks_and_history_only(demo):
    dossier = file_birth()
    page, queries = counted(logged_in("citizen"), f"/my/dossiers/{dossier.code}/")
    # Session, user (with profile and whether they serve a unit), the dossier, its tasks, its history,
    # and the messages sent to the applicant about it (their delivery status, notifications/).
    assert len(queries) == 6, "\n".join(queries)
    assert not any("units_membership" in q and "EXISTS" not in q.upper() for q in queries)
    assert not any("dossiers_supplementrequest" in q or "dossiers_apologyletter" in q for q in queries)
    # All the page showed before: status, unit, timeline, the citizen's name in the header, no back-office link.
    assert dossier.code in page and "Mới nộp" in page and "Quá trình xử lý" in page
    assert "Đăng ký khai sinh" in page and "Giấy tờ của tôi" in page
    assert User.objects.get(username="citizen").citizen.full_name in page
    assert "Xử lý hồ sơ" not in page


def test_officer_who_applies_still_sees_the_back_office_link(demo):
    officer = Membership.objects.select_related("user").first().user
    page, queries = counted(logged_in(officer.username), "/my/dossiers/")
    assert "Xử lý hồ sơ" in page
    assert any("units_membership" in q and "EXISTS" not in q.upper() for q in queries)  # their grants, read once
    assert sum("units_membership" in q for q in queries) == 2  # the EXISTS with the user, then the grants


def test_supplements_and_apologies_are_read_when_the_dossier_has_some(demo):
    dossier = file_birth()
    Dossier.objects.filter(pk=dossier.pk).update(supplement_count=1, apology_count=1)
    _page, queries = counted(logged_in("citizen"), f"/my/dossiers/{dossier.code}/")
    assert any("dossiers_supplementrequest" in q for q in queries)
    assert any("dossiers_apologyletter" in q for q in queries)


def test_short_list_is_counted_without_count_query(demo):
    codes = [file_birth().code for _ in range(3)]
    page, queries = counted(logged_in("citizen"), "/my/dossiers/")
    assert not any("COUNT(" in q.upper() for q in queries), "\n".join(queries)
    assert len(queries) == 3, "\n".join(queries)  # session, user, the page's rows
    assert "3 hồ sơ đã nộp" in page
    for code in codes:  # each row links to its dossier's page
        assert f'<a href="/my/dossiers/{code}/">{code}</a>' in page
    assert "Trang 1/" not in page  # one page: no pagination


@pytest.mark.parametrize("extra", [0, 1])
def test_full_first_page_counts_and_paginates(demo, extra):
    first = file_birth()
    # Copies of one dossier, each with its own code: the list only needs rows.
    fields = {f.attname: getattr(first, f.attname) for f in Dossier._meta.concrete_fields if f.attname != "id"}
    Dossier.objects.bulk_create(
        [Dossier(**{**fields, "code": f"{first.code}-{i:03d}"}) for i in range(PAGE_SIZE - 1 + extra)]
    )
    total = PAGE_SIZE + extra
    client = logged_in("citizen")
    page, _queries = counted(client, "/my/dossiers/")
    assert f"{total} hồ sơ đã nộp" in page
    assert len(re.findall(r'<th scope="row">', page)) == PAGE_SIZE
    if extra:
        assert "Trang 1/2" in page
        second, _ = counted(client, "/my/dossiers/?page=2")
        assert len(re.findall(r'<th scope="row">', second)) == extra and "Trang 2/2" in second
    else:
        assert "Trang 1/" not in page
