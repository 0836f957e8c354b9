"""Payments of a dossier's fees, the gateways' notices, and the bundled sandbox gateway's own books.

Only the actions layer (dossiers/actions/payments.py) changes a `Payment`: each change is a step
of `TRANSITIONS` and a history event of the dossier.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    SUBMISSION = "submission", _("Phí, lệ phí nộp cùng hồ sơ")
    REQUESTED = "requested", _("Phí, lệ phí theo yêu cầu của cơ quan")
    REFUND = "refund", _("Hoàn tiền")


class State(models.TextChoices):
    CREATED = "created", _("Mới tạo")
    PENDING = "pending", _("Đang chờ thanh toán")
    PAID = "paid", _("Đã thanh toán")
    FAILED = "failed", _("Không thành công")
    EXPIRED = "expired", _("Hết hạn")
    REFUNDED = "refunded", _("Đã hoàn tiền")


# The allowed steps (as GOV.UK Pay's transition table). A late success overwrites an earlier
# failure or expiry: the gateway's word that money moved wins (Open Forms #5942).
TRANSITIONS: dict[str, frozenset[str]] = {
    State.CREATED: frozenset({State.PENDING, State.PAID, State.FAILED, State.EXPIRED}),
    State.PENDING: frozenset({State.PAID, State.FAILED, State.EXPIRED}),
    State.FAILED: frozenset({State.PAID}),
    State.EXPIRED: frozenset({State.PAID}),
    State.PAID: frozenset({State.REFUNDED}),
    State.REFUNDED: frozenset(),
}
OPEN = frozenset({State.CREATED, State.PENDING})


class Payment(models.Model):
    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.PROTECT, related_name="payments")
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    amount = models.PositiveBigIntegerField()  # đồng
    gateway = models.CharField(max_length=32)  # a plugin's code (gateways/), or "counter"
    # Our order reference at the gateway (vnp_TxnRef): unique, never reused.
    order_ref = models.CharField(max_length=64, unique=True)
    gateway_txn = models.CharField(max_length=64, blank=True)  # the gateway's transaction number
    state = models.CharField(max_length=10, choices=State.choices, default=State.CREATED)
    # How it counts for Decision 766 (DuocThanhToanTrucTuyen): 0 not online, 1 national platform, 2 local gateway.
    paid_online = models.PositiveSmallIntegerField(default=0)
    lines = models.JSONField(default=list)  # the fee lines of the quote it pays
    receipt_number = models.CharField(max_length=64, blank=True)  # a counter payment's receipt
    refund_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="refunds")
    payer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    gateway_code = models.CharField(max_length=8, blank=True)  # the gateway's last response code
    receipt = models.ForeignKey("vault.VaultDocument", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")  # the e-receipt, in the payer's vault

    class Meta:
        indexes = [models.Index(fields=["dossier", "state"]), models.Index(fields=["gateway", "paid_at"])]
        constraints = [
            models.UniqueConstraint(fields=["payer", "idempotency_key"], condition=~models.Q(idempotency_key=""),
                                    name="payment_idempotency_key_once"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.order_ref

    @property
    def state_label(self) -> str:
        # A refund the gateway carried out is "paid" in its books; to the citizen the money came back.
        if self.purpose == Purpose.REFUND and self.state == State.PAID:
            return str(_("Đã hoàn trả cho người nộp"))
        return self.get_state_display()


class Notice(models.Model):
    """Every notification a gateway sent (IPN), with what we answered: the finance officer sees the refused ones."""

    gateway = models.CharField(max_length=32)
    order_ref = models.CharField(max_length=64, blank=True)
    payment = models.ForeignKey(Payment, null=True, on_delete=models.SET_NULL, related_name="notices")
    params = models.JSONField(default=dict)
    answer = models.CharField(max_length=4)
    received_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["received_at"]), models.Index(fields=["order_ref"])]


class SandboxTransaction(models.Model):
    """The bundled sandbox gateway's books: what a real gateway would hold on its side."""

    txn_no = models.CharField(max_length=20, unique=True)  # vnp_TransactionNo
    tmn_code = models.CharField(max_length=16)
    txn_ref = models.CharField(max_length=64)
    amount = models.PositiveBigIntegerField()  # wire amount (đồng × 100)
    order_info = models.CharField(max_length=255)
    return_url = models.CharField(max_length=500)
    created = models.CharField(max_length=14)  # vnp_CreateDate as given
    status = models.CharField(max_length=2, default="01")  # vnp_TransactionStatus
    response_code = models.CharField(max_length=2, default="")
    pay_date = models.CharField(max_length=14, blank=True)
    refunded = models.PositiveBigIntegerField(default=0)  # wire amount refunded so far
    ipn_answers = models.JSONField(default=list)  # what the merchant answered each IPN

    class Meta:
        indexes = [models.Index(fields=["tmn_code", "txn_ref"])]
