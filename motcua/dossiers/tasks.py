"""Background work about dossiers, through the Django Tasks API."""

from __future__ import annotations

from django_tasks import task

from motcua.dossiers import actions


@task()
def check_deadlines() -> dict[str, int]:
    """Flag dossiers at risk of being late, and late ones (run periodically by `motcua scheduler`)."""
    return actions.mark_deadlines()


@task()
def remind_expiring_results() -> int:
    """Remind the holders of results about to expire (run periodically by `motcua scheduler`)."""
    from motcua.dossiers.actions.expiry_job import remind_expiring

    return remind_expiring()


@task()
def process_refund(refund_id: int) -> str:
    """Ask the gateway to give a refund's money back and record its answer (enqueued when the refund starts)."""
    return actions.payments.process_refund(refund_id)


@task()
def process_refunds() -> dict[str, str]:
    """Refunds still waiting for the gateway (it was down): asked again (run periodically)."""
    return {str(pk): actions.payments.process_refund(pk) for pk in actions.payments.pending_refunds()}


@task()
def expire_payments() -> int:
    """Payment attempts left open past their expiry marked expired, each with its event (run periodically)."""
    return actions.payments.expire_payments()


@task()
def issue_payment_receipt(payment_id: int) -> int | None:
    """The paid payment's e-receipt (signed PDF) into the payer's vault; its vault document id."""
    from motcua.payments.receipts import issue

    doc = issue(payment_id)
    return doc.pk if doc is not None else None
