"""VNPAY 2.1.0 as VNPAY's own published Python sample does it, written here independently of motcua.

Derived from VNPAY's integration guide and sample (vnpay_python): the request fields sorted by
name, each value passed through urllib's `quote_plus`, joined "key=value" with "&"; the hash is
HMAC-SHA512 with the merchant's secret. The merchant web API (querydr, refund) joins fixed fields
with "|". Nothing here imports motcua: the tests hold motcua's implementation against this one.
"""

import hashlib
import hmac
import urllib.parse


def _hash(secret, text):
    return hmac.new(bytes(secret, "utf-8"), bytes(text, "utf-8"), hashlib.sha512).hexdigest()


def payment_url(base, request_data, secret):
    query = ""
    for n, (key, val) in enumerate(sorted(request_data.items())):
        query += ("&" if n else "") + key + "=" + urllib.parse.quote_plus(str(val))
    return base + "?" + query + "&vnp_SecureHash=" + _hash(secret, query)


def validate_response(response_data, secret):
    given = response_data["vnp_SecureHash"]
    data = {k: v for k, v in response_data.items() if k.startswith("vnp_") and k not in ("vnp_SecureHash", "vnp_SecureHashType")}
    query = "&".join(k + "=" + urllib.parse.quote_plus(str(v)) for k, v in sorted(data.items()))
    return _hash(secret, query) == given


def api_hash(secret, values):
    return _hash(secret, "|".join(str(v) for v in values))
