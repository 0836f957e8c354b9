"""Project 06's essential services walked to their results, share 2 of `project_06.SHARES` (tests/catalog/project_06.py)."""

import pytest

from tests.catalog import project_06

WALKS = project_06.share(1)


@pytest.mark.parametrize("walk", WALKS, ids=[project_06.label(w) for w in WALKS])
def test_each_essential_service_walks_to_its_result(demo, walk):
    project_06.walk_to_the_result(walk)
