"""Where the time of finished dossiers went, and the lateness risk of open ones: tables built in batch.

Written only by `insights/build.py` and `insights/risk.py` (from `motcua insights build` / `score`
and the scheduled `refresh_insights`), never by a request: a leader's page reads them, the
dossiers' own rows are not touched. Every duration is in working days of the dossier's unit's
calendar, with the time spent waiting for the applicant (supplement rounds, when the legal
clock stops) taken out of the step it fell in.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DossierTrace(models.Model):
    """One finished dossier (processed, returned or stopped), as the insights read it."""

    dossier = models.OneToOneField("dossiers.Dossier", on_delete=models.CASCADE, primary_key=True, related_name="trace")
    # No index of their own: (procedure, ended_on) and (unit, ended_on) below begin with them (one index
    # less to build for millions of rows, insights/sqlbuild.py).
    procedure = models.ForeignKey("catalog.Procedure", on_delete=models.CASCADE, related_name="+", db_index=False)
    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)  # the receiving unit
    ended_at = models.DateTimeField()
    ended_on = models.DateField()  # local day: the period filter
    late = models.BooleanField()  # ended after its legal due date (KPI-766.md §5.1)
    total_days = models.FloatField()  # receipt → end, without the applicant's time
    applicant_days = models.FloatField(default=0)  # waiting for the applicant (supplement rounds)
    payment_days = models.FloatField(default=0)  # waiting for payment (status 6)
    transfer_days = models.FloatField(default=0)  # between agencies: a transferred step waiting to be taken
    path = models.CharField(max_length=500)  # the steps done, in order, " → " between them
    late_step = models.CharField(max_length=64, blank=True, default="")  # the step that overran most, if late
    # No index: no query filters the traces by it (the page and the rollups group by it), and a unit that did steps
    # cannot be deleted (its tasks protect it), so the SET NULL finds nothing; one index less to build in a rebuild.
    late_unit = models.ForeignKey("units.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                  db_index=False)

    class Meta:
        indexes = [
            models.Index(fields=["procedure", "ended_on"], name="trace_procedure_day"),
            models.Index(fields=["unit", "ended_on"], name="trace_unit_day"),
        ]


class StepTime(models.Model):
    """One step done of a finished dossier: how long it took and how long was left from it to the end."""

    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="+")
    # Indexed by (procedure, ended_on) and (dossier_unit, ended_on) below, not on their own.
    procedure = models.ForeignKey("catalog.Procedure", on_delete=models.CASCADE, related_name="+", db_index=False)
    dossier_unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)  # scope
    # The unit that did it. No index: no query filters the step rows by it (the pages by the dossier's unit), and a
    # unit that did steps cannot be deleted (its tasks protect it), so the cascade finds nothing; 2.2 s of CPU per
    # million dossiers less in a rebuild (insights/sqlbuild.py).
    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)
    step = models.CharField(max_length=64)
    ended_at = models.DateTimeField()  # the dossier's end (history "before a date" for the back-test)
    ended_on = models.DateField()
    days = models.FloatField()  # opened → done
    allowed = models.FloatField()  # the step's share of the deadline
    waiting = models.FloatField(default=0)  # of `days`: handed over from another unit, not yet taken
    to_end = models.FloatField()  # opened → the dossier's end: what the risk model reads
    late = models.BooleanField()  # the dossier ended late

    class Meta:
        indexes = [
            models.Index(fields=["procedure", "ended_on"], name="steptime_procedure_day"),
            models.Index(fields=["dossier_unit", "ended_on"], name="steptime_unit_day"),
        ]


class DossierRisk(models.Model):
    """The lateness risk of an open dossier, with what it was computed from (insights/risk.py)."""

    dossier = models.OneToOneField("dossiers.Dossier", on_delete=models.CASCADE, primary_key=True, related_name="late_risk")
    risk = models.FloatField(null=True)  # None: too little history to say
    step = models.CharField(max_length=64, blank=True, default="")  # the step it waits in ("" the whole dossier)
    step_unit = models.ForeignKey("units.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    elapsed = models.FloatField(default=0)  # working days already spent since the step opened
    available = models.FloatField(default=0)  # working days left to the legal due date
    similar = models.IntegerField(default=0)  # finished dossiers that had spent at least `elapsed` there
    late_similar = models.IntegerField(default=0)  # … of them, those that needed more than `elapsed + available`
    basis = models.CharField(max_length=16, blank=True, default="")  # unit, procedure, past_due, or "" (too little)
    scored_at = models.DateTimeField()
    # The dossier's procedure and receiving unit, copied: the page's list of a subtree's dossiers most at risk
    # reads this table alone, by index, without joining millions of dossiers.
    procedure = models.ForeignKey("catalog.Procedure", null=True, on_delete=models.CASCADE, related_name="+",
                                  db_index=False)
    unit = models.ForeignKey("units.Unit", null=True, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        indexes = [models.Index(fields=["risk"], name="risk_value"),
                   models.Index(fields=["unit", "procedure"], name="risk_unit_procedure"),
                   models.Index(fields=["procedure", "unit"], name="risk_procedure_unit")]


class Rollup(models.Model):
    """Pre-rolled counts of the step-time tables, per month the dossiers ended in (insights/rollup.py).

    A leader's page sums a few of these rows instead of reading every step row of its subtree:
    histograms of working days in buckets (`rollup.BUCKETS`: quantiles exact to half a bucket's
    width) and the counts of the paths and of the steps that made dossiers late. Rows are only
    added (the build appends the rows of the dossiers it traced; equal keys are summed when read).
    """

    month = models.DateField()  # the first day of the month the dossiers ended in (local)
    procedure = models.ForeignKey("catalog.Procedure", on_delete=models.CASCADE, related_name="+", db_index=False)
    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)  # receiving unit
    kind = models.SmallIntegerField()  # rollup.STEP, WAIT, UNIT_DAYS, TOTAL, APPLICANT, PAYMENT, TRANSFER, PATH, LATE
    step = models.CharField(max_length=64, default="")  # STEP, WAIT, LATE (the step that made it late)
    actor = models.IntegerField(default=0)  # the unit that did the step (STEP, WAIT, UNIT_DAYS, LATE); 0 none
    bucket = models.SmallIntegerField(default=0)  # the histogram bucket (rollup.bucket_of); 0 for PATH, LATE
    label = models.CharField(max_length=500, default="")  # PATH: the path
    n = models.IntegerField()  # how many rows (dossiers, steps) fell in it
    over = models.IntegerField(default=0)  # STEP: of them, over the step's share; TOTAL: of them, late
    allowed = models.FloatField(default=0)  # STEP: the step's share of the deadline (the largest)

    class Meta:
        indexes = [models.Index(fields=["procedure", "month", "unit"], name="rollup_procedure_month"),
                   models.Index(fields=["month", "unit"], name="rollup_month_unit")]
