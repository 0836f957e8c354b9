"""The KPI counters equal the rebuild after random histories, share 3 of `kpi_histories.SHARES` (tests/monitoring/kpi_histories.py)."""

import pytest

from tests.dossiers.test_lifecycle_properties import frozen_clock as frozen_clock  # the fixture, shared
from tests.monitoring import kpi_histories


@pytest.mark.parametrize(("name", "compare"), kpi_histories.share(2))
def test_counters_equal_the_rebuild_after_random_histories(demo, unsigned_results, frozen_clock, name, compare):
    kpi_histories.run_random_histories(name, compare)
