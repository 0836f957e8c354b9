"""Asking the applicant to pay (the clock runs on) and confirming the payment."""

from __future__ import annotations

from motcua.dossiers.actions.context import Ctx
from motcua.dossiers.actions.inputs import AMOUNT_REFUSED, PaymentConfirmationInput, PaymentRequestInput
from motcua.dossiers.models import Status
from motcua.lib.errors import Invalid


def request_payment(ctx: Ctx, p: PaymentRequestInput) -> tuple[int, dict]:
    amount = p.amount if p.amount is not None else ctx.dossier.fee
    if not isinstance(amount, int) or amount <= 0:
        raise Invalid(str(AMOUNT_REFUSED), code="invalid_amount")
    ctx.dossier.payment_due = amount
    return Status.PAYMENT_REQUESTED, {"amount": amount}


def confirm_payment(ctx: Ctx, p: PaymentConfirmationInput) -> tuple[int, dict]:
    paid = ctx.dossier.payment_due
    ctx.dossier.payment_due = 0
    if p.paid_online in (1, 2):
        ctx.dossier.paid_online = p.paid_online
    return Status.PROCESSING, {"amount": paid}
