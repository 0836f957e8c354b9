"""The day's payments against the gateway's own word (querydr), and the notices that were refused.

Lists every mismatch; changes nothing (a payment the gateway proves paid is applied by the actions
layer, `confirm_from_gateway`, when the citizen or the finance officer opens it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from motcua.payments.gateways import GatewayUnavailable, Order, gateway, known
from motcua.payments.models import Notice, Payment, Purpose, State


@dataclass(frozen=True)
class Mismatch:
    order_ref: str
    dossier: str
    ours: str
    theirs: str
    amount: int
    kind: str  # paid_here_only, paid_there_only, amount_differs, unreachable, refused_notice


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def reconcile(day: date, unit_ids: list[int] | None = None, limit: int | None = None) -> list[Mismatch]:
    """The day's payments against the gateway's word and, for the whole installation, the refused notices.

    `unit_ids`: only those units' payments, and no notices (the finance page lists its notices itself).
    `limit`: ask the gateway about that many payments at most (one call each, in a web request).
    """
    start, end = day_bounds(day)
    payments = (Payment.objects.select_related("dossier").exclude(purpose=Purpose.REFUND)
                .filter(created_at__gte=start, created_at__lt=end, gateway__in=known()).order_by("id"))
    if unit_ids is not None:
        payments = payments.filter(dossier__unit_id__in=unit_ids)
    if limit is not None:
        payments = payments[:limit]
    found: list[Mismatch] = []
    for p in payments:
        try:
            word = gateway(p.gateway).query(Order(ref=p.order_ref, amount=p.amount, info=p.dossier.code,
                                                  created_at=p.created_at))
        except GatewayUnavailable:
            found.append(Mismatch(p.order_ref, p.dossier.code, p.state, "?", p.amount, "unreachable"))
            continue
        ours_paid = p.state in (State.PAID, State.REFUNDED)
        theirs = "paid" if word.paid else (word.code or "none")
        if ours_paid and not word.paid:
            found.append(Mismatch(p.order_ref, p.dossier.code, p.state, theirs, p.amount, "paid_here_only"))
        elif word.paid and not ours_paid:
            found.append(Mismatch(p.order_ref, p.dossier.code, p.state, theirs, p.amount, "paid_there_only"))
        elif word.paid and word.amount != p.amount:
            found.append(Mismatch(p.order_ref, p.dossier.code, p.state, f"paid {word.amount}", p.amount, "amount_differs"))
    if unit_ids is not None:
        return found
    notices = Notice.objects.filter(received_at__gte=start, received_at__lt=end).exclude(answer__in=("00", "02"))
    for n in notices.order_by("id"):
        found.append(Mismatch(n.order_ref, "", "", f"notice {n.answer}", 0, "refused_notice"))
    return found


def as_dicts(found: list[Mismatch]) -> list[dict]:
    return [asdict(m) for m in found]
