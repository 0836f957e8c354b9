"""A deployment check: without the demo provider, the e-ID login must point somewhere real."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def oidc_issuer_configured(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEMO_IDP_ENABLED or settings.OIDC_ISSUER != f"{settings.PUBLIC_URL}/idp":
        return []
    return [
        checks.Warning(
            "OIDC_ISSUER points at the bundled demo e-ID provider, which DEMO_IDP_ENABLED=false switched off.",
            hint="Set OIDC_ISSUER (and OIDC_CLIENT_ID, OIDC_CLIENT_SECRET) to the national e-ID provider; see docs/identity.md.",
            id="identity.W001",
        )
    ]
