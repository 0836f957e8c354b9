"""The periodic payment sweeps: attempts left open past their expiry become `expired`, refunds waiting are sent.

`motcua scheduler --once` enqueues both (with the other periodic tasks) and the database worker runs
them against this database, the refunds going to the bundled sandbox gateway by its own refund call.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from motcua.dossiers import actions
from motcua.dossiers.actions import payments as pay
from motcua.dossiers.models import Dossier
from motcua.dossiers.tasks import expire_payments, process_refunds
from motcua.identity.models import User
from motcua.payments.models import Payment, Purpose, SandboxTransaction, State
from motcua.payments.sandbox import pay_in_process
from tests.notifications.test_background_tasks import _restore_signals  # noqa: F401
from tests.payments.test_payments_http import officer_of, submit

RETURN = "http://127.0.0.1/payments/return/sandbox/"


def _started(code: str) -> Payment:
    return pay.start_payment(code, User.objects.get(username="citizen"), return_url=RETURN, gateway_code="sandbox").payment


def test_the_sweep_expires_only_open_attempts_past_their_expiry_each_with_its_event(demo):
    now = timezone.now()
    late, fresh, paid_code = submit(), submit(), submit()
    overdue = _started(late)
    Payment.objects.filter(pk=overdue.pk).update(expires_at=now - timedelta(seconds=1))
    waiting = _started(fresh)  # still within its PAYMENT_EXPIRE_MINUTES
    paid = _started(paid_code)
    Payment.objects.filter(pk=paid.pk).update(expires_at=now - timedelta(minutes=5), state=State.PAID)
    refund = Payment.objects.create(dossier=paid.dossier, purpose=Purpose.REFUND, amount=paid.amount, gateway="sandbox",
                                    order_ref="R1", state=State.PENDING, refund_of=paid, created_at=now, updated_at=now)

    assert pay.overdue_payments(now) == [overdue.pk]
    assert pay.expire_payments(now) == 1
    assert pay.expire_payments(now) == 0  # a second sweep finds nothing more to do

    states = dict(Payment.objects.values_list("pk", "state"))
    assert states == {overdue.pk: State.EXPIRED, waiting.pk: State.PENDING, paid.pk: State.PAID, refund.pk: State.PENDING}
    dossier = Dossier.objects.get(code=late)
    [event] = dossier.events.filter(action="payment_expired")
    assert event.actor is None and event.data == {"payment": overdue.pk, "amount": 200_000, "gateway": "sandbox"}
    assert event.from_status == event.to_status == dossier.status
    # Still owed: the citizen starts a new attempt, with a new order reference.
    assert dossier.payment_due == 200_000
    again = _started(late)
    assert again.pk != overdue.pk and again.order_ref != overdue.order_ref and again.state == State.PENDING
    assert not Dossier.objects.get(code=fresh).events.filter(action="payment_expired").exists()


def test_the_sweep_leaves_an_attempt_the_gateway_paid_meanwhile(demo):
    code = submit()
    started = pay.start_payment(code, User.objects.get(username="citizen"), return_url=RETURN, gateway_code="sandbox")
    pay_in_process(started.pay_url)  # the IPN arrives before the sweep takes its lock
    later = timezone.now() + timedelta(days=1)
    assert pay.overdue_payments(later) == []
    assert pay.expire_payment(started.payment.pk, later) is False
    assert Payment.objects.get(pk=started.payment.pk).state == State.PAID
    assert not Dossier.objects.get(code=code).events.filter(action="payment_expired").exists()


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_enqueues_both_sweeps_and_the_worker_expires_and_refunds(demo, _restore_signals):  # noqa: F811
    citizen = User.objects.get(username="citizen")
    # A refused paid dossier whose refund was recorded but never sent (the gateway was down, say).
    refused = submit()
    started = pay.start_payment(refused, citizen, return_url=RETURN, gateway_code="sandbox")
    pay_in_process(started.pay_url)
    actions.perform(refused, "refuse", officer_of(refused), reason="Không thuộc thẩm quyền")
    refund = Payment.objects.get(dossier__code=refused, purpose=Purpose.REFUND)
    assert refund.state == State.PENDING
    DBTaskResult.objects.all().delete()  # what the actions woke after their commits: not the scheduler's work
    # An attempt abandoned on the gateway's page, past its expiry.
    abandoned = submit()
    attempt = pay.start_payment(abandoned, citizen, return_url=RETURN, gateway_code="sandbox").payment
    Payment.objects.filter(pk=attempt.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    DBTaskResult.objects.all().delete()

    call_command("scheduler", "--once")
    queued = set(DBTaskResult.objects.filter(status=TaskResultStatus.READY).values_list("task_path", flat=True))
    assert {expire_payments.module_path, process_refunds.module_path} <= queued
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)

    done = {r.task_path: r for r in DBTaskResult.objects.filter(task_path__in=[expire_payments.module_path,
                                                                               process_refunds.module_path])}
    assert {r.status for r in done.values()} == {TaskResultStatus.SUCCESSFUL}
    assert done[expire_payments.module_path].return_value == 1
    assert done[process_refunds.module_path].return_value == {str(refund.pk): "refunded"}
    assert Payment.objects.get(pk=attempt.pk).state == State.EXPIRED
    assert Dossier.objects.get(code=abandoned).events.filter(action="payment_expired").count() == 1
    refund.refresh_from_db()
    assert refund.state == State.PAID and Payment.objects.get(pk=started.payment.pk).state == State.REFUNDED
    assert SandboxTransaction.objects.get(txn_ref=started.payment.order_ref, status="00").refunded == 20_000_000
    assert Dossier.objects.get(code=refused).events.filter(action="payment_refunded").count() == 1
