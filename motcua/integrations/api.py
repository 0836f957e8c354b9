"""`/api/v1/webhooks`: a unit administrator subscribes URLs of their units' subtrees (docs/api.md, "Webhooks").

The signing secret is answered once, at creation (and at each rotation); lists never show it. A
subscription outside the caller's units answers 404 like one that does not exist.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router
from ninja.responses import Status as Answer
from pydantic import BaseModel, ConfigDict, Field

from motcua.integrations import addresses, signing, webhooks
from motcua.integrations.models import WebhookDelivery, WebhookSubscription
from motcua.lib.errors import Invalid, NotFound
from motcua.lib.ratelimit import rate_limited
from motcua.units.models import Role
from motcua.units.scope import units_for

router = Router(tags=["webhooks"])


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit: str = Field(min_length=1, max_length=32, description="the unit code; events of its whole subtree")
    url: str = Field(min_length=1, max_length=500)
    event_types: list[str] = Field(min_length=1, max_length=64, description="e.g. dossier.receive, result.revoked")
    description: str = Field("", max_length=200)


class SubscriptionOut(BaseModel):
    id: int
    unit: str
    url: str
    event_types: list[str]
    description: str
    active: bool
    disabled_reason: str
    created_at: datetime
    rotating_until: datetime | None = Field(None, description="the previous secret still signs until then")


class SecretOut(SubscriptionOut):
    secret: str = Field(description="whsec_…: shown only in this answer; keep it to check signatures")


class DeliveryOut(BaseModel):
    id: int
    message_id: str
    event_type: str
    state: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    last_status_code: int | None
    last_error: str


def _out(sub: WebhookSubscription, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    rotating = sub.previous_expires_at if sub.previous_secret and sub.previous_expires_at and \
        sub.previous_expires_at > now else None
    return {"id": sub.pk, "unit": sub.unit.code, "url": sub.url, "event_types": sub.event_types,
            "description": sub.description, "active": sub.active, "disabled_reason": sub.disabled_reason,
            "created_at": sub.created_at, "rotating_until": rotating}


def _mine(request):
    return WebhookSubscription.objects.select_related("unit").filter(unit__in=units_for(request.user, Role.UNIT_ADMIN))


def _get(request, sub_id: int) -> WebhookSubscription:
    sub = _mine(request).filter(pk=sub_id).first() if 0 < sub_id < 2**63 else None
    if sub is None:
        raise NotFound(_("Không tìm thấy đăng ký webhook."), code="not_found")
    return sub


@router.post("", response={201: SecretOut},
             summary="Subscribe a URL to event types of a unit's subtree (a unit administrator); answers the secret once")
@rate_limited("webhook")
def create(request, body: SubscriptionIn):
    unit = units_for(request.user, Role.UNIT_ADMIN).filter(code=body.unit).first()
    if unit is None:
        # Not an administrator there, or no such unit: the same answer.
        raise NotFound(_("Không có đơn vị mã %(unit)s trong phạm vi quản trị của bạn.") % {"unit": body.unit},
                       code="unknown_unit")
    known = set(webhooks.event_types())
    unknown = sorted(set(body.event_types) - known)
    if unknown:
        raise Invalid(_("Loại sự kiện không có: %(types)s.") % {"types": ", ".join(t[:64] for t in unknown)},
                      code="unknown_event_type", known=sorted(known))
    try:
        addresses.check(body.url)
    except addresses.Refused as exc:
        raise Invalid(str(exc), code="url_refused") from exc
    # A retry with the same Idempotency-Key is answered by api/idempotency.py before this runs.
    sub = WebhookSubscription.objects.create(
        unit=unit, url=body.url, event_types=sorted(set(body.event_types)), description=body.description,
        secret=signing.new_secret(), created_by=request.user, created_at=timezone.now(),
    )
    return Answer(201, {**_out(sub), "secret": sub.secret})


@router.get("", response=list[SubscriptionOut], summary="The subscriptions of your units (without their secrets)")
def list_subscriptions(request):
    now = timezone.now()
    return [_out(s, now) for s in _mine(request).order_by("id")[:500]]


@router.get("/{int:sub_id}", response=SubscriptionOut, summary="One subscription (without its secret)")
def get_subscription(request, sub_id: int):
    return _out(_get(request, sub_id))


@router.delete("/{int:sub_id}", response={204: None}, summary="Unsubscribe (pending deliveries are dropped)")
def delete_subscription(request, sub_id: int):
    _get(request, sub_id).delete()
    return Answer(204, None)


@router.post("/{int:sub_id}/rotate-secret", response=SecretOut,
             summary="A new secret; the old one keeps signing beside it for WEBHOOK_ROTATION_OVERLAP_HOURS")
def rotate_secret(request, sub_id: int):
    with transaction.atomic():
        sub = _get(request, sub_id)
        secret = webhooks.rotate(sub, timezone.now())
    return {**_out(sub), "secret": secret}


@router.get("/{int:sub_id}/deliveries", response=list[DeliveryOut],
            summary="The subscription's delivery log, newest first (state, attempts, last answer)")
def deliveries(request, sub_id: int, limit: int = 50):
    if not 1 <= limit <= 500:
        raise Invalid(_("limit phải từ 1 đến 500."), code="invalid_limit")
    sub = _get(request, sub_id)
    rows = WebhookDelivery.objects.filter(subscription=sub).order_by("-id")[:limit]
    return [{"id": r.pk, "message_id": r.message_id, "event_type": r.event_type, "state": r.state,
             "attempts": r.attempts, "created_at": r.created_at,
             "next_attempt_at": r.next_attempt_at if r.state == "pending" else None,
             "delivered_at": r.delivered_at, "last_status_code": r.last_status_code, "last_error": r.last_error}
            for r in rows]


@router.post("/{int:sub_id}/deliveries/{int:delivery_id}/replay", response=DeliveryOut,
             summary="Send a dead delivery again (same webhook-id)")
def replay(request, sub_id: int, delivery_id: int):
    from motcua.integrations import claims

    sub = _get(request, sub_id)
    if not 0 < delivery_id < 2**63 or not WebhookDelivery.objects.filter(subscription=sub, pk=delivery_id).exists():
        raise NotFound(_("Không tìm thấy lần gửi này."), code="not_found")
    claims.replay(WebhookDelivery, [delivery_id])
    r = WebhookDelivery.objects.get(pk=delivery_id)
    return {"id": r.pk, "message_id": r.message_id, "event_type": r.event_type, "state": r.state,
            "attempts": r.attempts, "created_at": r.created_at, "next_attempt_at": r.next_attempt_at,
            "delivered_at": r.delivered_at, "last_status_code": r.last_status_code, "last_error": r.last_error}
