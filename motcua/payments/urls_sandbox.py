from django.urls import path

from motcua.payments import sandbox

app_name = "sandbox_pay"
urlpatterns = [
    path("paymentv2/vpcpay.html", sandbox.pay_page, name="pay"),
    path("merchant_webapi/api/transaction", sandbox.merchant_api, name="api"),
    path("transactions/", sandbox.transactions_page, name="transactions"),
    path("transactions/<str:txn_no>/resend-ipn", sandbox.resend_ipn, name="resend"),
]
