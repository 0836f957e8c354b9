"""Money of a dossier: asking for it, paying it (online or at the counter), the gateway's word, refunds.

A payment's state and the dossier's payment facts (`payment_due`, `paid_online`) change only here,
each change a step of `payments.models.TRANSITIONS` and one history event of the dossier
(announced like every action: audit, outbox, KPI counters). The gateways' notices come in
through `record_notice`, which is exact: the signature, the order and the amount must match, a
replay changes nothing (answer 02), and the whole change is one transaction, so a worker killed
between the notice and its commit leaves nothing, and the gateway's retry pays exactly once.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.dossiers import pricing
from motcua.dossiers.access import not_found
from motcua.dossiers.actions import history
from motcua.dossiers.actions.context import OPEN_STATUSES, Ctx, deadline_state_at
from motcua.dossiers.actions.inputs import AMOUNT_REFUSED, PaymentConfirmationInput, PaymentRequestInput
from motcua.dossiers.models import Dossier, Status
from motcua.lib.errors import Conflict, Invalid
from motcua.payments import vnpay
from motcua.payments.gateways import GatewayUnavailable, Order, Outcome, gateway
from motcua.payments.models import OPEN, TRANSITIONS, Notice, Payment, Purpose, State

log = logging.getLogger(__name__)
COUNTER = "counter"
# A paid dossier ended from these statuses (refused, withdrawn or stopped before processing) is refunded.
REFUND_FROM = frozenset({Status.SUBMITTED, Status.RECEIVED})


def _move(payment: Payment, state: str, now) -> None:
    if state not in TRANSITIONS[payment.state]:
        raise Conflict(_("Khoản thanh toán không thể chuyển sang trạng thái này."), code="illegal_payment_transition",
                       state=payment.state)
    payment.state = state
    payment.updated_at = now


def _new_ref(now) -> str:
    # vnp_TxnRef: unique per merchant, letters and digits; never reused, even for a failed attempt.
    return f"{vnpay.vnp_date(now)[2:8]}{secrets.token_hex(6).upper()}"


def fee_lines(dossier: Dossier) -> list[dict]:
    return [line.as_dict() for line in pricing.dossier_quote(dossier).lines]


def pays_at_submission(version) -> bool:
    return (version.definition.get("fees") or {}).get("pay") == "at_submission"


def order_of(payment: Payment, **extra) -> Order:
    return Order(ref=payment.order_ref, amount=payment.amount, info=_order_info(payment), created_at=payment.created_at,
                 expires_at=payment.expires_at, gateway_txn=payment.gateway_txn, paid_at=payment.paid_at, **extra)


def _order_info(payment: Payment) -> str:
    # ASCII only, as VNPAY asks of vnp_OrderInfo.
    return f"Thanh toan le phi ho so {payment.dossier.code}"


def _write(dossier: Dossier, action: str, from_status: int, actor, now, data: dict, before) -> None:
    dossier.deadline_state = deadline_state_at(dossier, now)
    dossier.updated_at = now
    dossier.save()
    history.write_history(dossier, action, from_status, actor, now, data=data, before=before)


def _lock(code: str) -> Dossier | None:
    return (Dossier.objects.select_for_update(of=("self",)).select_related("unit", "procedure", "procedure_version")
            .filter(code=code).first())


# --- the officers' actions (RULES) ----------------------------------------------------------------


def request_payment(ctx: Ctx, p: PaymentRequestInput) -> tuple[int, dict]:
    amount = p.amount if p.amount is not None else ctx.dossier.fee
    if not isinstance(amount, int) or amount <= 0:
        raise Invalid(str(AMOUNT_REFUSED), code="invalid_amount")
    ctx.dossier.payment_due = amount
    return Status.PAYMENT_REQUESTED, {"amount": amount}


def confirm_payment(ctx: Ctx, p: PaymentConfirmationInput) -> tuple[int | None, dict]:
    """The one-stop officer took the money at the counter (cash or card), with its receipt number."""
    d = ctx.dossier
    amount = d.payment_due
    if not p.receipt_number:
        raise Invalid(_("Cần ghi số biên lai thu tiền."), code="receipt_number_required")
    for open_payment in Payment.objects.select_for_update().filter(dossier=d, state__in=OPEN).exclude(purpose=Purpose.REFUND):
        # Paid at the counter: the online attempt under way is closed (a late success is refunded).
        _move(open_payment, State.EXPIRED, ctx.now)
        open_payment.save()
    payment = Payment.objects.create(
        dossier=d, purpose=Purpose.REQUESTED if d.status == Status.PAYMENT_REQUESTED else Purpose.SUBMISSION,
        amount=amount, gateway=COUNTER, order_ref=_new_ref(ctx.now), state=State.PAID, paid_online=0,
        lines=fee_lines(d), receipt_number=p.receipt_number, payer=d.applicant, created_at=ctx.now,
        updated_at=ctx.now, paid_at=ctx.now,
    )
    d.payment_due = 0
    transaction.on_commit(lambda: _enqueue_receipt(payment.pk))
    new_status = Status.PROCESSING if d.status == Status.PAYMENT_REQUESTED else None
    return new_status, {"amount": amount, "payment": payment.pk, "receipt_number": p.receipt_number}


def nothing_to_pay(ctx: Ctx) -> bool:
    return ctx.dossier.payment_due == 0


def something_to_pay(ctx: Ctx) -> bool:
    return ctx.dossier.payment_due > 0


# --- the applicant pays online ----------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    payment: Payment
    pay_url: str
    created: bool


def start_payment(code: str, applicant, *, return_url: str, ip: str = "127.0.0.1", locale: str = "vn",
                  idempotency_key: str = "", gateway_code: str | None = None) -> Started:
    """The applicant starts paying what the dossier owes: a pending payment and its gateway URL.

    The same `idempotency_key` answers the same payment; a second tab finds the payment already
    under way and is given it (one order at the gateway, so nothing can be paid twice).
    """
    gateway_code = gateway_code or settings.PAYMENT_GATEWAY
    gw = gateway(gateway_code)
    now = timezone.now()
    created = False
    with transaction.atomic():
        dossier = _lock(code)
        if dossier is None or dossier.applicant_id != getattr(applicant, "pk", None):
            raise not_found(code)
        payment = None
        if idempotency_key:
            payment = Payment.objects.filter(payer=applicant, idempotency_key=idempotency_key).first()
            if payment is not None and payment.dossier_id != dossier.pk:
                raise Conflict(_("Khóa Idempotency-Key này đã được dùng cho một yêu cầu khác."), code="idempotency_key_reused")
        if payment is None:
            payment = _expire_and_find_open(dossier, now)
        if payment is None:
            if dossier.status not in OPEN_STATUSES or dossier.payment_due <= 0:
                raise Conflict(_("Hồ sơ này không có khoản phí nào đang chờ thanh toán."), code="nothing_due",
                               status=dossier.status)
            before = history.look_before(dossier)
            payment = Payment.objects.create(
                dossier=dossier, amount=dossier.payment_due, gateway=gateway_code, order_ref=_new_ref(now),
                purpose=Purpose.REQUESTED if dossier.status == Status.PAYMENT_REQUESTED else Purpose.SUBMISSION,
                state=State.PENDING, lines=fee_lines(dossier), payer=applicant, idempotency_key=idempotency_key,
                created_at=now, updated_at=now, expires_at=now + timedelta(minutes=settings.PAYMENT_EXPIRE_MINUTES),
            )
            created = True
            _write(dossier, "payment_started", dossier.status, applicant, now,
                   {"payment": payment.pk, "amount": payment.amount, "gateway": gateway_code}, before)
    payment.dossier = dossier
    url = gw.pay_url(order_of(payment, return_url=return_url, ip=ip, locale=locale))
    return Started(payment, url, created)


def _expire_and_find_open(dossier: Dossier, now) -> Payment | None:
    found = None
    for payment in Payment.objects.select_for_update().filter(dossier=dossier, state__in=OPEN).order_by("id"):
        if payment.expires_at is not None and payment.expires_at <= now:
            _move(payment, State.EXPIRED, now)
            payment.save()
        elif payment.amount == dossier.payment_due and payment.gateway != COUNTER:
            found = payment
    return found


def overdue_payments(now=None) -> list[int]:
    """Attempts still open (created or pending) past their expiry: the ids the sweep expires."""
    now = now or timezone.now()
    return list(Payment.objects.filter(state__in=OPEN, expires_at__lte=now).exclude(purpose=Purpose.REFUND)
                .order_by("id").values_list("pk", flat=True))


def expire_payment(payment_id: int, now=None) -> bool:
    """An open attempt past its expiry becomes `expired`, with its event; False when it was no longer open.

    Under the dossier's lock, as the gateway's word is applied: an IPN that paid it a moment ago wins,
    and one that arrives later for an expired attempt is still honoured (paid, then refunded if not owed).
    """
    now = now or timezone.now()
    code = Payment.objects.filter(pk=payment_id).values_list("dossier__code", flat=True).first()
    if code is None:
        return False
    with transaction.atomic():
        dossier = _lock(code)
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.state not in OPEN or payment.expires_at is None or payment.expires_at > now:
            return False
        before = history.look_before(dossier)
        _move(payment, State.EXPIRED, now)
        payment.save()
        _write(dossier, "payment_expired", dossier.status, None, now,
               {"payment": payment.pk, "amount": payment.amount, "gateway": payment.gateway}, before)
    return True


def expire_payments(now=None) -> int:
    """The periodic sweep: every open attempt past its expiry expired (each in its own transaction)."""
    return sum(expire_payment(pk, now) for pk in overdue_payments(now))


# --- the gateway's word -------------------------------------------------------------------------------


def _log_notice(gateway_code: str, outcome: Outcome, params, answer: str, payment: Payment | None, now) -> None:
    Notice.objects.create(gateway=gateway_code, order_ref=outcome.ref[:64], payment=payment,
                          params={k: str(v)[:500] for k, v in list(params.items())[:40]}, answer=answer, received_at=now)


def record_notice(gateway_code: str, params) -> str:
    """A gateway's notification (IPN): checked, applied once, and the code to answer (vnpay.IPN_*)."""
    now = timezone.now()
    try:
        gw = gateway(gateway_code)
    except KeyError:
        return vnpay.IPN_OTHER
    outcome = gw.read_notice(params)
    if not outcome.signed:
        log.warning("payment notice with a bad signature", extra={"gateway": gateway_code, "ref": outcome.ref})
        _log_notice(gateway_code, outcome, params, vnpay.IPN_INVALID_SIGNATURE, None, now)
        return vnpay.IPN_INVALID_SIGNATURE
    payment = Payment.objects.select_related("dossier").filter(gateway=gateway_code, order_ref=outcome.ref).first()
    if payment is None or payment.purpose == Purpose.REFUND:
        log.warning("payment notice for an unknown order", extra={"gateway": gateway_code, "ref": outcome.ref})
        _log_notice(gateway_code, outcome, params, vnpay.IPN_ORDER_NOT_FOUND, None, now)
        return vnpay.IPN_ORDER_NOT_FOUND
    if outcome.amount != payment.amount:
        log.warning("payment notice with a wrong amount", extra={"gateway": gateway_code, "ref": outcome.ref})
        _log_notice(gateway_code, outcome, params, vnpay.IPN_INVALID_AMOUNT, payment, now)
        return vnpay.IPN_INVALID_AMOUNT
    with transaction.atomic():
        answer = apply_outcome(payment.dossier.code, payment.pk, outcome, now)
        _log_notice(gateway_code, outcome, params, answer, payment, now)
    return answer


