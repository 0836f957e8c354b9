"""Webhook subscriptions and their deliveries; the national portal's sync log; the demo portal's inbox.

Each delivery row is written in the transaction of the change it announces (subscribers.py), so a
change that rolls back sends nothing, and a committed one is sent at least once (webhooks.py, sync.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class State(models.TextChoices):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


class WebhookSubscription(models.Model):
    """A URL that hears of the chosen event types for the dossiers of a unit's subtree."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    url = models.URLField(max_length=500)
    event_types = models.JSONField(default=list)
    description = models.CharField(max_length=200, blank=True, default="")
    # Standard Webhooks secrets ("whsec_" + base64 of 32 bytes): kept in clear because each
    # delivery is signed with them. During a rotation the previous one signs too, until it expires.
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True, default="")
    previous_expires_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=200, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]


class Delivery(models.Model):
    """Common bookkeeping of one message to deliver: claimed by a worker, attempts, next try, outcome."""

    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # A worker holds the row until then (a worker killed mid-delivery loses it at that time).
    claimed_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        abstract = True


class WebhookDelivery(Delivery):
    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=64)  # webhook-id: the same on every attempt
    event_type = models.CharField(max_length=64)
    body = models.TextField()  # the exact JSON signed and sent

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"]), models.Index(fields=["subscription", "-id"])]


class NationalSync(Delivery):
    """One dossier status change to push to the national portal, in order per dossier (`seq`)."""

    dossier_code = models.CharField(max_length=48)
    seq = models.PositiveIntegerField()
    idempotency_id = models.CharField(max_length=64, unique=True)  # the receiver drops a duplicate by it
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    procedure = models.ForeignKey("catalog.Procedure", on_delete=models.PROTECT, related_name="+")
    status = models.PositiveSmallIntegerField()
    changed_at = models.DateTimeField()
    # The local day the dossier was received, and whether this is the change that received it: indicator
    # 1.4 counts the dossiers received in its window whose receipt the portal acknowledged in time.
    received_day = models.DateField(null=True, blank=True)
    receipt = models.BooleanField(default=False)
    fields = models.JSONField(default=dict)  # the national field set at the change

    class Meta:
        ordering = ["dossier_code", "seq"]
        constraints = [models.UniqueConstraint(fields=["dossier_code", "seq"], name="national_sync_order")]
        indexes = [models.Index(fields=["state", "next_attempt_at"]), models.Index(fields=["receipt", "received_day"])]


class DemoNationalChange(models.Model):
    """What the bundled demo national portal received (demo_national.py), in order of arrival."""

    code = models.CharField(max_length=48, db_index=True)
    idempotency_id = models.CharField(max_length=64, unique=True)
    seq = models.PositiveIntegerField()
    status = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    fields = models.JSONField(default=dict)
    arrived_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]


class OutsideAnswer(models.Model):
    """A message an outside agency sent to deliver an answer later (`POST /api/v1/outside/{agency}/answers`).

    Its Standard Webhooks id is remembered with the answer it was given: the same message sent again (the
    agency's retry after a lost answer, or a replay within the timestamp tolerance) is answered the same
    and does nothing twice. Written in the transaction that records the answer on the dossier.
    """

    agency = models.CharField(max_length=32)
    message_id = models.CharField(max_length=128)
    request = models.ForeignKey("dossiers.OutsideRequest", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    received_at = models.DateTimeField()
    status = models.PositiveSmallIntegerField()  # the HTTP status answered
    outcome = models.JSONField(default=dict)  # the body answered

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["agency", "message_id"], name="outside_answer_once")]

    def __str__(self) -> str:
        return f"{self.agency}:{self.message_id}"
