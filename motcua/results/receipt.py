"""The receipt with the promised return date (giấy tiếp nhận hồ sơ và hẹn trả kết quả).

Drawn on demand from the dossier's own records once the one-stop desk has
received it (form 01 of Circular 01/2018/TT-VPCP): nothing is stored, so it
always says what the dossier says, including a due date moved by a supplement
pause or an apology letter.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.template.loader import get_template
from django.utils import timezone, translation
from weasyprint import HTML

from motcua.catalog.models import localized
from motcua.dossiers.models import Dossier


def render_receipt(dossier: Dossier) -> bytes:
    """The receipt PDF of a received dossier (the caller checks `received_at`)."""
    names = {c["key"]: localized(c.get("name"), "vi") or c["key"] for c in dossier.procedure_version.components}
    supplied = [
        names.get(str(c.get("key")), str(c.get("key"))) for c in dossier.components or [] if isinstance(c, Mapping)
    ]
    received = dossier.events.filter(action="receive").select_related("actor").order_by("id").first()
    officer = received.actor if received is not None else None
    # An official paper in the national language, whatever the UI language.
    with translation.override("vi"):
        html = get_template("results/receipt.html").render(
            {
                "dossier": dossier,
                "procedure_name": localized(dossier.procedure_version.definition["name"], "vi"),
                "unit": dossier.unit,
                "applicant": getattr(dossier.applicant, "citizen", None),
                "components": supplied,
                "received_at": timezone.localtime(dossier.received_at),
                "due_at": timezone.localtime(dossier.due_at) if dossier.due_at else None,
                "officer": (officer.get_full_name() or officer.get_username()) if officer is not None else "",
            }
        )
    return HTML(string=html).write_pdf()
