"""Who may see which dossiers. Every dossier query of the API and pages starts here."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from motcua.dossiers.models import Dossier, Task, TaskStatus
from motcua.lib.errors import NotFound
from motcua.units.scope import Grants, grants_of, units_served
from motcua.units.teams import teams_of

# The steps of a team that give its members the dossier: the one open now (theirs to work) and the ones
# they did (the page they land on after recording the visit, its history). A step still waiting or
# skipped gives nothing: the council reads a dossier when its turn has come, not before.
TEAM_STEP_STATUSES = (TaskStatus.OPEN, TaskStatus.DONE)


def team_steps(user) -> Q | None:
    """The dossiers with a step of one of the user's teams, open or done (None: on no team).

    A team or council (units.Team) gathers people of several units: the member from another agency
    reads and lists the dossiers of their team's steps through this, and acts only on those steps
    (dossiers/workflow.workable_tasks); no other step and no other dossier of the team's unit.
    """
    teams = teams_of(user)
    if not teams:
        return None
    mine = Q()
    for unit_id, key in sorted(teams):
        mine |= Q(unit_id=unit_id, team=key)
    return Q(Exists(Task.objects.filter(mine, dossier=OuterRef("pk"), status__in=TEAM_STEP_STATUSES)))


def _served(user, grants: Grants | None = None) -> Q:
    # A dossier is the business of the unit that received it and of every unit
    # that has a step of it (inter-agency work), and of the members of a team one of its steps names.
    # Sibling agencies do not read each other's dossiers (units.scope.units_served; docs/security.md).
    units = units_served(grants_of(user) if grants is None else grants).values("pk")
    served = Q(unit__in=units) | Q(Exists(Task.objects.filter(dossier=OuterRef("pk"), unit__in=units)))
    team = team_steps(user)
    return served if team is None else served | team


def visible_dossiers(user, grants: Grants | None = None) -> QuerySet[Dossier]:
    """The applicant's own dossiers plus those of every unit the user serves.

    `grants` (units.scope.grants_of, already read for this request) saves reading the
    memberships again; a user without any sees only their own dossiers.
    """
    if not getattr(user, "is_authenticated", False):
        return Dossier.objects.none()
    if grants is not None and not grants and not teams_of(user):
        return Dossier.objects.filter(applicant=user)
    return Dossier.objects.filter(Q(applicant=user) | _served(user, grants))


def staff_dossiers(user, grants: Grants | None = None) -> QuerySet[Dossier]:
    """The dossiers of every unit the user serves (`grants`, when already read, saves reading them again)."""
    if not getattr(user, "is_authenticated", False):
        return Dossier.objects.none()
    return Dossier.objects.filter(_served(user, grants))


def not_found(code: str) -> NotFound:
    """The answer for a dossier that does not exist or that the reader may not see: the two look alike."""
    return NotFound(_("Không tìm thấy hồ sơ %(code)s.") % {"code": code}, code="dossier_not_found")


def page_not_found(code: str) -> Http404:
    """The same, for a page: Django's 404 with the same message."""
    return Http404(not_found(code).message)
