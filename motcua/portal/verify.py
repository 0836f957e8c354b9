"""Checking an electronic result: anyone holding the PDF (a bank, a school) can ask.

The signature is checked against the roots this installation trusts, and the
file is looked up among the issued results by its SHA-256 — so a result that
is signed but was never issued here, or one altered after signing, is not
taken for genuine. Nothing about the applicant is shown; the file is not kept.
"""

from __future__ import annotations

import hashlib

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from motcua.catalog.models import localized
from motcua.dossiers.models import ApologyLetter, Dossier
from motcua.lib.ratelimit import rate_limited
from motcua.results import links
from motcua.results.models import Result, ResultDocument
from motcua.results.signing import verify_pdf
from motcua.vault import upload_checks

RULE = upload_checks.UploadRule(("pdf",), 20.0)


@require_http_methods(["GET", "POST"])
@rate_limited("verify")
def verify(request: HttpRequest) -> HttpResponse:
    context: dict = {"rule": RULE}
    if request.method == "GET":
        return render(request, "portal/verify.html", context)
    file = request.FILES.get("document")
    if file is None:
        context["error"] = _("Chọn tệp PDF kết quả cần kiểm tra.")
        return render(request, "portal/verify.html", context, status=400)
    try:
        upload_checks.check(file, RULE)
    except ValueError as exc:
        context["error"] = str(exc)
        return render(request, "portal/verify.html", context, status=400)
    pdf = file.read()
    verdict = verify_pdf(pdf)
    digest = hashlib.sha256(pdf).hexdigest()
    result = (
        Result.objects.select_related("dossier__unit", "dossier__procedure_version").filter(sha256=digest).first()
        # A document another agency issued with a result (its own signed file: results/issue.py).
        or ResultDocument.objects.select_related("unit", "result__dossier__procedure_version").filter(sha256=digest).first()
    )
    context.update(verdict=verdict, result=result, file_name=file.name)
    if result is not None:
        context["procedure_name"] = localized(result.dossier.procedure_version.definition["name"], request.LANGUAGE_CODE)
        context["issuer"] = result.unit if isinstance(result, ResultDocument) else result.dossier.unit
    # One word for the whole answer: a revoked result is genuine but no longer stands; a signed file
    # whose bytes or revisions do not match its signature was changed after signing.
    if verdict.signed and not (verdict.intact and verdict.whole_file):
        context["state"] = "tampered"
    elif verdict.valid and result is not None:
        context["state"] = "revoked" if result.revoked_at else "genuine"
    else:
        context["state"] = "unconfirmed"
    context["genuine"] = context["state"] == "genuine"
    return render(request, "portal/verify.html", context)


@require_http_methods(["GET"])
@rate_limited("verify")
def document(request: HttpRequest, kind: str, number: str, signature: str) -> HttpResponse:
    """The page a document's QR code opens: what was issued, by whom, when, and whether it still stands.

    Only a link printed by motcua (signed, results/links.py) opens a page; nothing about the applicant.
    """
    if not links.genuine(kind, number, signature):
        raise Http404
    context: dict = {"kind": kind, "number": number, "rule": RULE}
    if kind == links.RESULT:
        found = Result.objects.select_related("dossier__unit", "dossier__procedure_version").filter(number=number).first()
        if found is not None:
            context.update(result=found, dossier=found.dossier, unit=found.dossier.unit, at=found.issued_at)
        else:
            part = ResultDocument.objects.select_related("unit", "result__dossier__procedure_version").filter(
                number=number).first()
            if part is None:
                raise Http404
            context.update(result=part, dossier=part.dossier, unit=part.unit, at=part.issued_at)
    elif kind == links.RECEIPT:
        dossier = Dossier.objects.select_related("unit", "procedure_version").filter(code=number).first()
        if dossier is None or dossier.received_at is None:
            raise Http404
        context.update(dossier=dossier, unit=dossier.unit, at=dossier.received_at, due_at=dossier.due_at)
    else:
        letter = ApologyLetter.objects.select_related("dossier__unit", "dossier__procedure_version").filter(
            number=number
        ).first()
        if letter is None:
            raise Http404
        context.update(letter=letter, dossier=letter.dossier, unit=letter.dossier.unit, at=letter.issued_at,
                       due_at=letter.new_due_at)
    context["procedure_name"] = localized(context["dossier"].procedure_version.definition["name"], request.LANGUAGE_CODE)
    return render(request, "portal/verify_document.html", context)
