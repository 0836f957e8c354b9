"""A dossier's fee and time from its procedure version: what the filing unit, the day and the channel choose.

The fee rules (catalog/fees.py) may carry a province's or unit's own table for a period, and the
processing time may depend on the channel or the form (catalog/timing.py); both are decided from
the dossier's facts here, so filing, the payment's lines and the pages agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.utils import timezone

from motcua.catalog import timing
from motcua.catalog.fees import FeeQuote, quote
from motcua.dossiers.models import Dossier
from motcua.units.models import Unit


def fee_context(fees: Mapping[str, Any] | None, unit: Unit | None, channel: int, day: date) -> dict:
    """What fee rules read besides the form: the channel, the day and (for local tables) the unit's line."""
    context: dict = {"channel": channel, "day": day}
    if unit is not None and (fees or {}).get("local"):
        # Only a procedure with local tables pays for this query; the nearest unit's table wins.
        codes = dict(Unit.objects.filter(pk__in=unit.ancestor_ids).values_list("pk", "code"))
        context["units"] = [codes[pk] for pk in reversed(unit.ancestor_ids) if pk in codes]
    return context


def quote_for(definition: Mapping[str, Any], data: Mapping[str, Any], unit: Unit | None, channel: int,
              day: date) -> FeeQuote:
    fees = definition.get("fees")
    return quote(fees, data, fee_context(fees, unit, channel, day))


def dossier_quote(dossier: Dossier) -> FeeQuote:
    """The fee of a dossier as it was at filing (the day of filing chooses the local table in force)."""
    return quote_for(dossier.procedure_version.definition, dossier.data, dossier.unit, dossier.channel,
                     timezone.localdate(dossier.submitted_at))


def processing_days(dossier: Dossier) -> int:
    """The dossier's legal time in working days: the procedure's alternative that holds, or its default."""
    return timing.processing_days(dossier.procedure_version.definition, dossier.data, {"channel": dossier.channel})
