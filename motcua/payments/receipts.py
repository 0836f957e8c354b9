"""The e-receipt (biên lai điện tử) of a paid payment: a PDF with the quote's fee lines, signed, in the payer's vault.

Drawn once per payment, after its payment is committed (a task, or the first download), never inside the
notice's transaction: WeasyPrint and the signature take a second the gateway should not wait for.
Signed the way results are signed (`results.signing.sign_pdf`).
"""

from __future__ import annotations

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from motcua.catalog.models import localized
from motcua.lib.pdf import html_to_pdf
from motcua.payments.models import Payment, Purpose, State
from motcua.results.language import document_language, paper_moment, paper_money
from motcua.results.signing import sign_pdf
from motcua.vault.models import VaultDocument
from motcua.vault.store import keep_issued

RECEIPT_TYPE = "payment_receipt"


def line_label(line: dict) -> str:
    """A receipt line's words: its charge (several fees in one dossier), its rule, the local act it follows."""
    label = localized(line.get("label")) or line.get("rule", "")
    if line.get("charge"):
        label = f"{localized(line.get('charge_label')) or line['charge']}: {label}"
    return f"{label} ({line['basis']})" if line.get("basis") else label


def receipt_pdf(payment: Payment) -> bytes:
    """The e-receipt in the installation's language (an official paper, like a result), amounts in its currency."""
    with translation.override(document_language()):
        return _receipt_pdf(payment)


def _receipt_pdf(payment: Payment) -> bytes:
    dossier = payment.dossier
    payer = dossier.applicant
    profile = getattr(payer, "citizen", None)
    lines = [{"label": line_label(x), "amount": paper_money(int(x.get("amount", 0)))}
             for x in payment.lines] or [{"label": _("Phí, lệ phí"), "amount": paper_money(payment.amount)}]
    if payment.gateway == "counter":
        method = _("tại quầy, biên lai %(number)s") % {"number": payment.receipt_number}
    else:
        method = _("trực tuyến (%(gateway)s)") % {"gateway": payment.gateway}
    html = render_to_string("payments/receipt.html", {
        "payment": payment, "dossier": dossier, "unit_name": dossier.unit.name, "number": payment.order_ref,
        "payer_name": getattr(profile, "full_name", "") or payer.get_full_name() or payer.get_username(),
        "procedure_name": localized(dossier.procedure_version.definition["name"]) or dossier.procedure.name,
        "lines": lines, "total": paper_money(payment.amount),
        "method": method,
        "paid_at": timezone.localtime(payment.paid_at or payment.updated_at),
        "paid_when": paper_moment(payment.paid_at or payment.updated_at),
    })
    return sign_pdf(html_to_pdf(html), reason=_("Biên lai thu phí, lệ phí"), location=dossier.unit.name,
                    signer_name=dossier.unit.name)


def issue(payment_id: int) -> VaultDocument | None:
    """The payment's e-receipt in the payer's vault (made once; None for a payment not paid)."""
    payment = Payment.objects.select_related("dossier__unit", "dossier__procedure", "dossier__procedure_version", "dossier__applicant").filter(
        pk=payment_id).first()
    if payment is None or payment.purpose == Purpose.REFUND or payment.state not in (State.PAID, State.REFUNDED):
        return None
    if payment.receipt_id is not None:
        return payment.receipt
    content = receipt_pdf(payment)
    with translation.override(document_language()):
        title = _("Biên lai thu phí, lệ phí — %(code)s") % {"code": payment.dossier.code}
    with transaction.atomic():
        doc = keep_issued(
            payment.dossier.applicant, reference=f"receipt/{payment.order_ref}", document_type=RECEIPT_TYPE,
            title=title, issuer=payment.dossier.unit.name,
            issued_on=timezone.localdate(payment.paid_at or payment.updated_at), valid_until=None, content=content,
            file_name=f"bien-lai-{payment.order_ref}.pdf",
        )
        # Only the link to its document: the payment's state is the actions layer's.
        Payment.objects.filter(pk=payment.pk, receipt__isnull=True).update(receipt=doc)
    return doc
