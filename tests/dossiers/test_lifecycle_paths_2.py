"""Every shipped procedure × every path of a dossier's life, share 2 of `lifecycle_paths.SHARES` (tests/dossiers/lifecycle_paths.py)."""

import pytest

from tests.dossiers import lifecycle_paths


@pytest.mark.parametrize(("path", "name"), lifecycle_paths.share(1))
def test_each_path_of_a_dossiers_life(request, demo, path, name):
    lifecycle_paths.walk(request, path, name)
