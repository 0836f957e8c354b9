"""The national field set of a dossier at one change (DESIGN.md §2, KPI-766.md §1.2)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from motcua.dossiers import facts

# Electronic components: uploaded, reused from the vault, held by a registry, scanned at the counter.
ELECTRONIC = facts.UPLOAD | facts.VAULT | facts.REGISTRY | facts.SCANNED
REUSED = facts.VAULT | facts.REGISTRY_READ | facts.POPULATION_PREFILL


def _iso(t) -> str | None:
    # Always UTC: a moment just computed carries the unit's local offset, the same one read back from the
    # database UTC; the portal gets one form for both.
    return t.astimezone(UTC).isoformat() if t is not None else None


def national_fields(d) -> dict[str, Any]:
    sources = d.component_sources
    result = d.status in (9, 10) and d.finished_at is not None
    return {
        "code": d.code,
        "procedure_code": d.procedure.code,
        "receiving_unit": d.unit.code,
        "channel": d.channel,
        "status": d.status,
        "submitted_at": _iso(d.submitted_at),
        "received_at": _iso(d.received_at),
        "due_at": _iso(d.due_at),
        "finished_at": _iso(d.finished_at),
        "eid_authenticated": bool(d.vneid_auth),
        "paid_online": d.paid_online if d.paid_online in (1, 2) else 0,
        "result_attached": result,
        "digitized_components": bool(sources & ELECTRONIC) and not sources & facts.PAPER,
        "reused_data": bool(sources & REUSED),
    }
