from __future__ import annotations

import pytest

from tests.security import matrix


@pytest.fixture
def world(demo, settings):
    """The authorization matrix's world (tests/security/matrix.py, `build_world`): the page clients and API tokens
    of the 14 roles, and the two dossiers' parameters."""
    return matrix.build_world(settings)
