"""The access log: every read of a citizen's registry record or vault document, for that citizen to see."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from motcua.vault.models import AccessLog, Kind, VaultDocument


def person_label(user) -> str:
    """How a reader is named in the log: the citizen's or officer's full name, else the login name."""
    if user is None:
        return ""
    citizen = getattr(user, "citizen", None)
    return (getattr(citizen, "full_name", "") or user.get_full_name() or user.get_username())[:255]


def log_registry(
    citizen, registry: str, fields: Iterable[str], *, actor=None, dossier: str = "", purpose: str = "",
    at: datetime | None = None,
) -> AccessLog:
    return AccessLog.objects.create(
        citizen=citizen, actor=actor, actor_label=person_label(actor), kind=Kind.REGISTRY, what=registry,
        registry=registry, fields=sorted(set(fields)), dossier=dossier, purpose=purpose[:255], at=at or timezone.now(),
    )


def log_vault(
    document: VaultDocument, *, actor=None, dossier: str = "", purpose: str = "", at: datetime | None = None
) -> AccessLog:
    return AccessLog.objects.create(
        citizen_id=document.owner_id, actor=actor, actor_label=person_label(actor), kind=Kind.VAULT,
        what=document.title[:255], document=document, dossier=dossier, purpose=purpose[:255], at=at or timezone.now(),
    )


def log_for(user):
    """What was read of this user's data, newest first."""
    return AccessLog.objects.filter(citizen=user).select_related("document").order_by("-at", "-id")
