"""Are uploads scanned for viruses? (motcua/vault/clamav.py)

`check --deploy` warns (vault.W001), and so does the web process when it starts
(motcua/wsgi.py: gunicorn and runserver alike), in its log. Not an ordinary
check: every management command would print it on the embedded default.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
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


def warn_if_unscanned() -> None:
    if not settings.CLAMD_ADDRESS:
        logging.getLogger("motcua.vault").warning(
            "Uploaded files are NOT scanned for viruses: CLAMD_ADDRESS is not set (see docs/operations.md)."
        )