def apply_outcome(code: str, payment_id: int, outcome: Outcome, now=None) -> str:
    """The gateway's word on a payment (notice or query), applied under the dossier's lock; the IPN code."""
    now = now or timezone.now()
    with transaction.atomic():
        dossier = _lock(code)
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.state in (State.PAID, State.REFUNDED):
            return vnpay.IPN_ALREADY_CONFIRMED
        if not outcome.finished:
            return vnpay.IPN_CONFIRMED if payment.state in OPEN else vnpay.IPN_ALREADY_CONFIRMED
        before = history.look_before(dossier)
        from_status = dossier.status
        if not outcome.paid:
            if payment.state not in OPEN:
                return vnpay.IPN_ALREADY_CONFIRMED
            _move(payment, State.FAILED, now)
            payment.gateway_code = outcome.code[:8]
            payment.save()
            _write(dossier, "payment_failed", from_status, None, now,
                   {"payment": payment.pk, "code": outcome.code[:8]}, before)
            return vnpay.IPN_CONFIRMED
        _move(payment, State.PAID, now)
        payment.gateway_txn, payment.gateway_code = outcome.gateway_txn[:64], outcome.code[:8]
        payment.paid_at = outcome.paid_at or now
        payment.paid_online = gateway(payment.gateway).paid_online
        payment.save()
        owed = dossier.payment_due
        dossier.payment_due = max(0, owed - payment.amount)
        dossier.paid_online = payment.paid_online
        if dossier.status == Status.PAYMENT_REQUESTED and dossier.payment_due == 0 and dossier.paused_at is None:
            dossier.status = Status.PROCESSING
        data = {"payment": payment.pk, "amount": payment.amount, "gateway": payment.gateway,
                "gateway_txn": payment.gateway_txn}
        _write(dossier, "payment_paid", from_status, None, now, data, before)
        transaction.on_commit(lambda: _enqueue_receipt(payment.pk))
        if owed < payment.amount or dossier.status not in OPEN_STATUSES:
            # Paid twice (two attempts, or at the counter meanwhile), or for a dossier already ended: given back.
            _start_refund(dossier, payment, now)
        return vnpay.IPN_CONFIRMED


