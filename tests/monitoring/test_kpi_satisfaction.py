"""Indicator 5.4 reads the applicants' ratings; the dossiers behind on-time numbers follow the deadline option."""

from __future__ import annotations

from datetime import timedelta

from motcua.dossiers.models import Dossier
from motcua.monitoring import query
from motcua.monitoring.contributions import local_day
from motcua.monitoring.counters import ancestors
from motcua.monitoring.drill import dossiers_behind
from motcua.monitoring.models import DailyCounter, Option
from motcua.monitoring.rebuild import differences
from tests.walker import DEFINITIONS, Walker

DISSATISFIED = {"answers": {"overall": "dissatisfied", "time": "satisfied", "ease": "satisfied", "staff": "satisfied",
                            "result": "satisfied"}, "comment": "Phải đi lại hai lần."}


def returned() -> tuple[Walker, Dossier]:
    walker = Walker(DEFINITIONS["1.001193-dang-ky-khai-sinh.yaml"])
    walker.submit()
    walker.walk()
    return walker, walker.dossier


def satisfaction(dossier: Dossier):
    day = local_day(dossier.finished_at)
    r = query.report(None, day, day, with_rank=False)
    return next(i for i in r.indicators if i.code == "DOSSIER_RECEIVING_SATISFACTION")


def test_a_dissatisfied_rating_makes_an_on_time_dossier_a_satisfaction_failure_everywhere_up_the_tree(demo):
    walker, dossier = returned()
    before = satisfaction(dossier)
    assert (before.numerator, before.denominator) == (1, 1)

    walker.act(walker.applicant, "rate", {"rating": DISSATISFIED})

    dossier.refresh_from_db()
    assert dossier.disliked
    for unit_id in ancestors(dossier.unit.path):
        row = DailyCounter.objects.get(unit_id=unit_id, procedure_id=dossier.procedure_id, day=local_day(dossier.finished_at))
        assert (row.ended, row.ended_on_time, row.ended_satisfied) == (1, 1, 0)
    after = satisfaction(dossier)
    assert (after.numerator, after.denominator) == (0, 1)
    assert after.score == 0.0
    assert differences() == {"DailyCounter": 0, "MonthlyCounter": 0, "OpenCounter": 0}

    day = local_day(dossier.finished_at)
    assert list(dossiers_behind(None, day, day, "ended_on_time").values_list("code", flat=True)) == [dossier.code]
    assert not dossiers_behind(None, day, day, "ended_satisfied").exists()


def test_a_satisfied_rating_changes_nothing_the_indicators_read(demo):
    walker, dossier = returned()
    walker.act(walker.applicant, "rate", {"rating": {**DISSATISFIED, "answers": {**DISSATISFIED["answers"],
                                                                              "overall": "very_satisfied"}}})
    dossier.refresh_from_db()
    assert not dossier.disliked
    assert (satisfaction(dossier).numerator, satisfaction(dossier).denominator) == (1, 1)


def test_the_dossiers_behind_on_time_numbers_compare_by_date_when_the_option_says_so(demo):
    _walker, dossier = returned()
    # Finished an hour after its deadline, on the same local day: late by the timestamp, on time by the date.
    finished = dossier.due_at + timedelta(hours=1)
    assert local_day(finished) == local_day(dossier.due_at)
    Dossier.objects.filter(pk=dossier.pk).update(finished_at=finished)
    day = local_day(finished)

    Option.objects.update_or_create(key="deadline_compare", defaults={"value": "timestamp"})
    assert not dossiers_behind(None, day, day, "ended_on_time").exists()
    assert dossiers_behind(None, day, day, "ended").count() == 1

    Option.objects.update_or_create(key="deadline_compare", defaults={"value": "date"})
    assert list(dossiers_behind(None, day, day, "ended_on_time").values_list("code", flat=True)) == [dossier.code]
    assert list(dossiers_behind(None, day, day, "ended_satisfied").values_list("code", flat=True)) == [dossier.code]
