"""Who may see which dossiers. Every dossier query of the API and pages starts here."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from motcua.dossiers.models import Dossier
from motcua.units.scope import units_for


def visible_dossiers(user) -> QuerySet[Dossier]:
    """The applicant's own dossiers plus those of every unit the user serves."""
    if not getattr(user, "is_authenticated", False):
        return Dossier.objects.none()
    return Dossier.objects.filter(Q(applicant=user) | Q(unit__in=units_for(user).values("pk")))


def staff_dossiers(user) -> QuerySet[Dossier]:
    return Dossier.objects.filter(unit__in=units_for(user).values("pk"))
