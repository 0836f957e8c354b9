"""Facts about a dossier that the Decision 766 indicators read, kept as plain columns.

The monitoring counters and their rebuild read these instead of parsing the
components JSON of millions of rows.
"""

from __future__ import annotations

# Bits of Dossier.component_sources: where the dossier's components came from.
UPLOAD, VAULT, REGISTRY, PAPER = 1, 2, 4, 8
SOURCE_BITS = {"upload": UPLOAD, "vault": VAULT, "registry": REGISTRY, "paper": PAPER}


def sources_mask(components: list) -> int:
    """The OR of the source bits of every component (0 when there are none)."""
    mask = 0
    for c in components or []:
        if isinstance(c, dict):
            mask |= SOURCE_BITS.get(str(c.get("source", "")), 0)
    return mask
