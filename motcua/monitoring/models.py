"""KPI counters and the settings an administrator edits (targets, weights, thresholds).

Counters are additive: one row per (unit, procedure, day) holds, for every
column, how many dossiers of that procedure count for that unit on that day.
A dossier counts for its own unit and every ancestor (rolled up when written),
and for the whole country (unit 0), so "a unit pooled over its subtree" is an
indexed range read of one unit id. The same counts by month make a year twelve
rows per procedure. What each column means is in monitoring/contributions.py.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

NATIONAL = 0  # the unit id of the whole country in the counter tables

# The counted columns, in a fixed order (SQL and Python share it).
COLUMNS = (
    "received",  # dossiers received (received class: statuses 2, 4–10), by receipt day
    "online",  # … of them submitted online (channel 2)
    "full_eligible",  # … of a procedure eligible for full-process online service
    "full_online",  # … eligible, online: the headline's numerator
    "fee_bearing",  # … with a fee > 0
    "paid_online",  # … fee-bearing and paid online (1 national platform, 2 local gateway)
    "digitized",  # … whose components are all electronic, with the e-result issued (§5.4)
    "reused",  # … with a component from the vault or actually read from a registry (§5.5)
    "vault",  # … with a vault document, or whose e-result went into the applicant's vault (§5.6)
    "citizen_data",  # … with e-ID authentication, vault or population-registry data (§5.7)
    "ended",  # received dossiers that reached an end state, by end day
    "ended_on_time",  # … on time by the legal due date (§5.1)
    "ended_satisfied",  # … on time and not rated "dissatisfied" by the applicant (5.4)
    "finished",  # dossiers processed (9, 10), by finishing day
    "finished_e_result",  # … with an electronic result
    "open_in_time_ends",  # received dossiers, by the first day at whose end they are ended or past their legal due date (§5.2)
)


class CounterBase(models.Model):
    unit_id = models.IntegerField()  # a units.Unit id, or NATIONAL; no foreign key: 0 is not a unit
    procedure_id = models.IntegerField()
    received = models.IntegerField(default=0)
    online = models.IntegerField(default=0)
    full_eligible = models.IntegerField(default=0)
    full_online = models.IntegerField(default=0)
    fee_bearing = models.IntegerField(default=0)
    paid_online = models.IntegerField(default=0)
    digitized = models.IntegerField(default=0)
    reused = models.IntegerField(default=0)
    vault = models.IntegerField(default=0)
    citizen_data = models.IntegerField(default=0)
    ended = models.IntegerField(default=0)
    ended_on_time = models.IntegerField(default=0)
    ended_satisfied = models.IntegerField(default=0)
    finished = models.IntegerField(default=0)
    finished_e_result = models.IntegerField(default=0)
    open_in_time_ends = models.IntegerField(default=0)

    class Meta:
        abstract = True


class DailyCounter(CounterBase):
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit_id", "day", "procedure_id"], name="kpi_daily_key")]


class MonthlyCounter(CounterBase):
    month = models.DateField()  # the first day of the month

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit_id", "month", "procedure_id"], name="kpi_monthly_key")]


class OpenCounter(models.Model):
    """Received dossiers not yet ended, by the day their deadline passes (for progress to date).

    `due_day` is the local date of the promise; two sentinels hold dossiers whose
    verdict is already fixed (see contributions.open_key).
    """

    unit_id = models.IntegerField()
    procedure_id = models.IntegerField()
    due_day = models.DateField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit_id", "due_day", "procedure_id"], name="kpi_open_key")]


# --- what an administrator edits ---------------------------------------------------------------


class NoData(models.TextChoices):
    NULL = "null", _("Không có dữ liệu")
    ZERO = "zero", _("Tính 0 điểm")
    FULL = "full", _("Tính đủ điểm")


class IndicatorSetting(models.Model):
    """The points, threshold and zero-denominator rule of one indicator (defaults from KPI-766.md)."""

    code = models.CharField(_("mã chỉ số"), max_length=48, unique=True)
    max_points = models.FloatField(_("điểm tối đa"))
    threshold = models.FloatField(_("ngưỡng đạt điểm tối đa"), default=1.0,
                                  help_text=_("điểm = tối đa × min(1, tỷ lệ / ngưỡng)"))
    when_no_data = models.CharField(_("khi mẫu số bằng 0"), max_length=8, choices=NoData.choices, default=NoData.NULL)
    published = models.BooleanField(_("công khai"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("cấu hình chỉ số")
        verbose_name_plural = _("cấu hình chỉ số")

    def __str__(self) -> str:
        return self.code


class UnitClass(models.TextChoices):
    MINISTRY = "ministry", _("Bộ, ngành")
    LOCALITY = "locality", _("Địa phương")


class Target(models.Model):
    """The full-process online rate a unit class must reach in a year (percent)."""

    unit_class = models.CharField(_("khối"), max_length=16, choices=UnitClass.choices)
    year = models.PositiveSmallIntegerField(_("năm"))
    rate = models.FloatField(_("chỉ tiêu (%)"))

    class Meta:
        ordering = ["year", "unit_class"]
        constraints = [models.UniqueConstraint(fields=["unit_class", "year"], name="kpi_target_key")]
        verbose_name = _("chỉ tiêu tỷ lệ toàn trình")
        verbose_name_plural = _("chỉ tiêu tỷ lệ toàn trình")

    def __str__(self) -> str:
        return f"{self.unit_class} {self.year}: {self.rate}%"


class Option(models.Model):
    """A named policy choice the spec leaves open ([U]); see monitoring/config.py for the keys."""

    key = models.CharField(max_length=48, unique=True)
    value = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("tùy chọn đo lường")
        verbose_name_plural = _("tùy chọn đo lường")

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class ExternalFigure(models.Model):
    """A numerator/denominator from outside motcua (publication of procedures, sync, petitions), per unit and month."""

    indicator = models.CharField(_("mã chỉ số"), max_length=48)
    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+", verbose_name=_("đơn vị"))
    month = models.DateField(_("tháng"), help_text=_("ngày đầu tháng"))
    numerator = models.PositiveIntegerField(_("tử số"))
    denominator = models.PositiveIntegerField(_("mẫu số"))
    note = models.CharField(_("nguồn"), max_length=200, blank=True)

    class Meta:
        ordering = ["month", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "unit", "month"], name="kpi_external_key"),
            models.CheckConstraint(condition=models.Q(numerator__lte=models.F("denominator")), name="kpi_external_ratio"),
        ]
        indexes = [models.Index(fields=["month", "indicator"])]
        verbose_name = _("số liệu ngoài hệ thống")
        verbose_name_plural = _("số liệu ngoài hệ thống")

    def __str__(self) -> str:
        return f"{self.indicator} {self.unit_id} {self.month:%Y-%m}"


class UnitTarget(models.Model):
    """A unit's own full-process online target for a year (percent), set by its administrator.

    Above the class targets (Target): the headline of a unit reads its own target, else its
    nearest ancestor's, else its class's (config.Config.target); like those, a target holds
    for later years until replaced. Written by backoffice/unit_admin.py, audited there.
    """

    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+", verbose_name=_("đơn vị"))
    year = models.PositiveSmallIntegerField(_("năm"))
    rate = models.FloatField(_("chỉ tiêu (%)"))

    class Meta:
        ordering = ["unit", "year"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="kpi_unit_target_key"),
            models.CheckConstraint(condition=models.Q(rate__gte=0, rate__lte=100), name="kpi_unit_target_range"),
        ]
        verbose_name = _("chỉ tiêu của đơn vị")
        verbose_name_plural = _("chỉ tiêu của đơn vị")

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}: {self.rate}%"


# The petitions' counters (indicators 5.2, 5.3) live in their own module.
from motcua.monitoring.petition_models import PetitionCounter, PetitionOpenCounter  # noqa: E402, F401
