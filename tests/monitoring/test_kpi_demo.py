"""The demo's history gives the province every indicator with real numbers, and they match a rebuild."""

from __future__ import annotations

from datetime import date

from django.core.management import call_command

from motcua.demo.history import load_history
from motcua.monitoring import query
from motcua.monitoring.rebuild import differences
from motcua.units.models import Unit


def test_demo_history_makes_non_trivial_indicators_that_match_a_rebuild(demo):
    # The units' signing certificates in real time first, as `load-demo` does: the history signs under
    # freezegun, and a certificate first made there fails (cryptography refuses freezegun's datetimes).
    from motcua.results import pki

    pki.ensure_units(Unit.objects.all())
    filed = load_history(months=1, per_month=7, seed=1)
    assert filed >= 7
    assert differences() == {"DailyCounter": 0, "MonthlyCounter": 0, "OpenCounter": 0}
    province = Unit.objects.get(code="000.00.00.H99")
    today = query.today()
    before = query.report(province, date(today.year - 1, 1, 1), today)
    assert not before.no_data and before.total is not None
    by_code = {i.code: i for i in before.indicators}
    for code in ("PROGRESS_ON_TIME", "ONLINE_DOSSIERS", "DOSSIER_RECEIVING_SATISFACTION", "PUBLISH_ON_TIME"):
        assert by_code[code].denominator > 0, code
    assert 0 < before.headline["denominator"]
    # The dashboard's numbers are the rebuild's numbers.
    call_command("kpi", "rebuild", verbosity=0)
    after = query.report(province, date(today.year - 1, 1, 1), today)
    assert [(i.code, i.numerator, i.denominator, i.score) for i in after.indicators] == [
        (i.code, i.numerator, i.denominator, i.score) for i in before.indicators
    ]
    assert (after.total, after.headline) == (before.total, before.headline)