def confirm_from_gateway(payment: Payment) -> Payment:
    """Ask the gateway about a payment still open (the return page, the reconciliation) and apply its word.

    The return URL's query is never trusted for the outcome: the server asks the gateway itself.
    """
    if payment.state not in OPEN or payment.gateway == COUNTER:
        return payment
    try:
        outcome = gateway(payment.gateway).query(order_of(payment))
    except GatewayUnavailable:
        return payment
    if outcome.signed and outcome.ref == payment.order_ref and (outcome.amount in (None, payment.amount)):
        if outcome.finished and (not outcome.paid or outcome.amount == payment.amount):
            apply_outcome(payment.dossier.code, payment.pk, outcome)
    payment.refresh_from_db()
    return payment


# --- refunds ------------------------------------------------------------------------------------------


def _start_refund(dossier: Dossier, paid: Payment, now) -> Payment | None:
    if paid.gateway == COUNTER or paid.refunds.exclude(state=State.FAILED).exists():
        return None
    refund = Payment.objects.create(
        dossier=dossier, purpose=Purpose.REFUND, amount=paid.amount, gateway=paid.gateway, order_ref=_new_ref(now),
        state=State.PENDING, refund_of=paid, payer=paid.payer, created_at=now, updated_at=now,
    )
    transaction.on_commit(lambda: _enqueue_refund(refund.pk))
    return refund


