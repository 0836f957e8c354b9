"""The demo's bulk step history (demo/step_history.py) is one the lateness model can learn from:
for the main procedure at the main commune it gives a figure instead of abstaining, it flags some
dossiers that ended late before they were, and the KPI counters it adds equal a rebuild."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from motcua.demo.step_history import load_step_history
from motcua.dossiers.models import Dossier, Status, Task, TaskStatus
from motcua.insights import backtest, build
from motcua.insights.models import DossierTrace
from motcua.insights.risk import History, estimate
from motcua.monitoring import query
from motcua.monitoring.contributions import zone
from motcua.monitoring.rebuild import differences
from motcua.units.models import Unit

MAIN_PROCEDURE, MAIN_UNIT = "1.001193", "000.11.00.H99"  # birth registration at An Bình commune


def test_the_bulk_history_is_varied_counted_and_learnable(demo):
    written = load_step_history()
    assert written > 300
    assert differences() == {"DailyCounter": 0, "MonthlyCounter": 0, "OpenCounter": 0}
    traced = build.build()
    assert traced == build.finished().count() > 0
    # Varied: some dossiers late, most not; supplement rounds; steps still open today.
    late = DossierTrace.objects.filter(late=True).count()
    assert 0.03 < late / traced < 0.3
    assert Dossier.objects.filter(supplement_count__gt=0).exists()
    assert Task.objects.filter(status=TaskStatus.OPEN, dossier__status=Status.PROCESSING).exists()
    # Some agencies are systematically slower at a step than others at the same step.
    from motcua.insights import summary

    today = query.today()
    temporary = summary.summarize(None, today - timedelta(days=182), today,
                                  Dossier.objects.filter(procedure__code="1.004194").first().procedure)
    verify = sorted(s.spread.median for s in temporary.steps if s.step == "verify")
    assert len(verify) >= 2 and verify[-1] > 1.5 * verify[0]

    # The back-test over the last quarter at the main commune: the model gives figures, not "too little history",
    # for the main procedure, and some dossiers that ended late were flagged before their due day.
    unit = Unit.objects.get(code=MAIN_UNIT)
    since = datetime.combine(today - timedelta(days=91), time.min, tzinfo=zone())
    facts = [f for f in backtest._facts(since, timezone.now(), unit.path)
             if f.dossier.procedure.code == MAIN_PROCEDURE and f.late is not None]
    history = History.load({facts[0].dossier.procedure_id})
    estimates = []
    for at in backtest.snapshots(today - timedelta(days=91), today - timedelta(days=1), 1):
        for f in facts:
            state = backtest._state(f, at)
            if state is not None:
                estimates.append(estimate(state, at, history))
    assert len(estimates) > 20
    assert all(e.risk is not None for e in estimates), [e for e in estimates if e.risk is None][:3]
    assert any(e.basis == "unit" for e in estimates)
    result = backtest.run(today - timedelta(days=182), today - timedelta(days=1), every=5)
    assert result.scored > 5 * result.unknown
    assert sum(a.flagged for a in result.ahead) > 0
    assert "flagged or amber" in backtest.table(result)
