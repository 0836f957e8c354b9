"""Rate limits and lockouts, by account and by client address, on Django's cache.

One fixed window per (limit, key): a counter `rl:<name>:<key>:<window start>` that expires with its window.
The cache is shared by every web process when CACHE_URL points at Redis (production); the embedded
default's per-process LocMemCache limits each process on its own, which is what a single process needs.

Two tools, both answering `429 Too Many Requests` with `Retry-After` (seconds):

- `@rate_limited("verify")`: counts every request of a view (or of a django-ninja operation);
  over the limit the view is not run.
- `Failures("login")`: counts failed attempts only (wrong password, unknown token); after too many the
  account (and, with a higher allowance, the address) is locked for a while, even to the right password.

Limits are named in settings.RATE_LIMITS ("N/period", period in s, m, h or d; see docs/security.md),
each overridable by RATE_LIMIT_<NAME> in the environment; RATE_LIMITS_ENABLED=false turns all of them
off (the benchmarks do, to measure the work rather than the limit). Applying one to a new view:

    from motcua.lib.ratelimit import rate_limited

    @rate_limited("petition")            # add "petition": "20/h" to RATE_LIMITS (by account and address)
    def submit_petition(request): ...
"""

from __future__ import annotations

import functools
import inspect
import ipaddress
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE = re.compile(r"(?P<count>[0-9]+)/(?P<multiple>[0-9]*)(?P<unit>[smhd])")


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """"30/m", "5/15m", "1000/h": `count` per `period` (an optional multiple before the unit)."""
        found = RATE.fullmatch(text.strip())
        if found is None:
            raise ValueError(f"a rate is N/period (e.g. 30/m, 5/15m), got {text!r}")
        return cls(int(found["count"]), int(found["multiple"] or 1) * PERIODS[found["unit"]])


def rate(name: str) -> Rate | None:
    """The configured rate of a limit; None when limits are off or the limit is "off"."""
    if not getattr(settings, "RATE_LIMITS_ENABLED", True):
        return None
    text = settings.RATE_LIMITS.get(name)
    if text is None:
        raise KeyError(f"rate limit {name!r} is not in settings.RATE_LIMITS (docs/security.md)")
    return None if text == "off" else Rate.parse(text)


def client_address(request: HttpRequest) -> str:
    """The client's address as the server saw it; a /64 for IPv6 (one host has a whole prefix)."""
    raw = request.META.get("REMOTE_ADDR") or "unknown"
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw[:64]
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _count(key: str, rate_: Rate, now: float, add: int = 1) -> tuple[int, int]:
    """Adds `add` to the key's counter in the current window: (count, seconds until the window ends)."""
    start = int(now // rate_.seconds) * rate_.seconds
    left = max(1, math.ceil(start + rate_.seconds - now))
    full = f"rl:{key}:{start}"
    if add == 0:
        return int(cache.get(full, 0)), left
    if cache.add(full, add, rate_.seconds + 1):
        return add, left
    try:
        return cache.incr(full, add), left
    except ValueError:  # expired between add and incr
        cache.set(full, add, rate_.seconds + 1)
        return add, left


def hit(name: str, keys: Iterable[str], *, now: float | None = None) -> int | None:
    """Counts one request under each key; the seconds to wait when any is over the limit, else None."""
    now = time.time() if now is None else now
    waits = []
    for key in keys:
        # An address has its own, higher allowance when "<name>_ip" is configured (people share addresses).
        limit = f"{name}_ip" if key.startswith("ip:") and f"{name}_ip" in settings.RATE_LIMITS else name
        rate_ = rate(limit)
        if rate_ is None:
            continue
        count, left = _count(f"{limit}:{key}", rate_, now)
        if count > rate_.count:
            waits.append(left)
    return max(waits) if waits else None


def request_keys(request: HttpRequest) -> list[str]:
    """By address always; by account too when someone is signed in (a botnet shares one account)."""
    keys = [f"ip:{client_address(request)}"]
    user = getattr(request, "user", None)
    if getattr(user, "is_authenticated", False):
        keys.append(f"user:{user.pk}")
    return keys


def too_many(request: HttpRequest, retry_after: int, message: str | None = None) -> HttpResponse:
    """The 429 answer: JSON for the API ({"code", "message"}), a page in the user's language elsewhere."""
    message = message or _("Quá nhiều yêu cầu. Vui lòng thử lại sau %(minutes)s phút.") % {
        "minutes": max(1, math.ceil(retry_after / 60))
    }
    accept = request.headers.get("Accept", "")
    if request.path.startswith("/api/") or ("json" in accept and "html" not in accept):
        response: HttpResponse = JsonResponse(
            {"code": "too_many_requests", "message": message, "retry_after": retry_after}, status=429
        )
    else:
        response = HttpResponse(
            render_to_string("web/429.html", {"message": message, "retry_after": retry_after}, request=request),
            status=429,
        )
    response["Retry-After"] = str(retry_after)
    return response


def rate_limited(name: str, *, methods: Iterable[str] = ("POST", "PUT", "PATCH", "DELETE", "GET"),
                 keys: Callable[[HttpRequest], list[str]] = request_keys) -> Callable:
    """A view (or django-ninja operation) decorator: over settings.RATE_LIMITS[name], a 429."""
    methods = frozenset(m.upper() for m in methods)
    rate(name)  # an unknown name fails at import, not at the first request

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)  # keeps the signature django-ninja reads its parameters from
        def wrapped(request: HttpRequest, *args, **kwargs):
            if request.method in methods:
                wait = hit(name, keys(request))
                if wait is not None:
                    return too_many(request, wait)
            return view(request, *args, **kwargs)

        try:
            # django-ninja reads the parameters' (string) annotations against the wrapper's module: give it
            # the view's own signature, evaluated in the view's module.
            wrapped.__signature__ = inspect.signature(view, eval_str=True)
        except (NameError, TypeError):
            pass
        return wrapped

    return decorate


