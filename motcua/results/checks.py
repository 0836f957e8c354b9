"""A deployment check: a production installation signs results with its authority's key, not the demo one."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def signing_configured(app_configs, **kwargs) -> list[checks.CheckMessage]:
    # The demo e-ID provider switched off is the sign of a real installation (see identity.checks).
    if settings.DEMO_IDP_ENABLED or settings.SIGNING_CERT_FILE:
        return []
    return [
        checks.Warning(
            "Results are signed with a demo certificate authority generated in var/signing/.",
            hint="Set SIGNING_KEY_FILE, SIGNING_CERT_FILE and SIGNING_CHAIN_FILES to the issuing authority's "
            "key and certificates; see docs/operations.md.",
            id="results.W001",
        )
    ]
