"""Unit administration: a unit administrator manages staff, procedures received, calendar and targets
of their subtree only (404 outside), every change audited, input strict; a holiday moves a due date."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from motcua.audit.log import verify_chain
from motcua.audit.models import AuditEntry
from motcua.catalog.models import ProcedureOffer
from motcua.dossiers import deadlines
from motcua.dossiers.models import Dossier
from motcua.monitoring import config
from motcua.monitoring.models import UnitTarget
from motcua.units.models import CalendarDay, Membership, Role, Unit
from tests.backoffice.helpers import birth_dossier
from tests.conftest import BIRTH, BIRTH_COMPONENTS, ApiClient, logged_in, user

ANBINH, HOATHUAN, PROVINCE, MINISTRY = "000.11.00.H99", "000.12.00.H99", "000.00.00.H99", "000.00.00.G12"


def commune_admin() -> str:
    Membership.objects.create(user=user("specialist_hoathuan"), unit=Unit.objects.get(code=ANBINH), role=Role.UNIT_ADMIN)
    return "specialist_hoathuan"  # administers An Bình, works at Hòa Thuận


def audit_of(code: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type="unit", object_id=code).order_by("id"))


def test_an_administrator_sees_only_their_subtree(demo):
    admin = logged_in(commune_admin())
    assert admin.get("/office/unit/").status_code == 200
    for section in ("staff", "procedures", "calendar", "targets"):
        assert admin.get(f"/office/unit/{ANBINH}/{section}/").status_code == 200, section
        assert admin.get(f"/office/unit/{HOATHUAN}/{section}/").status_code == 404, section
        assert admin.get(f"/office/unit/{PROVINCE}/{section}/").status_code == 404, section
    assert admin.get(f"/office/unit/{ANBINH}/nothing/").status_code == 404
    # Posting outside the subtree changes nothing either.
    r = admin.post(f"/office/unit/{HOATHUAN}/staff/", {"op": "add", "username": "citizen3", "role": "specialist"})
    assert r.status_code == 404 and not Membership.objects.filter(user=user("citizen3")).exists()
    # The province's administrator reaches the communes; an officer without the role gets nothing.
    province = logged_in("admin_province")
    assert province.get(f"/office/unit/{HOATHUAN}/staff/").status_code == 200
    assert province.get(f"/office/unit/{MINISTRY}/staff/").status_code == 404
    assert logged_in("onestop_anbinh").get(f"/office/unit/{ANBINH}/staff/").status_code == 404
    assert logged_in("onestop_anbinh").get("/office/unit/").status_code == 404


def test_staff_and_roles_are_managed_and_audited(demo):
    admin = logged_in(commune_admin())
    url = f"/office/unit/{ANBINH}/staff/"
    r = admin.post(url, {"op": "add", "username": "citizen3", "role": "specialist"})
    assert r.status_code == 302
    member = Membership.objects.get(user=user("citizen3"), unit__code=ANBINH, role="specialist")
    assert "Lê Minh Châu" in admin.get(url).content.decode()
    again = admin.post(url, {"op": "add", "username": "citizen3", "role": "specialist"})
    assert again.status_code == 422 and "đã có vai trò này" in again.content.decode()
    assert admin.post(url, {"op": "add", "username": "nobody", "role": "specialist"}).status_code == 422
    assert admin.post(url, {"op": "add", "username": "citizen3", "role": "king"}).status_code == 422
    assert admin.post(url, {"op": "remove", "member": str(member.pk)}).status_code == 302
    assert not Membership.objects.filter(pk=member.pk).exists()
    # A membership of another unit cannot be removed through this unit's page.
    elsewhere = Membership.objects.get(user__username="onestop_hoathuan")
    assert admin.post(url, {"op": "remove", "member": str(elsewhere.pk)}).status_code == 422
    assert Membership.objects.filter(pk=elsewhere.pk).exists()

    entries = audit_of(ANBINH)
    assert [(e.action, e.data) for e in entries] == [
        ("unit_admin.add_member", {"user": "citizen3", "role": "specialist"}),
        ("unit_admin.remove_member", {"user": "citizen3", "role": "specialist"}),
    ]
    assert all(e.actor.username == "specialist_hoathuan" for e in entries) and verify_chain("unit", ANBINH)


def test_input_is_strict(demo):
    admin = logged_in("admin_province")
    base = f"/office/unit/{ANBINH}"
    assert admin.post(f"{base}/staff/", {"op": "add", "username": "citizen3", "role": "specialist", "unit": "x"}).status_code == 400
    assert admin.post(f"{base}/staff/", {"op": "add", "username": "citizen3\x00", "role": "specialist"}).status_code == 400
    assert admin.post(f"{base}/targets/", {"op": "set", "year": ["2026", "2027"], "rate": "50"}).status_code == 400
    assert admin.post(f"{base}/targets/", {"op": "explode"}).status_code == 400
    assert admin.post(f"{base}/targets/", {"op": "set", "year": "2026", "rate": "101"}).status_code == 422
    assert admin.post(f"{base}/targets/", {"op": "set", "year": "99999999999999999999", "rate": "5"}).status_code == 422
    assert admin.post(f"{base}/calendar/", {"op": "add", "day": "2026-02-30", "working": "0"}).status_code == 422
    assert admin.post(f"{base}/calendar/", {"op": "add", "day": "2026-12-30", "working": "maybe"}).status_code == 400
    assert admin.post(f"{base}/procedures/", {"op": "set", "procedure": "1.001193", "unit": MINISTRY, "offered": "0"}).status_code == 422
    assert not audit_of(ANBINH) and not UnitTarget.objects.exists() and not CalendarDay.objects.filter(unit__code=ANBINH).exists()


def test_a_day_off_added_by_the_administrator_moves_the_due_date(demo):
    before = Dossier.objects.get(code=birth_dossier())
    unit = before.unit
    today = timezone.localdate()
    # The first working day after today lies before the due date (birth registration takes days, not hours).
    first = deadlines.calendar(unit).next_working_day(today + timedelta(days=1))
    assert first < timezone.localdate(before.due_at)
    admin = logged_in("admin_province")
    r = admin.post(f"/office/unit/{ANBINH}/calendar/", {"op": "add", "day": first.isoformat(), "working": "0", "note": "Nghỉ bù"})
    assert r.status_code == 302
    assert not deadlines.calendar(unit).is_working_day(first)
    after = Dossier.objects.get(code=birth_dossier("citizen3"))
    # One working day fewer before it: the same processing time ends one working day later.
    assert timezone.localdate(after.due_at) == deadlines.calendar(unit).next_working_day(timezone.localdate(before.due_at))
    # The other commune's calendar is untouched.
    assert deadlines.calendar(Unit.objects.get(code=HOATHUAN)).is_working_day(first)
    entry = audit_of(ANBINH)[-1]
    assert entry.action == "unit_admin.set_day" and entry.data == {"day": first.isoformat(), "working": False, "note": "Nghỉ bù"}


def test_a_unit_that_stops_receiving_a_procedure_is_refused_and_can_take_it_up_again(demo):
    admin = logged_in("admin_province")
    url = f"/office/unit/{PROVINCE}/procedures/"
    page = admin.get(url).content.decode()
    assert "1.001193" in page and "Ngừng tiếp nhận tại UBND xã An Bình" in page
    assert admin.post(url, {"op": "set", "procedure": "1.001193", "unit": ANBINH, "offered": "0"}).status_code == 302
    assert ProcedureOffer.objects.get(procedure__code="1.001193", unit__code=ANBINH).offered is False

    citizen = ApiClient("citizen")
    r = citizen.post("/dossiers", {"procedure": "1.001193", "data": BIRTH, "components": citizen.references(BIRTH_COMPONENTS), "unit": ANBINH})
    assert r.status_code == 422 and r.json()["code"] == "unknown_unit", r.content
    assert ANBINH not in r.json().get("choices", [])

    assert admin.post(url, {"op": "set", "procedure": "1.001193", "unit": ANBINH, "offered": "1"}).status_code == 302
    r = citizen.post("/dossiers", {"procedure": "1.001193", "data": BIRTH, "components": citizen.references(BIRTH_COMPONENTS), "unit": ANBINH})
    assert r.status_code == 201, r.content
    assert [e.data["offered"] for e in audit_of(PROVINCE)] == [False, True]


def test_the_units_target_is_what_the_kpi_headline_reads(demo):
    year = timezone.localdate().year
    anbinh = Unit.objects.get(code=ANBINH)
    admin = logged_in("admin_province")
    assert admin.post(f"/office/unit/{PROVINCE}/targets/", {"op": "set", "year": str(year), "rate": "55"}).status_code == 302
    cfg = config.load()
    assert cfg.target("locality", year, anbinh.path) == 55.0  # the province's, inherited
    assert admin.post(f"/office/unit/{ANBINH}/targets/", {"op": "set", "year": str(year - 1), "rate": "62"}).status_code == 302
    cfg = config.load()
    assert cfg.target("locality", year, anbinh.path) == 62.0  # its own (an earlier year's holds)
    assert cfg.target("locality", year, Unit.objects.get(code=HOATHUAN).path) == 55.0
    assert admin.post(f"/office/unit/{ANBINH}/targets/", {"op": "remove", "year": str(year - 1)}).status_code == 302
    assert config.load().target("locality", year, anbinh.path) == 55.0
    assert [e.action for e in audit_of(ANBINH)] == ["unit_admin.set_target", "unit_admin.remove_target"]
