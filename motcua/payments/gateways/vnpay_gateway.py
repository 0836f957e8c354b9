"""The VNPAY 2.1.0 gateway plugin (protocol in payments/vnpay.py); the bundled sandbox is one of its configurations.

Options (settings.PAYMENT_GATEWAYS[code]): tmn_code, hash_secret, pay_url (…/paymentv2/vpcpay.html),
api_url (…/merchant_webapi/api/transaction), paid_online (1 or 2), timeout.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime

import requests
from django.utils import timezone

from motcua.payments import vnpay
from motcua.payments.gateways import GatewayUnavailable, Order, Outcome, RefundOutcome, register
from motcua.payments.transport import post_json


@register("vnpay")
class VnpayGateway:
    def __init__(self, *, code: str, tmn_code: str, hash_secret: str, pay_url: str, api_url: str,
                 paid_online: int = 2, timeout: float = 10, order_type: str = "billpayment") -> None:
        self.code, self.tmn_code, self.hash_secret = code, tmn_code, hash_secret
        self.base_url, self.api_url, self.paid_online = pay_url, api_url, paid_online
        self.timeout, self.order_type = timeout, order_type

    def pay_url(self, order: Order) -> str:
        fields = {
            "vnp_Version": vnpay.VERSION, "vnp_Command": "pay", "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": vnpay.to_wire(order.amount), "vnp_CurrCode": "VND", "vnp_TxnRef": order.ref,
            "vnp_OrderInfo": order.info, "vnp_OrderType": self.order_type, "vnp_Locale": order.locale,
            "vnp_ReturnUrl": order.return_url, "vnp_IpAddr": order.ip, "vnp_CreateDate": vnpay.vnp_date(order.created_at),
        }
        if order.expires_at is not None:
            fields["vnp_ExpireDate"] = vnpay.vnp_date(order.expires_at)
        return vnpay.payment_url(self.base_url, fields, self.hash_secret)

    def read_notice(self, params: Mapping[str, str]) -> Outcome:
        if not vnpay.verify_query(params, self.hash_secret) or params.get("vnp_TmnCode") != self.tmn_code:
            return Outcome(signed=False, ref=str(params.get("vnp_TxnRef", ""))[:64])
        status = params.get("vnp_TransactionStatus", params.get("vnp_ResponseCode", ""))
        paid = params.get("vnp_ResponseCode") == vnpay.SUCCESS and status == vnpay.STATUS_PAID
        return Outcome(
            signed=True, ref=params.get("vnp_TxnRef", ""), amount=vnpay.from_wire(params.get("vnp_Amount")),
            paid=paid, finished=status != vnpay.STATUS_UNFINISHED, gateway_txn=params.get("vnp_TransactionNo", ""),
            code=params.get("vnp_ResponseCode", ""), paid_at=vnpay.parse_vnp_date(params.get("vnp_PayDate", "")),
            params=dict(params),
        )

    def _call(self, fields: dict, request_order: tuple[str, ...], response_order: tuple[str, ...]) -> dict:
        fields["vnp_SecureHash"] = vnpay.sign_api(fields, request_order, self.hash_secret)
        try:
            answer = post_json(self.api_url, fields, self.timeout)
        except (requests.RequestException, ValueError) as err:
            raise GatewayUnavailable(str(err)) from err
        if not isinstance(answer, dict) or not vnpay.verify_api(answer, response_order, self.hash_secret):
            raise GatewayUnavailable("the gateway's answer is not signed with our secret")
        return answer

    def _common(self, command: str, order: Order, now: datetime) -> dict:
        return {
            "vnp_RequestId": secrets.token_hex(16), "vnp_Version": vnpay.VERSION, "vnp_Command": command,
            "vnp_TmnCode": self.tmn_code, "vnp_TxnRef": order.ref, "vnp_OrderInfo": order.info[:255],
            "vnp_TransactionDate": vnpay.vnp_date(order.created_at), "vnp_CreateDate": vnpay.vnp_date(now),
            "vnp_IpAddr": order.ip,
        }

    def query(self, order: Order) -> Outcome:
        answer = self._call(self._common("querydr", order, timezone.now()), vnpay.QUERYDR_REQUEST, vnpay.QUERYDR_RESPONSE)
        if answer.get("vnp_ResponseCode") != vnpay.SUCCESS:
            # 91: the gateway has no such transaction (nobody has paid it yet).
            return Outcome(signed=True, ref=order.ref, code=str(answer.get("vnp_ResponseCode", "")),
                           finished=False, params=answer)
        status = str(answer.get("vnp_TransactionStatus", ""))
        return Outcome(
            signed=True, ref=str(answer.get("vnp_TxnRef", "")), amount=vnpay.from_wire(answer.get("vnp_Amount")),
            paid=status == vnpay.STATUS_PAID, finished=status != vnpay.STATUS_UNFINISHED,
            gateway_txn=str(answer.get("vnp_TransactionNo", "")), code=status,
            paid_at=vnpay.parse_vnp_date(str(answer.get("vnp_PayDate", ""))), params=answer,
        )

    def refund(self, order: Order, amount: int, by: str) -> RefundOutcome:
        fields = self._common("refund", order, timezone.now())
        fields.update({
            "vnp_TransactionType": vnpay.REFUND_FULL if amount == order.amount else vnpay.REFUND_PARTIAL,
            "vnp_Amount": vnpay.to_wire(amount), "vnp_TransactionNo": order.gateway_txn, "vnp_CreateBy": by[:250],
        })
        answer = self._call(fields, vnpay.REFUND_REQUEST, vnpay.REFUND_RESPONSE)
        code = str(answer.get("vnp_ResponseCode", ""))
        return RefundOutcome(accepted=code == vnpay.SUCCESS, code=code,
                             gateway_txn=str(answer.get("vnp_TransactionNo", "")),
                             message=str(answer.get("vnp_Message", "")))