def refund_ended(ctx: Ctx, from_status: int) -> list[int]:
    """A dossier ended (refused, withdrawn, stopped) before processing: every online payment given back."""
    if from_status not in REFUND_FROM:
        return []
    started = []
    for paid in Payment.objects.filter(dossier=ctx.dossier, state=State.PAID).exclude(purpose=Purpose.REFUND):
        refund = _start_refund(ctx.dossier, paid, ctx.now)
        if refund is not None:
            started.append(refund.pk)
    attempts = Payment.objects.select_for_update().filter(dossier=ctx.dossier, state__in=OPEN).exclude(purpose=Purpose.REFUND)
    for open_payment in attempts:
        _move(open_payment, State.EXPIRED, ctx.now)
        open_payment.save()
    ctx.dossier.payment_due = 0
    return started


def _enqueue_receipt(payment_id: int) -> None:
    from motcua.dossiers.tasks import issue_payment_receipt

    issue_payment_receipt.enqueue(payment_id)


def _enqueue_refund(refund_id: int) -> None:
    from motcua.dossiers.tasks import process_refund

    process_refund.enqueue(refund_id)


def process_refund(refund_id: int) -> str:
    """Ask the gateway to give a refund's money back (outside any lock), then record its answer."""
    refund = Payment.objects.select_related("refund_of", "dossier").filter(pk=refund_id).first()
    if refund is None or refund.state not in OPEN:
        return "nothing to do"
    paid = refund.refund_of
    try:
        answer = gateway(refund.gateway).refund(order_of(paid), refund.amount, by="motcua")
    except GatewayUnavailable:
        return "gateway unavailable"  # left pending: the next sweep asks again
    now = timezone.now()
    with transaction.atomic():
        dossier = _lock(refund.dossier.code)
        refund = Payment.objects.select_for_update().get(pk=refund_id)
        paid = Payment.objects.select_for_update().get(pk=paid.pk)
        if refund.state not in OPEN:
            return "already recorded"
        before = history.look_before(dossier)
        refund.gateway_code, refund.gateway_txn = answer.code[:8], answer.gateway_txn[:64]
        if answer.accepted:
            _move(refund, State.PAID, now)
            refund.paid_at = now
            _move(paid, State.REFUNDED, now)
            paid.save()
        else:
            _move(refund, State.FAILED, now)
        refund.save()
        _write(dossier, "payment_refunded" if answer.accepted else "refund_failed", dossier.status, None, now,
               {"payment": paid.pk, "refund": refund.pk, "amount": refund.amount, "code": answer.code[:8]}, before)
    return "refunded" if answer.accepted else f"refused {answer.code}"


def pending_refunds() -> list[int]:
    return list(Payment.objects.filter(purpose=Purpose.REFUND, state__in=OPEN).values_list("pk", flat=True))
