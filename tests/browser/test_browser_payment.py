"""Issue 16's "done when", in Chromium: a fee paid through the sandbox gateway, a result anyone can verify.

A citizen applies for the criminal record certificate (3.000333, 200,000 đ, paid at
submission), pays on the bundled sandbox gateway's page (its IPN reaches motcua over
HTTP), the officers take the dossier to its result through the actions layer, and the
citizen downloads the signed result and the e-receipt from the dossier page and her
vault; /verify/ accepts the uploaded result. A second dossier, paid then refused, shows
its refund. An approver revokes a result on the back-office form; /verify/ then says so.
Pictures at 1280 and 360 px go where MOTCUA_SCREENSHOTS says (`make screenshots` does not run this module).
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import Page, expect

from motcua.dossiers import actions
from motcua.dossiers.actions import payments as pay
from motcua.dossiers.models import Dossier, Status
from motcua.identity.models import User
from motcua.payments.models import Payment, Purpose, SandboxTransaction, State
from motcua.results.models import Result
from motcua.results.signing import verify_pdf
from motcua.units.models import Role
from motcua.vault.models import VaultDocument
from tests import browser as b
from tests.browser.test_browser_journey import chromium, fill_fields, site, staff_login, start_with_eid  # noqa: F401
from tests.walker import worker

pytestmark = pytest.mark.browser

CRIMINAL_RECORD_URL = "/procedures/3.000333/"
APPLICATION = {"purpose": "Bổ sung hồ sơ xin việc", "residences": "Xã An Bình, tỉnh Demo", "copies": "1",
               "applicant_group": "thong_thuong", "requested_by": "ban_than"}
expect.set_options(timeout=20_000)


@pytest.fixture
def shop(site, settings):  # noqa: F811
    """The demo site (e-ID provider included), its sandbox gateway and motcua talking over HTTP, not in process."""
    settings.PUBLIC_URL = site
    settings.PAYMENT_SANDBOX_IN_PROCESS = False
    return site


def apply(page: Page) -> str:
    """From the e-ID login through the steps to the submission; the new dossier's code."""
    for _ in range(8):
        if page.locator("form[action$='/submit/']").count():
            break
        fill_fields(page, APPLICATION)
        page.get_by_role("button", name="Lưu và tiếp tục", exact=True).click()
        expect(page.locator(".error-summary")).to_have_count(0)
    page.locator("form[action$='/submit/']").get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.locator("h1")).to_have_text("Đã nộp hồ sơ")
    return Dossier.objects.filter(applicant__username="citizen").latest("id").code


def pay_on_dossier_page(page: Page, code: str) -> None:
    """The dossier page's pay button, the sandbox gateway's page, and back to the dossier."""
    page.goto(f"/my/dossiers/{code}/")
    form = page.locator("section[aria-labelledby=pay-title]")
    expect(form).to_contain_text("200.000")
    form.get_by_role("button", name="Thanh toán trực tuyến").click()
    expect(page).to_have_url(re.compile(r"/sandbox-pay/paymentv2/vpcpay\.html\?"))
    expect(page.locator("main")).to_contain_text("200.000")
    shots(page, "payment-sandbox-gateway")
    page.get_by_role("button", name="Thanh toán", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/my/dossiers/{code}/$"))


def shots(page: Page, name: str) -> None:
    """1280 and 360 px: nothing wider than the page; NAME-1280.png and NAME-360.png when MOTCUA_SCREENSHOTS names a folder."""
    folder = os.environ.get("MOTCUA_SCREENSHOTS")
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} overflows at {width} px"
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            height = min(page.evaluate("document.documentElement.scrollHeight"), b.SHOT_MAX_HEIGHT)
            page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True,
                            clip={"x": 0, "y": 0, "width": width, "height": height})
    page.set_viewport_size(b.DESKTOP)


def officer(code: str, role: str) -> User:
    return User.objects.get(username=worker(Dossier.objects.get(code=code).unit, role))


