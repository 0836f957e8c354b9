"""Paying the criminal record certificate (3.000333, 200,000 đ) through the bundled sandbox gateway, over HTTP.

motcua (the merchant) and the sandbox (the bank side) both run in pytest-django's live server and
talk to each other over real HTTP: the payment URL, the sandbox's IPN to the merchant, the browser's
return, querydr and refund on the merchant web API. Bad notices are answered with VNPAY's codes.
"""

from __future__ import annotations

import html
import io
import json
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client

from motcua.catalog.models import Procedure
from motcua.dossiers import actions
from motcua.dossiers.actions import payments as pay
from motcua.dossiers.models import Dossier, Status
from motcua.identity.models import User
from motcua.lib.errors import ActionError
from motcua.payments import sandbox, vnpay
from motcua.payments.models import Notice, Payment, SandboxTransaction, State
from motcua.results.signing import verify_pdf
from motcua.units.models import Role
from motcua.vault.models import VaultDocument
from tests.conftest import ApiClient
from tests.payments import vnpay_reference as ref
from tests.walker import components_for, worker

CRIMINAL_RECORD = "3.000333"


@pytest.fixture
def site(live_server, transactional_db, demo, settings):
    settings.PUBLIC_URL = live_server.url
    settings.PAYMENT_SANDBOX_IN_PROCESS = False  # every call between merchant and gateway over HTTP
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    return live_server.url


def submit(username: str = "citizen") -> str:
    definition = Procedure.objects.get(code=CRIMINAL_RECORD).current.definition
    api = ApiClient(username)
    data = {**definition["example"], "copies": 1}  # 200,000 đ: the standard fee, no extra copy
    r = api.post("/dossiers", {"procedure": CRIMINAL_RECORD, "data": data,
                               "components": api.references(components_for(definition, data))})
    assert r.status_code == 201, r.content
    return r.json()["code"]


def officer_of(code: str) -> User:
    return User.objects.get(username=worker(Dossier.objects.get(code=code).unit, Role.ONE_STOP_OFFICER))


def browser_of(username: str, base: str) -> requests.Session:
    c = Client()
    c.force_login(User.objects.get(username=username))
    s = requests.Session()
    s.cookies.set(django_settings.SESSION_COOKIE_NAME, c.cookies[django_settings.SESSION_COOKIE_NAME].value)
    return s


def pay_at_sandbox(http: requests.Session, pay_url: str, choice: str = "pay") -> requests.Response:
    page = http.get(pay_url, timeout=30)
    assert page.status_code == 200, page.text[:1000]
    hidden = {k: html.unescape(v) for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text)}
    return http.post(pay_url.split("?")[0], data={**hidden, "choice": choice}, allow_redirects=False, timeout=30)


