"""The receipt with the promised return date (giấy tiếp nhận hồ sơ và hẹn trả kết quả).

Drawn from the dossier's own records once the one-stop desk has received it
(form 01 of Circular 01/2018/TT-VPCP). Drawing a PDF is the costly part, so the
PDF is kept in the file storage under a digest of the page it was drawn from:
a download draws the page (cheap) and serves the stored PDF while nothing it
shows has changed. A due date moved by a supplement pause or an apology letter,
or the documents a supplement added, change the page, hence the digest: the
next download draws a new PDF and the old one is removed. Nothing is done in
the actions' transaction; a receipt is only drawn when someone asks for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from motcua.catalog.models import ProcedureVersion, localized
from motcua.lib.pdf import html_to_pdf
from motcua.results import links
from motcua.results.issue import signed_name
from motcua.results.language import document_language, paper_date, paper_moment

FOLDER = "receipts"


class ReceivedDossier(Protocol):
    """What the receipt reads of a dossier (results sits below dossiers and does not import it)."""

    code: str
    received_at: datetime | None
    due_at: datetime | None
    components: list | None
    procedure_version: ProcedureVersion
    unit: Any
    applicant: Any
    events: Any


def receipt_html(dossier: ReceivedDossier) -> str:
    """The receipt as HTML: everything the PDF shows, and so what its stored copy is keyed by."""
    # An official paper in the installation's language, whatever the UI language.
    with translation.override(document_language()):
        return get_template("results/receipt.html").render(receipt_context(dossier))


def receipt_context(dossier: ReceivedDossier) -> dict[str, Any]:
    """What the receipt shows (the PDF above, and the officer's page printed from the browser).

    Texts in the active language: the caller overrides it with the installation's (`receipt_html`).
    """
    names = {c["key"]: localized(c.get("name")) or c["key"] for c in dossier.procedure_version.components}
    supplied = [
        names.get(str(c.get("key")), str(c.get("key"))) + _on_paper(c)
        for c in dossier.components or [] if isinstance(c, Mapping)
    ]
    received = dossier.events.filter(action="receive").select_related("actor").order_by("id").first()
    officer = received.actor if received is not None else None
    return {
        "dossier": dossier,
        "procedure_name": localized(dossier.procedure_version.definition["name"]),
        "unit": dossier.unit,
        "applicant_name": signed_name(dossier.applicant),
        "components": supplied,
        "received_at": timezone.localtime(dossier.received_at),
        "received_when": paper_moment(dossier.received_at),
        "due_at": timezone.localtime(dossier.due_at) if dossier.due_at else None,
        "due_when": paper_moment(dossier.due_at),
        "due_day": paper_date(dossier.due_at),
        "officer": signed_name(officer) if officer is not None else "",
        **links.printed(links.RECEIPT, dossier.code),
    }


def _on_paper(component: Mapping) -> str:
    # What the desk took on paper, in the receipt's language (as the rest of its text).
    if component.get("source") != "paper":
        return ""
    return " " + (_("(bản giấy, đã số hóa)") if component.get("digitized") else _("(bản giấy)"))


def draw(html: str) -> bytes:
    """HTML → PDF (WeasyPrint): the slow step that storing the receipt saves."""
    return html_to_pdf(html)


def _folder(dossier: ReceivedDossier) -> str:
    # Dossier codes are letters, digits, dots and dashes: safe as a folder name.
    return f"{FOLDER}/{dossier.code}"


def receipt_pdf(dossier: ReceivedDossier) -> bytes:
    """The receipt PDF of a received dossier as it is now (the caller checks `received_at`).

    The stored copy if it shows the same, else drawn, stored and returned.
    """
    html = receipt_html(dossier)
    digest = hashlib.sha256(html.encode()).hexdigest()[:32]
    name = f"{_folder(dossier)}/{digest}.pdf"
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as stored:
            return stored.read()
    pdf = draw(html)
    default_storage.save(name, ContentFile(pdf))
    _remove_others(dossier, digest)
    return pdf


def _remove_others(dossier: ReceivedDossier, digest: str) -> None:
    """Drop the copies drawn for what the dossier showed before (a storage may add a suffix: kept too)."""
    _dirs, files = default_storage.listdir(_folder(dossier))
    for file in files:
        if not file.startswith(digest):
            default_storage.delete(f"{_folder(dossier)}/{file}")


def keep_in_vault(dossier: ReceivedDossier) -> None:
    """The receipt of a dossier filed at the counter, kept in the applicant's vault as handed over.

    Called by the counter's page and API once the filing is committed (issue 17): the applicant
    who has an account finds the paper they were given among their documents. A later change of
    the due date draws a new receipt on the dossier's page; the vault keeps the one handed over.
    """
    from motcua.vault.store import keep_issued

    pdf = receipt_pdf(dossier)
    with translation.override(document_language()):
        title = _("Giấy tiếp nhận hồ sơ và hẹn trả kết quả %(code)s") % {"code": dossier.code}
    keep_issued(
        dossier.applicant, reference=f"{dossier.code}/receipt", document_type="",
        title=title, issuer=dossier.unit.name,
        issued_on=timezone.localdate(dossier.received_at), valid_until=None, content=pdf,
        file_name=f"{dossier.code}-tiep-nhan.pdf",
    )
