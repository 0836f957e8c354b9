"""The editable settings read once per computation (targets, weights, thresholds, options)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from motcua.lib.memo import StampedMemo
from motcua.monitoring.indicators import DEFAULT_OPTIONS, DEFAULT_TARGETS, INDICATORS, Indicator
from motcua.monitoring.models import IndicatorSetting, Option, Target


@dataclass(frozen=True)
class Config:
    indicators: tuple[Indicator, ...]
    targets: dict[tuple[str, int], float]
    options: dict[str, str]

    def target(self, unit_class: str, year: int) -> float | None:
        """The target set for the year, else the latest one set before it (a target holds until replaced)."""
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
    return Config(indicators, targets, options)


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
