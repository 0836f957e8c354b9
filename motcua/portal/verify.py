"""Checking an electronic result: anyone holding the PDF (a bank, a school) can ask.

The signature is checked against the roots this installation trusts, and the
file is looked up among the issued results by its SHA-256 — so a result that
is signed but was never issued here, or one altered after signing, is not
taken for genuine. Nothing about the applicant is shown; the file is not kept.
"""

from __future__ import annotations

import hashlib

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from motcua.catalog.models import localized
from motcua.results.models import Result
from motcua.results.signing import verify_pdf
from motcua.vault import upload_checks

RULE = upload_checks.UploadRule(("pdf",), 20.0)


@require_http_methods(["GET", "POST"])
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
    result = (
        Result.objects.select_related("dossier__unit", "dossier__procedure_version")
        .filter(sha256=hashlib.sha256(pdf).hexdigest())
        .first()
    )
    context.update(verdict=verdict, result=result, file_name=file.name)
    if result is not None:
        context["procedure_name"] = localized(result.dossier.procedure_version.definition["name"], request.LANGUAGE_CODE)
    context["genuine"] = verdict.valid and result is not None
    return render(request, "portal/verify.html", context)
