"""Bearer-token authentication for the API."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from motcua.identity.models import ApiToken
from motcua.lib.ratelimit import Failures

# Unknown or expired bearer tokens by address (settings.RATE_LIMITS "bearer", "bearer_ip"): guessing tokens is locked out.
TOKEN_FAILURES = Failures("bearer")


class InvalidToken(Exception):
    """A bearer token was sent but is unknown, expired, revoked or malformed."""


class TooManyFailures(Exception):
    """Too many unknown tokens from this address: 429 with Retry-After."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        wait = TOKEN_FAILURES.locked(request)
        if wait is not None:
            raise TooManyFailures(wait)
        user = ApiToken.user_for(token.strip())
        if user is None:
            TOKEN_FAILURES.failed(request)
            raise InvalidToken
        request.user = user
        return user
