"""motcua's VNPAY 2.1.0 against an implementation not written with it (vnpay_reference.py, from VNPAY's sample)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl, urlsplit

from hypothesis import given
from hypothesis import strategies as st

from motcua.payments import vnpay
from motcua.payments.gateways import Order
from motcua.payments.gateways.vnpay_gateway import VnpayGateway
from tests.payments import vnpay_reference as ref

SECRET = "SECRETKEYOFTHEMERCHANT0123456789"


def gw() -> VnpayGateway:
    return VnpayGateway(code="t", tmn_code="TMN00001", hash_secret=SECRET, pay_url="https://pay.example/vpcpay.html",
                        api_url="https://pay.example/api")


def test_payment_url_is_the_one_vnpay_sample_code_makes():
    created = datetime(2026, 12, 4, 3, 4, 5, tzinfo=vnpay.GMT7)
    url = gw().pay_url(Order(ref="ABC123", amount=200_000, info="Thanh toan le phi ho so X/1 & co", created_at=created,
                             return_url="http://127.0.0.1:8160/payments/return/t/?a=b c", ip="10.0.0.1"))
    fields = dict(parse_qsl(urlsplit(url).query))
    assert fields["vnp_Version"] == "2.1.0" and fields["vnp_Command"] == "pay" and fields["vnp_TmnCode"] == "TMN00001"
    assert fields["vnp_Amount"] == "20000000" and fields["vnp_CurrCode"] == "VND"
    assert fields["vnp_CreateDate"] == "20261204030405"
    unsigned = {k: v for k, v in fields.items() if k != "vnp_SecureHash"}
    assert url == ref.payment_url("https://pay.example/vpcpay.html", unsigned, SECRET)
    assert ref.validate_response(fields, SECRET)


@given(st.dictionaries(st.from_regex(r"vnp_[A-Za-z]{1,12}", fullmatch=True), st.text(max_size=30), min_size=1, max_size=8))
def test_signature_agrees_with_the_reference_for_any_fields(fields):
    signed = {**fields, "vnp_SecureHash": vnpay.sign_query(fields, SECRET)}
    assert ref.validate_response(signed, SECRET)
    assert vnpay.verify_query(signed, SECRET)
    assert not vnpay.verify_query({**signed, "vnp_Amount": "1" + fields.get("vnp_Amount", "")}, SECRET)


def test_api_checksums_follow_vnpay_field_order():
    body = {name: f"v{i}" for i, name in enumerate(vnpay.REFUND_REQUEST)}
    assert vnpay.sign_api(body, vnpay.REFUND_REQUEST, SECRET) == ref.api_hash(SECRET, [body[n] for n in vnpay.REFUND_REQUEST])
    assert vnpay.REFUND_REQUEST[:6] == ("vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode",
                                        "vnp_TransactionType", "vnp_TxnRef")
    assert vnpay.QUERYDR_REQUEST[-4:] == ("vnp_TransactionDate", "vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo")


def test_notice_read_only_when_signed_by_the_merchant_secret():
    fields = {"vnp_TmnCode": "TMN00001", "vnp_TxnRef": "R1", "vnp_Amount": "20000000", "vnp_ResponseCode": "00",
              "vnp_TransactionStatus": "00", "vnp_TransactionNo": "14226112", "vnp_PayDate": "20261204100000"}
    good = {**fields, "vnp_SecureHash": vnpay.sign_query(fields, SECRET)}
    outcome = gw().read_notice(good)
    assert outcome.signed and outcome.paid and outcome.amount == 200_000 and outcome.gateway_txn == "14226112"
    assert not gw().read_notice({**good, "vnp_SecureHash": vnpay.sign_query(fields, "other")}).signed
    assert not gw().read_notice({**good, "vnp_TxnRef": "R2"}).signed
    assert vnpay.from_wire("20000050") is None and vnpay.from_wire("-100") is None and vnpay.from_wire("9" * 30) is None
