"""The apology letter with a new return date (phiếu xin lỗi và hẹn lại ngày trả kết quả)."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.core.files.base import ContentFile
from django.template.loader import get_template
from django.utils import timezone, translation
from weasyprint import HTML

from motcua.catalog.models import localized
from motcua.dossiers.models import ApologyLetter, Dossier


def issue_apology_letter(dossier: Dossier, officer, at: datetime, *, reason: str, previous_due_at: datetime) -> ApologyLetter:
    number = f"XL-{dossier.code}-{dossier.apology_count}"
    # An official letter in the national language, whatever the UI language.
    with translation.override("vi"):
        html = get_template("results/apology.html").render(
            {
                "dossier": dossier,
                "number": number,
                "procedure_name": localized(dossier.procedure_version.definition["name"], "vi"),
                "unit": dossier.unit,
                "applicant": getattr(dossier.applicant, "citizen", None),
                "reason": reason,
                "previous_due_at": timezone.localtime(previous_due_at),
                "new_due_at": timezone.localtime(dossier.due_at),
                "issued_at": timezone.localtime(at),
                "officer": officer.get_full_name() or officer.get_username(),
            }
        )
    pdf = HTML(string=html).write_pdf()
    letter = ApologyLetter(
        dossier=dossier, number=number, reason=reason, previous_due_at=previous_due_at, new_due_at=dossier.due_at,
        sha256=hashlib.sha256(pdf).hexdigest(), issued_by=officer, issued_at=at,
    )
    letter.file.save(f"{number}.pdf", ContentFile(pdf), save=False)
    letter.save()
    return letter
