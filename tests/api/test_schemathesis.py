"""Schemathesis against /api/v1/openapi.json (issue 20): no 5xx, and no status the OpenAPI does not declare.

A bounded run inside the suite (`make test`): a few generated requests per
operation and per caller (a citizen, a one-stop officer), through the WSGI
application on the test database, with positive and negative data. The
OpenAPI declares the error answers every operation may give (motcua/api/main.py,
ERROR_ANSWERS); the checks hold the API to it.

The stateful phase follows the document's links (motcua/api/links.py): a dossier's code from the list
or a filing to the dossier, its payments and every action on it; a draft to its submission; a petition
to its actions. It starts from a world with something in it (a filed dossier, a draft), runs a bounded
number of short scenarios per caller and asserts that links were really followed, with no 5xx.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from motcua.dossiers import actions
from motcua.drafts import store as drafts
from motcua.identity.models import ApiToken, User
from tests.conftest import BIRTH, BIRTH_COMPONENTS

EXAMPLES = 4  # per operation and caller: ~32 operations × 2 callers × 4 ≈ 250 requests, about a minute
SCENARIOS = 12  # stateful: per caller, each of at most STEPS linked calls
STEPS = 6


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


@schema.include(path_regex="^/api/v1/(catalog/|procedures/)").parametrize()
@BOUNDED
def test_as_a_catalogue_editor_no_5xx_and_every_status_documented(case, demo):
    # The catalogue's operations as their editor (issue 24): generated procedures and drafts reach the checks.
    token = ApiToken.issue(User.objects.get(username="catalog_editor"))
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


# --- stateful: following the links -----------------------------------------------------------------------


class _Walk(schema.as_state_machine()):  # type: ignore[misc]
    """The document's state machine, as one caller, with the same checks; it notes the links it followed."""

    token = ""
    followed: list[tuple[str, int]] = []

    def before_call(self, case):
        # The caller's own token on every step: a generated Authorization header would make most steps 401s.
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {self.token}"}

    def step(self, input):
        output = super().step(input)
        transition = input.transition
        if transition is not None and not transition.is_inferred and input.applied_parameters:
            self.followed.append((transition.id, output.response.status_code))
        return output

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs or None, recorder=self.recorder)


@pytest.fixture
def filed(demo) -> str:
    """Something to follow links to: a birth registration filed at An Bình by the citizen, and a draft."""
    citizen = User.objects.get(username="citizen")
    dossier = actions.submit(citizen, "1.001193", dict(BIRTH), components=list(BIRTH_COMPONENTS))
    drafts.start(citizen, "1.001193", data=dict(BIRTH))
    return dossier.code


@pytest.mark.parametrize("username", ["citizen", "onestop_anbinh"])
def test_the_stateful_phase_follows_the_links_with_no_5xx(filed, username):
    walk = type("Walk", (_Walk,), {"token": ApiToken.issue(User.objects.get(username=username)), "followed": []})
    walk.run(settings=settings(
        max_examples=SCENARIOS, stateful_step_count=STEPS, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck),
    ))
    followed = {link for link, _status in walk.followed}
    # Links from the document were taken, and some reached a real object: not a 404 (a 409 or 422 from an
    # action on the filed dossier in a state that refuses it is reaching it).
    assert followed, "no link of the OpenAPI document was followed"
    assert any(status not in (401, 404) for _link, status in walk.followed), walk.followed
