"""The citizen's document store: what is kept, who may see it, and opening it.

Every issued result (`results.issue.issue_result`) and every file a citizen
uploads with a dossier (`vault.submission`) is kept here, so a later dossier
can name it instead of asking for it again. A document is only ever shown to
its owner; staff reach it through a dossier that reused it, and each such
read is in the owner's access log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog import timing, vocab
from motcua.catalog.models import localized
from motcua.lib.compiled import Compiled
from motcua.lib.errors import NotFound
from motcua.vault.models import Origin, VaultDocument


def type_label(document_type: str) -> str:
    return localized(vocab.current().name("document_types", document_type)) or _("Giấy tờ khác")


def documents_for(user, document_type: str | Iterable[str] | None = None) -> QuerySet[VaultDocument]:
    """The user's own documents (of one type or any of several), newest first."""
    if not getattr(user, "is_authenticated", False):
        return VaultDocument.objects.none()
    found = VaultDocument.objects.filter(owner=user)
    if isinstance(document_type, str):
        found = found.filter(document_type=document_type)
    elif document_type is not None:
        found = found.filter(document_type__in=list(document_type))
    return found.order_by("-created_at", "-id")


def usable(found: QuerySet[VaultDocument], today: date | None = None) -> QuerySet[VaultDocument]:
    """Only documents still valid today."""
    today = today or timezone.localdate()
    return found.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))


def not_found(doc_id: object) -> NotFound:
    # Another citizen's document answers exactly like one that does not exist.
    return NotFound(
        _("Không có giấy tờ số %(id)s trong kho dữ liệu của bạn.") % {"id": doc_id}, code="vault_document_not_found",
        vault_document=doc_id,
    )


_OWN_DOCUMENT: Compiled[VaultDocument] = Compiled(
    lambda owner_id, pk: VaultDocument.objects.filter(owner_id=owner_id, pk=pk).order_by("-created_at", "-id")[:1]
)


def get_for(user, doc_id: object) -> VaultDocument:
    """The user's document `doc_id`, or NotFound (also for another citizen's document)."""
    try:
        pk = int(str(doc_id))
    except (TypeError, ValueError):
        raise not_found(doc_id) from None
    if not getattr(user, "is_authenticated", False):
        raise not_found(doc_id)
    # documents_for(user).filter(pk=pk).first(), compiled once (every submission that reuses a document).
    found = _OWN_DOCUMENT.first(user.pk, pk)
    if found is None:
        raise not_found(doc_id)
    return found


def is_expired(document: VaultDocument, today: date | None = None) -> bool:
    return document.valid_until is not None and document.valid_until < (today or timezone.localdate())


def open_file(document: VaultDocument):
    if not default_storage.exists(document.storage_name):
        return None
    return default_storage.open(document.storage_name, "rb")


def keep_upload(
    owner, record: Mapping, *, dossier_code: str, document_type: str = "", title: str = "", at: datetime | None = None
) -> VaultDocument | None:
    """Keep a file the citizen uploaded with a dossier (the stored component record), once."""
    path = record.get("path")
    if not isinstance(path, str) or not path:
        return None
    reference = f"{dossier_code}/{record.get('key')}/{str(record.get('sha256', ''))[:16]}"[:120]
    found, _created = VaultDocument.objects.get_or_create(
        owner=owner, reference=reference,
        defaults={
            "document_type": document_type, "title": (title or str(record.get("name") or record.get("key")))[:255],
            "issuer": "", "storage_name": path, "sha256": str(record.get("sha256", "")),
            "size": int(record.get("size") or 0), "content_type": str(record.get("content_type") or "application/pdf"),
            "origin": Origin.UPLOAD, "source_dossier": dossier_code, "created_at": at or timezone.now(),
        },
    )
    return found


def holder_account(dossier, holder: tuple[str, str] | None):
    """Whose vault a document goes to: the holder's, when the ID the form gives is a citizen's account; else the
    applicant's (who acts for a business or a person without an account, and keeps it for them)."""
    if holder and holder[1]:
        found = get_user_model().objects.filter(citizen__personal_id=holder[1], is_active=True).first()
        if found is not None:
            return found
    return dossier.applicant


