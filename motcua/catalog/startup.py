"""Loading the shipped catalog when a web process starts."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError

from motcua.catalog import vocab
from motcua.catalog.loader import DefinitionError, load_paths

log = logging.getLogger(__name__)


def load_shipped_catalog() -> None:
    """Bring PROCEDURES_DIR into the database; a broken definition is logged, never half-loaded.

    A broken catalog (CATALOG_DIRS) stops the process here (ImproperlyConfigured, with every
    problem): pages and checks would otherwise fail on it one request at a time.
    """
    vocab.current()
    if not settings.CATALOG_LOAD_ON_START or not settings.PROCEDURES_DIR.is_dir():
        return
    try:
        outcomes = load_paths([settings.PROCEDURES_DIR])
    except DefinitionError as exc:
        log.error("procedure catalog not loaded:\n%s", exc)
        return
    except DatabaseError as exc:  # e.g. before the first `migrate`
        log.warning("procedure catalog not loaded: %s", exc)
        return
    changed = [o for o in outcomes if o.created]
    log.info("procedure catalog: %d definitions, %d new versions", len(outcomes), len(changed))
