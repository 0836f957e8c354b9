"""The authorization matrix, API operations, share 2 of `matrix.API_SHARES` (tests/security/matrix.py)."""

from tests.security import matrix


def test_api_operations_answer_each_role_as_the_table_says(world):
    matrix.check(matrix.api_share(1), world)
