"""The provider's own sign-in, kept apart from the portal's login in the shared session."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from motcua.identity.models import User

IDP_USER = "demo_idp_user"


def signed_in(request: HttpRequest) -> User | AnonymousUser:
    """The citizen signed in at the provider, or AnonymousUser."""
    pk = request.session.get(IDP_USER)
    user = (
        User.objects.filter(pk=pk, is_active=True, citizen__isnull=False).select_related("citizen").first()
        if pk is not None
        else None
    )
    return user or AnonymousUser()


def sign_in(request: HttpRequest, user: User) -> None:
    # A new session key on sign-in, against session fixation, as django.contrib.auth.login does.
    request.session.cycle_key()
    request.session[IDP_USER] = user.pk
