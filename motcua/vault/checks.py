"""Start-up check: are uploads scanned for viruses? (motcua/vault/clamav.py)"""

from __future__ import annotations

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security)
def virus_scanning(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if settings.CLAMD_ADDRESS:
        return []
    return [
        checks.Warning(
            "Uploaded files are NOT scanned for viruses: CLAMD_ADDRESS is not set.",
            hint="Install ClamAV (Debian: apt-get install clamav-daemon clamav-freshclam), keep its signatures "
            "current with freshclam and set CLAMD_ADDRESS=unix:///run/clamav/clamd.ctl; see docs/operations.md.",
            id="vault.W001",
        )
    ]
