"""A refusal after processing, as the Decision 766 counters read it (KPI-766 §1.1, §3 G2 and G6; contributions.py).

The food-safety certificate's inspection fails: the dossier ends with its signed refusal letter. That is a
processed dossier (9, then 10) whose result is "refused": it ends on its finishing day, judged against its
legal due date like any other, and the letter is its electronic result, in the applicant's vault. The live
counters and a rebuild from the raw dossiers say exactly the same, and the explanation of indicator 4.1
names the refusal.
"""

from __future__ import annotations

from motcua.dossiers.models import Dossier, Status
from motcua.monitoring.contributions import local_day, refused_after_processing
from motcua.monitoring.counters import snapshot
from motcua.monitoring.explain import explain_one
from motcua.monitoring.indicators import INDICATORS
from motcua.monitoring.models import DailyCounter
from motcua.monitoring.rebuild import differences
from tests.dossiers.test_decisions_results import FOOD, finish_step, started
from tests.monitoring.test_counter_kpi import NO_DIFFERENCE


def _walked(choice: dict) -> Dossier:
    walker = started(FOOD)
    finish_step(walker, "review", {})
    finish_step(walker, "inspect", {"values": {"inspection_date": "2026-12-01"}, **choice})
    walker.process()
    walker.finish()
    return Dossier.objects.get(code=walker.code)


def test_a_refusal_after_processing_counts_as_processed_with_its_letter_as_the_result(demo):
    refused = _walked({"choice": "fail", "reason": "Khu vực chế biến không bảo đảm vệ sinh."})
    granted = _walked({"choice": "pass"})
    assert refused.status == Status.RETURNED and refused_after_processing(refused)
    assert granted.status == Status.RETURNED and not refused_after_processing(granted)
    # The same cells as a dossier granted: ended (on time), processed, with an e-result, in the vault.
    for dossier in (refused, granted):
        columns = {column for _day, column, _n in snapshot(dossier).cells}
        assert {"received", "ended", "ended_on_time", "finished", "finished_e_result", "vault"} <= columns, columns
    day = local_day(refused.finished_at)
    row = DailyCounter.objects.get(unit_id=refused.unit_id, procedure_id=refused.procedure_id, day=day)
    assert (row.ended, row.ended_on_time, row.finished, row.finished_e_result) == (2, 2, 2, 2)
    # The live counters equal a rebuild from the dossiers.
    assert differences() == NO_DIFFERENCE
    # Indicator 4.1 explains the refused one by its letter.
    original = next(i for i in INDICATORS if i.numerator == "finished_e_result")
    line = explain_one(original, refused, day, day, day, False, set())
    assert line.counts and "từ chối sau khi giải quyết" in line.reason
    assert "từ chối" not in explain_one(original, granted, day, day, day, False, set()).reason
