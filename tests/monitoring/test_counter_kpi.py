"""Counter and postal dossiers in the Decision 766 counters (issue 17): group 6 facts and the headline rate.

A counter dossier is received but not online (the full-process online rate is online over all
received dossiers); scanned components count as electronic for 4.2, a component kept on paper only
keeps its dossier out until it is digitized; the counters always equal a rebuild.
"""

from __future__ import annotations

from django.db.models import Sum
from django.utils import timezone

from motcua.dossiers import actions
from motcua.dossiers.actions import counter
from motcua.dossiers.models import Dossier
from motcua.identity.models import User
from motcua.monitoring.models import COLUMNS, DailyCounter
from motcua.monitoring.rebuild import differences
from tests.dossiers.test_lifecycle_properties import SCAN
from tests.walker import DEFINITIONS, Walker

BIRTH = DEFINITIONS["1.001193-dang-ky-khai-sinh.yaml"]
NO_DIFFERENCE = {"DailyCounter": 0, "MonthlyCounter": 0, "OpenCounter": 0}


def _totals(dossier: Dossier) -> dict[str, int]:
    rows = DailyCounter.objects.filter(unit_id=dossier.unit_id, procedure_id=dossier.procedure_id)
    return rows.aggregate(**{c: Sum(c) for c in COLUMNS})


def _at_counter(way: str) -> Walker:
    """A birth registration filed at An Bình's counter, its certificate scanned or kept on paper only."""
    officer = User.objects.get(username="onestop_anbinh")
    walker = Walker(BIRTH)
    record = {"key": "birth_certificate", **SCAN}
    component = counter.scanned(record, officer, timezone.now()) if way == "scanned" else (
        counter.on_paper("birth_certificate", "Giấy chứng sinh chỉ có bản giấy", officer, timezone.now()))
    dossier = actions.file_at_counter(
        officer, {"personal_id": "001090012345"}, BIRTH["code"], dict(BIRTH["example"]), channel=1,
        components=[component],
    )
    walker.code, walker.actions = dossier.code, ["submit", "receive"]
    return walker


def test_a_counter_dossier_is_received_not_online_and_digitized_once_its_result_is_issued(demo):
    walker = _at_counter("scanned")
    walker.process()
    walker.finish()
    totals = _totals(walker.dossier)
    assert (totals["received"], totals["online"], totals["full_eligible"], totals["full_online"]) == (1, 0, 1, 0)
    assert totals["digitized"] == 1  # every component scanned, and the e-result issued
    assert differences() == NO_DIFFERENCE


def test_a_paper_only_component_counts_once_digitized_and_the_rate_is_online_over_all(demo):
    walker = _at_counter("paper")
    walker.process()
    walker.finish()
    assert _totals(walker.dossier)["digitized"] == 0
    # Scanned afterwards, at the desk: the dossier now counts, on its receipt day.
    officer = User.objects.get(username="onestop_anbinh")
    actions.perform(walker.code, "digitize", officer, payload={"key": "birth_certificate", "scan": SCAN})
    assert _totals(walker.dossier)["digitized"] == 1
    # Set back to paper (the scan was unreadable): it leaves again.
    actions.perform(walker.code, "keep_on_paper", officer, payload={"key": "birth_certificate", "reason": "Bản quét mờ"})
    assert _totals(walker.dossier)["digitized"] == 0
    assert differences() == NO_DIFFERENCE

    online = Walker(BIRTH)
    online.submit()
    online.walk()
    totals = _totals(online.dossier)
    # The headline: full-process online dossiers over every received dossier of eligible procedures.
    assert (totals["full_online"], totals["full_eligible"]) == (1, 2)
    assert differences() == NO_DIFFERENCE


def test_the_result_of_a_paper_dossier_is_digitized_without_moving_a_counter(demo):
    walker = _at_counter("scanned")
    walker.process()
    walker.finish()
    before = _totals(walker.dossier)
    officer = User.objects.get(username="onestop_anbinh")
    done = actions.perform(walker.code, "digitize_result", officer, payload={"scan": SCAN})
    assert done.status == 10
    assert _totals(walker.dossier) == before  # its e-result was already counted (4.1, 4.4)
    assert differences() == NO_DIFFERENCE
