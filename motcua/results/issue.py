"""Rendering a dossier's result to PDF (WeasyPrint), signing it (signing.py) and storing it."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from django.core.files.base import ContentFile
from django.template.loader import select_template
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from weasyprint import HTML

from motcua.catalog.models import localized
from motcua.lib.errors import Conflict
from motcua.results import links
from motcua.results.models import Result
from motcua.results.signing import sign_pdf
from motcua.vault.store import keep_result

log = logging.getLogger(__name__)


def render_pdf(dossier, number: str, issued_at: datetime, signer) -> bytes:
    definition = dossier.procedure_version.definition
    result_def = definition["result"]
    template = select_template([f"results/{result_def.get('template', 'generic')}.html", "results/generic.html"])
    form = definition["form"].get("properties", {})
    summary_keys = result_def.get("summary_fields") or list(form)
    # A result is an official document in the national language, whatever the UI language.
    with translation.override("vi"):
        rows = [
            (form.get(key, {}).get("title", key), dossier.data.get(key))
            for key in summary_keys
            if key in dossier.data
        ]
        html = template.render(
            {
                "dossier": dossier,
                "number": number,
                "title": localized(result_def["title"], "vi"),
                "procedure_name": localized(definition["name"], "vi"),
                "unit": dossier.unit,
                "rows": rows,
                "issued_at": timezone.localtime(issued_at),
                "signer": signer.get_full_name() or signer.get_username(),
                "applicant": getattr(dossier.applicant, "citizen", None),
                # The unit whose certificate signs (results/pki.py), named in the visible text too.
                **links.printed(links.RESULT, number, signing_unit=dossier.unit.name),
            }
        )
    return HTML(string=html).write_pdf()


def _signed(pdf: bytes, **how) -> bytes:
    try:
        return sign_pdf(pdf, **how)
    except (SigningError, TimestampRequestError) as exc:
        # A unit's certificate revoked or expired, a TSA that does not answer: the action is refused
        # (and rolled back) with words the signer can act on, not a server error.
        log.warning("result not signed: %s", exc)
        raise Conflict(
            _("Chứng thư số của đơn vị không dùng được để ký kết quả lúc này (đã bị thu hồi, hết hạn, hoặc không lấy "
              "được dấu thời gian); hãy báo quản trị hệ thống."),
            code="signing_unavailable",
        ) from exc


def issue_result(dossier, signer, at: datetime) -> Result:
    number = f"KQ-{dossier.code}"
    with translation.override("vi"):
        pdf = _signed(
            render_pdf(dossier, number, at, signer),
            reason=_("%(unit)s ban hành kết quả hồ sơ %(code)s") % {"unit": dossier.unit.name, "code": dossier.code},
            location=dossier.unit.name,
            signer_name=signer.get_full_name() or signer.get_username(),
            unit=dossier.unit,
        )
    result = Result(dossier=dossier, number=number, sha256=hashlib.sha256(pdf).hexdigest(), issued_at=at, issued_by=signer)
    result.file.save(f"{dossier.code}.pdf", ContentFile(pdf), save=False)
    result.save()
    # Every issued result is kept in the applicant's vault, for reuse in later dossiers.
    keep_result(dossier, result)
    return result