class Failures:
    """Failed attempts of one kind (e.g. "login"): lockout of an account and of an address.

    settings.RATE_LIMITS["<name>"] is the allowance per account ("5/15m": the sixth failure within a
    quarter of an hour locks the account until the quarter ends); "<name>_ip" the allowance per address
    (higher: many people may share one address behind a carrier's NAT).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        rate(name)
        rate(f"{name}_ip")

    def _keys(self, request: HttpRequest, account: str | None) -> list[tuple[str, str]]:
        keys = [(f"{self.name}_ip", f"ip:{client_address(request)}")]
        if account:
            keys.append((self.name, f"account:{account.strip().lower()[:150]}"))
        return keys

    def locked(self, request: HttpRequest, account: str | None = None) -> int | None:
        """Seconds until the account or the address may try again, or None when it may now."""
        now = time.time()
        waits = [math.ceil(until - now) for _limit, key in self._keys(request, account)
                 if (until := cache.get(f"rl:lock:{key}:{self.name}")) and until > now]
        return max(waits) if waits else None

    def failed(self, request: HttpRequest, account: str | None = None) -> None:
        """Counts a failure; reaching the allowance locks for a whole period from now (not to a window's end)."""
        now = time.time()
        for limit, key in self._keys(request, account):
            rate_ = rate(limit)
            if rate_ is not None and _count(f"{limit}:{key}", rate_, now)[0] >= rate_.count:
                cache.set(f"rl:lock:{key}:{self.name}", now + rate_.seconds, rate_.seconds)

    def succeeded(self, request: HttpRequest, account: str | None = None) -> None:
        """A right answer forgets the account's failures (not the address's: one address tries many accounts)."""
        if account:
            key = f"account:{account.strip().lower()[:150]}"
            rate_ = rate(self.name)
            if rate_ is not None:
                start = int(time.time() // rate_.seconds) * rate_.seconds
                cache.delete(f"rl:{self.name}:{key}:{start}")

    def message(self, retry_after: int) -> str:
        return _(
            "Đăng nhập sai quá nhiều lần. Tài khoản hoặc địa chỉ này tạm bị khóa; vui lòng thử lại sau %(minutes)s phút."
        ) % {"minutes": max(1, math.ceil(retry_after / 60))}


def locked_out(form, message: str) -> None:
    """Shows a bound form with only the lockout message, without validating it (no password is checked)."""
    from django.forms.utils import ErrorDict

    form._errors = ErrorDict()
    form.cleaned_data = {}
    form.add_error(None, message)
