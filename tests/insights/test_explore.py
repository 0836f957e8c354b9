from motcua.demo.history import load_history
from motcua.insights import build, risk, summary
from motcua.insights.models import DossierTrace, StepTime, DossierRisk
from motcua.units.models import Unit
from motcua.monitoring import query
from datetime import date


def test_explore(demo):
    from motcua.results import pki
    pki.ensure_units(Unit.objects.all())
    import time; t=time.time()
    load_history(months=3, per_month=8)
    print("history", time.time()-t)
    print("built", build.build())
    for t in DossierTrace.objects.all():
        print(t.dossier.code, t.late, t.total_days, t.applicant_days, t.payment_days, t.transfer_days, t.path, t.late_step)
    for s in StepTime.objects.all()[:30]:
        print(s.step, s.unit_id, s.days, s.allowed, s.waiting, s.to_end)
    print("scored", risk.score())
    for r in DossierRisk.objects.all():
        print(vars(r))
    province = Unit.objects.get(code="000.00.00.H99")
    s = summary.summarize(province, date(2000,1,1), query.today())
    print(s)
