"""Channels as plugins: e-mail (SMTP), SMS (through a provider plugin), and later Zalo/OTT or push.

A channel is a small class registered under its code (`@register("sms")`); the sweep
(delivery.py) opens each channel once, hands it the rows of its code, and closes it. A
channel says how a send went by what it raises: nothing (sent), `Permanent` (refused for
good: dead at once), `Unreachable` (the service is down: the rest of this channel's rows wait
for the next sweep, the other channels go on), any other exception (retried with back-off).
"""

from __future__ import annotations

from typing import Protocol

from motcua.notifications.models import Delivery


class Permanent(Exception):
    """The receiver refused this message for good (unknown mailbox, invalid number): no retry."""


class Unreachable(Exception):
    """The channel's service cannot be reached now: try its other messages in a later sweep."""


class ChannelPlugin(Protocol):
    code: str

    @classmethod
    def available(cls) -> bool:
        """Whether this site is configured to send on this channel."""

    def send(self, delivery: Delivery) -> None: ...

    def close(self) -> None: ...


_registry: dict[str, type[ChannelPlugin]] = {}


def register(code: str):
    def add(cls):
        cls.code = code
        _registry[code] = cls
        return cls

    return add


def get(code: str) -> ChannelPlugin:
    _load()
    return _registry[code]()


def available() -> list[str]:
    _load()
    return [code for code, cls in sorted(_registry.items()) if cls.available()]


def _load() -> None:
    # The bundled plugins register on import.
    from motcua.notifications.channels import email, sms  # noqa: F401
