"""Decision 766 indicator 1.4 from motcua's own sync log: dossiers received in the window whose receipt the
national portal acknowledged in time / dossiers received (KPI-766.md §3 G1)."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import F
from django.utils import timezone

from motcua.integrations.models import NationalSync
from motcua.integrations.national import sync
from motcua.monitoring import query
from motcua.monitoring.models import ExternalFigure
from motcua.units.models import Unit
from tests.integrations.conftest import ANBINH, HOATHUAN, PROVINCE, submit


def _sync_indicator(unit_code: str | None, day: date, procedure_id: int | None = None):
    unit = Unit.objects.get(code=unit_code) if unit_code else None
    r = query.report(unit, day, day, procedure_id, with_rank=False)
    return next(i for i in r.indicators if i.code == "DOSSIER_SYNC")


def test_indicator_1_4_is_computed_from_the_sync_log(as_user, settings, receiver):
    settings.NATIONAL_SYNC_URL = receiver.url("/national")
    today = timezone.localdate()
    codes = [submit(as_user) for _ in range(3)]
    officer = as_user("onestop_anbinh")
    for code in codes:
        assert officer.act(code, "receive").status_code == 200
    before = _sync_indicator(ANBINH, today)
    assert (before.numerator, before.denominator) == (0, 3)  # nothing acknowledged yet: 0 points, not null
    assert before.score == 0

    sync.sync_pending()
    after = _sync_indicator(ANBINH, today)
    assert (after.numerator, after.denominator, after.score) == (3, 3, 6)
    # Acknowledged later than NATIONAL_SYNC_ON_TIME_SECONDS after the change: not on time.
    NationalSync.objects.filter(dossier_code=codes[0], receipt=True).update(
        delivered_at=F("changed_at") + timedelta(seconds=settings.NATIONAL_SYNC_ON_TIME_SECONDS + 1))
    late = _sync_indicator(ANBINH, today)
    assert (late.numerator, late.denominator) == (2, 3) and abs(late.score - 4.0) < 1e-9
    # Pooled over the subtree (the province, the country); a unit with none of them counts none.
    assert (_sync_indicator(PROVINCE, today).numerator, _sync_indicator(None, today).numerator) == (2, 2)
    assert _sync_indicator(HOATHUAN, today).numerator == 0
    # Another day's window does not count them.
    assert _sync_indicator(ANBINH, today - timedelta(days=1)).numerator == 0


def test_the_national_reports_count_is_the_denominator_when_larger(as_user, settings, receiver, demo):
    settings.NATIONAL_SYNC_URL = receiver.url("/national")
    today = timezone.localdate()
    code = submit(as_user)
    as_user("onestop_anbinh").act(code, "receive")
    sync.sync_pending()
    ExternalFigure.objects.create(indicator="DOSSIER_SYNC", unit=Unit.objects.get(code=ANBINH),
                                  month=today.replace(day=1), numerator=0, denominator=4)
    r = _sync_indicator(ANBINH, today)
    assert (r.numerator, r.denominator) == (1, 4)
