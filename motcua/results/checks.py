"""A deployment check: a production installation signs results with its authority's key, not the demo one."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def signing_configured(app_configs, **kwargs) -> list[checks.CheckMessage]:
    # The demo e-ID provider switched off is the sign of a real installation (see identity.checks).
    # Either an installation-wide signer, or the demo CA switched off (units' certificates loaded with `motcua pki`).
    if settings.DEMO_IDP_ENABLED or settings.SIGNING_CERT_FILE or not settings.PKI_DEMO:
        return []
    return [
        checks.Warning(
            "Results are signed with a demo certificate authority generated in PKI_DIR (var/pki/).",
            hint="Load each signing unit's certificate with `motcua pki load-unit` and the CA with `motcua pki "
            "load-ca`, then set PKI_DEMO=false (or set SIGNING_KEY_FILE, SIGNING_CERT_FILE and SIGNING_CHAIN_FILES); "
            "see docs/verification.md.",
            id="results.W001",
        )
    ]