def keep_result(
    dossier, result, parts: Iterable[tuple] = (), *, holder: tuple[str, str] | None = None,
    document_type: str | None = None, title: str | None = None,
) -> VaultDocument:
    """Put an issued result in its holder's vault (called once, where results are issued).

    `parts`: (ResultDocument, its results.issue.Part) of each document another step issued with the
    result (an inter-agency bundle's health-insurance card, the police's residence deletion notice…):
    each is its own signed file, kept as its own document of its type, issued by its unit, in its
    holder's vault, so a later dossier finds it like any other.
    `holder`: (name, ID) of the result's holder when not the applicant; `document_type` and `title`
    replace the result's (a refusal letter).
    """
    definition = dossier.procedure_version.definition.get("result", {})
    issued_on = timezone.localdate(result.issued_at)
    found, _created = VaultDocument.objects.get_or_create(
        owner=holder_account(dossier, holder), reference=result.number,
        defaults={
            "held_for": _kept_for(dossier, holder),
            "document_type": document_type if document_type is not None else str(definition.get("document_type", "")),
            "title": title or localized(definition.get("title"), settings.LANGUAGE_CODE[:2]) or result.number,
            "issuer": dossier.unit.name,
            "valid_until": None if document_type is not None else timing.valid_until(definition, issued_on),
            **_file_of(result, dossier),
        },
    )
    for document, part in parts:
        VaultDocument.objects.get_or_create(
            owner=holder_account(dossier, part.holder), reference=document.number,
            defaults={"document_type": document.document_type, "title": document.title, "issuer": document.unit.name,
                      "held_for": _kept_for(dossier, part.holder),
                      **_file_of(document, dossier)},
        )
    return found


def _kept_for(dossier, holder: tuple[str, str] | None) -> str:
    """The holder's ID when the document goes to the applicant's vault only because the holder has no account."""
    if not holder or not holder[1] or holder_account(dossier, holder) != dossier.applicant:
        return ""
    mine = getattr(getattr(dossier.applicant, "citizen", None), "personal_id", "")
    return "" if holder[1] == mine else str(holder[1])[:32]


HANDED_FIELDS = ("document_type", "title", "issuer", "issued_on", "valid_until", "storage_name", "sha256", "size",
                 "content_type", "origin", "source_dossier", "reference")


def hand_to_holder(user, personal_id: str) -> list[VaultDocument]:
    """Give the citizen of `personal_id` their own copy of every document kept for that number (`held_for`).

    Called when they sign in with the e-ID (lib/events.CitizenSignedIn): the applicant who acted for them
    keeps theirs (they asked for it and may still need it); the holder's copy is a document of their own,
    offered to their later dossiers like any other. Once per document: their copy has the same reference.
    """
    if not personal_id:
        return []
    handed = []
    for kept in VaultDocument.objects.filter(held_for=personal_id).exclude(owner=user).order_by("created_at", "id"):
        copy, created = VaultDocument.objects.get_or_create(
            owner=user, reference=kept.reference,
            defaults={**{name: getattr(kept, name) for name in HANDED_FIELDS}, "created_at": timezone.now()},
        )
        if created:
            handed.append(copy)
    return handed


def on_citizen_signed_in(event) -> None:
    hand_to_holder(event.user, event.personal_id)


def _file_of(issued, dossier) -> dict:
    """The vault's fields of an issued file (a result or one of its documents)."""
    return {"storage_name": issued.file.name, "sha256": issued.sha256, "size": issued.file.size,
            "content_type": "application/pdf", "origin": Origin.RESULT, "source_dossier": dossier.code,
            "created_at": issued.issued_at, "issued_on": timezone.localdate(issued.issued_at)}


def keep_issued(
    owner, *, reference: str, document_type: str, title: str, issuer: str, issued_on: date, valid_until: date | None,
    content: bytes, file_name: str, content_type: str = "application/pdf",
) -> VaultDocument:
    """Keep a document the state issued elsewhere (the demo's papers); once per reference."""
    existing = VaultDocument.objects.filter(owner=owner, reference=reference).first()
    if existing is not None:
        return existing
    name = default_storage.save(f"vault/{owner.pk}/{file_name}", ContentFile(content))
    return VaultDocument.objects.create(
        owner=owner, reference=reference, document_type=document_type, title=title, issuer=issuer,
        issued_on=issued_on, valid_until=valid_until, storage_name=name, sha256=hashlib.sha256(content).hexdigest(),
        size=len(content), content_type=content_type, origin=Origin.ISSUED, created_at=timezone.now(),
    )
