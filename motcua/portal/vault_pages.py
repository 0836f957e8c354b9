"""Citizen pages of the vault: "My documents" and "Who read my data"."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from motcua.lib.errors import NotFound
from motcua.vault.access import grouped_reads
from motcua.vault.models import Kind, Origin, VaultDocument
from motcua.vault.registries import label_of
from motcua.vault.store import documents_for, get_for, is_expired, type_label
from motcua.web.files import document_response
from motcua.web.presentation import format_date, format_datetime, issuer_names

PAGE_SIZE = 50


@dataclass
class DocumentRow:
    document: VaultDocument
    type_label: str
    issuer: str
    origin_label: str
    issued_on: str
    valid_until: str
    expired: bool


@require_safe
@login_required
def documents(request: HttpRequest) -> HttpResponse:
    page = Paginator(documents_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    units = issuer_names(d.issuer for d in page.object_list)
    rows = [
        DocumentRow(
            d, type_label(d.document_type), units.get(d.issuer, d.issuer), str(Origin(d.origin).label), format_date(d.issued_on),
            format_date(d.valid_until), is_expired(d),
        )
        for d in page.object_list
    ]
    return render(request, "portal/documents.html", {"page": page, "rows": rows})


@require_safe
@login_required
def document_file(request: HttpRequest, doc_id: int) -> FileResponse:
    try:
        document = get_for(request.user, doc_id)
    except NotFound as exc:
        raise Http404(exc.message) from None
    return document_response(document)


@dataclass
class ReadRow:
    at: str
    who: str
    what: str
    why: str
    dossier: str
    times: int


def describe(entry: dict, user) -> ReadRow:
    """One line of the log: `entry`, a group of identical reads (`grouped_reads`)."""
    if entry["actor_id"] is None:
        who = _("Hệ thống motcua (tự động, khi nộp hồ sơ)")
    elif entry["actor_id"] == user.pk:
        who = _("Bạn, qua Cổng dịch vụ công")
    else:
        who = _("Cán bộ %(name)s") % {"name": entry["actor_label"]}
    if entry["kind"] == Kind.REGISTRY:
        what = _("Dữ liệu của bạn trong %(registry)s") % {"registry": label_of(entry["registry"])}
    else:
        what = _("Giấy tờ “%(title)s” trong kho dữ liệu") % {"title": entry["what"]}
    if entry["dossier"]:
        why = _("Hồ sơ %(code)s") % {"code": entry["dossier"]}
    elif entry["purpose"]:
        why = _("Điền sẵn biểu mẫu thủ tục %(code)s") % {"code": entry["purpose"]}
    else:
        why = ""
    return ReadRow(format_datetime(entry["last"]), who, what, why, entry["dossier"], entry["times"])


# Officers' reads are few and are what the page is for: all of them are shown, up to this many.
OTHERS_SHOWN = 200


@require_safe
@login_required
def access_log(request: HttpRequest) -> HttpResponse:
    """Reads by officers and other people first, then the citizen's own and the system's; each
    repeated read as one line with how many times."""
    others = [describe(e, request.user) for e in grouped_reads(request.user, by_others=True)[:OTHERS_SHOWN]]
    page = Paginator(grouped_reads(request.user, by_others=False), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "portal/access_log.html",
        {"others": others, "page": page, "rows": [describe(e, request.user) for e in page.object_list]},
    )
