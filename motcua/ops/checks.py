"""A deployment check: nothing of the demo may run in production.

The demo switches (DEMO_IDP_ENABLED, DEMO_REGISTRY_ENABLED, PAYMENT_SANDBOX_ENABLED,
and any later DEMO_<NAME>_ENABLED) default to on, so that `make
demo` needs no configuration. With DEBUG off they would let anyone sign in as a
demo citizen, or fill a real dossier from made-up registry data: `motcua check
--deploy` then fails. A run that really is a demo says so with DEBUG=true.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core import checks

DEMO_SWITCH = re.compile(r"^DEMO_[A-Z0-9_]+_ENABLED$")
# Stable ids for the switches that exist; any other DEMO_*_ENABLED is ops.E003 (its name in the message).
IDS = {
    "DEMO_IDP_ENABLED": "ops.E001", "DEMO_REGISTRY_ENABLED": "ops.E002",
    "PAYMENT_SANDBOX_ENABLED": "ops.E004", "DEMO_SMS_ENABLED": "ops.E005",
    "DEMO_NATIONAL_ENABLED": "ops.E006",
}
# Demo switches named otherwise: the bundled sandbox payment gateway (anyone could "pay" a fee on it). The demo
# CA (PKI_DEMO) is the results room's own check, results.W001.
OTHER_SWITCHES = ("PAYMENT_SANDBOX_ENABLED",)
HINTS = {
    "DEMO_IDP_ENABLED": "Set DEMO_IDP_ENABLED=false and point OIDC_ISSUER at the national e-ID; see docs/identity.md.",
    "DEMO_REGISTRY_ENABLED": "Set DEMO_REGISTRY_ENABLED=false and REGISTRY_<CODE>_URL for the real registries; "
    "see docs/operations.md.",
    "DEMO_SMS_ENABLED": "Set DEMO_SMS_ENABLED=false and SMS_PROVIDER=http with SMS_HTTP_URL for the real SMS "
    "provider; see docs/notifications.md.",
    "DEMO_NATIONAL_ENABLED": "Set DEMO_NATIONAL_ENABLED=false and NATIONAL_SYNC_URL to the national portal; "
    "see docs/operations.md.",
    "PAYMENT_SANDBOX_ENABLED": "Set PAYMENT_SANDBOX_ENABLED=false and configure the real gateway (PAYMENT_GATEWAY, "
    "VNPAY_*); see docs/payments.md.",
}


@checks.register(checks.Tags.security, deploy=True)
def no_demo_in_production(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return []
    return [
        checks.Error(
            f"{name} is on while DEBUG is off: a demo feature would run in production.",
            hint=HINTS.get(name, f"Set {name}=false (or DEBUG=true for a demo); see docs/operations.md."),
            id=IDS.get(name, "ops.E003"),
        )
        for name in sorted({n for n in dir(settings) if DEMO_SWITCH.match(n)} | set(OTHER_SWITCHES))  # a set:
        if getattr(settings, name, False)  # overridden settings are listed twice by dir()
    ]
