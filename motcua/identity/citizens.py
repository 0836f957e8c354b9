"""What a verified e-ID login means here: the citizen's User and CitizenProfile.

The personal ID number is the key: a person keeps it for life, whichever
provider or account they log in with. The e-ID is the source of truth for the
name, the birth date and the assurance level, so they are refreshed at every
login, but only by a value: a login whose claims lack the name or the birth
date (a provider that gives them only in UserInfo, or not in this scope) keeps
what is known, and the personal ID number is never taken for a name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction

from motcua.identity.models import CitizenProfile, User
from motcua.identity.oidc import LoginError
from motcua.lib.personal_id import InvalidPersonalId, validate_personal_id


@dataclass(frozen=True)
class EidCitizen:
    personal_id: str
    full_name: str
    assurance_level: int
    birth_date: date | None = None


def _text(value: object, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def read_claims(claims: Mapping[str, Any]) -> EidCitizen:
    """The citizen a login's claims describe; refuses one without a valid personal ID number.

    `full_name` is "" and `birth_date` None when the claims do not say them.
    """
    personal_id = claims.get(settings.OIDC_PERSONAL_ID_CLAIM)
    try:
        validate_personal_id(personal_id)  # type: ignore[arg-type]  # anything a provider sends is checked
    except InvalidPersonalId as exc:
        # The value stays out of the log: it may be someone's real number, only malformed.
        raise LoginError("invalid_personal_id", f"claim {settings.OIDC_PERSONAL_ID_CLAIM}: {exc}") from exc
    name = _text(claims.get("name"), 255) or " ".join(
        filter(None, (_text(claims.get("family_name"), 120), _text(claims.get("given_name"), 120)))
    )
    if name.replace(" ", "").isdigit():
        name = ""  # a number (the personal ID a provider put in `name`) is nobody's name
    try:
        birth_date = date.fromisoformat(claims["birthdate"]) if isinstance(claims.get("birthdate"), str) else None
    except ValueError:
        birth_date = None  # a partial date ("1990") or none: the claim is optional
    # Without an acr we know, the login proves only the basic level.
    level = settings.OIDC_ACR_LEVELS.get(claims.get("acr"), 1) if isinstance(claims.get("acr"), str) else 1
    return EidCitizen(personal_id=personal_id, full_name=name, assurance_level=level, birth_date=birth_date)


@transaction.atomic
def upsert_citizen(citizen: EidCitizen) -> User:
    """The User of this personal ID number, created on the first login, its profile refreshed."""
    profile = CitizenProfile.objects.select_for_update().select_related("user").filter(personal_id=citizen.personal_id).first()
    last, _, first = citizen.full_name.rpartition(" ")
    if profile is None:
        user = User(username=f"eid-{citizen.personal_id}", first_name=first[:150], last_name=last[:150])
        user.set_unusable_password()  # logs in through the e-ID only
        user.save()
        profile = CitizenProfile(user=user, personal_id=citizen.personal_id)
    user = profile.user
    if not user.is_active:
        raise LoginError("inactive_user", f"user {user.pk} is inactive")
    if citizen.full_name:
        profile.full_name = citizen.full_name
    profile.assurance_level = citizen.assurance_level
    if citizen.birth_date:
        profile.birth_date = citizen.birth_date
    profile.save()
    return user
