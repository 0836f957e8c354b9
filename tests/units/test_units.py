"""The agency tree: the ids on a unit's materialized path."""

from __future__ import annotations

from motcua.monitoring.counters import ancestors
from motcua.monitoring.models import NATIONAL
from motcua.units.models import Unit, UnitKind, path_ids


def test_ancestor_ids_run_from_the_root_to_the_unit_itself(db):
    province = Unit.objects.create(code="T.P", name="Tỉnh", kind=UnitKind.PROVINCE)
    department = Unit.objects.create(code="T.D", name="Sở", kind=UnitKind.DEPARTMENT, parent=province)
    desk = Unit.objects.create(code="T.O", name="Một cửa", kind=UnitKind.ONE_STOP, parent=department)
    assert province.ancestor_ids == [province.pk]
    assert desk.ancestor_ids == [province.pk, department.pk, desk.pk]
    assert Unit.objects.get(pk=desk.pk).ancestor_ids == path_ids(desk.path)
    # The KPI counters' chain: the nation first, then the same ids.
    assert ancestors(desk.path) == [NATIONAL, province.pk, department.pk, desk.pk]


def test_path_ids_of_an_empty_path():
    assert path_ids("") == [] and path_ids("/") == []
    assert path_ids("/12/345/") == [12, 345]


def test_the_grants_read_as_columns_are_those_of_the_memberships_instances(demo):
    """`grants_of` reads each membership's columns (no instances): it must give what the units' own rules give
    (`Unit.scope_root`: a one-stop desk's staff serve its parent's subtree; `sector`), for every demo officer."""
    from motcua.identity.models import User
    from motcua.units.models import Membership
    from motcua.units.scope import CATALOG_ROLES, Grant, grants_of, sector

    officers = User.objects.filter(memberships__isnull=False).distinct()
    assert officers.count() > 10
    kinds = set()
    for user in officers:
        expected = [Grant(m.unit.scope_root.path, m.role, sector(m.unit), m.unit.scope_root.level)
                    for m in Membership.objects.filter(user=user).select_related("unit__parent")
                    if m.role not in CATALOG_ROLES]
        kinds.update(m.unit.kind for m in Membership.objects.filter(user=user).select_related("unit"))
        assert sorted(grants_of(User.objects.get(pk=user.pk))) == sorted(expected), user.username
    # The rule that differs between the two is exercised: desks, and units with and without an agency.
    assert UnitKind.ONE_STOP in kinds and UnitKind.COMMUNE in kinds and UnitKind.DEPARTMENT in kinds
