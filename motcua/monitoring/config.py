"""The editable settings read once per computation (targets, weights, thresholds, options)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from motcua.lib.memo import StampedMemo
from motcua.monitoring.indicators import DEFAULT_OPTIONS, DEFAULT_TARGETS, INDICATORS, Indicator
from motcua.monitoring.models import IndicatorSetting, Option, Target, UnitTarget
from motcua.units.models import path_ids


@dataclass(frozen=True)
class Config:
    indicators: tuple[Indicator, ...]
    targets: dict[tuple[str, int], float]
    options: dict[str, str]

    # (unit id, year) → rate: the units' own targets (UnitTarget), set by their administrators.
    unit_targets: dict[tuple[int, int], float] = field(default_factory=dict)

    def target(self, unit_class: str, year: int, unit_path: str = "") -> float | None:
        """The target set for the year, else the latest one set before it (a target holds until replaced).

        With `unit_path` (the unit's materialized path): the unit's own target, else its nearest
        ancestor's, before the class's.
        """
        for unit_id in reversed(path_ids(unit_path)):
            years = [y for (u, y) in self.unit_targets if u == unit_id and y <= year]
            if years:
                return self.unit_targets[(unit_id, max(years))]
        years = [y for (c, y) in self.targets if c == unit_class and y <= year]
        return self.targets[(unit_class, max(years))] if years else None

    @property
    def by_date(self) -> bool:
        return self.options.get("deadline_compare") == "date"

    @property
    def certified_copy_codes(self) -> set[str]:
        return {c.strip() for c in self.options.get("certified_copy_procedures", "").split(",") if c.strip()}


def load() -> Config:
    settings = {s.code: s for s in IndicatorSetting.objects.all()}
    indicators = tuple(
        replace(i, max_points=s.max_points, threshold=s.threshold, when_no_data=s.when_no_data)
        if (s := settings.get(i.code)) else i
        for i in INDICATORS
    )
    targets = dict(DEFAULT_TARGETS)
    targets.update({(t.unit_class, t.year): t.rate for t in Target.objects.all()})
    options = dict(DEFAULT_OPTIONS)
    options.update(dict(Option.objects.values_list("key", "value")))
    unit_targets = {(unit_id, year): rate for unit_id, year, rate in UnitTarget.objects.values_list("unit_id", "year", "rate")}
    return Config(indicators, targets, options, unit_targets)


def _read_deadline_by_date() -> bool:
    value = Option.objects.filter(key="deadline_compare").values_list("value", flat=True).first()
    return (value or DEFAULT_OPTIONS["deadline_compare"]) == "date"


# No time limit: kept until an Option is saved or deleted (apps.py), in every process when the
# cache is shared (CACHE_URL), else in the process that saved it (restart the others).
_by_date: StampedMemo[bool] = StampedMemo("kpi-deadline-compare", _read_deadline_by_date, timeout=None)


def deadline_by_date() -> bool:
    """Read on every dossier action: cached, and forgotten when an Option is saved (apps.py)."""
    return _by_date.get()


def forget(**kwargs) -> None:
    _by_date.forget()