def test_citizen_pays_through_the_sandbox_over_http_and_the_dossier_can_then_be_received(site):
    code = submit()
    token = ApiClient("citizen").headers
    api = requests.Session()
    api.headers.update(token)
    dossier = api.get(f"{site}/api/v1/dossiers/{code}", timeout=30).json()
    assert dossier["amount_due"] == 200_000 and dossier["paid_online"] == 0 and dossier["status"] == 1
    r = api.post(f"{site}/api/v1/dossiers/{code}/payments", json={}, headers={"Idempotency-Key": "k-1"}, timeout=30)
    assert r.status_code == 201, r.text
    first = r.json()
    assert set(first) >= {"id", "amount", "state", "pay_url"} and first["amount"] == 200_000 and first["state"] == "pending"
    fields = dict(parse_qsl(urlsplit(first["pay_url"]).query))
    assert first["pay_url"].startswith(f"{site}/sandbox-pay/paymentv2/vpcpay.html?")
    assert fields["vnp_Version"] == "2.1.0" and fields["vnp_Amount"] == "20000000" and fields["vnp_TxnRef"]
    assert ref.validate_response(fields, sandbox.config()["hash_secret"])  # signed as VNPAY's sample checks it
    again = api.post(f"{site}/api/v1/dossiers/{code}/payments", json={}, headers={"Idempotency-Key": "k-1"}, timeout=30)
    other_tab = api.post(f"{site}/api/v1/dossiers/{code}/payments", json={}, headers={"Idempotency-Key": "k-2"}, timeout=30)
    # The same key: the first answer replayed (Idempotency-Key, motcua/api/idempotency.py); another key
    # (another tab): the payment still open, found again (200).
    assert again.status_code == 201 and again.json() == first and again.headers["Idempotent-Replayed"] == "true"
    assert other_tab.status_code == 200 and other_tab.json()["id"] == first["id"]

    browser = browser_of("citizen", site)
    back = pay_at_sandbox(browser, first["pay_url"])
    assert back.status_code == 302 and back.headers["Location"].startswith(f"{site}/payments/return/sandbox/?")
    txn = SandboxTransaction.objects.get(txn_ref=fields["vnp_TxnRef"])
    assert txn.ipn_answers == [vnpay.IPN_CONFIRMED]  # the sandbox's IPN reached the merchant over HTTP
    page = browser.get(back.headers["Location"], timeout=30)
    assert page.status_code == 200 and page.url.endswith(f"/my/dossiers/{code}/")
    assert "200.000" in page.text
    payment = Payment.objects.get(pk=first["id"])
    assert payment.state == State.PAID and payment.gateway_txn == txn.txn_no and payment.paid_online == 2
    dossier = api.get(f"{site}/api/v1/dossiers/{code}", timeout=30).json()
    assert dossier["amount_due"] == 0 and dossier["paid_online"] == 2
    assert [p["state"] for p in api.get(f"{site}/api/v1/dossiers/{code}/payments", timeout=30).json()] == ["paid"]

    # The gateway retries the same IPN: nothing changes, "already confirmed".
    listing = browser.get(f"{site}/sandbox-pay/transactions/", timeout=30).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', listing).group(1)
    assert browser.post(f"{site}/sandbox-pay/transactions/{txn.txn_no}/resend-ipn", data={"csrfmiddlewaretoken": token},
                        allow_redirects=False, timeout=30).status_code == 302
    txn.refresh_from_db()
    assert txn.ipn_answers == ["00", "02"]
    assert Payment.objects.filter(dossier__code=code, state=State.PAID).count() == 1
    assert Dossier.objects.get(code=code).events.filter(action="payment_paid").count() == 1
    officer = officer_of(code)
    assert actions.perform(code, "receive", officer).status == Status.RECEIVED

    # The e-receipt: a signed PDF with the fee lines, in the citizen's vault and downloadable from the dossier.
    pdf = browser.get(f"{site}/my/dossiers/{code}/payments/{first['id']}/receipt.pdf", timeout=60)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    verdict = verify_pdf(pdf.content)
    assert verdict.signed and verdict.intact and verdict.trusted
    doc = VaultDocument.objects.get(owner__username="citizen", reference=f"receipt/{fields['vnp_TxnRef']}")
    assert doc.document_type == "payment_receipt" and doc.source_dossier == "" and doc.sha256
    stranger = browser_of("citizen2", site)
    assert stranger.get(f"{site}/my/dossiers/{code}/payments/{first['id']}/receipt.pdf", timeout=30).status_code == 404


def test_a_refused_paid_dossier_is_refunded_through_the_gateway_refund_call(site):
    code = submit()
    citizen = User.objects.get(username="citizen")
    started = pay.start_payment(code, citizen, return_url=f"{site}/payments/return/sandbox/")
    http = browser_of("citizen", site)
    pay_at_sandbox(http, started.pay_url)
    d = Dossier.objects.get(code=code)
    assert d.payment_due == 0
    officer = officer_of(code)
    actions.perform(code, "refuse", officer, reason="Không thuộc thẩm quyền")
    refund = Payment.objects.get(dossier__code=code, purpose="refund")
    assert refund.state == State.PENDING and refund.amount == 200_000
    assert pay.process_refund(refund.pk) == "refunded"  # the refund call went to the sandbox over HTTP
    refund.refresh_from_db()
    assert refund.state == State.PAID
    assert Payment.objects.get(pk=started.payment.pk).state == State.REFUNDED
    assert SandboxTransaction.objects.get(txn_ref=started.payment.order_ref, status="00").refunded == 20_000_000
    page = http.get(f"{site}/my/dossiers/{code}/", timeout=30).text
    assert "Hoàn tiền" in page and "Đã hoàn tiền" in page
    assert pay.process_refund(refund.pk) == "nothing to do"


