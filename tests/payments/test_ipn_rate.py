"""Gateway notifications are rate-limited per address, by PAYMENT_IPN_RATE_PER_MINUTE (a busy installation raises it)."""

from __future__ import annotations

from django.core.cache import cache
from django.test import Client

from motcua.payments import vnpay


def test_notices_past_the_limit_a_minute_are_refused_with_429_and_the_limit_is_a_setting(db, settings):
    cache.clear()
    settings.PAYMENT_IPN_RATE_PER_MINUTE = 3
    c = Client()
    answers = [c.get("/payments/ipn/sandbox/", {"vnp_TxnRef": "X"}) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [r.json()["RspCode"] for r in answers] == [vnpay.IPN_INVALID_SIGNATURE] * 3 + [vnpay.IPN_OTHER]
    settings.PAYMENT_IPN_RATE_PER_MINUTE = 5
    assert c.get("/payments/ipn/sandbox/", {"vnp_TxnRef": "X"}).status_code == 200
    cache.clear()
