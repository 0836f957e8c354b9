"""Paying a dossier's fee online: the applicant's button, the gateway's return and its notification (IPN).

The return page trusts nothing its query says about the outcome: it checks the signature, finds the
payment and, while it is still open, asks the gateway itself (querydr). The IPN is the gateway's
word, applied once by the actions layer (`record_notice`), answered in VNPAY's JSON.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from motcua.dossiers.access import page_not_found, visible_dossiers
from motcua.dossiers.actions import payments as pay
from motcua.lib.errors import ActionError
from motcua.payments import vnpay
from motcua.payments.gateways import gateway
from motcua.payments.models import Payment, State
from motcua.payments.receipts import issue
from motcua.units.scope import request_grants

# Requests per minute and client address on the gateway's endpoints (a gateway sends a few per payment).
RATE_PER_MINUTE = 120


def client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "127.0.0.1") or "127.0.0.1"


def over_limit(request: HttpRequest, name: str, per_minute: int = RATE_PER_MINUTE) -> bool:
    key = f"rate:{name}:{client_ip(request)}"
    if cache.add(key, 1, 60):
        return False
    try:
        return cache.incr(key) > per_minute
    except ValueError:
        return False


def return_url(request: HttpRequest, gateway_code: str) -> str:
    return request.build_absolute_uri(reverse("payments_return", args=[gateway_code]))


@require_POST
@login_required
def start(request: HttpRequest, code: str) -> HttpResponse:
    """The applicant's "Pay online" button: to the gateway's page (the same payment if one is under way)."""
    try:
        started = pay.start_payment(
            code, request.user, return_url=return_url(request, _gateway_code()), ip=client_ip(request),
            locale="en" if (request.LANGUAGE_CODE or "vi") != "vi" else "vn",
        )
    except ActionError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
        return redirect("portal:dossier", code=code)
    return HttpResponseRedirect(started.pay_url)


def _gateway_code() -> str:
    return settings.PAYMENT_GATEWAY


@csrf_exempt
def ipn(request: HttpRequest, gateway_code: str) -> HttpResponse:
    """The gateway's server-to-server notification: {"RspCode", "Message"} as VNPAY expects."""
    if over_limit(request, "ipn", settings.PAYMENT_IPN_RATE_PER_MINUTE):
        return JsonResponse({"RspCode": vnpay.IPN_OTHER, "Message": "Too many requests"}, status=429)
    params = request.GET if request.method == "GET" else request.POST
    if any("\x00" in k or "\x00" in v for k, v in params.items()) or len(params) > 40:
        code = vnpay.IPN_OTHER
    else:
        try:
            code = pay.record_notice(gateway_code, {k: v for k, v in params.items()})
        except ActionError:
            code = vnpay.IPN_OTHER
    return JsonResponse({"RspCode": code, "Message": vnpay.IPN_MESSAGES[code]})


@require_safe
def back_from_gateway(request: HttpRequest, gateway_code: str) -> HttpResponse:
    """Where the gateway sends the citizen's browser back: the dossier's page, with the verified outcome."""
    if over_limit(request, "return"):
        return HttpResponse(_("Quá nhiều yêu cầu; hãy thử lại sau một phút."), status=429)
    try:
        outcome = gateway(gateway_code).read_notice({k: v for k, v in request.GET.items()})
    except KeyError:
        outcome = None
    payment = None
    if outcome is not None and outcome.signed:
        payment = Payment.objects.select_related("dossier").filter(gateway=gateway_code, order_ref=outcome.ref).first()
    if payment is None or payment.dossier.applicant_id != getattr(request.user, "pk", None):
        messages.error(request, _("Không xác nhận được giao dịch thanh toán này."))
        return redirect("portal:my_dossiers")
    payment = pay.confirm_from_gateway(payment)
    if payment.state == State.PAID:
        messages.success(request, _("Đã thanh toán %(amount)s đ cho hồ sơ %(code)s.")
                         % {"amount": f"{payment.amount:,}".replace(",", "."), "code": payment.dossier.code})
    elif payment.state in (State.PENDING, State.CREATED):
        messages.info(request, _("Giao dịch đang chờ ngân hàng xác nhận; trang hồ sơ sẽ cập nhật khi có kết quả."))
    else:
        messages.error(request, _("Thanh toán chưa thành công; bạn có thể thử lại."))
    return redirect("portal:dossier", code=payment.dossier.code)


@require_safe
@login_required
def receipt(request: HttpRequest, code: str, payment_id: int) -> HttpResponse:
    """A paid payment's e-receipt (signed PDF), for whoever may see the dossier."""
    dossier = visible_dossiers(request.user, request_grants(request)).filter(code=code).first()
    if dossier is None:
        raise page_not_found(code)
    payment = Payment.objects.filter(dossier=dossier, pk=payment_id).first()
    doc = issue(payment.pk) if payment is not None else None
    if doc is None:
        raise Http404(_("Khoản thanh toán này chưa có biên lai."))
    return FileResponse(default_storage.open(doc.storage_name, "rb"), content_type="application/pdf",
                        filename=f"bien-lai-{payment.order_ref}.pdf")
