"""Schemathesis against /api/v1/openapi.json (issue 20): no 5xx, and no status the OpenAPI does not declare.

A bounded run inside the suite (`make test`): a few generated requests per
operation and per caller (a citizen, a one-stop officer), through the WSGI
application on the test database, with positive and negative data. The
OpenAPI declares the error answers every operation may give (motcua/api/main.py,
ERROR_ANSWERS); the checks hold the API to it.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from motcua.identity.models import ApiToken, User

EXAMPLES = 4  # per operation and caller: ~32 operations × 2 callers × 4 ≈ 250 requests, about a minute


def _load():
    from django.core.handlers.wsgi import WSGIHandler

    from motcua.api.main import api

    built: list[WSGIHandler] = []

    def application(environ, start_response):
        # Built at the first request, inside a test: its middleware reads the test's settings (plain HTTP);
        # not motcua.wsgi, which loads the catalog into the database when imported.
        if not built:
            built.append(WSGIHandler())
        return built[0](environ, start_response)

    # The document /api/v1/openapi.json serves, built without a request (collection has no database);
    # the generated requests go to the WSGI application.
    loaded = schemathesis.openapi.from_dict(json.loads(json.dumps(api.get_openapi_schema(), default=str)))
    loaded.app = application
    return loaded


schema = _load()


@pytest.fixture(autouse=True)
def _keep_the_test_connection(demo):
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    # As Django's test client does: a request must not close the test's connection (and its transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def citizen_token(demo) -> str:
    return ApiToken.issue(User.objects.get(username="citizen"))


@pytest.fixture
def officer_token(demo) -> str:
    return ApiToken.issue(User.objects.get(username="onestop_anbinh"))


BOUNDED = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
CHECKS = [not_a_server_error, status_code_conformance]


@schema.parametrize()
@BOUNDED
def test_as_a_citizen_no_5xx_and_every_status_documented(case, citizen_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {citizen_token}"}, checks=CHECKS)


@schema.parametrize()
@BOUNDED
def test_as_an_officer_no_5xx_and_every_status_documented(case, officer_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {officer_token}"}, checks=CHECKS)
