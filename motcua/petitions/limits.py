"""Rate limits on filing, per account and per verified contact (spam and abuse, issue 19).

A simple limiter over the rows already kept: the petitions filed (and codes sent) in a
sliding window are counted in the database, so it holds across processes without a
cache, and it counts per verified contact, which the shared limiter (motcua/lib/ratelimit.py,
"petition" by account and address) cannot. Both are applied to filing; exceeding either answers the
same 429 with Retry-After (`RateLimited` here; the page turns it into the shared 429 page).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.db.models import Min, Q
from django.utils.translation import gettext as _

from motcua.lib.errors import ActionError
from motcua.petitions.models import ContactCode, Petition

# (how many, in how long): a person may file 5 an hour and 20 a day; 3 codes per contact in 15 minutes.
FILING_LIMITS: tuple[tuple[int, timedelta], ...] = ((5, timedelta(hours=1)), (20, timedelta(days=1)))
CODE_LIMITS: tuple[tuple[int, timedelta], ...] = ((3, timedelta(minutes=15)), (10, timedelta(days=1)))


class RateLimited(ActionError):
    status = 429
    code = "too_many_requests"  # as motcua/lib/ratelimit.py answers

    def __init__(self, retry_after: int) -> None:
        super().__init__(_("Bạn đã gửi quá nhiều yêu cầu; hãy thử lại sau %(seconds)s giây.") % {"seconds": retry_after},
                         retry_after=retry_after)
        self.retry_after = retry_after


def _check(times_qs, field: str, limits, now: datetime) -> None:
    for count, window in limits:
        since = now - window
        recent = times_qs.filter(**{f"{field}__gt": since})
        if recent.count() >= count:
            oldest = recent.aggregate(first=Min(field))["first"]
            raise RateLimited(max(1, math.ceil((oldest + window - now).total_seconds())))


def check_filing(now: datetime, *, user=None, contact: str = "") -> None:
    """Refuse a new filing by this account or this contact when a limit is reached."""
    condition = Q(pk__in=[])
    if user is not None and getattr(user, "pk", None):
        condition |= Q(filer=user)
    if contact:
        condition |= Q(contact=contact)
    _check(Petition.objects.filter(condition, registered_by__isnull=True), "first_received_at", FILING_LIMITS, now)


def check_code(now: datetime, contact: str) -> None:
    _check(ContactCode.objects.filter(contact=contact), "created_at", CODE_LIMITS, now)
