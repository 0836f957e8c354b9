"""The authorization matrix's completeness: every endpoint has a line, every API route is in the OpenAPI
document, and the shares the cells are asked in (test_authorization_matrix_*.py) cover every endpoint once.

The machinery and the world are in tests/security/matrix.py, the expected answers in authz_table.py.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.security import authz, authz_table
from tests.security.matrix import (
    API_SHARES,
    PAGE_SHARES,
    PARAM,
    api_endpoints,
    api_share,
    line_of,
    page_endpoints,
    page_share,
)


def test_every_endpoint_has_a_line():
    missing = [e.key for e in page_endpoints() + api_endpoints() if line_of(e.key) is None]
    assert not missing, (
        "endpoints without a line in tests/security/authz_table.py (add one per endpoint, saying who may do what;"
        " AUTHZ_DISCOVER=1 prints what each role gets): " + ", ".join(sorted(missing))
    )
    stale = sorted((set(authz_table.PAGES) | set(authz_table.API) | set(authz_table.API_OUTSIDE_SCHEMA))
                   - {e.key for e in page_endpoints() + api_endpoints()} - {"admin:*"})
    assert not stale, f"lines in authz_table.py for endpoints that no longer exist: {stale}"


def test_every_api_route_is_in_the_openapi_document():
    paths = {e.path_template for e in api_endpoints()}
    for route in authz.api_routes():
        as_openapi = "/" + PARAM.sub(lambda m: "{" + m["name"] + "}", route)
        if route.rstrip("/") in ("api/v1", "api/v1/openapi.json", "api/v1/docs"):
            continue
        assert as_openapi in paths, (
            f"{route}: an API route outside the OpenAPI document escapes the matrix"
        )


def test_the_shares_ask_every_endpoint_once():
    for endpoints, part_of, parts in ((page_endpoints(), page_share, PAGE_SHARES), (api_endpoints(), api_share, API_SHARES)):
        asked = Counter(e for part in range(parts) for e in part_of(part))
        assert set(asked) == set(endpoints) and set(asked.values()) == {1}
    # A module per share, each asking its own (matrix.PAGE_SHARES and API_SHARES say how many there are).
    for kind, parts in (("pages", PAGE_SHARES), ("api", API_SHARES)):
        found = sorted(p.name for p in Path(__file__).parent.glob(f"test_authorization_matrix_{kind}_*.py"))
        assert found == sorted(f"test_authorization_matrix_{kind}_{i}.py" for i in range(1, parts + 1))
        for i in range(1, parts + 1):
            source = (Path(__file__).parent / f"test_authorization_matrix_{kind}_{i}.py").read_text()
            assert f"{kind.replace('pages', 'page')}_share({i - 1})" in source
