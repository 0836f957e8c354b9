"""SMS through a provider plugin: the generic HTTP provider, or the bundled demo gateway.

`SMS_PROVIDER` names the provider ("http", "demo"; empty: no SMS). The generic HTTP provider
POSTs JSON `{"id", "to", "text", "sender"}` to `SMS_HTTP_URL` (with `Authorization: Bearer
SMS_HTTP_TOKEN` when set, and the delivery's id as `Idempotency-Key`): any 2xx is sent; a 4xx
other than 408/429 is refused for good; the rest (5xx, 408, 429, a timeout, a redirect, which
is never followed) is tried again; a provider that cannot be reached or does not answer in
SMS_HTTP_TIMEOUT stops the texts for the sweep (the mail goes on). A provider of a given country is a class registered with
`@provider("name")`.
"""

from __future__ import annotations

import threading

import requests
from django.conf import settings
from django.utils import timezone

from motcua.notifications.channels import Permanent, Unreachable, register
from motcua.notifications.models import Delivery, DemoSms

_providers: dict[str, type] = {}


def provider(name: str):
    def add(cls):
        _providers[name] = cls
        return cls

    return add


@register("sms")
class SmsChannel:
    code = "sms"

    @classmethod
    def available(cls) -> bool:
        return settings.SMS_PROVIDER in _providers

    def __init__(self) -> None:
        self.provider = _providers[settings.SMS_PROVIDER]()
        # Texts sent at once by a sweep (delivery.py), for providers whose send touches no database.
        self.parallel = getattr(self.provider, "parallel", 1)

    def send(self, delivery: Delivery) -> None:
        self.provider.send(str(delivery.uid), delivery.address, delivery.body)

    def close(self) -> None:
        self.provider.close()


@provider("http")
class HttpProvider:
    parallel = 8  # requests at once from one sweep

    def __init__(self) -> None:
        self.local = threading.local()  # a session per thread: requests' Session is not thread-safe

    def _session(self) -> requests.Session:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
            if settings.SMS_HTTP_TOKEN:
                session.headers["Authorization"] = f"Bearer {settings.SMS_HTTP_TOKEN}"
        return session

    def send(self, message_id: str, to: str, text: str) -> None:
        body = {"id": message_id, "to": to, "text": text, "sender": settings.SMS_SENDER}
        try:
            answer = self._session().post(settings.SMS_HTTP_URL, json=body, timeout=settings.SMS_HTTP_TIMEOUT,
                                       allow_redirects=False, headers={"Idempotency-Key": message_id})
        except requests.ConnectionError as exc:
            raise Unreachable(f"ConnectionError: {exc}") from exc
        except requests.Timeout as exc:
            # A provider that hangs is treated as one that is down: the rest of the texts wait for the next
            # sweep instead of each costing a timeout while the mail of the same sweep waits behind them.
            raise Unreachable(f"{type(exc).__name__}: {exc}") from exc
        if 200 <= answer.status_code < 300:
            return
        error = f"HTTP {answer.status_code}: {answer.text[:200]}"
        if 400 <= answer.status_code < 500 and answer.status_code not in (408, 429):
            raise Permanent(error)
        raise RuntimeError(error)

    def close(self) -> None:
        session = getattr(self.local, "session", None)
        if session is not None:
            session.close()


@provider("demo")
class DemoProvider:
    """The bundled demo gateway, in-process: the text lands on /demo-sms/ (a resend, same id, is dropped)."""

    def send(self, message_id: str, to: str, text: str) -> None:
        DemoSms.objects.get_or_create(
            message_id=message_id, defaults={"to": to, "text": text, "sender": settings.SMS_SENDER,
                                             "received_at": timezone.now()},
        )

    def close(self) -> None:
        pass
