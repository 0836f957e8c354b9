"""The VNPAY 2.1.0 protocol, as VNPAY publishes it: pure functions, no Django, no network.

- the payment URL: every `vnp_` field sorted by name, each name and value URL-encoded as VNPAY's
  own sample code does (`quote_plus`: a space becomes "+"), joined with "&"; `vnp_SecureHash` is
  the HMAC-SHA512 (hex) of that string with the merchant's hash secret;
- the return URL and the IPN carry the same kind of signed query: checked the same way, with
  `vnp_SecureHash` and `vnp_SecureHashType` left out of what is signed;
- the merchant web API (`querydr`, `refund`): a JSON POST whose `vnp_SecureHash` is the
  HMAC-SHA512 of named fields joined with "|" in an order fixed per call (below);
- amounts on the wire are đồng × 100; dates are yyyyMMddHHmmss in GMT+7.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

VERSION = "2.1.0"
GMT7 = ZoneInfo("Asia/Ho_Chi_Minh")
DATE_FORMAT = "%Y%m%d%H%M%S"
UNSIGNED = frozenset({"vnp_SecureHash", "vnp_SecureHashType"})

# The order of the fields each merchant web API call signs (VNPAY's API documentation).
QUERYDR_REQUEST = ("vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TxnRef",
                   "vnp_TransactionDate", "vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo")
QUERYDR_RESPONSE = ("vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode", "vnp_TxnRef",
                    "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo", "vnp_TransactionType",
                    "vnp_TransactionStatus", "vnp_OrderInfo", "vnp_PromotionCode", "vnp_PromotionAmount")
REFUND_REQUEST = ("vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TransactionType", "vnp_TxnRef",
                  "vnp_Amount", "vnp_TransactionNo", "vnp_TransactionDate", "vnp_CreateBy", "vnp_CreateDate",
                  "vnp_IpAddr", "vnp_OrderInfo")
REFUND_RESPONSE = ("vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode", "vnp_TxnRef",
                   "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo", "vnp_TransactionType",
                   "vnp_TransactionStatus", "vnp_OrderInfo")

# vnp_ResponseCode of a payment (return URL, IPN): 00 success; the others VNPAY lists.
SUCCESS = "00"
CANCELLED_BY_CUSTOMER = "24"
# vnp_TransactionStatus: 00 paid, 01 not finished, 02 error, 05/06 refund under way, 04 reversed.
STATUS_PAID, STATUS_UNFINISHED, STATUS_ERROR = "00", "01", "02"
# What the merchant answers an IPN ({"RspCode", "Message"}), as VNPAY expects it.
IPN_CONFIRMED, IPN_ORDER_NOT_FOUND, IPN_ALREADY_CONFIRMED = "00", "01", "02"
IPN_INVALID_AMOUNT, IPN_INVALID_SIGNATURE, IPN_OTHER = "04", "97", "99"
IPN_MESSAGES = {
    IPN_CONFIRMED: "Confirm Success", IPN_ORDER_NOT_FOUND: "Order not found",
    IPN_ALREADY_CONFIRMED: "Order already confirmed", IPN_INVALID_AMOUNT: "Invalid amount",
    IPN_INVALID_SIGNATURE: "Invalid signature", IPN_OTHER: "Unknown error",
}
# Refund types (vnp_TransactionType of a refund request): whole or part of the payment.
REFUND_FULL, REFUND_PARTIAL = "02", "03"


def vnp_date(at: datetime) -> str:
    return at.astimezone(GMT7).strftime(DATE_FORMAT)


def parse_vnp_date(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, DATE_FORMAT).replace(tzinfo=GMT7)
    except (TypeError, ValueError):
        return None


def hmac_sha512(secret: str, data: str) -> str:
    return hmac.new(secret.encode(), data.encode("utf-8"), hashlib.sha512).hexdigest()


def query_to_sign(fields: Mapping[str, str]) -> str:
    """The signed string of a payment URL, return URL or IPN: sorted, URL-encoded like VNPAY's sample code."""
    signed = sorted((k, str(v)) for k, v in fields.items() if k.startswith("vnp_") and k not in UNSIGNED)
    return "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in signed)


def sign_query(fields: Mapping[str, str], secret: str) -> str:
    return hmac_sha512(secret, query_to_sign(fields))


def payment_url(base: str, fields: Mapping[str, str], secret: str) -> str:
    query = query_to_sign(fields)
    return f"{base}?{query}&vnp_SecureHash={hmac_sha512(secret, query)}"


def verify_query(fields: Mapping[str, str], secret: str) -> bool:
    given = str(fields.get("vnp_SecureHash", ""))
    return bool(given) and hmac.compare_digest(given.lower(), sign_query(fields, secret))


def sign_api(fields: Mapping[str, object], order: tuple[str, ...], secret: str) -> str:
    return hmac_sha512(secret, "|".join(str(fields.get(name, "")) for name in order))


def verify_api(fields: Mapping[str, object], order: tuple[str, ...], secret: str) -> bool:
    given = str(fields.get("vnp_SecureHash", ""))
    return bool(given) and hmac.compare_digest(given.lower(), sign_api(fields, order, secret))


def to_wire(amount_dong: int) -> str:
    return str(amount_dong * 100)


def from_wire(text: object) -> int | None:
    """đồng from vnp_Amount, or None when it is not a whole number of đồng."""
    if not isinstance(text, str | int) or not str(text).isdigit() or len(str(text)) > 18:
        return None
    value = int(text)
    return value // 100 if value % 100 == 0 else None
