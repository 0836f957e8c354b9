"""The officers' dossier search: one reading of the filters for the API and the back office's pages.

What `q` means is decided from its shape, so that each kind of search uses its own index
(one OR over three joins would read the whole table at a million dossiers):

- twelve digits: the applicant's personal ID (`CitizenProfile.personal_id`, unique);
- digits with letters, dots or dashes (`000.00.17.H56-220315`): a dossier code, from its start;
- anything else: the applicant's name from its start, folded (`lib/text.fold`: "nguyen van an"
  finds "Nguyễn Văn An"), against `CitizenProfile.search_name`.

The scope (whose dossiers) is the caller's: `access.staff_dossiers` for an officer,
the applicant's own for a citizen. This module only narrows a queryset already scoped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.models import Procedure
from motcua.dossiers.access import staff_dossiers, team_steps
from motcua.dossiers.models import Channel, Dossier, Status, Task
from motcua.lib.errors import Invalid
from motcua.lib.text import fold
from motcua.units.scope import grants_of, units_served

MAX_QUERY = 100  # characters of `q`: a name, a code or an ID is far shorter
# The order of every list of found dossiers: newest first, the id breaking ties (a total order, so that
# a page read from each half of `for_officer` and merged is the page of the whole).
ORDER = ("-submitted_at", "-id")
_PERSONAL_ID = re.compile(r"\d{12}")
_CODE = re.compile(r"[0-9A-Za-z.\-]*\d[0-9A-Za-z.\-]*")


@dataclass(frozen=True)
class Filters:
    q: str = ""
    status: int | None = None
    channel: int | None = None
    procedure: str = ""  # a procedure's national code
    date_from: date | None = None  # submitted on or after this local day
    date_to: date | None = None  # submitted on or before this local day

    @property
    def any(self) -> bool:
        return bool(self.q or self.status or self.channel or self.procedure or self.date_from or self.date_to)


def kind_of(q: str) -> str:
    """"personal_id", "code", "name" or "" (nothing to look for)."""
    q = q.strip()
    if not q:
        return ""
    if _PERSONAL_ID.fullmatch(q):
        return "personal_id"
    if _CODE.fullmatch(q) and not q.isalpha():
        return "code"
    return "name"


def _starts_with(field: str, prefix: str) -> Q:
    """`field` begins with `prefix`, in a form each database serves from an index.

    PostgreSQL: LIKE 'prefix%' through a varchar_pattern_ops index (any collation). SQLite's LIKE
    ignores case and never uses an index; a range of the binary order does, and is exact there.
    """
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "\U0010ffff"})
    return Q(**{f"{field}__startswith": prefix})


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def procedure_ids(code: str) -> list[int]:
    """The ids of the procedure a national code names (none when unknown).

    Read first, so that the dossiers are filtered by `procedure_id` with the planner knowing the value:
    joined on `catalog_procedure.code`, PostgreSQL hash-joined a scan of the dossiers at ten million
    instead of reading the (procedure, status, submitted_at) index.
    """
    return list(Procedure.objects.filter(code=code).values_list("pk", flat=True))


def matching(dossiers: QuerySet[Dossier], filters: Filters, procedures: list[int] | None = None) -> QuerySet[Dossier]:
    """`dossiers` narrowed by the filters (already checked by `parse`); `procedures`: the ids of
    `filters.procedure` when the caller has read them already (`procedure_ids`)."""
    q = filters.q.strip()
    kind = kind_of(q)
    if kind == "personal_id":
        dossiers = dossiers.filter(applicant__citizen__personal_id=q)
    elif kind == "code":
        dossiers = dossiers.filter(_starts_with("code", q.upper()))
    elif kind == "name":
        folded = fold(q)
        if folded:
            dossiers = dossiers.filter(_starts_with("applicant__citizen__search_name", folded))
    if filters.status is not None:
        dossiers = dossiers.filter(status=filters.status)
    if filters.channel is not None:
        dossiers = dossiers.filter(channel=filters.channel)
    if filters.procedure:
        ids = procedure_ids(filters.procedure) if procedures is None else procedures
        dossiers = dossiers.filter(procedure_id__in=ids) if ids else dossiers.none()
    if filters.date_from is not None:
        dossiers = dossiers.filter(submitted_at__gte=_day_start(filters.date_from))
    if filters.date_to is not None:
        dossiers = dossiers.filter(submitted_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    return dossiers


def for_officer(user, filters: Filters, window: int | None = None) -> QuerySet[Dossier]:
    """The dossiers of the officer's units (`access.staff_dossiers`) that match the filters, in a form
    that reads through indexes at a million dossiers.

    `staff_dossiers` is "the unit is one of mine OR one of its steps is at one of mine": an OR with an
    EXISTS, tested row by row. With a broad filter (status 10 of a procedure: 60,000 rows) PostgreSQL
    walked them all in date order for a commune officer's few. Here each half (dossiers of my units,
    dossiers with a step at my units) is narrowed by the filters through its own index, and only
    their union is sorted. Without any filter, the plain scope.

    `window`: the caller reads at most the first `window` rows in `ORDER` (offset + limit of a page).
    Each half then takes only its own first `window` rows in that order (ORDER BY … LIMIT inside the
    union), so it reads an index in page order and stops, instead of the union sorting every match
    (10,000 dossiers of a procedure and status at ten million) for a page of 50. The first `window`
    rows of the union are among them: the same rows, in the same order, as without it.
    """
    scope = staff_dossiers(user)
    if not filters.any:
        return scope
    # The same units as the plain scope (units.scope.units_served): a specialist's filter never reaches
    # another agency's dossiers in their subtree (the commune's civil-status officer, the commune police's).
    units = units_served(grants_of(user)).values("pk")
    procedures = procedure_ids(filters.procedure) if filters.procedure else None
    halves = [
        matching(Dossier.objects.filter(unit__in=units), filters, procedures),
        # A step at one of my units that is not its dossier's own unit (a step at the dossier's unit is in
        # the first half when that unit is mine): read from those few rows (the partial index
        # `task_elsewhere`), not by probing the steps of every dossier the filters match in the country.
        matching(Dossier.objects.filter(pk__in=Task.objects.filter(elsewhere=True, unit__in=units).values("dossier_id")),
                 filters, procedures),
    ]
    team = team_steps(user)
    if team is not None:  # a member of a team or council: the dossiers of its steps, a third half
        halves.append(matching(Dossier.objects.filter(team), filters, procedures))
    if window is None:
        parts = [half.order_by().values("pk") for half in halves]
    elif connection.features.supports_slicing_ordering_in_compound:  # PostgreSQL: (… LIMIT n) UNION (… LIMIT n)
        parts = [half.order_by(*ORDER).values("pk")[:window] for half in halves]
    else:  # SQLite takes no LIMIT in a compound's parts, but does in an IN (…) inside one
        parts = [Dossier.objects.filter(pk__in=half.order_by(*ORDER).values("pk")[:window]).values("pk")
                 for half in halves]
    return Dossier.objects.filter(pk__in=parts[0].union(*parts[1:]))


def _int_in(raw: str | int | None, allowed: list[int], field: str) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = None
    if value not in allowed:
        raise Invalid(_("Giá trị không hợp lệ cho bộ lọc “%(field)s”.") % {"field": field}, code="invalid_filter",
                      field=field)
    return value


def _day(raw: str | date | None, field: str) -> date | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(_("Ngày không hợp lệ (yyyy-mm-dd) cho bộ lọc “%(field)s”.") % {"field": field},
                      code="invalid_filter", field=field) from None


def parse(
    q: str | None = None, status: str | int | None = None, channel: str | int | None = None,
    procedure: str | None = None, date_from: str | date | None = None, date_to: str | date | None = None,
) -> Filters:
    """The filters from raw values (a query string, an API's parameters); bad values are `Invalid` (4xx)."""
    q = (q or "").strip()
    procedure = (procedure or "").strip()
    for field, text in (("q", q), ("procedure", procedure)):
        if "\x00" in text or len(text) > MAX_QUERY:
            raise Invalid(_("Giá trị không hợp lệ cho bộ lọc “%(field)s”.") % {"field": field}, code="invalid_filter",
                          field=field)
    start, end = _day(date_from, "from"), _day(date_to, "to")
    if start and end and start > end:
        raise Invalid(_("Ngày bắt đầu phải trước ngày kết thúc."), code="invalid_filter", field="from")
    return Filters(
        q=q, status=_int_in(status, list(Status.values), "status"), channel=_int_in(channel, list(Channel.values), "channel"),
        procedure=procedure, date_from=start, date_to=end,
    )
