"""On the demo's history: the tables build (incrementally), the page, CSV and API answer within scope,
open dossiers get a risk that officers see in the API and the queues, the digest lists them, the back-test prints."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.test import Client

from motcua.demo.history import load_history
from motcua.dossiers.models import Dossier
from motcua.identity.models import User
from motcua.insights import build, risk
from motcua.insights.models import DossierRisk, DossierTrace, StepTime
from motcua.monitoring import alerts, config, query
from motcua.units.models import Unit
from tests.conftest import ApiClient

PROVINCE = "000.00.00.H99"


def test_the_demo_history_through_every_insight(demo, unsigned_results, monkeypatch):
    from motcua.results import pki

    pki.ensure_units(Unit.objects.all())
    load_history(months=1, per_month=7, seed=1)
    finished = build.finished().count()
    assert finished > 0
    assert build.build() == finished and build.build() == 0  # incremental: the second run has nothing to do
    assert DossierTrace.objects.count() == finished and StepTime.objects.count() >= finished
    late = {t.dossier_id for t in DossierTrace.objects.filter(late=True)}
    assert late == {d.pk for d in build.finished() if d.finished_at > d.legal_due_at}

    today = query.today()
    r = ApiClient("monitor_province").get(f"/insights/steps?unit={PROVINCE}&procedure=1.001193&from=2025-01-01&to={today}")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["dossiers"] == DossierTrace.objects.filter(procedure__code="1.001193").count()
    assert body["steps"] and all(s["spread"]["n"] > 0 for s in body["steps"])
    assert abs(sum(p["share"] for p in body["paths"]) - 1) < 0.01 or len(body["paths"]) == 5
    # Outside the user's scope: refused as the KPI API refuses; bad input a 4xx with a code.
    assert ApiClient("approver_hoathuan").get(f"/insights/steps?unit={PROVINCE}").status_code == 403
    assert ApiClient("approver_anbinh").get("/insights/steps").status_code == 403  # the whole country
    assert ApiClient("monitor_province").get(f"/insights/steps?unit={PROVINCE}&from=2026-13-01").json()["code"] == "invalid_date"
    assert ApiClient("monitor_province").get(f"/insights/steps?unit={PROVINCE}&from=2026-02-01&to=2026-01-01").status_code in (400, 422)
    assert ApiClient("monitor_province").get(f"/insights/steps?unit={PROVINCE}&x=%00").status_code in (200, 400, 422)

    web = Client()
    web.force_login(User.objects.get(username="monitor_province"))
    page = web.get(f"/kpi/units/{PROVINCE}/insights/?procedure=1.001193&from=2025-01-01&to={today}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "flow-title" in html and "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert web.get(f"/kpi/units/{PROVINCE}/insights/?from=2025-01-01").status_code == 200  # the procedures to choose
    assert web.get(f"/kpi/units/{PROVINCE}/insights/?from=nope").status_code == 400
    csv = web.get(f"/kpi/units/{PROVINCE}/insights.csv?procedure=1.001193&from=2025-01-01")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv") and b"step," in csv.content
    assert "insights/" in web.get(f"/kpi/units/{PROVINCE}/").content.decode()  # the dashboard's drill-down
    outsider = Client()
    outsider.force_login(User.objects.get(username="approver_hoathuan"))
    assert outsider.get(f"/kpi/units/{PROVINCE}/insights/").status_code == 404

    # Risks: with this little history, "too little history"; with the bar lowered, figures.
    assert risk.score() > 0
    assert all(r.risk is None or r.basis == "past_due" for r in DossierRisk.objects.all())
    monkeypatch.setattr(risk, "MIN_HISTORY", 1)
    risk.score(everything=True)
    scored = DossierRisk.objects.exclude(risk=None).select_related("dossier").first()
    assert scored is not None
    code = scored.dossier.code
    officer = ApiClient("monitor_province").get(f"/dossiers/{code}").json()
    assert officer["late_risk"]["risk"] == scored.risk and officer["late_risk"]["reason"]
    applicant = Dossier.objects.get(code=code).applicant.username
    assert ApiClient(applicant).get(f"/dossiers/{code}").json()["late_risk"] is None

    staff = Client()
    staff.force_login(User.objects.get(username="admin_province"))
    # A queue sorted by risk: the riskiest first, each with its figure written beside the due date.
    from motcua.backoffice import queues

    admin = User.objects.get(username="admin_province")
    scored_ids = set(DossierRisk.objects.values_list("dossier_id", flat=True))
    slug, members = next((q.slug, [d for d in queues.members(q, admin) if d.pk in scored_ids])
                         for q in queues.QUEUES.values()
                         if len([d for d in queues.members(q, admin) if d.pk in scored_ids]) >= 2)
    low, high = members[0], members[-1]  # by due date: the one due first gets the lower risk
    DossierRisk.objects.filter(dossier=low).update(risk=0.01)
    DossierRisk.objects.filter(dossier=high).update(risk=0.97)
    by_due = staff.get(f"/office/q/{slug}/").content.decode()
    assert by_due.index(low.code) < by_due.index(high.code)
    by_risk = staff.get(f"/office/q/{slug}/?sort=risk").content.decode()
    assert "nguy cơ trễ hạn cao nhất trước" in by_risk
    assert by_risk.index(high.code) < by_risk.index(low.code)
    assert "nguy cơ trễ 97%" in by_risk and '<span class="risk risk-high">' in by_risk

    # The digest lists the riskiest open dossiers not yet late, with the step and who holds them.
    monkeypatch.setattr(risk, "HIGH", 0.0)
    from motcua.insights import digest

    monkeypatch.setattr(digest, "HIGH", 0.0)
    DossierRisk.objects.update(risk=0.9, available=1.0, basis="unit")
    lines = alerts.digest_lines(Unit.objects.get(code=PROVINCE), today, config.load())
    assert any(code in line and "người giữ" in line for line in lines)

    out = StringIO()
    call_command("insights", "backtest", "--from", "2000-01-01", "--every", "1", stdout=out)
    text = out.getvalue()
    assert "predicted risk | dossiers" in text and "working days ahead" in text
