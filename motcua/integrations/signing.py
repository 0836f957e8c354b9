"""Standard Webhooks signatures (https://www.standardwebhooks.com/): HMAC-SHA256 of "id.timestamp.body".

Receivers check them with any Standard Webhooks library (the tests use the reference `standardwebhooks`
package). During a secret rotation each message carries one signature per live secret, space-separated,
so a receiver that knows either secret accepts it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    """A signing secret: "whsec_" + base64 of 32 random bytes (the spec asks for at least 24)."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, message_id: str, timestamp: int, body: str) -> str:
    mac = hmac.new(_key(secret), f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def headers(secrets_: list[str], message_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, message_id, timestamp, body) for s in secrets_),
        "content-type": "application/json",
    }


class Refused(Exception):
    """A message whose signature, id or timestamp does not hold (the reason is for the log, not the sender)."""


MESSAGE_ID_MAX = 128


def verify(secrets_: list[str], headers_: dict[str, str], body: bytes, now: float, tolerance: int) -> tuple[str, int]:
    """Check a received message signed by the Standard Webhooks scheme; its (id, timestamp), else `Refused`.

    `headers_` are the request's (case-insensitive names); each `v1,` signature of the header is compared in
    constant time against each secret (a rotation: the sender may sign with either). A timestamp further than
    `tolerance` seconds from `now`, either way, is refused: a message captured and sent again later does not
    verify, and within the tolerance its id is what the receiver remembers (integrations.OutsideAnswer).
    """
    message_id = headers_.get("webhook-id", "")
    raw_timestamp = headers_.get("webhook-timestamp", "")
    signatures = headers_.get("webhook-signature", "")
    if not message_id or len(message_id) > MESSAGE_ID_MAX or not message_id.isascii() or not message_id.isprintable():
        raise Refused("missing or malformed webhook-id")
    if not raw_timestamp.isascii() or not raw_timestamp.isdigit() or len(raw_timestamp) > 12:
        raise Refused("missing or malformed webhook-timestamp")
    timestamp = int(raw_timestamp)
    if abs(now - timestamp) > tolerance:
        raise Refused("webhook-timestamp outside the tolerance")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused("body not UTF-8") from None
    for secret in secrets_:
        expected = signature(secret, message_id, timestamp, text).encode()
        for given in signatures.split(" ")[:8]:
            if given.startswith("v1,") and hmac.compare_digest(given.encode("ascii", "replace"), expected):
                return message_id, timestamp
    raise Refused("no signature matches")
