"""The demo's petitions: every way a petition goes, the complaint about a returned dossier moving 5.3 and 5.4,
and counters equal to a rebuild."""

from __future__ import annotations

from datetime import datetime, timedelta

from motcua.demo.history import HCM, load_history
from motcua.demo.petitions import load_petitions
from motcua.dossiers.models import Dossier
from motcua.monitoring import petition_counters, query
from motcua.monitoring.rebuild import differences
from motcua.petitions.models import Petition
from motcua.units.models import Unit


def test_demo_petitions(demo, unsigned_results):
    from motcua.results import pki

    pki.ensure_units(Unit.objects.all())  # in real time, as `load-demo` does (the history signs under freezegun)
    load_history(months=2, per_month=8, seed=1)
    assert load_petitions() == 6
    assert load_petitions() == 0  # once
    statuses = sorted(Petition.objects.values_list("status", flat=True))
    assert statuses == ["published", "published", "received", "received", "refused", "waiting"]
    complaint = Petition.objects.get(kind="complaint")
    assert complaint.dislikes == 1 and Dossier.objects.get(pk=complaint.dossier_id).complained
    assert Petition.objects.get(origin="phone").forwarded
    assert petition_counters.differences() == {"PetitionCounter": 0, "PetitionOpenCounter": 0}
    assert differences() == {"DailyCounter": 0, "MonthlyCounter": 0, "OpenCounter": 0}
    today = datetime.now(HCM).date()
    report = query.report(Unit.objects.get(code="000.11.00.H99"), today - timedelta(days=40), today, with_rank=False)
    by_ref = {i.ref: i for i in report.indicators}
    assert by_ref["5.2"].denominator >= 3 and by_ref["5.3"].numerator < by_ref["5.3"].denominator
