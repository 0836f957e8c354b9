"""`motcua check --deploy` refuses any demo switch left on with DEBUG off."""

from __future__ import annotations

import pytest
from django.core import checks

OFF = {
    "DEBUG": False, "DEMO_IDP_ENABLED": False, "DEMO_REGISTRY_ENABLED": False, "PAYMENT_SANDBOX_ENABLED": False,
    "DEMO_NATIONAL_ENABLED": False, "DEMO_SMS_ENABLED": False,
}


def _ids(include_deployment_checks: bool = True) -> list[str]:
    found = checks.run_checks(include_deployment_checks=include_deployment_checks, tags=[checks.Tags.security])
    return [m.id for m in found if m.id.startswith("ops.")]


@pytest.fixture
def production(settings):
    for name, value in OFF.items():
        setattr(settings, name, value)
    return settings


@pytest.mark.parametrize(
    ("switch", "error"),
    [
        ("DEMO_IDP_ENABLED", "ops.E001"), ("DEMO_REGISTRY_ENABLED", "ops.E002"),
        ("PAYMENT_SANDBOX_ENABLED", "ops.E004"), ("DEMO_SMS_ENABLED", "ops.E005"), ("DEMO_NATIONAL_ENABLED", "ops.E006"),
    ],
)
def test_each_demo_switch_is_an_error_without_debug(production, switch, error):
    setattr(production, switch, True)
    found = [m for m in checks.run_checks(include_deployment_checks=True) if m.id.startswith("ops.")]
    assert [m.id for m in found] == [error]
    assert found[0].level == checks.ERROR and switch in found[0].msg
    # Only `check --deploy` looks: migrate, runserver and the tests are not stopped by it.
    assert _ids(include_deployment_checks=False) == []


def test_a_later_demo_switch_is_caught_by_its_name(production):
    production.DEMO_PAYMENT_GATEWAY_ENABLED = True
    found = [m for m in checks.run_checks(include_deployment_checks=True) if m.id.startswith("ops.")]
    assert [m.id for m in found] == ["ops.E003"] and "DEMO_PAYMENT_GATEWAY_ENABLED" in found[0].msg


def test_every_switch_off_is_clean(production):
    assert _ids() == []


def test_a_demo_with_debug_is_allowed(settings):
    settings.DEBUG = True
    settings.DEMO_IDP_ENABLED = settings.DEMO_REGISTRY_ENABLED = True
    assert _ids() == []


def test_all_on_without_debug_reports_each(production):
    production.DEMO_IDP_ENABLED = production.DEMO_REGISTRY_ENABLED = True
    assert _ids() == ["ops.E001", "ops.E002"]
