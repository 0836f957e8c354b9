"""Facts about a dossier that the Decision 766 indicators read, kept as plain columns.

The monitoring counters and their rebuild read these instead of parsing the
components JSON of millions of rows. What each indicator makes of them is
KPI-766.md §5 "Decided readings" (monitoring/contributions.py).
"""

from __future__ import annotations

from collections.abc import Iterable

# Bits of Dossier.component_sources: where the dossier's components (and prefilled data) came from.
UPLOAD = 1  # a file the applicant uploaded
VAULT = 2  # a document reused from the applicant's vault
REGISTRY = 4  # a component a registry holds (read for this dossier or not: electronic either way)
PAPER = 8  # a component kept on paper only (not scanned at the counter)
REGISTRY_READ = 16  # a component actually read from a registry for this dossier (§5.5)
POPULATION = 32  # a component read from the population registry (§5.7)
POPULATION_PREFILL = 64  # form fields filled from the population registry at filing (§5.7)
SCANNED = 128  # a paper component scanned at the counter and marked digitized (§5.4)
SOURCE_BITS = {"upload": UPLOAD, "vault": VAULT, "registry": REGISTRY, "paper": PAPER}
POPULATION_REGISTRY = "population"


def _bits(c: dict) -> int:
    source = str(c.get("source", ""))
    if source == "paper":
        return SCANNED if c.get("digitized") is True else PAPER
    bits = SOURCE_BITS.get(source, 0)
    if source == "registry" and c.get("looked_up_at") and c.get("found") is True:
        bits |= REGISTRY_READ
        if c.get("registry") == POPULATION_REGISTRY:
            bits |= POPULATION
    return bits


def sources_mask(components: list, prefilled_from: Iterable[str] = ()) -> int:
    """The OR of the source bits of every component (0 when there are none).

    `prefilled_from`: the registries the form's fields were filled from at filing
    (the submit event's `registry_fields` values).
    """
    mask = 0
    for c in components or []:
        if isinstance(c, dict):
            mask |= _bits(c)
    if POPULATION_REGISTRY in set(prefilled_from):
        mask |= POPULATION_PREFILL
    return mask


def kept_bits(previous: int) -> int:
    """The bits an action that changes components keeps: what filing alone knows (the prefill)."""
    return previous & POPULATION_PREFILL
