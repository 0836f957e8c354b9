"""The papers the one-stop desk prints besides the receipt: the return slip and the inter-agency handover note.

- phiếu trả kết quả (return slip): the result handed to the applicant, with both signatures;
- phiếu giao nhận hồ sơ liên thông (handover note): one transfer of the dossier to another
  agency (a `transfer` event whose opened steps lie at other units), with the documents passed.

Each is one HTML body (results/slips/_*.html) drawn two ways: in the officer's page, printed on A4
from the browser (static motcua/paper.css, its `@media print` rules), and as PDF through WeasyPrint
(lib/pdf.py) from a standalone page carrying the same stylesheet. The receipt (receipt.py) is the third.
Like the receipt, these are official papers in the installation's language (results/language.py)
whatever the reader's: the contexts are built, and the bodies drawn, inside that language.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy

from motcua.catalog.models import localized
from motcua.lib.pdf import html_to_pdf
from motcua.results.issue import signed_name
from motcua.results.language import document_language, paper_date, paper_moment

RECEIPT, RETURN_SLIP, HANDOVER = "receipt", "return", "handover"
TITLES = {
    RECEIPT: gettext_lazy("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
    RETURN_SLIP: gettext_lazy("Phiếu trả kết quả giải quyết thủ tục hành chính"),
    HANDOVER: gettext_lazy("Phiếu giao nhận hồ sơ liên thông"),
}
BODIES = {
    RECEIPT: "results/_receipt_body.html",
    RETURN_SLIP: "results/slips/_return_body.html",
    HANDOVER: "results/slips/_handover_body.html",
}


@cache
def paper_css() -> str:
    """The papers' stylesheet, read once: the PDF carries it inside (WeasyPrint fetches nothing)."""
    path = finders.find("motcua/paper.css")
    with open(path, encoding="utf-8") as f:
        return f.read()


def _names(dossier) -> dict[str, str]:
    return {c["key"]: localized(c.get("name")) or c["key"] for c in dossier.procedure_version.components}


def _supplied(dossier) -> list[str]:
    names = _names(dossier)
    return [names.get(str(c.get("key")), str(c.get("key"))) for c in dossier.components or [] if isinstance(c, Mapping)]


def return_slip_context(dossier) -> dict[str, Any] | None:
    """None until the dossier has a result to hand over."""
    result = getattr(dossier, "result", None)
    if result is None:
        return None
    returned = dossier.events.filter(action="return_result").select_related("actor").order_by("id").first()
    with translation.override(document_language()):
        return {
            "dossier": dossier,
            "unit": dossier.unit,
            "applicant_name": signed_name(dossier.applicant),
            "procedure_name": localized(dossier.procedure_version.definition["name"]),
            "result": result,
            # Every document the dossier ended with (one per signing agency), each by its number.
            "documents": list(result.documents.select_related("unit")),
            "issued_at": timezone.localtime(result.issued_at),
            "issued_day": paper_date(result.issued_at),
            "received_at": timezone.localtime(dossier.received_at) if dossier.received_at else None,
            "received_day": paper_date(dossier.received_at),
            "due_at": timezone.localtime(dossier.due_at) if dossier.due_at else None,
            "due_day": paper_date(dossier.due_at),
            "returned_at": timezone.localtime(dossier.returned_at) if dossier.returned_at else None,
            "returned_when": paper_moment(dossier.returned_at),
            "officer": signed_name(returned.actor) if returned is not None and returned.actor else "",
        }


def handovers(dossier) -> list:
    """The dossier's passes to other agencies: the events that finished a step and opened steps at other units.

    Read from the tasks (a step opened in the same transaction as the event, `opened_at == event.at`),
    so a transfer, an approval or any step that hands on counts, whatever its event records.
    """
    tasks = list(dossier.tasks.select_related("unit"))
    found = []
    for event in dossier.events.order_by("id"):
        if _handover_parts(event, tasks)[1]:
            found.append(event)
    return found


def _handover_parts(event, tasks) -> tuple[Any, list]:
    """(the step the event finished, the steps it opened at other units)."""
    sender = next((t for t in tasks if t.done_at == event.at and t.step == (event.data or {}).get("step")), None)
    if sender is None:
        return None, []
    return sender, [t for t in tasks if t.opened_at == event.at and t.unit_id != sender.unit_id]


def handover_context(dossier, event) -> dict[str, Any]:
    tasks = list(dossier.tasks.select_related("unit"))
    sender, opened = _handover_parts(event, tasks)
    receivers = list({t.unit_id: t.unit for t in opened}.values())
    with translation.override(document_language()):
        return {
            "dossier": dossier,
            "number": f"{dossier.code}-GN{event.pk}",
            "from_unit": sender.unit,
            "from_step": localized(sender.name),
            "to_units": receivers,
            "opened": [(localized(t.name), t.unit) for t in opened],
            "applicant_name": signed_name(dossier.applicant),
            "procedure_name": localized(dossier.procedure_version.definition["name"]),
            "components": _supplied(dossier),
            "at": timezone.localtime(event.at),
            "at_when": paper_moment(event.at),
            "due_at": timezone.localtime(dossier.due_at) if dossier.due_at else None,
            "due_day": paper_date(dossier.due_at),
            "officer": signed_name(event.actor) if event.actor else "",
        }


def paper_body(kind: str, context: Mapping[str, Any]) -> SafeString:
    """The paper's body alone, in the installation's language: the officer's print page shows it
    inside a page in the officer's own language (backoffice/printing.py)."""
    with translation.override(document_language()):
        body = get_template(BODIES[kind]).render({**context})
        if kind == RECEIPT and context.get("verify_qr"):
            body += get_template("results/slips/_screen_verify.html").render({**context})
    return SafeString(body)


def slip_html(kind: str, context: Mapping[str, Any]) -> str:
    """The standalone page WeasyPrint draws: the paper's body with its stylesheet inside."""
    language = document_language()
    with translation.override(language):
        return get_template("results/slips/paper.html").render(
            {**context, "body": BODIES[kind], "title": str(TITLES[kind]), "css": paper_css(), "language": language}
        )


def slip_pdf(kind: str, context: Mapping[str, Any]) -> bytes:
    return html_to_pdf(slip_html(kind, context))
