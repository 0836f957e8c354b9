"""Officer pages: the queue of the units one serves, one dossier, and the forms that move it.

Who may see what comes from `motcua.dossiers.access`; who may do what from
`motcua.dossiers.actions.allowed_actions`; every change goes through
`motcua.dossiers.actions.perform`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from itertools import chain

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST, require_safe

from motcua.backoffice import forms, queues
from motcua.dossiers import actions
from motcua.dossiers.access import page_not_found, staff_dossiers
from motcua.dossiers.models import DeadlineState, Dossier, Status, Task, TaskStatus
from motcua.identity.models import User
from motcua.lib.errors import ActionError, Forbidden, Invalid
from motcua.results import revocation
from motcua.units.models import Membership
from motcua.units.scope import Grants, request_grants, units_for, works_on
from motcua.web import components
from motcua.web.dossier_page import dossier_context
from motcua.web.files import apology_response, component_response, result_document_response, result_response
from motcua.web.presentation import action_label, deadline_badge
from motcua.web.turn import Turn, turn_of

PAGE_SIZE = 50

View = Callable[..., HttpResponse]

# The queue's views of the work: every dossier, the steps assigned to me, the steps nobody has taken.
SHOW = {
    "": gettext_lazy("Tất cả hồ sơ"),
    "turn": gettext_lazy("Đến lượt tôi xử lý (hạn sớm nhất trước)"),
    "mine": gettext_lazy("Việc của tôi"),
    "unclaimed": gettext_lazy("Chưa có người nhận trong đơn vị của tôi"),
}
# The statuses in which an office, not the applicant, moves a dossier on (the "my turn" view reads only these).
STAFF_MOVES = (Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING, Status.PAYMENT_REQUESTED, Status.PROCESSED)
DEADLINES = {
    "": gettext_lazy("Mọi thời hạn"),
    "at_risk": gettext_lazy("Sắp đến hạn"),
    "late": gettext_lazy("Quá hạn"),
}


def staff_required(view: View) -> View:
    """Logged in (else the login page) and serving some unit (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request_grants(request):  # read once: the page and its header use them again
            raise PermissionDenied(_("Trang này chỉ dành cho cán bộ xử lý hồ sơ."))
        return view(request, *args, **kwargs)

    return wrapper


def _status_filter(raw: str | None) -> int | None:
    """A national status code from the query string; anything else means "all"."""
    try:
        status = int(raw or "")
    except ValueError:
        return None
    return status if status in Status.values else None


def _open_steps_of(user: User) -> Q:
    """Open steps nobody holds, of a role the user has, at a unit where they have it."""
    condition = Q(pk__in=[])
    for role in set(Membership.objects.filter(user=user).values_list("role", flat=True)):
        condition |= Q(role=role, unit__in=units_for(user, role).values("pk"))
    return condition


def _queue(user: User, show: str, status: int | None, deadline: str, now) -> QuerySet[Dossier]:
    dossiers = staff_dossiers(user)
    open_steps = Task.objects.filter(dossier=OuterRef("pk"), status=TaskStatus.OPEN)
    if show == "mine":
        dossiers = dossiers.filter(Exists(open_steps.filter(assignee=user)))
    elif show == "unclaimed":
        dossiers = dossiers.filter(Exists(open_steps.filter(_open_steps_of(user), assignee__isnull=True)))
    if status is not None:
        dossiers = dossiers.filter(status=status)
    if deadline == "late":
        dossiers = dossiers.filter(status__in=actions.CLOCK_RUNS, paused_at__isnull=True).filter(
            Q(due_at__lt=now) | Q(deadline_state=DeadlineState.LATE)
        )
    elif deadline == "at_risk":
        dossiers = dossiers.filter(status__in=actions.CLOCK_RUNS, deadline_state=DeadlineState.AT_RISK, due_at__gte=now,
                                   paused_at__isnull=True)
    return dossiers


@dataclass
class Row:
    dossier: Dossier
    deadline: str
    steps: list[Task]  # open at the officer's units
    steps_elsewhere: int
    forms: list[forms.ActionForm]
    missing: list[str]  # names of required components not supplied (newly filed dossiers)
    turn: Turn  # whether it waits for this officer, else for what


def _row(dossier: Dossier, user: User, grants: Grants, now) -> Row:
    allowed = actions.allowed_actions(dossier, user, now=now, grants=grants)
    tasks = list(dossier.tasks.all())
    open_steps = [t for t in tasks if t.status == TaskStatus.OPEN]
    steps, elsewhere = forms.mine_at_my_units(open_steps, grants)
    missing: list[str] = []
    if dossier.status == Status.SUBMITTED:
        version = dossier.procedure_version
        rows = components.rows(
            version.components, version.form_schema, data=dossier.data or {}, channel=dossier.channel,
            supplied=dossier.components or [],
        )
        missing = [r.name for r in components.missing(rows)]
    return Row(
        dossier, deadline_badge(dossier, now), steps, elsewhere,
        forms.list_forms(allowed, open_steps, user, grants), missing, turn_of(dossier, tasks, allowed, user, grants),
    )


def _yours(dossier: Dossier, user: User, grants: Grants, now) -> bool:
    """Whether the dossier waits for this officer now (the turn's rule, without the row's forms)."""
    tasks = list(dossier.tasks.all())
    allowed = actions.allowed_actions(dossier, user, now=now, grants=grants, tasks=tasks)
    return turn_of(dossier, tasks, allowed, user, grants).yours


@require_safe
@staff_required
def dossier_list(request: HttpRequest) -> HttpResponse:
    user, now = request.user, timezone.now()
    grants = request_grants(request)  # once per page: every row's roles are read from it
    show = request.GET.get("show", "")
    show = show if show in SHOW else ""
    deadline = request.GET.get("deadline", "")
    deadline = deadline if deadline in DEADLINES else ""
    status = _status_filter(request.GET.get("status"))
    counts = dict(staff_dossiers(user).order_by().values_list("status").annotate(n=Count("id")))
    dossiers = (
        _queue(user, show, status, deadline, now)
        .select_related("procedure", "procedure_version", "unit", "applicant__citizen")
        # Every step of the page's dossiers in one query (`dossier.tasks.all()` reads from it).
        .prefetch_related(Prefetch("tasks", queryset=Task.objects.select_related("unit", "assignee__citizen").order_by("id")))
        .order_by("-submitted_at", "-id")
    )
    if show == "turn":
        # Whose turn it is is the actions' rule (allowed_actions, workflow.workable_tasks), asked row by
        # row over the dossiers still in the offices' hands: no second rule written in SQL.
        # Page first, then build rows: only whose turn it is is asked of every candidate (its allowed
        # actions and steps), the full row (forms, missing components) only for the page shown.
        waiting = dossiers.filter(status__in=STAFF_MOVES).order_by(F("due_at").asc(nulls_last=True), "submitted_at", "id")
        page = Paginator([d for d in waiting if _yours(d, user, grants, now)], PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [_row(d, user, grants, now) for d in page]
    else:
        page = Paginator(dossiers, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = [_row(d, user, grants, now) for d in page]
    statuses = [(value, label, counts.get(value, 0)) for value, label in Status.choices]
    return render(
        request,
        "backoffice/list.html",
        {
            "page": page, "rows": rows, "statuses": statuses, "status": status, "total": sum(counts.values()),
            "show": show, "shows": list(SHOW.items()), "deadline": deadline, "deadlines": list(DEADLINES.items()),
            "filtered": bool(show or status is not None or deadline),
            "nav": queues.navigation(user, grants, "", now),
        },
    )


def _staff_dossier_or_404(request: HttpRequest, code: str) -> Dossier:
    dossier = (
        staff_dossiers(request.user)
        .select_related("procedure", "procedure_version", "unit", "applicant__citizen", "result")
        .filter(code=code)
        .first()
    )
    if dossier is None:
        raise page_not_found(code)
    return dossier


def _working_dossier_or_403(request: HttpRequest, code: str) -> Dossier:
    """The dossier, for a page that changes something on it (a note, digitization).

    404 as `_staff_dossier_or_404`; 403 for a reader only (a monitor): it sees the dossier, so its
    existence is no secret, but a read-only role changes nothing (docs/security.md, "Scopes").
    """
    dossier = _staff_dossier_or_404(request, code)
    # The dossier's unit first; its steps' units (inter-agency work) only when that is not enough.
    units = chain([dossier.unit], (t.unit for t in dossier.tasks.select_related("unit")))
    if not works_on(request_grants(request), units):
        raise PermissionDenied(_("Vai trò theo dõi, giám sát chỉ được xem hồ sơ, không được thay đổi."))
    return dossier


def _detail_page(
    request: HttpRequest, dossier: Dossier, *, failed: ActionError | None = None, failed_action: str = "",
    revoke_error: str = "", note_error: str = "",
) -> HttpResponse:
    now = timezone.now()
    grants = request_grants(request)  # also the header's "staff" link: one membership query a page
    context = dossier_context(dossier, request.user, staff=True, now=now, grants=grants)
    context["forms"] = forms.detail_forms(
        dossier, context["allowed"], context["open_tasks"], context["components"], request.user, grants, now,
        failed=failed, failed_action=failed_action, posted=request.POST if failed is not None else None,
    )
    context["failed"] = failed
    context["failed_action"] = failed_action
    result = getattr(dossier, "result", None)
    context["may_revoke_result"] = result is not None and result.revoked_at is None and revocation.may_revoke(
        request.user, result
    )
    context["revoke_error"] = revoke_error
    context["revoke_reason"] = request.POST.get("reason", "") if revoke_error else ""
    # Internal notes and the papers to print (backoffice/notes.py, printing.py): read here, on the officer's page only.
    from motcua.backoffice import notes, printing

    context["notes"] = notes.notes_of(dossier)
    context["may_write_notes"] = works_on(grants, [dossier.unit, *(t.unit for t in context["tasks"])])
    context["note_max"] = notes.NOTE_MAX_CHARS
    context["note_error"] = note_error
    context["note_text"] = request.POST.get("text", "") if note_error else ""
    context["note_key"] = request.POST.get("idempotency_key", "") if note_error else notes.new_key()
    context["printables"] = printing.printables(dossier)
    if failed is not None:
        field = forms.ERROR_FIELDS.get(failed.code, "")
        # The link of the error summary leads to the input concerned (assign: to its forms).
        if field in ("reason", "items", "amount", "new_due_date", "receipt_number") or (field == "task" and failed_action != "assign"):
            context["failed_target"] = f"act-{failed_action}-{field}"
        else:
            context["failed_target"] = f"act-{failed_action}"
    status = failed.status if failed is not None else 422 if revoke_error or note_error else 200
    return render(request, "backoffice/dossier.html", context, status=status)


@require_safe
@staff_required
def dossier_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _detail_page(request, _staff_dossier_or_404(request, code))


def _back(request: HttpRequest, code: str) -> str:
    """Where the officer came from (list page with its filters), if it is on this site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("backoffice:dossier", kwargs={"code": code})


@require_POST
@staff_required
def act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    dossier = _staff_dossier_or_404(request, code)
    try:
        done = actions.perform(dossier.code, action, request.user, payload=forms.posted_input(action, request.POST))
    except ActionError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        if exc.status == 422:
            # Input the action cannot take: the form again, with the error beside the field.
            return _detail_page(request, dossier, failed=exc, failed_action=action)
        message = _("Hồ sơ %(code)s: %(message)s") % {"code": code, "message": exc.message}
        allowed = forms.allowed_words(exc.extra.get("allowed", []) or [])
        if exc.status == 409:
            # A page drawn before the dossier moved on (another officer, another tab): say what it is
            # now and show it, rather than the page the officer came from.
            current = Dossier.objects.filter(pk=dossier.pk).values_list("status", flat=True).first() or dossier.status
            message = _(
                "Hồ sơ %(code)s đã thay đổi hoặc không cho phép thao tác này: %(message)s "
                "Trạng thái hiện tại: “%(status)s”."
            ) % {"code": code, "message": exc.message, "status": Status(current).label}
            if allowed:
                message += " " + _("Có thể thực hiện: %(actions)s.") % {"actions": allowed}
            messages.error(request, message)
            return redirect(reverse("backoffice:dossier", kwargs={"code": code}))
        if allowed:
            message += " " + _("Có thể thực hiện: %(actions)s.") % {"actions": allowed}
        messages.error(request, message)
    else:
        messages.success(
            request,
            _("Hồ sơ %(code)s: đã thực hiện “%(action)s”; trạng thái hiện tại: %(status)s.")
            % {"code": done.code, "action": action_label(action), "status": done.get_status_display()},
        )
    return redirect(_back(request, code))


@require_safe
@staff_required
def apology_pdf(request: HttpRequest, code: str, number: str) -> FileResponse:
    return apology_response(_staff_dossier_or_404(request, code), number)


@require_safe
@staff_required
def component_file(request: HttpRequest, code: str, key: str) -> FileResponse:
    # An officer opening a reused vault document is logged for its owner to see.
    return component_response(_staff_dossier_or_404(request, code), key, reader=request.user)


@require_safe
@staff_required
@xframe_options_sameorigin  # shown in the dossier page's <object>, from this site only
def component_view(request: HttpRequest, code: str, key: str) -> FileResponse:
    """An uploaded PDF or image, inline, for the page's preview (other files and vault documents: 404)."""
    return component_response(_staff_dossier_or_404(request, code), key, reader=request.user, inline=True)


@require_safe
@staff_required
def result_pdf(request: HttpRequest, code: str) -> FileResponse:
    return result_response(_staff_dossier_or_404(request, code))


@require_safe
@staff_required
def result_document_pdf(request: HttpRequest, code: str, number: str) -> FileResponse:
    """A document another agency issued with the result (the police's residence notice…)."""
    return result_document_response(_staff_dossier_or_404(request, code), number)


@require_POST
@staff_required
def revoke_result(request: HttpRequest, code: str) -> HttpResponse:
    """The issuing unit's leader revokes the dossier's result, with a reason (results/revocation.py)."""
    dossier = _staff_dossier_or_404(request, code)
    result = getattr(dossier, "result", None)
    if result is None:
        raise page_not_found(code)
    try:
        revocation.revoke(result.number, request.user, request.POST.get("reason", ""))
    except Invalid as exc:
        return _detail_page(request, dossier, revoke_error=exc.message)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except ActionError as exc:  # revoked already (by someone else, in another tab)
        messages.error(request, _("Hồ sơ %(code)s: %(message)s") % {"code": code, "message": exc.message})
    else:
        messages.success(request, _("Đã thu hồi kết quả %(number)s.") % {"number": result.number})
    return redirect(reverse("backoffice:dossier", kwargs={"code": code}))