def off_loop(fn, *args):
    """Run fn in a thread of its own: Playwright's sync API keeps an event loop in this one, and signing
    (pyHanko) starts its own with asyncio.run."""

    def call():
        try:
            return fn(*args)
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


def to_result(code: str) -> None:
    off_loop(_to_result, code)


def _to_result(code: str) -> None:
    """The officers' part, through the actions layer: received, looked up, signed and issued, returned."""
    actions.perform(code, "receive", officer(code, Role.ONE_STOP_OFFICER))
    specialist = officer(code, Role.SPECIALIST)
    actions.perform(code, "start_processing", specialist)
    actions.perform(code, "transfer", specialist)
    approver = officer(code, Role.APPROVER)
    actions.perform(code, "approve", approver)
    actions.perform(code, "issue_result", approver)
    actions.perform(code, "return_result", officer(code, Role.ONE_STOP_OFFICER))


def download(page: Page, link) -> bytes:
    """What the link hands the browser (with its cookies): a PDF (Chromium would show it inline)."""
    expect(link).to_be_visible()
    response = page.request.get(link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf", response.status
    return response.body()


def upload_to_verify(page: Page, pdf: bytes) -> None:
    page.goto("/verify/")
    page.locator("#document").set_input_files({"name": "ket-qua.pdf", "mimeType": "application/pdf", "buffer": pdf})
    page.get_by_role("button", name="Kiểm tra").click()


def test_citizen_pays_the_fee_at_the_sandbox_gets_a_verified_result_and_a_refused_paid_dossier_shows_its_refund(
        chromium, shop):  # noqa: F811
    context = b.new_context(chromium, shop)
    page = context.new_page()
    start_with_eid(page, CRIMINAL_RECORD_URL, "citizen")
    code = apply(page)
    dossier = Dossier.objects.get(code=code)
    assert (dossier.status, dossier.fee, dossier.payment_due, dossier.paid_online) == (Status.SUBMITTED, 200_000, 200_000, 0)
    citizen = User.objects.get(username="citizen")

    pay_on_dossier_page(page, code)
    shots(page, "payment-paid-dossier")
    paid = Payment.objects.get(dossier__code=code)
    assert (paid.state, paid.amount, paid.purpose, paid.gateway, paid.payer) == (
        State.PAID, 200_000, Purpose.SUBMISSION, "sandbox", citizen)
    assert SandboxTransaction.objects.get(txn_ref=paid.order_ref, status="00").ipn_answers == ["00"]
    row = page.locator("table.payments tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("200.000")
    expect(row.locator(f"td.payment-{State.PAID}")).to_be_visible()
    expect(page.locator("section[aria-labelledby=pay-title]")).to_have_count(0)  # nothing left to pay
    dossier.refresh_from_db()
    assert (dossier.status, dossier.payment_due, dossier.paid_online) == (Status.SUBMITTED, 0, 2)

    to_result(code)
    page.goto(f"/my/dossiers/{code}/")
    shots(page, "payment-result-dossier")
    result_pdf = download(page, page.get_by_role("link", name="Tải kết quả (PDF có chữ ký số)"))
    result = Result.objects.get(dossier__code=code)
    verdict = off_loop(verify_pdf, result_pdf)
    assert verdict.valid and verdict.signer == dossier.unit.name[:64]
    receipt_pdf = download(page, page.get_by_role("link", name="Biên lai (PDF)"))
    receipt = off_loop(verify_pdf, receipt_pdf)
    assert receipt.signed and receipt.intact and receipt.trusted

    # The vault holds both, under this citizen's name, and hands the result back byte for byte.
    page.goto("/my/documents/")
    shots(page, "payment-vault")
    vault = VaultDocument.objects.filter(owner=citizen)
    assert vault.filter(reference=f"receipt/{paid.order_ref}", document_type="payment_receipt").exists()
    kept = vault.get(source_dossier=code, document_type="criminal_record_1")
    link = page.locator(f"a[href$='/my/documents/{kept.pk}/']").first
    response = page.request.get(link.get_attribute("href"))
    assert response.ok and response.body() == result_pdf and result.sha256 == kept.sha256

    upload_to_verify(page, result_pdf)
    expect(page.locator("main")).to_contain_text("Văn bản hợp lệ")
    expect(page.locator("main")).to_contain_text(result.number)
    shots(page, "payment-verify-genuine")

    # A second dossier, paid and then refused before processing: the refund goes through the gateway.
    page.goto(CRIMINAL_RECORD_URL)  # already logged in
    page.get_by_role("button", name=re.compile("Bắt đầu")).click()
    refused = apply(page)
    pay_on_dossier_page(page, refused)
    actions.perform(refused, "refuse", officer(refused, Role.ONE_STOP_OFFICER), reason="Không thuộc thẩm quyền")
    refund = Payment.objects.get(dossier__code=refused, purpose=Purpose.REFUND)
    assert off_loop(pay.process_refund, refund.pk) == "refunded"
    page.goto(f"/my/dossiers/{refused}/")
    rows = page.locator("table.payments tbody tr")
    expect(rows).to_have_count(2)
    refund_row = rows.filter(has=page.locator("td:first-child", has_text=re.compile("^Hoàn tiền$")))
    expect(refund_row).to_contain_text("200.000")
    expect(refund_row.locator(f"td.payment-{State.PAID}")).to_have_text("Đã hoàn trả cho người nộp")  # money back
    expect(page.locator(f"td.payment-{State.REFUNDED}")).to_have_text("Đã hoàn tiền")  # the fee paid
    shots(page, "payment-refunded-dossier")
    assert Dossier.objects.get(code=refused).status == Status.REFUSED
    assert Payment.objects.get(dossier__code=refused, purpose=Purpose.SUBMISSION).state == State.REFUNDED
    assert SandboxTransaction.objects.get(txn_ref=refund.refund_of.order_ref, status="00").refunded == 20_000_000
    context.close()


def test_an_approver_revokes_a_result_on_the_back_office_form_and_verify_says_revoked(chromium, shop):  # noqa: F811
    context = b.new_context(chromium, shop)
    page = context.new_page()
    start_with_eid(page, CRIMINAL_RECORD_URL, "citizen")
    code = apply(page)
    pay_on_dossier_page(page, code)
    to_result(code)
    result = Result.objects.get(dossier__code=code)
    with result.file.open("rb") as f:
        pdf = f.read()

    approver = context.browser.new_context(base_url=shop, viewport=b.DESKTOP, locale="vi-VN")
    office = approver.new_page()
    staff_login(office, officer(code, Role.APPROVER).username, f"/office/dossiers/{code}/")
    office.goto(f"/office/dossiers/{code}/")
    form = office.locator("section[aria-labelledby=revoke-title]")
    form.get_by_role("button", name="Thu hồi kết quả").click()  # no reason: refused, said next to the field
    expect(office.locator("#revoke-reason-error")).to_contain_text("Nhập lý do thu hồi kết quả.")
    expect(office.locator("#revoke-reason")).to_have_attribute("aria-invalid", "true")
    assert Result.objects.get(pk=result.pk).revoked_at is None
    shots(office, "revoke-result-error")
    office.locator("#revoke-reason").fill("Cấp nhầm người")
    office.locator("section[aria-labelledby=revoke-title]").get_by_role("button", name="Thu hồi kết quả").click()
    expect(office.locator("main")).to_contain_text("Cấp nhầm người")
    revoked = Result.objects.get(pk=result.pk)
    assert revoked.revocation_reason == "Cấp nhầm người" and revoked.revoked_by.username == officer(code, Role.APPROVER).username

    upload_to_verify(page, pdf)
    expect(page.locator("main")).to_contain_text("Kết quả đã bị thu hồi")
    expect(page.locator("main")).to_contain_text("Cấp nhầm người")
    expect(page.locator("main")).not_to_contain_text("Văn bản hợp lệ")
    shots(page, "verify-revoked")
    approver.close()
    context.close()
