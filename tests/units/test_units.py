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
