"""The login backend: Django's, reading with the user what every page asks of it."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef


class UserBackend(ModelBackend):
    """Django's ModelBackend; the request's user comes with its CitizenProfile and `serves_units`.

    Every signed-in page's header shows the citizen's registered name, their documents
    link and, for staff, the back office: one join and one EXISTS here save a query for
    the profile and, for the citizens who serve no unit (nearly everybody), the
    membership query of units.scope.request_grants.
    Sessions store this class's path, so changing it signs everybody out once.
    """

    def get_user(self, user_id):
        model = get_user_model()
        memberships = apps.get_model("units", "Membership").objects.filter(user=OuterRef("pk"))
        # And whether they sit on a team or council (units.teams.teams_of): nobody does but a few officers.
        seats = apps.get_model("units", "Team").members.through.objects.filter(user=OuterRef("pk"))
        try:
            user = (
                model._default_manager.select_related("citizen")
                .annotate(serves_units=Exists(memberships), on_teams=Exists(seats))
                .get(pk=user_id)
            )
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
