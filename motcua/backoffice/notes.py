"""Internal notes between officers on a dossier (never the applicant's to see).

Only an officer who may open the dossier (`dossiers.access.staff_dossiers`, 404 otherwise) reads its
notes; writing takes a role that may change something (a monitor, read-only, gets 403). Input is strict: one field, `text`, 1–2,000 characters, no NUL; anything else
posted is refused (400), so a form built by hand cannot slip other values in. Each note is audited
(audit.log) in the same transaction as its row; the audit keeps its length and digest, not its words.
"""

from __future__ import annotations

import hashlib
import re
import uuid

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from motcua.audit.log import record
from motcua.backoffice.models import NOTE_MAX_CHARS, DossierNote
from motcua.backoffice.views import _detail_page, _working_dossier_or_403, staff_required
from motcua.dossiers.models import Dossier
from motcua.lib.errors import Invalid

ALLOWED_FIELDS = frozenset({"csrfmiddlewaretoken", "text", "idempotency_key"})
KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")


def new_key() -> str:
    """The key a note form carries: posting the form twice (a double click, a resent request) adds one note."""
    return uuid.uuid4().hex


def notes_of(dossier: Dossier) -> list[DossierNote]:
    return list(DossierNote.objects.filter(dossier=dossier).select_related("author__citizen").order_by("at", "id"))


def clean_text(raw: str) -> str:
    text = raw.replace("\r\n", "\n").strip()
    if not text:
        raise Invalid(_("Hãy viết nội dung ghi chú."), code="note_empty")
    if len(text) > NOTE_MAX_CHARS:
        raise Invalid(
            _("Ghi chú dài tối đa %(max)s ký tự (bạn đã viết %(n)s).") % {"max": NOTE_MAX_CHARS, "n": len(text)},
            code="note_too_long",
        )
    return text


def add_note(dossier: Dossier, author, text: str, key: str = "") -> DossierNote:
    """The new note, or the one this author already posted under `key` (on any dossier: a key is used once)."""
    text = clean_text(text)
    if key:
        done = DossierNote.objects.filter(author=author, idempotency_key=key).first()
        if done is not None:
            return done
    try:
        return _create(dossier, author, text, key)
    except IntegrityError:  # the same key posted twice at the same moment: the first one won
        return DossierNote.objects.get(author=author, idempotency_key=key)


@transaction.atomic
def _create(dossier: Dossier, author, text: str, key: str) -> DossierNote:
    now = timezone.now()
    note = DossierNote.objects.create(dossier=dossier, author=author, at=now, text=text, idempotency_key=key)
    record(
        actor=author, action="add_note", object_type="dossier_note", object_id=str(note.pk), at=now, first=True,
        data={"dossier": dossier.code, "chars": len(note.text), "sha256": hashlib.sha256(note.text.encode()).hexdigest()},
    )
    return note


@require_POST
@staff_required
def post_note(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _working_dossier_or_403(request, code)  # a monitor reads the notes, and writes none
    undeclared = set(request.POST) - ALLOWED_FIELDS
    values = request.POST.getlist("text")
    keys = request.POST.getlist("idempotency_key")
    key = request.headers.get("Idempotency-Key", "") or (keys[0] if keys else "")
    if (
        undeclared or len(values) > 1 or len(keys) > 1 or any("\x00" in v for v in values)
        or (key and not KEY.fullmatch(key))
    ):
        return HttpResponseBadRequest(_("Dữ liệu gửi lên không hợp lệ."), content_type="text/plain; charset=utf-8")
    try:
        add_note(dossier, request.user, values[0] if values else "", key)
    except Invalid as exc:
        return _detail_page(request, dossier, note_error=exc.message)
    messages.success(request, _("Đã lưu ghi chú nội bộ."))
    return redirect(reverse("backoffice:dossier", kwargs={"code": code}) + "#notes-title")
