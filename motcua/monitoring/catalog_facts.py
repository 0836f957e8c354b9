"""What the catalogue says about a unit's subtree: its procedures (by kind) and its communes.

Used by the indicators that count procedures or communes rather than dossiers
(3.1, 3.2, 4.5a, 4.6, G4 B and C). Computed once for the whole tree and kept
until a unit or a procedure version is added: the key is read from the database
(two aggregates) at every call, so every process sees a change at once. The
facts are kept in the process (a dashboard reads them several times a page,
and unpickling them at every read would cost more than the page) and in
Django's cache under that key, so that with a shared cache (CACHE_URL) a
process that has not computed them yet takes them from there (one unpickling)
instead of walking the catalogue again.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Max

from motcua.catalog.fees import charges
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.catalog.search import implementing_units
from motcua.monitoring.counters import ancestors
from motcua.units.models import Unit, UnitKind


@dataclass
class Facts:
    authority: dict[int, set[int]] = field(default_factory=dict)  # unit id → procedure ids implemented in its subtree
    online_service: set[int] = field(default_factory=set)  # procedures offered online (full or partial)
    fee: set[int] = field(default_factory=set)  # procedures with a fee in the catalogue
    citizen: set[int] = field(default_factory=set)  # procedures for citizens
    communes: dict[int, int] = field(default_factory=dict)  # unit id → communes in its subtree
    certified_copy: dict[int, int] = field(default_factory=dict)  # unit id → communes offering e-certified copies
    names: dict[int, tuple[str, dict]] = field(default_factory=dict)  # procedure id → (code, names)


log = logging.getLogger(__name__)
CACHE_SECONDS = 24 * 3600  # a key no process asks for any more (the catalogue changed) goes after a day

_memo: tuple[tuple, Facts] | None = None  # (key, facts) of this process


def _has_fee(definition: dict, standard: int) -> bool:
    # Every table: the one at the top of `fees`, or each of its `charges` (catalog/fees.py).
    tables = charges(definition.get("fees"))
    amounts = [r.get("amount", 0) for t in tables for r in t.get("rules", []) + t.get("extras", []) if isinstance(r, dict)]
    return standard > 0 or any(isinstance(a, int) and a > 0 for a in amounts)


def _for_citizens(definition: dict) -> bool:
    subjects = definition.get("subjects")
    return not subjects or "citizen" in subjects


def facts(certified_copy_codes: set[str]) -> Facts:
    global _memo
    key = (
        tuple(Unit.objects.aggregate(n=Count("id"), m=Max("id")).values()),
        ProcedureVersion.objects.aggregate(m=Max("id"))["m"],
        tuple(sorted(certified_copy_codes)),
    )
    memo = _memo
    if memo is not None and memo[0] == key:
        return memo[1]
    cache_key = "catalog-facts:" + hashlib.sha256(repr(key).encode()).hexdigest()[:32]
    try:
        found = cache.get(cache_key)
    except Exception:  # the cache is an optimisation: computed here instead
        log.warning("cache unavailable for the catalogue facts", exc_info=True)
        found = None
    if not isinstance(found, Facts):
        found = _compute(certified_copy_codes)
        try:
            cache.set(cache_key, found, CACHE_SECONDS)
        except Exception:
            log.warning("cache unavailable: the catalogue facts were not shared", exc_info=True)
    _memo = (key, found)
    return found


def _compute(certified_copy_codes: set[str]) -> Facts:
    result = Facts()
    paths = dict(Unit.objects.values_list("id", "path"))
    for procedure in Procedure.objects.filter(active=True, current__isnull=False).select_related("current"):
        result.names[procedure.pk] = (procedure.code, procedure.names)
        definition = procedure.current.definition
        implementing = list(implementing_units(procedure).values_list("id", "kind"))
        for unit_pk, _kind in implementing:
            for a in ancestors(paths[unit_pk]):
                result.authority.setdefault(a, set()).add(procedure.pk)
        if procedure.service_mode in ("full", "partial"):
            result.online_service.add(procedure.pk)
            if procedure.code in certified_copy_codes:
                for unit_id, kind in implementing:
                    if kind == UnitKind.COMMUNE:
                        for a in ancestors(paths[unit_id]):
                            result.certified_copy[a] = result.certified_copy.get(a, 0) + 1
        if _has_fee(definition, procedure.fee):
            result.fee.add(procedure.pk)
        if _for_citizens(definition):
            result.citizen.add(procedure.pk)
    for path in Unit.objects.filter(kind=UnitKind.COMMUNE).values_list("path", flat=True):
        for a in ancestors(path):
            result.communes[a] = result.communes.get(a, 0) + 1
    return result
