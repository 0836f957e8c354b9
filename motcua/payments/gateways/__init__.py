"""Payment gateway plugins, by a registry (as the registries and the login providers are).

A plugin is a class registered with `@register("code")`; `gateway(code)` builds it from the
settings (`PAYMENT_GATEWAYS[code]`, a dict of its own options). A third provider (a Bangladesh
gateway, the national payment platform) is one new module here and one entry in the settings.

What the rest of motcua asks of a gateway (`Gateway`):
- `pay_url(order)`: where the citizen's browser goes to pay;
- `read_notice(params)`: a notification (IPN) or a return URL's query, checked and read;
- `query(order)`: the gateway's own word on an order (server to server), for the return page
  and the reconciliation;
- `refund(order, amount, by)`: give money back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.conf import settings


@dataclass(frozen=True)
class Order:
    """What a gateway needs to know of one payment (no model: plugins import no other room)."""

    ref: str
    amount: int  # đồng
    info: str  # shown to the payer at the gateway
    created_at: datetime
    expires_at: datetime | None = None
    return_url: str = ""
    ip: str = "127.0.0.1"
    locale: str = "vn"
    gateway_txn: str = ""
    paid_at: datetime | None = None


@dataclass(frozen=True)
class Outcome:
    """The gateway's word on an order: from a notice, a return URL or a query.

    `signed`: the signature held (nothing else may be trusted otherwise); `paid`: money moved;
    `finished`: the gateway will not change its mind (a payment still open is not finished).
    """

    signed: bool
    ref: str = ""
    amount: int | None = None  # đồng, None when the gateway said something that is not an amount
    paid: bool = False
    finished: bool = False
    gateway_txn: str = ""
    code: str = ""  # the gateway's response code
    paid_at: datetime | None = None
    params: Mapping[str, str] | None = None


@dataclass(frozen=True)
class RefundOutcome:
    accepted: bool
    code: str
    gateway_txn: str = ""
    message: str = ""


class GatewayUnavailable(Exception):
    """The gateway cannot be asked now (down, slow, answering nonsense): try again later."""


class Gateway(Protocol):
    code: str
    paid_online: int  # Decision 766: 1 the national payment platform, 2 a local gateway

    def pay_url(self, order: Order) -> str: ...

    def read_notice(self, params: Mapping[str, str]) -> Outcome: ...

    def query(self, order: Order) -> Outcome: ...

    def refund(self, order: Order, amount: int, by: str) -> RefundOutcome: ...


_plugins: dict[str, Callable[..., Gateway]] = {}


def register(code: str) -> Callable[[type], type]:
    def decorate(cls: type) -> type:
        _plugins[code] = cls
        return cls

    return decorate


def known() -> list[str]:
    _load_bundled()
    return sorted(code for code in settings.PAYMENT_GATEWAYS if settings.PAYMENT_GATEWAYS[code].get("plugin") in _plugins)


def gateway(code: str) -> Gateway:
    """The configured gateway `code`; KeyError when there is none of that name."""
    _load_bundled()
    options = dict(settings.PAYMENT_GATEWAYS[code])
    plugin = options.pop("plugin")
    if options.pop("sandbox", False):
        from motcua.payments.sandbox import config

        cfg = config()
        options.update(tmn_code=cfg["tmn_code"], hash_secret=cfg["hash_secret"], pay_url=cfg["pay_url"],
                       api_url=cfg["api_url"])
    return _plugins[plugin](code=code, **options)


def default() -> Gateway:
    return gateway(settings.PAYMENT_GATEWAY)


def _load_bundled() -> None:
    from motcua.payments.gateways import vnpay_gateway  # noqa: F401  (registers "vnpay")
