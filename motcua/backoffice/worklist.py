"""The officer's worklist pages: the queues (/office/q/<slug>/), the search (/office/search/) and
the bulk form both post to (/office/bulk/).

The queues are defined in `queues.py`, the search's filters read by `dossiers.search`, and a bulk
action runs each dossier through `actions.perform` (`dossiers.bulk`). Pages are read without a
COUNT over the officer's whole subtree: one row more than a page says whether there is a next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import F, Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from motcua.backoffice import queues
from motcua.backoffice.views import staff_required
from motcua.dossiers import bulk
from motcua.dossiers import search as dossier_search
from motcua.dossiers.models import Channel, Dossier, Status, Task, TaskStatus
from motcua.lib.errors import Invalid
from motcua.units.scope import Grants, request_grants, roles_in
from motcua.web.presentation import action_label, deadline_badge

PAGE_SIZE = queues.PAGE_SIZE
MAX_PAGE = 10_000  # a page number beyond this is not a page anyone reads: the first page instead


@dataclass
class Page:
    number: int
    has_previous: bool
    has_next: bool
    previous_url: str
    next_url: str


def _page_number(raw: str | None) -> int:
    try:
        number = int(raw or "1")
    except ValueError:
        return 1
    return number if 1 <= number <= MAX_PAGE else 1


def _url_with(request: HttpRequest, page: int) -> str:
    params = [(k, v) for k, v in request.GET.items() if k != "page"]
    if page > 1:
        params.append(("page", str(page)))
    return request.path + ("?" + urlencode(params) if params else "")


def page_rows(request: HttpRequest, dossiers: QuerySet[Dossier], grants: Grants, now) -> tuple[Page, list[queues.QueueRow]]:
    """The page asked for, then its rows (their open steps in one query): never a row of another page."""
    number = _page_number(request.GET.get("page"))
    start = (number - 1) * PAGE_SIZE
    found = list(
        dossiers.select_related("procedure", "unit", "applicant__citizen").prefetch_related(
            Prefetch("tasks", queryset=Task.objects.filter(status=TaskStatus.OPEN)
                     .select_related("unit", "assignee__citizen").order_by("id"), to_attr="open_steps")
        )[start : start + PAGE_SIZE + 1]
    )
    has_next = len(found) > PAGE_SIZE
    rows = [
        queues.QueueRow(d, deadline_badge(d, now), [t for t in d.open_steps if roles_in(grants, t.unit)])
        for d in found[:PAGE_SIZE]
    ]
    page = Page(number, number > 1, has_next, _url_with(request, number - 1), _url_with(request, number + 1))
    return page, rows


def _bulk_context(request: HttpRequest, grants: Grants) -> dict:
    return {
        "assignees": queues.assignees(request.user, grants),
        "bulk_actions": [(name, action_label(name)) for name in bulk.BULK_ACTIONS if name != "assign"],
    }


@require_safe
@staff_required
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    grants = request_grants(request)
    found = queues.QUEUES.get(slug)
    if found is None or found not in queues.queues_for(grants):
        raise Http404(_("Không có hàng đợi này."))
    now = timezone.now()
    # The insights' lateness risk (insights/risk.py) beside the due date, and as a sort order on request.
    dossiers = queues.members(found, request.user, now, grants).annotate(late_risk_value=F("late_risk__risk"))
    by_risk = request.GET.get("sort") == "risk"
    if by_risk:
        dossiers = dossiers.order_by(F("late_risk_value").desc(nulls_last=True), F("due_at").asc(nulls_last=True), "id")
    page, rows = page_rows(request, dossiers, grants, now)
    return render(request, "backoffice/queue.html", {
        "queue": found, "nav": queues.navigation(request.user, grants, slug, now), "page": page, "rows": rows,
        "by_risk": by_risk,
        **_bulk_context(request, grants),
    })


@require_safe
@staff_required
def search(request: HttpRequest) -> HttpResponse:
    grants = request_grants(request)
    now = timezone.now()
    get = request.GET
    values = {k: get.get(k, "") for k in ("q", "status", "channel", "procedure", "from", "to")}
    error = ""
    rows: list = []
    page = None
    try:
        filters = dossier_search.parse(values["q"], values["status"], values["channel"], values["procedure"],
                                       values["from"], values["to"])
    except Invalid as exc:
        error, filters = exc.message, None
    if filters is not None and filters.any:
        # Each half of the search reads only as far as the page asked for (and one more row: is there a next?).
        window = _page_number(request.GET.get("page")) * PAGE_SIZE + 1
        found = dossier_search.for_officer(request.user, filters, window=window).order_by(*dossier_search.ORDER)
        page, rows = page_rows(request, found, grants, now)
    return render(request, "backoffice/search.html", {
        "values": values, "error": error, "rows": rows, "page": page, "searched": filters is not None and filters.any,
        "statuses": Status.choices, "channels": Channel.choices,
        "nav": queues.navigation(request.user, grants, "", now), **_bulk_context(request, grants),
    }, status=422 if error else 200)


def _seen(post) -> dict[str, int]:
    """The status each listed dossier had when the page was drawn ("code:status" values)."""
    seen = {}
    for raw in post.getlist("seen"):
        code, _sep, status = raw.rpartition(":")
        if code and status.isdigit() and int(status) in Status.values:
            seen[code] = int(status)
    return seen


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("backoffice:list")


@require_POST
@staff_required
def bulk_act(request: HttpRequest) -> HttpResponse:
    action = bulk.action_name(request.POST.get("action", ""))
    codes = bulk.unique_codes([c[:48] for c in request.POST.getlist("codes")])
    if action is None:
        messages.error(request, _("Không có thao tác hàng loạt này."))
        return redirect(_back(request))
    if not codes:
        messages.error(request, _("Hãy chọn ít nhất một hồ sơ."))
        return redirect(_back(request))
    if len(codes) > bulk.MAX_CODES:
        messages.error(request, _("Mỗi lần chỉ xử lý được tối đa %(n)s hồ sơ.") % {"n": bulk.MAX_CODES})
        return redirect(_back(request))
    payload: dict = {"reason": request.POST.get("reason", "")[:2000]}
    if action == "assign":
        payload["assignee"] = request.POST.get("assignee", "")[:150]
    outcomes = bulk.perform_many(action, codes, request.user, payload, grants=request_grants(request),
                                 seen=_seen(request.POST))
    done = [o.code for o in outcomes if o.ok]
    if done:
        messages.success(request, _("Đã thực hiện “%(action)s” cho %(n)s hồ sơ: %(codes)s.") % {
            "action": action_label(action), "n": len(done), "codes": ", ".join(done)})
    for o in outcomes:
        if not o.ok:
            messages.error(request, o.message if o.error == "stale" else _("Hồ sơ %(code)s: %(message)s") % {
                "code": o.code, "message": o.message})
    return redirect(_back(request))