def test_return_page_asks_the_gateway_and_never_trusts_its_query(site):
    code = submit()
    citizen = User.objects.get(username="citizen")
    started = pay.start_payment(code, citizen, return_url=f"{site}/payments/return/sandbox/")
    fields = dict(parse_qsl(urlsplit(started.pay_url).query))
    cfg = sandbox.config()
    forged = {"vnp_TmnCode": cfg["tmn_code"], "vnp_TxnRef": fields["vnp_TxnRef"], "vnp_Amount": fields["vnp_Amount"],
              "vnp_ResponseCode": "00", "vnp_TransactionStatus": "00", "vnp_TransactionNo": "1"}
    # Correctly signed (the secret leaked, say) but the gateway has no such transaction: still unpaid.
    signed = {**forged, "vnp_SecureHash": vnpay.sign_query(forged, cfg["hash_secret"])}
    http = browser_of("citizen", site)
    http.get(f"{site}/payments/return/sandbox/", params=signed, timeout=30)
    assert Payment.objects.get(pk=started.payment.pk).state == State.PENDING
    assert Dossier.objects.get(code=code).payment_due == 200_000


def ipn(client: Client, fields: dict, secret: str | None = None) -> dict:
    secret = secret or sandbox.config()["hash_secret"]
    return client.get("/payments/ipn/sandbox/", {**fields, "vnp_SecureHash": vnpay.sign_query(fields, secret)}).json()


def test_ipn_answers_vnpay_codes_for_every_bad_notice(demo):
    code = submit()
    citizen = User.objects.get(username="citizen")
    started = pay.start_payment(code, citizen, return_url="http://127.0.0.1/payments/return/sandbox/")
    cfg = sandbox.config()
    base = {"vnp_TmnCode": cfg["tmn_code"], "vnp_TxnRef": started.payment.order_ref,
            "vnp_Amount": str(started.payment.amount * 100),
            "vnp_ResponseCode": "00", "vnp_TransactionStatus": "00", "vnp_TransactionNo": "777", "vnp_PayDate": "20261204100000"}
    c = Client()
    assert ipn(c, base, secret="not the secret")["RspCode"] == "97"
    assert ipn(c, {**base, "vnp_TxnRef": "NOSUCHORDER"})["RspCode"] == "01"
    assert ipn(c, {**base, "vnp_Amount": str(started.payment.amount * 10)})["RspCode"] == "04"
    assert c.get("/payments/ipn/sandbox/", {"vnp_TxnRef": "a\x00"}).status_code == 400  # refused before any view
    assert c.get("/payments/ipn/nosuchgateway/", base).json()["RspCode"] == "99"
    assert Payment.objects.get(pk=started.payment.pk).state == State.PENDING
    answer = ipn(c, base)
    assert answer == {"RspCode": "00", "Message": "Confirm Success"}
    assert ipn(c, base)["RspCode"] == "02"
    assert ipn(c, {**base, "vnp_ResponseCode": "24", "vnp_TransactionStatus": "02"})["RspCode"] == "02"
    assert Payment.objects.filter(dossier__code=code, state=State.PAID).count() == 1
    refused = list(Notice.objects.exclude(answer__in=["00", "02"]).values_list("answer", flat=True))
    assert sorted(refused) == ["01", "04", "97"]


def test_a_citizen_cannot_pay_or_see_payments_of_another_dossier(demo):
    code = submit()
    other = ApiClient("citizen2")
    assert other.post(f"/dossiers/{code}/payments", {}).status_code == 404
    assert other.get(f"/dossiers/{code}/payments").status_code == 404
    owner = ApiClient("citizen")
    assert owner.post(f"/dossiers/{code}/payments", {"amount": 1}).status_code == 422
    assert owner.post(f"/dossiers/{code}/payments", {"gateway": "nope"}).status_code == 422
    owner.headers["Idempotency-Key"] = "x" * 200
    assert owner.post(f"/dossiers/{code}/payments", {}).status_code == 422
    assert Payment.objects.count() == 0


def test_counter_payment_with_a_receipt_number_then_receive(demo):
    code = submit()
    Dossier.objects.get(code=code)
    officer = officer_of(code)
    with pytest.raises(ActionError) as err:
        actions.perform(code, "receive", officer)
    assert getattr(err.value, "code", "") == "payment_pending"
    with pytest.raises(ActionError) as err:
        actions.perform(code, "confirm_payment", officer)
    assert getattr(err.value, "code", "") == "receipt_number_required"
    actions.perform(code, "confirm_payment", officer, payload={"receipt_number": "BL-0001"})
    p = Payment.objects.get(dossier__code=code)
    assert p.state == State.PAID and p.receipt_number == "BL-0001" and p.paid_online == 0
    assert actions.perform(code, "receive", officer).status == Status.RECEIVED
    assert Dossier.objects.get(code=code).paid_online == 0


