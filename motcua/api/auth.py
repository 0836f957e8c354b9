"""Bearer-token authentication for the API."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from motcua.identity.models import ApiToken


class InvalidToken(Exception):
    """A bearer token was sent but is unknown, expired, revoked or malformed."""


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = ApiToken.user_for(token.strip())
        if user is None:
            raise InvalidToken
        request.user = user
        return user
