"""The access log: every read of a citizen's registry record or vault document, for that citizen to see."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, Max, Q
from django.utils import timezone

from motcua.lib.compiled import insert
from motcua.vault.models import AccessLog, Kind, VaultDocument


def person_label(user) -> str:
    """How a reader is named in the log: the citizen's or officer's full name, else the login name."""
    if user is None:
        return ""
    citizen = getattr(user, "citizen", None)
    return (getattr(citizen, "full_name", "") or user.get_full_name() or user.get_username())[:255]


def log_registry(
    citizen, registry: str, fields: Iterable[str], *, actor=None, dossier: str = "", draft: str = "",
    purpose: str = "", at: datetime | None = None,
) -> AccessLog:
    """One row per reader, registry, dossier (or draft) and purpose: reading again for the same
    application (every step of a form, a page reloaded) adds the attributes read to that row
    instead of flooding the citizen's log with copies."""
    purpose = purpose[:255]
    same = AccessLog.objects.filter(
        citizen=citizen, actor=actor, kind=Kind.REGISTRY, registry=registry, dossier=dossier, draft=draft, purpose=purpose,
    ).order_by("-at", "-id").first()
    read = sorted(set(fields))
    if same is not None:
        if not set(read) <= set(same.fields):
            same.fields = sorted(set(same.fields) | set(read))
            same.save(update_fields=["fields"])
        return same
    return AccessLog.objects.create(
        citizen=citizen, actor=actor, actor_label=person_label(actor), kind=Kind.REGISTRY, what=registry,
        registry=registry, fields=read, dossier=dossier, draft=draft, purpose=purpose, at=at or timezone.now(),
    )


def link_draft(citizen, draft: str, dossier: str) -> None:
    """A filed draft: the reads that filled it belong to the dossier it became."""
    AccessLog.objects.filter(citizen=citizen, draft=draft, dossier="").update(dossier=dossier)


def log_vault(
    document: VaultDocument, *, actor=None, dossier: str = "", purpose: str = "", at: datetime | None = None
) -> AccessLog:
    entry = AccessLog(
        citizen_id=document.owner_id, actor=actor, actor_label=person_label(actor), kind=Kind.VAULT,
        what=document.title[:255], document=document, dossier=dossier, purpose=purpose[:255], at=at or timezone.now(),
    )
    insert(entry)  # each submission that reuses a document writes one: its INSERT compiled once (lib/compiled.py)
    return entry


def log_for(user):
    """What was read of this user's data, newest first."""
    return AccessLog.objects.filter(citizen=user).select_related("document").order_by("-at", "-id")


def grouped_reads(user, *, by_others: bool):
    """The log with repeated entries as one (how many, the last time), newest first.

    `by_others`: the reads by officers and other people (what the citizen most needs to
    see), else the citizen's own and the system's (prefilling a form, filing a dossier).
    Rows written before reads were logged once per application are folded here too.
    """
    reads = AccessLog.objects.filter(citizen=user)
    others = Q(actor__isnull=False) & ~Q(actor=user)
    reads = reads.filter(others) if by_others else reads.exclude(others)
    return (
        reads.values("kind", "registry", "what", "document_id", "actor_id", "actor_label", "dossier", "purpose")
        .annotate(times=Count("id"), last=Max("at"))
        .order_by("-last", "kind", "what")
    )
