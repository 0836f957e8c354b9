"""The officers' dossier search (GET /api/v1/dossiers?q=…) and bulk actions (POST /api/v1/dossiers/actions/{action}).

Issue 17: an officer finds the dossiers of their unit subtree by code, personal ID or name
(diacritics ignored), status, channel, procedure and dates, a page at a time; a citizen still
sees only their own. A bulk action runs each dossier through the actions layer and answers per
code; a dossier outside the officer's subtree is "not found", exactly like one that does not exist.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from motcua.dossiers import actions
from motcua.dossiers.models import Dossier, Status, Task, TaskStatus
from motcua.identity.models import User
from tests.conftest import BIRTH, BIRTH_COMPONENTS, ApiClient


def user(username: str) -> User:
    return User.objects.get(username=username)


def filed(username: str = "citizen", **data) -> Dossier:
    return actions.submit(user(username), "1.001193", dict(BIRTH, **data), components=list(BIRTH_COMPONENTS))


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()]


@pytest.fixture
def three(demo):
    """Two dossiers at An Bình (citizen "Nguyễn Văn An", citizen3 "Lê Minh Châu"), one at Hòa Thuận (citizen2)."""
    return {"an": filed("citizen"), "chau": filed("citizen3"), "binh": filed("citizen2")}


def test_an_officer_finds_by_name_without_diacritics_only_in_their_subtree(three):
    officer = ApiClient("onestop_anbinh")
    for q in ("nguyen van an", "Nguyễn Văn", "NGUYEN", "nguyễn văn an"):
        found = codes(officer.get("/dossiers", data={"q": q}))
        assert three["an"].code in found, q
        assert three["chau"].code not in found and three["binh"].code not in found, q
    # Hòa Thuận's dossier exists, but not for An Bình's officer, by name or by code.
    assert codes(officer.get("/dossiers", data={"q": "tran thi binh"})) == []
    assert codes(officer.get("/dossiers", data={"q": three["binh"].code})) == []
    # The province's one-stop centre serves the whole province: it finds both communes'.
    province = ApiClient("onestop_prov")
    assert three["binh"].code in codes(province.get("/dossiers", data={"q": "tran thi binh"}))
    assert three["an"].code in codes(province.get("/dossiers", data={"q": "nguyen van an"}))


def test_an_officer_finds_by_personal_id_and_by_code_from_its_start(three):
    officer = ApiClient("onestop_anbinh")
    assert three["an"].code in codes(officer.get("/dossiers", data={"q": "001090012345"}))
    assert three["chau"].code not in codes(officer.get("/dossiers", data={"q": "001090012345"}))
    assert codes(officer.get("/dossiers", data={"q": three["chau"].code})) == [three["chau"].code]
    prefix = three["chau"].code.rsplit("-", 1)[0]  # the unit and the day: every dossier filed there today
    found = codes(officer.get("/dossiers", data={"q": prefix.lower()}))
    assert {three["an"].code, three["chau"].code} <= set(found) and three["binh"].code not in found


def test_filters_status_channel_procedure_and_dates(three):
    officer = ApiClient("onestop_anbinh")
    actions.perform(three["an"].code, "receive", user("onestop_anbinh"))
    received = codes(officer.get("/dossiers", data={"status": 2}))
    assert three["an"].code in received and three["chau"].code not in received
    assert three["chau"].code in codes(officer.get("/dossiers", data={"status": 1, "channel": 2, "procedure": "1.001193"}))
    assert three["chau"].code not in codes(officer.get("/dossiers", data={"channel": 1}))
    assert codes(officer.get("/dossiers", data={"procedure": "9.999999"})) == []
    today = timezone.localdate()
    assert three["chau"].code in codes(officer.get("/dossiers", data={"from": today.isoformat(), "to": today.isoformat()}))
    assert three["chau"].code not in codes(officer.get("/dossiers", data={"to": (today - timedelta(days=1)).isoformat()}))
    assert three["chau"].code not in codes(officer.get("/dossiers", data={"from": (today + timedelta(days=1)).isoformat()}))
    row = next(r for r in officer.get("/dossiers", data={"q": "le minh chau"}).json() if r["code"] == three["chau"].code)
    assert row["applicant"] == "Lê Minh Châu" and row["channel"] == 2 and row["deadline_state"] == "on_time"


def test_a_citizen_still_sees_only_their_own(three):
    citizen = ApiClient("citizen")
    assert codes(citizen.get("/dossiers", data={"q": "le minh chau"})) == []
    assert codes(citizen.get("/dossiers", data={"q": three["chau"].code})) == []
    own = codes(citizen.get("/dossiers"))
    assert three["an"].code in own and three["chau"].code not in own


def test_pages_and_their_bounds(three):
    officer = ApiClient("onestop_anbinh")
    everything = codes(officer.get("/dossiers", data={"limit": 500}))
    assert len(everything) >= 2
    first = codes(officer.get("/dossiers", data={"limit": 1}))
    second = codes(officer.get("/dossiers", data={"limit": 1, "offset": 1}))
    assert first == everything[:1] and second == everything[1:2]
    huge = str(2**64)
    for params in ({"offset": huge}, {"limit": huge}, {"offset": "-1"}, {"limit": "0"}, {"limit": "501"},
                   {"status": huge}, {"channel": "4"}, {"from": "2026-13-01"}, {"q": "x" * 101},
                   {"from": "2026-02-02", "to": "2026-02-01"}, {"offset": "1e3"}):
        response = officer.get("/dossiers", data=params)
        assert 400 <= response.status_code < 500, (params, response.status_code, response.content)
    assert officer.get("/dossiers", data={"q": "an\x00"}).status_code == 400


# --- bulk actions --------------------------------------------------------------------------------


def test_bulk_receive_answers_per_code_with_mixed_success_and_refusal(three):
    officer = ApiClient("onestop_anbinh")
    actions.perform(three["chau"].code, "receive", user("onestop_anbinh"))  # received already
    missing = "000.11.00.H99-000101-9999"
    body = {"codes": [three["an"].code, three["chau"].code, three["binh"].code, missing, three["an"].code],
            "reason": "Đủ giấy tờ"}
    response = officer.post("/dossiers/actions/receive", body)
    assert response.status_code == 200, response.content
    out = response.json()
    by_code = {r["code"]: r for r in out["results"]}
    assert [r["code"] for r in out["results"]] == [three["an"].code, three["chau"].code, three["binh"].code, missing]
    assert out["done"] == 1 and out["refused"] == 3
    assert by_code[three["an"].code]["ok"] and by_code[three["an"].code]["status"] == Status.RECEIVED
    assert by_code[three["chau"].code]["error"] == "illegal_transition" and by_code[three["chau"].code]["message"]
    # Another commune's dossier and one that does not exist look alike: no status, the same error.
    for code in (three["binh"].code, missing):
        assert by_code[code]["ok"] is False and by_code[code]["status"] is None
        assert by_code[code]["error"] == "dossier_not_found"
    assert Dossier.objects.get(pk=three["binh"].pk).status == Status.SUBMITTED
    assert Dossier.objects.get(pk=three["an"].pk).events.filter(action="receive", reason="Đủ giấy tờ").exists()


def test_bulk_claim_assign_and_return(three):
    desk, specialist, leader = ApiClient("onestop_anbinh"), ApiClient("specialist_anbinh"), ApiClient("approver_anbinh")
    both = [three["an"].code, three["chau"].code]
    assert desk.post("/dossiers/actions/receive", {"codes": both}).json()["done"] == 2
    out = specialist.post("/dossiers/actions/claim", {"codes": both}).json()
    assert out["done"] == 2, out
    assert Task.objects.filter(dossier__code__in=both, status=TaskStatus.OPEN, assignee__username="specialist_anbinh").count() == 2
    out = leader.post("/dossiers/actions/assign", {"codes": both, "assignee": "nobody-here"}).json()
    assert out["done"] == 0 and {r["error"] for r in out["results"]} == {"invalid_assignee"}
    out = leader.post("/dossiers/actions/assign", {"codes": both, "assignee": "specialist_anbinh"}).json()
    assert out["done"] == 2, out
    # Nothing to return yet: refused per code with the actions the officer may take.
    out = desk.post("/dossiers/actions/return", {"codes": both}).json()
    assert out["done"] == 0 and all(r["error"] for r in out["results"])


def test_bulk_bad_input_is_4xx(three):
    officer = ApiClient("onestop_anbinh")
    assert officer.post("/dossiers/actions/receive", {"codes": []}).status_code == 422
    assert officer.post("/dossiers/actions/receive", {"codes": ["x"] * 101}).status_code == 422
    assert officer.post("/dossiers/actions/receive", {"codes": [three["an"].code], "colour": "red"}).status_code == 422
    assert officer.post("/dossiers/actions/receive", {"codes": "abc"}).status_code == 422
    assert officer.post("/dossiers/actions/receive", {"codes": ["a" * 49]}).status_code == 422
    for name in ("receive", "claim", "assign", "return_result", "return"):  # a JSON null or no body: 4xx, not 500
        for body in ("null", ""):
            r = officer.client.post(f"/api/v1/dossiers/actions/{name}", body, content_type="application/json",
                                    headers=officer.headers)
            assert r.status_code in (400, 422), (name, body, r.status_code)
    unknown = officer.post("/dossiers/actions/approve", {"codes": [three["an"].code]})
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_action"
    assert Dossier.objects.get(pk=three["an"].pk).status == Status.SUBMITTED
    anonymous = ApiClient(None).post("/dossiers/actions/receive", {"codes": [three["an"].code]})
    assert anonymous.status_code == 401


# --- the page pushed into each half of the union (dossiers/search.py, `window`) ---------------------


def test_each_half_reading_only_its_first_page_finds_the_same_rows_in_the_same_order(demo):
    """`for_officer(…, window=offset + limit)` gives each half of the union its own ORDER BY … LIMIT: the
    page must be exactly the page of the whole search, for several filters, pages and ties of time."""
    from motcua.dossiers import search
    from motcua.units.models import Unit

    officer = user("onestop_anbinh")
    filed_ = [filed(name) for name in ("citizen", "citizen3", "citizen2") for _ in range(4)]
    # Ties: dossiers submitted at the same moment are ordered by id (ORDER); some of every unit.
    moment = timezone.now() - timedelta(days=3)
    Dossier.objects.filter(pk__in=[d.pk for d in filed_[::3]]).update(submitted_at=moment)
    # Hòa Thuận's dossiers with a step at An Bình: found through the "stepped" half only.
    anbinh = Unit.objects.get(pk=filed_[0].unit_id)
    for d in filed_[8:11]:
        Task.objects.filter(dossier=d).update(unit=anbinh, elsewhere=True)  # as workflow.create_tasks marks them
    actions.perform(filed_[1].code, "receive", officer)
    today = timezone.localdate()
    cases = [
        search.parse(status="1"), search.parse(status="2"), search.parse(procedure="1.001193"),
        search.parse(channel="2", procedure="1.001193"), search.parse(q="nguyen"), search.parse(q=filed_[0].code[:13]),
        search.parse(date_from=(today - timedelta(days=5)).isoformat(), date_to=today.isoformat()),
        search.parse(procedure="9.999999"),
    ]
    for officer_ in (officer, user("onestop_prov")):
        for filters in cases:
            whole = list(search.for_officer(officer_, filters).order_by(*search.ORDER).values_list("code", flat=True))
            for offset, limit in ((0, 1), (0, 3), (1, 2), (2, 5), (5, 50), (0, 500), (11, 3)):
                page = list(search.for_officer(officer_, filters, window=offset + limit).order_by(*search.ORDER)
                            .values_list("code", flat=True)[offset : offset + limit])
                assert page == whole[offset : offset + limit], (officer_.username, filters, offset, limit)
    # The same dossiers as the plain scope (any step at my units, `access.staff_dossiers`) narrowed by the filters.
    from motcua.dossiers.access import staff_dossiers

    for officer_ in (officer, user("onestop_prov")):
        for filters in cases:
            assert set(search.for_officer(officer_, filters).values_list("code", flat=True)) == set(
                search.matching(staff_dossiers(officer_), filters).values_list("code", flat=True)), filters
    # The cases are not vacuous: the stepped dossiers and the ties are in what An Bình's officer finds.
    found = set(search.for_officer(officer, search.parse(status="1")).values_list("code", flat=True))
    assert {d.code for d in filed_[8:11]} <= found and filed_[11].code not in found
    assert Dossier.objects.filter(submitted_at=moment, code__in=found).count() >= 2


def test_a_filter_never_widens_an_officers_scope_to_another_agency(three):
    """The commune's civil-status specialist does not read the commune police's dossiers, nor the police
    the commune's (docs/security.md, "Scopes"), whether the search has filters or not: the filtered search
    reads the same units as the plain list."""
    from motcua.units.models import Unit

    police_unit = Unit.objects.get(code="000.11.30.H99")
    Dossier.objects.filter(pk=three["chau"].pk).update(unit=police_unit)
    Task.objects.filter(dossier=three["chau"]).update(unit=police_unit)
    police = ApiClient(user("specialist_police_anbinh"))
    civil = ApiClient(user("specialist_anbinh"))
    an, chau = three["an"].code, three["chau"].code
    for query in ("", "?status=1", "?procedure=1.001193", "?q=le", f"?q={chau}", "?channel=2"):
        mine = codes(civil.get(f"/dossiers{query}"))
        assert chau not in mine, query
        theirs = codes(police.get(f"/dossiers{query}"))
        assert an not in theirs, query
    assert chau in codes(police.get("/dossiers?status=1")) and an in codes(civil.get("/dossiers?status=1"))


def test_steps_at_another_unit_than_their_dossier_s_are_marked_when_made_and_by_the_migration(demo):
    """Task.elsewhere: what the filtered search's "step at my units" half reads (dossiers/search.py)."""
    import importlib

    from django.db import connection

    from motcua.units.models import Unit

    d = filed("citizen")
    tasks = list(Task.objects.filter(dossier=d))
    assert tasks and not any(t.elsewhere for t in tasks if t.unit_id == d.unit_id)
    assert all(t.elsewhere for t in tasks if t.unit_id != d.unit_id)
    # Steps written before the column: the migration marks exactly those at another unit.
    other = Unit.objects.exclude(pk=d.unit_id).first()
    moved = tasks[-1]
    Task.objects.filter(pk=moved.pk).update(unit=other)
    Task.objects.filter(dossier=d).update(elsewhere=False)
    migration = importlib.import_module("motcua.dossiers.migrations.0018_task_elsewhere").Migration
    [mark] = [op for op in migration.operations if op.__class__.__name__ == "RunSQL" and "UPDATE" in op.sql]
    with connection.cursor() as cursor:
        cursor.execute(mark.sql)
    marked = dict(Task.objects.filter(dossier=d).values_list("pk", "elsewhere"))
    assert marked == {t.pk: t.pk == moved.pk or t.unit_id != d.unit_id for t in tasks}
