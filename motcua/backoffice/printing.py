"""The papers an officer prints for a dossier: on A4 from the browser, or as PDF.

The receipt (results/receipt.py, once received), the return slip (once a result exists) and one
handover note per transfer to another agency (results/slips.py). Each page shows the paper's body
in the site (paper.css prints only the sheet); the `.pdf` twin is the same body drawn by WeasyPrint.
Scoped like the dossier page: outside the officer's unit subtree, 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from motcua.backoffice.views import _staff_dossier_or_404, staff_required
from motcua.dossiers.models import Dossier
from motcua.results import links, slips
from motcua.results.language import document_language
from motcua.results.receipt import receipt_context
from motcua.web.files import receipt_response

LABELS = {
    slips.RECEIPT: gettext_lazy("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
    slips.RETURN_SLIP: gettext_lazy("Phiếu trả kết quả"),
    slips.HANDOVER: gettext_lazy("Phiếu giao nhận hồ sơ liên thông"),
}


@dataclass
class Printable:
    label: str
    page: str
    pdf: str


def printables(dossier: Dossier) -> list[Printable]:
    """The papers this dossier has now, for its page's "print" block."""
    found = []

    def add(kind: str, label: str, **extra) -> None:
        kwargs = {"code": dossier.code, "kind": kind, **extra}
        suffix = "_event" if extra else ""
        found.append(Printable(
            label, reverse(f"backoffice:print{suffix}", kwargs=kwargs), reverse(f"backoffice:print_pdf{suffix}", kwargs=kwargs),
        ))

    if dossier.received_at is not None:
        add(slips.RECEIPT, str(LABELS[slips.RECEIPT]))
    if hasattr(dossier, "result"):
        add(slips.RETURN_SLIP, str(LABELS[slips.RETURN_SLIP]))
    for n, event in enumerate(slips.handovers(dossier), start=1):
        add(slips.HANDOVER, _("%(label)s (lần %(n)s)") % {"label": LABELS[slips.HANDOVER], "n": n}, event=event.pk)
    return found


def _context(dossier: Dossier, kind: str, event: int | None) -> dict:
    if kind == slips.RECEIPT and event is None:
        if dossier.received_at is None:
            raise Http404(_("Hồ sơ chưa được tiếp nhận nên chưa có giấy tiếp nhận."))
        with translation.override(document_language()):
            return receipt_context(dossier)
    if kind == slips.RETURN_SLIP and event is None:
        context = slips.return_slip_context(dossier)
        if context is None:
            raise Http404(_("Hồ sơ chưa có kết quả để trả."))
        return context
    if kind == slips.HANDOVER and event is not None:
        found = next((e for e in slips.handovers(dossier) if e.pk == event), None)
        if found is None:
            raise Http404(_("Không có lần chuyển hồ sơ này."))
        return slips.handover_context(dossier, found)
    raise Http404(_("Không có loại phiếu này."))


@require_safe
@staff_required
def print_page(request: HttpRequest, code: str, kind: str, event: int | None = None) -> HttpResponse:
    dossier = _staff_dossier_or_404(request, code)
    context = _context(dossier, kind, event)
    if kind == slips.RECEIPT and "verify_url" not in context:
        context.update(links.printed(links.RECEIPT, dossier.code))
    pdf = reverse("backoffice:print_pdf_event" if event else "backoffice:print_pdf",
                  kwargs={"code": code, "kind": kind, **({"event": event} if event else {})})
    # The paper in the installation's language (as its PDF), inside a page in the officer's own.
    return render(request, "backoffice/print.html", {
        **context, "paper": slips.paper_body(kind, context), "paper_language": document_language(),
        "title": LABELS[kind], "pdf_url": pdf, "kind": kind,
    })


@require_safe
@staff_required
def print_pdf(request: HttpRequest, code: str, kind: str, event: int | None = None) -> HttpResponse:
    dossier = _staff_dossier_or_404(request, code)
    if kind == slips.RECEIPT and event is None:
        return receipt_response(dossier)  # the stored receipt, drawn again only when it changed
    context = _context(dossier, kind, event)
    response = HttpResponse(slips.slip_pdf(kind, context), content_type="application/pdf")
    name = {slips.RETURN_SLIP: "tra-ket-qua", slips.HANDOVER: f"giao-nhan-{event}"}[kind]
    response["Content-Disposition"] = f'inline; filename="{dossier.code}-{name}.pdf"'
    return response
