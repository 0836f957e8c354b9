"""The audit log hears of every dossier change (lib/events.py; subscribed in apps.py)."""

from __future__ import annotations

from motcua.audit.log import record
from motcua.lib.events import DossierChanged, PetitionChanged, ResultRevoked


def on_dossier_changed(event: DossierChanged) -> None:
    dossier = event.dossier
    record(
        actor=event.actor, action=f"dossier.{event.action}", object_type="dossier", object_id=dossier.code,
        at=event.at, data={"from": event.from_status, "to": dossier.status, "reason": event.reason, **event.data},
        first=event.first,
    )


def on_result_revoked(event: ResultRevoked) -> None:
    result = event.result
    record(
        actor=event.actor, action="result.revoke", object_type="result", object_id=result.number, at=event.at,
        data={"dossier": result.dossier.code, "reason": event.reason, "sha256": result.sha256},
    )


def on_petition_changed(event: PetitionChanged) -> None:
    petition = event.petition
    record(
        actor=event.actor, action=f"petition.{event.action}", object_type="petition", object_id=petition.code,
        at=event.at, data={"from": event.from_status, "to": petition.status, "reason": event.reason, **event.data},
        first=event.first,
    )
