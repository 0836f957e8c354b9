"""The petitions' KPI counters (indicators 5.2 and 5.3), imported by models.py.

Kept apart from the dossiers' counters (models.py) because a petition counts by other
rules: every column is keyed by the day the petition was *first received* (KPI-766 §3 G5
counts the petitions first received in the window), for its unit, each ancestor and the
whole country (unit 0). Petitions are few (thousands a year per province), so a daily
table serves any period. What each column means is in petition_contributions.py.
"""

from __future__ import annotations

from django.db import models

PETITION_COLUMNS = ("received", "ended", "ended_on_time", "flagged")


class PetitionCounter(models.Model):
    unit_id = models.IntegerField()
    day = models.DateField()
    received = models.IntegerField(default=0)
    ended = models.IntegerField(default=0)
    ended_on_time = models.IntegerField(default=0)
    flagged = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit_id", "day"], name="kpi_petition_key")]


class PetitionOpenCounter(models.Model):
    """Open petitions, by first-received day, the day their running deadline passes, and `flagged`."""

    unit_id = models.IntegerField()
    day = models.DateField()
    due_day = models.DateField()
    flagged = models.BooleanField(default=False)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit_id", "day", "due_day", "flagged"], name="kpi_petition_open_key"),
        ]
