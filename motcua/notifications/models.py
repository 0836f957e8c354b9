"""The transactional outbox: events written with the change, delivered later."""

from __future__ import annotations

from django.db import models


class OutboxEvent(models.Model):
    topic = models.CharField(max_length=64)
    key = models.CharField(max_length=64, help_text="the object the event is about, e.g. a dossier code")
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    # Fan-out bookkeeping (notifications/fanout.py): `delivered_at` is set in the same transaction
    # that writes the event's `Delivery` rows (one per recipient and channel); an event whose
    # messages cannot be written counts an attempt and keeps the error. (`claimed_until` is no
    # longer used: the rows are locked while they are fanned out.)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    # An event a sweep may find again (an officer's "due tomorrow"): written once per this key.
    dedupe = models.CharField(max_length=160, null=True, blank=True, unique=True)

    class Meta:
        indexes = [models.Index(fields=["delivered_at", "id"])]
        ordering = ["id"]


class Channel(models.TextChoices):
    EMAIL = "email", "email"
    SMS = "sms", "SMS"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "queued"
    SENT = "sent", "sent"
    FAILED = "failed", "failed"  # tried, will be tried again at next_attempt_at
    DEAD = "dead", "dead"  # out of attempts (or refused for good): waits for an administrator's replay


class Delivery(models.Model):
    """One message to one recipient on one channel, made from an outbox event (notifications/fanout.py).

    The text is written when the row is made, in the recipient's language, so a retry or a
    replay sends exactly the same message with the same Message-ID (`uid`): a receiver that
    sees it twice can tell it is a resend.
    """

    event = models.ForeignKey(OutboxEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries")
    uid = models.UUIDField(unique=True)
    topic = models.CharField(max_length=64)
    key = models.CharField(max_length=64, help_text="the object the message is about, e.g. a dossier code")
    recipient = models.ForeignKey("identity.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    audience = models.CharField(max_length=16, default="applicant")  # applicant / officer / other
    channel = models.CharField(max_length=16, choices=Channel.choices)
    address = models.CharField(max_length=254)
    language = models.CharField(max_length=8, blank=True, default="")
    subject = models.CharField(max_length=255, blank=True, default="")
    body = models.TextField()
    attachment = models.CharField(max_length=64, blank=True, default="")  # an apology letter's number
    status = models.CharField(max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    # A worker's claim (delivery.py): short, renewed before each send, so a dead worker's rows come back soon.
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["key", "id"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["event", "channel", "address"], name="notifications_delivery_once"),
        ]
        ordering = ["id"]

    @property
    def message_id(self) -> str:
        from django.conf import settings

        return f"<{self.uid}@{settings.NOTIFICATIONS_MESSAGE_ID_DOMAIN}>"


class Preference(models.Model):
    """How a person wants to hear from the platform: e-mail, SMS (to `phone`, E.164), or both."""

    user = models.OneToOneField("identity.User", on_delete=models.CASCADE, related_name="notification_preference")
    phone = models.CharField(max_length=20, blank=True, default="")
    email = models.BooleanField(default=True)
    sms = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)


class DemoSms(models.Model):
    """A text received by the bundled demo SMS gateway (/demo-sms/, DEMO_SMS_ENABLED): never in production."""

    to = models.CharField(max_length=20, db_index=True)
    text = models.TextField()
    message_id = models.CharField(max_length=128, blank=True, default="")
    sender = models.CharField(max_length=32, blank=True, default="")
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
