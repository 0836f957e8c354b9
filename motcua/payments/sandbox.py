"""The bundled sandbox gateway: a VNPAY 2.1.0 server served by motcua itself at /sandbox-pay/.

It plays the bank side for the demo and the tests, speaking exactly the protocol of payments/vnpay.py:
the payment page (pay, fail or cancel), the IPN to the merchant's IPN URL, the redirect to the
merchant's return URL, and the merchant web API (querydr, refund). Its books are
`SandboxTransaction` rows. `/sandbox-pay/transactions/` lists them and resends an IPN, as a real
gateway retries one. Only with PAYMENT_SANDBOX_ENABLED (never in production).
"""

from __future__ import annotations

import json
import logging
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from motcua.payments import vnpay
from motcua.payments.models import SandboxTransaction
from motcua.payments.transport import get_json

log = logging.getLogger(__name__)
# What each button of the payment page makes of the transaction: (vnp_ResponseCode, vnp_TransactionStatus).
CHOICES = {"pay": (vnpay.SUCCESS, vnpay.STATUS_PAID), "fail": ("51", vnpay.STATUS_ERROR),
           "cancel": (vnpay.CANCELLED_BY_CUSTOMER, vnpay.STATUS_ERROR)}
PAY_FIELDS = ("vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_Amount", "vnp_CurrCode", "vnp_TxnRef",
              "vnp_OrderInfo", "vnp_OrderType", "vnp_Locale", "vnp_ReturnUrl", "vnp_IpAddr", "vnp_CreateDate")


def config() -> dict[str, str]:
    """The sandbox's merchant: what `motcua payments sandbox-config --json` prints."""
    base = settings.PUBLIC_URL
    return {
        "tmn_code": settings.PAYMENT_SANDBOX_TMN_CODE, "hash_secret": settings.PAYMENT_SANDBOX_HASH_SECRET,
        "pay_url": f"{base}/sandbox-pay/paymentv2/vpcpay.html",
        "api_url": f"{base}/sandbox-pay/merchant_webapi/api/transaction",
        "ipn_url": settings.PAYMENT_SANDBOX_IPN_URL or f"{base}/payments/ipn/sandbox/",
        "return_url": f"{base}/payments/return/sandbox/",
    }


def _refuse(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "payments/sandbox_error.html", {"message": message}, status=status)


def _check_pay_request(params) -> str | None:
    """Why a payment request is refused (VNPAY's page says so), or None."""
    cfg = config()
    if any(not params.get(name) for name in PAY_FIELDS):
        return _("Thiếu tham số bắt buộc.")
    if params.get("vnp_TmnCode") != cfg["tmn_code"]:
        return _("Website chưa được phê duyệt.")
    if not vnpay.verify_query(params, cfg["hash_secret"]):
        return _("Sai chữ ký.")
    if params.get("vnp_Version") != vnpay.VERSION or params.get("vnp_Command") != "pay" or params.get("vnp_CurrCode") != "VND":
        return _("Tham số không hợp lệ.")
    if vnpay.from_wire(params.get("vnp_Amount")) in (None, 0):
        return _("Số tiền không hợp lệ.")
    expires = vnpay.parse_vnp_date(params.get("vnp_ExpireDate", ""))
    if params.get("vnp_ExpireDate") and (expires is None or expires < timezone.now()):
        return _("Giao dịch đã quá thời gian chờ thanh toán.")
    return None


def _signed(fields: dict[str, str]) -> dict[str, str]:
    return {**fields, "vnp_SecureHash": vnpay.sign_query(fields, config()["hash_secret"])}


def _result_fields(txn: SandboxTransaction, bank: str = "NCB") -> dict[str, str]:
    return {
        "vnp_Amount": str(txn.amount), "vnp_BankCode": bank, "vnp_CardType": "ATM", "vnp_OrderInfo": txn.order_info,
        "vnp_PayDate": txn.pay_date, "vnp_ResponseCode": txn.response_code, "vnp_TmnCode": txn.tmn_code,
        "vnp_TransactionNo": txn.txn_no, "vnp_TransactionStatus": txn.status, "vnp_TxnRef": txn.txn_ref,
    }


def send_ipn(txn: SandboxTransaction) -> str:
    """Notify the merchant (GET to its IPN URL, signed), as VNPAY does; keep and return its RspCode."""
    try:
        answer = get_json(config()["ipn_url"], _signed(_result_fields(txn)), timeout=10)
        code = str(answer.get("RspCode", "")) if isinstance(answer, dict) else ""
    except Exception:  # the merchant down, crashed or answering nonsense: the gateway retries later
        log.warning("the sandbox's IPN got no answer", exc_info=True)
        code = ""
    SandboxTransaction.objects.filter(pk=txn.pk).update(ipn_answers=[*txn.ipn_answers, code or "no answer"])
    txn.ipn_answers = [*txn.ipn_answers, code or "no answer"]
    return code


