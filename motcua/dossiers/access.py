"""Who may see which dossiers. Every dossier query of the API and pages starts here."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from motcua.dossiers.models import Dossier, Task
from motcua.units.scope import units_for


def _served(user) -> Q:
    # A dossier is the business of the unit that received it and of every unit
    # that has a step of it (inter-agency work).
    units = units_for(user).values("pk")
    return Q(unit__in=units) | Q(Exists(Task.objects.filter(dossier=OuterRef("pk"), unit__in=units)))


def visible_dossiers(user) -> QuerySet[Dossier]:
    """The applicant's own dossiers plus those of every unit the user serves."""
    if not getattr(user, "is_authenticated", False):
        return Dossier.objects.none()
    return Dossier.objects.filter(Q(applicant=user) | _served(user))


def staff_dossiers(user) -> QuerySet[Dossier]:
    if not getattr(user, "is_authenticated", False):
        return Dossier.objects.none()
    return Dossier.objects.filter(_served(user))
