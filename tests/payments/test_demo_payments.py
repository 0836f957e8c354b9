"""The demo history pays its fees through the sandbox gateway's own pages and IPN: "paid online" is a real fact."""

from __future__ import annotations

from motcua.demo.history import load_history
from motcua.dossiers.models import Dossier
from motcua.monitoring.rebuild import differences
from motcua.payments.models import Payment, SandboxTransaction, State


def test_demo_history_pays_through_the_sandbox_and_paid_online_comes_from_payments(demo, unsigned_results):
    load_history(months=2, per_month=9, seed=3)
    online = Payment.objects.filter(gateway="sandbox", state__in=[State.PAID, State.REFUNDED])
    assert online.exists()
    for p in online:
        assert SandboxTransaction.objects.filter(txn_ref=p.order_ref, status="00", txn_no=p.gateway_txn).exists()
        assert p.paid_online == 2
    flagged = Dossier.objects.filter(paid_online__in=(1, 2))
    assert flagged.exists()
    for d in flagged:
        assert d.payments.filter(state__in=[State.PAID, State.REFUNDED], paid_online=d.paid_online).exists()
    assert differences() == {"DailyCounter": 0, "MonthlyCounter": 0, "OpenCounter": 0}