@require_http_methods(["GET", "POST"])
def pay_page(request: HttpRequest) -> HttpResponse:
    params = request.GET if request.method == "GET" else request.POST
    fields = {k: v for k, v in params.items() if k.startswith("vnp_")}
    problem = _check_pay_request(fields)
    if problem:
        return _refuse(request, problem)
    if SandboxTransaction.objects.filter(tmn_code=fields["vnp_TmnCode"], txn_ref=fields["vnp_TxnRef"],
                                         status=vnpay.STATUS_PAID).exists():
        return _refuse(request, _("Giao dịch đã được thanh toán."), status=409)
    if request.method == "GET":
        return render(request, "payments/sandbox_pay.html", {
            "fields": sorted(fields.items()), "amount": vnpay.from_wire(fields["vnp_Amount"]),
            "order_info": fields["vnp_OrderInfo"], "ref": fields["vnp_TxnRef"],
        })
    choice = request.POST.get("choice")
    if choice not in CHOICES:
        return _refuse(request, _("Tham số không hợp lệ."))
    response_code, status = CHOICES[choice]
    with transaction.atomic():
        txn = SandboxTransaction.objects.create(
            txn_no=str(secrets.randbelow(9 * 10**7) + 10**7), tmn_code=fields["vnp_TmnCode"],
            txn_ref=fields["vnp_TxnRef"], amount=int(fields["vnp_Amount"]), order_info=fields["vnp_OrderInfo"],
            return_url=fields["vnp_ReturnUrl"], created=fields["vnp_CreateDate"], status=status,
            response_code=response_code, pay_date=vnpay.vnp_date(timezone.now()),
        )
    if choice != "cancel":  # a cancelled payment never reached a bank: VNPAY sends no IPN for it
        send_ipn(txn)
    separator = "&" if "?" in txn.return_url else "?"
    return HttpResponseRedirect(f"{txn.return_url}{separator}{urlencode(_signed(_result_fields(txn)))}")


def transactions_page(request: HttpRequest) -> HttpResponse:
    rows = SandboxTransaction.objects.order_by("-id")[:100]
    return render(request, "payments/sandbox_transactions.html", {"rows": rows})


@require_POST
def resend_ipn(request: HttpRequest, txn_no: str) -> HttpResponse:
    send_ipn(get_object_or_404(SandboxTransaction, txn_no=txn_no))
    return HttpResponseRedirect("/sandbox-pay/transactions/")


def _api_answer(fields: dict, order: tuple[str, ...]) -> JsonResponse:
    return JsonResponse({**fields, "vnp_SecureHash": vnpay.sign_api(fields, order, config()["hash_secret"])})


@csrf_exempt
@require_POST
def merchant_api(request: HttpRequest) -> HttpResponse:
    """querydr and refund (VNPAY's merchant web API): a JSON POST, signed fields joined with "|"."""
    try:
        body = json.loads(request.body)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return JsonResponse({"vnp_ResponseCode": "03", "vnp_Message": "Invalid data format"})
    body = {k: str(v) for k, v in body.items()}
    command = body.get("vnp_Command")
    order = {"querydr": (vnpay.QUERYDR_REQUEST, vnpay.QUERYDR_RESPONSE),
             "refund": (vnpay.REFUND_REQUEST, vnpay.REFUND_RESPONSE)}.get(command or "")
    cfg = config()
    base = {"vnp_ResponseId": secrets.token_hex(16), "vnp_Command": command or "", "vnp_TmnCode": cfg["tmn_code"],
            "vnp_TxnRef": body.get("vnp_TxnRef", "")}
    if order is None:
        return _api_answer({**base, "vnp_ResponseCode": "03", "vnp_Message": "Invalid command"}, vnpay.QUERYDR_RESPONSE)
    request_order, response_order = order
    if body.get("vnp_TmnCode") != cfg["tmn_code"]:
        return _api_answer({**base, "vnp_ResponseCode": "02", "vnp_Message": "Merchant is not valid"}, response_order)
    if not vnpay.verify_api(body, request_order, cfg["hash_secret"]):
        return _api_answer({**base, "vnp_ResponseCode": "97", "vnp_Message": "Invalid checksum"}, response_order)
    with transaction.atomic():
        txn = (SandboxTransaction.objects.select_for_update().filter(tmn_code=cfg["tmn_code"], txn_ref=body["vnp_TxnRef"])
               .order_by("status", "-id").first())  # a paid one ("00") first
        if txn is None:
            return _api_answer({**base, "vnp_ResponseCode": "91", "vnp_Message": "Transaction not found"}, response_order)
        found = {**base, **_result_fields(txn), "vnp_TransactionType": "01", "vnp_PromotionCode": "",
                 "vnp_PromotionAmount": "", "vnp_ResponseCode": "00", "vnp_Message": "Success"}
        found.pop("vnp_CardType")
        if command == "querydr":
            return _api_answer(found, response_order)
        wanted = vnpay.from_wire(body.get("vnp_Amount"))
        left = txn.amount - txn.refunded
        if txn.status != vnpay.STATUS_PAID or wanted is None or wanted * 100 > left or wanted <= 0:
            return _api_answer({**found, "vnp_ResponseCode": "94" if left == 0 else "03",
                                "vnp_Message": "Refund refused"}, response_order)
        txn.refunded += wanted * 100
        txn.save(update_fields=["refunded"])
        return _api_answer({**found, "vnp_Amount": str(wanted * 100), "vnp_TransactionType": body["vnp_TransactionType"],
                            "vnp_TransactionStatus": "06"}, response_order)


def pay_in_process(pay_url: str, choice: str = "pay") -> str:
    """The sandbox's payment page answered in this process (the demo history pays this way): the return URL."""
    from urllib.parse import parse_qsl, urlsplit

    from django.test import RequestFactory

    fields = dict(parse_qsl(urlsplit(pay_url).query, keep_blank_values=True))
    request = RequestFactory().post(urlsplit(pay_url).path, {**fields, "choice": choice})
    request._dont_enforce_csrf_checks = True
    response = pay_page(request)
    if response.status_code != 302:
        raise ValueError(f"the sandbox refused the payment: {response.status_code}")
    return response["Location"]
