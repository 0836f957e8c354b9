"""How a dossier's time was spent: each unit's share, from its tasks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from motcua.dossiers import deadlines
from motcua.dossiers.models import Dossier, Task, TaskStatus
from motcua.lib.workdays import working_time
from motcua.units.models import Unit


@dataclass
class UnitShare:
    unit: Unit
    days_allowed: float
    days_used: float


def unit_shares(dossier: Dossier, tasks: Iterable[Task]) -> list[UnitShare]:
    """Per unit: the working days its steps were given, and those they took (open steps: until now)."""
    calendar = deadlines.calendar(dossier.unit)
    tz = ZoneInfo(settings.TIME_ZONE)
    now = timezone.now()
    shares: dict[int, UnitShare] = {}
    for task in tasks:
        if task.status in (TaskStatus.SKIPPED, TaskStatus.CANCELLED) and task.opened_at is None:
            continue
        share = shares.setdefault(task.unit_id, UnitShare(task.unit, 0.0, 0.0))
        share.days_allowed += task.days
        if task.opened_at is not None:
            share.days_used += working_time(calendar, task.opened_at, task.done_at or now, tz)
    return list(shares.values())
