"""The login backend: Django's, reading the citizen's profile with the user."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UserBackend(ModelBackend):
    """Django's ModelBackend; the request's user comes with its CitizenProfile.

    Every signed-in page's header shows the citizen's registered name and, for citizens,
    their documents link: one join here saves a query on each of those pages.
    Sessions store this class's path, so changing it signs everybody out once.
    """

    def get_user(self, user_id):
        model = get_user_model()
        try:
            user = model._default_manager.select_related("citizen").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
