"""The files of a dossier, answered the same way to its applicant (portal) and to the officers (back office).

Each function takes a dossier the caller has already scoped (`dossiers.access`):
who may read it is decided before, never here.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext as _

from motcua.dossiers.models import Dossier
from motcua.results.receipt import receipt_pdf
from motcua.vault import upload_checks
from motcua.vault.access import log_vault
from motcua.vault.models import VaultDocument
from motcua.vault.store import open_file
from motcua.web.dossier_page import letter_or_none, supplied_component

_KINDS = {v: k for k, v in upload_checks.CONTENT_TYPES.items()}


def result_response(dossier: Dossier) -> FileResponse:
    """The result PDF of a dossier the caller has already scoped (citizen or staff)."""
    if not hasattr(dossier, "result"):
        raise Http404(_("Hồ sơ chưa có kết quả."))
    return FileResponse(dossier.result.file.open("rb"), content_type="application/pdf", filename=f"{dossier.code}.pdf")


def result_document_response(dossier: Dossier, number: str) -> FileResponse:
    """One document another agency issued with the dossier's result (its own signed PDF), by its number."""
    result = getattr(dossier, "result", None)
    document = result.documents.filter(number=number).first() if result is not None else None
    if document is None:
        raise Http404(_("Không có văn bản số %(number)s.") % {"number": number})
    return FileResponse(document.file.open("rb"), content_type="application/pdf", filename=f"{document.number}.pdf")


def receipt_response(dossier: Dossier) -> HttpResponse:
    """The receipt with the return date, once the one-stop desk has received the dossier."""
    if dossier.received_at is None:
        raise Http404(_("Hồ sơ chưa được tiếp nhận nên chưa có giấy tiếp nhận."))
    response = HttpResponse(receipt_pdf(dossier), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{dossier.code}-tiep-nhan.pdf"'
    return response


def apology_response(dossier: Dossier, number: str) -> FileResponse:
    letter = letter_or_none(dossier, number)
    if letter is None:
        raise Http404(_("Không có phiếu xin lỗi số %(number)s.") % {"number": number})
    return FileResponse(letter.file.open("rb"), content_type="application/pdf", filename=f"{letter.number}.pdf")


def document_response(document: VaultDocument) -> FileResponse:
    """A vault document's file, as an attachment named after its title."""
    opened = open_file(document)
    if opened is None:
        raise Http404(_("Không tìm thấy tệp của giấy tờ này."))
    kind = _KINDS.get(document.content_type, "pdf")
    return FileResponse(
        opened, content_type=document.content_type, as_attachment=True,
        filename=upload_checks.safe_name(document.title, kind),
    )


def reused_document_response(dossier: Dossier, record: Mapping, reader=None) -> FileResponse:
    """The vault document a dossier component names: only the applicant's own, and every other reader logged."""
    document = VaultDocument.objects.filter(pk=record.get("vault_document"), owner_id=dossier.applicant_id).first()
    if document is None:
        raise Http404(_("Không có tệp cho thành phần này."))
    response = document_response(document)
    if reader is not None and reader.pk != dossier.applicant_id:
        log_vault(document, actor=reader, dossier=dossier.code, purpose=dossier.procedure.code)
    return response


# What a browser may show inline: it draws these itself, and none runs a script (no HTML, no SVG).
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})


def component_response(dossier: Dossier, key: str, reader=None, *, inline: bool = False) -> FileResponse:
    """A supplied component's file; `reader` other than the applicant is logged when it is a vault document.

    `inline`: an uploaded PDF or image for the officer's page to show (`Content-Disposition: inline`);
    any other upload, and every reused vault document (each opening is logged for its owner, so a
    page view must not open it), stays an attachment.
    """
    record = supplied_component(dossier, key)
    if record is not None and record.get("source") == "vault":
        if inline:
            raise Http404(_("Không có bản xem trước cho thành phần này."))
        return reused_document_response(dossier, record, reader)
    opened = upload_checks.stored_file(record) if record is not None else None
    if opened is None:
        raise Http404(_("Không có tệp cho thành phần này."))
    kind = _KINDS.get(record.get("content_type"), "bin")
    content_type = upload_checks.CONTENT_TYPES.get(kind, "application/octet-stream")
    if inline and content_type not in INLINE_TYPES:
        opened.close()
        raise Http404(_("Không có bản xem trước cho thành phần này."))
    return FileResponse(
        opened, content_type=content_type, as_attachment=not inline,
        filename=upload_checks.safe_name(str(record.get("name") or key), kind),
    )
