"""The apology letter with a new return date (phiếu xin lỗi và hẹn lại ngày trả kết quả), as a PDF.

Only the document: the actions layer (dossiers/actions/apology.py) numbers the
letter, moves the due date and stores the `ApologyLetter` row with these bytes.
"""

from __future__ import annotations

from datetime import datetime

from django.template.loader import get_template
from django.utils import timezone, translation

from motcua.catalog.models import localized
from motcua.lib.pdf import html_to_pdf
from motcua.results import links
from motcua.results.issue import signed_name
from motcua.results.language import document_language, paper_date, paper_place_date


def render_apology_letter(dossier, number: str, officer, at: datetime, *, reason: str, previous_due_at: datetime) -> bytes:
    """The letter's PDF. `dossier`: any object with the dossier's code, unit, applicant, procedure
    version and (new) `due_at`."""
    # An official letter in the installation's language, whatever the UI language.
    with translation.override(document_language()):
        html = get_template("results/apology.html").render(
            {
                "dossier": dossier,
                "number": number,
                "procedure_name": localized(dossier.procedure_version.definition["name"]),
                "unit": dossier.unit,
                "applicant": getattr(dossier.applicant, "citizen", None),
                "addressee": getattr(getattr(dossier.applicant, "citizen", None), "full_name", "") or signed_name(dossier.applicant),
                "reason": reason,
                "previous_due_at": timezone.localtime(previous_due_at),
                "previous_due_day": paper_date(previous_due_at),
                "new_due_at": timezone.localtime(dossier.due_at),
                "new_due_day": paper_date(dossier.due_at),
                "issued_at": timezone.localtime(at),
                "signed_at_place": paper_place_date(dossier.unit.name, at),
                "officer": signed_name(officer),
                **links.printed(links.APOLOGY, number),
            }
        )
    return html_to_pdf(html)
