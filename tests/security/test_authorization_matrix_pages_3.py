"""The authorization matrix, page patterns, share 3 of `matrix.PAGE_SHARES` (tests/security/matrix.py)."""

from tests.security import matrix


def test_pages_answer_each_role_as_the_table_says(world):
    matrix.check(matrix.page_share(2), world)