def test_finance_page_lists_the_units_payments_and_refused_notices_only_in_its_subtree(demo):
    code = submit()
    officer = officer_of(code)
    actions.perform(code, "confirm_payment", officer, payload={"receipt_number": "BL-77"})
    c = Client()
    ipn(c, {"vnp_TmnCode": sandbox.config()["tmn_code"], "vnp_TxnRef": "NOSUCH", "vnp_Amount": "100"})
    c.force_login(officer)
    page = c.get("/office/finance/").content.decode()
    assert code in page and "BL-77" in page
    # A notice naming no known order belongs to no unit: whoever serves the root of a tree sees it (the
    # province's one-stop centre serves the whole province), an officer of a commune does not (below).
    assert "NOSUCH" in page
    checked = c.get("/office/finance/?check=1").content.decode()
    assert "Không có chênh lệch." in checked  # a counter payment is not the gateway's to confirm
    assert c.get("/office/finance/?date=2026-13-40").status_code == 400
    elsewhere = Client()
    elsewhere.force_login(User.objects.get(username="onestop_hoathuan"))
    elsewhere_page = elsewhere.get("/office/finance/").content.decode()
    assert code not in elsewhere_page and "NOSUCH" not in elsewhere_page
    citizen = Client()
    citizen.force_login(User.objects.get(username="citizen"))
    assert citizen.get("/office/finance/").status_code == 403
    out = io.StringIO()
    call_command("payments", "sandbox-config", "--json", stdout=out)
    assert set(json.loads(out.getvalue())) >= {"tmn_code", "hash_secret", "ipn_url", "return_url"}


def test_expired_payment_paid_late_counter_meanwhile_is_refunded_and_bare_return_is_harmless(demo):
    code = submit()
    citizen = User.objects.get(username="citizen")
    started = pay.start_payment(code, citizen, return_url="http://127.0.0.1/payments/return/sandbox/")
    officer = officer_of(code)
    # Paid at the counter meanwhile: the online attempt expires.
    actions.perform(code, "confirm_payment", officer, payload={"receipt_number": "BL-9"})
    assert Payment.objects.get(pk=started.payment.pk).state == State.EXPIRED
    cfg = sandbox.config()
    late = {"vnp_TmnCode": cfg["tmn_code"], "vnp_TxnRef": started.payment.order_ref,
            "vnp_Amount": str(started.payment.amount * 100), "vnp_ResponseCode": "00", "vnp_TransactionStatus": "00",
            "vnp_TransactionNo": "555", "vnp_PayDate": "20261204100000"}
    c = Client()
    assert ipn(c, late)["RspCode"] == "00"  # the money moved: recorded, never lost…
    assert Payment.objects.get(pk=started.payment.pk).state == State.PAID
    refund = Payment.objects.get(dossier__code=code, purpose="refund")  # …and given back: paid twice
    assert refund.refund_of_id == started.payment.pk and refund.state == State.PENDING
    assert Dossier.objects.get(code=code).payment_due == 0
    # The return URL without any payment: nothing happens, the citizen is told.
    c.force_login(citizen)
    r = c.get("/payments/return/sandbox/")
    assert r.status_code == 302 and r["Location"].endswith("/my/dossiers/")
    assert Payment.objects.filter(dossier__code=code, state=State.PAID).count() == 2


def test_refusing_an_unpaid_dossier_refunds_nothing(demo):
    code = submit()
    pay.start_payment(code, User.objects.get(username="citizen"), return_url="http://127.0.0.1/r/")
    actions.perform(code, "refuse", officer_of(code), reason="Không thuộc thẩm quyền")
    assert not Payment.objects.filter(dossier__code=code, purpose="refund").exists()
    assert set(Payment.objects.filter(dossier__code=code).values_list("state", flat=True)) == {State.EXPIRED}
    with pytest.raises(ActionError) as err:
        pay.start_payment(code, User.objects.get(username="citizen"), return_url="http://127.0.0.1/r/")
    assert err.value.code == "nothing_due"
