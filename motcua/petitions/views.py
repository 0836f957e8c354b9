"""The petitions' pages: filing and "my petitions" (citizens, or a verified contact), the officers'
queue, answer editor, forwarding, registration and statistics, and the public page of answers.
Server-rendered, no JavaScript; every change goes through petitions/actions."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from motcua.dossiers.models import Dossier
from motcua.lib.errors import ActionError
from motcua.lib.ratelimit import rate_limited, too_many
from motcua.petitions import access, otp, public, redact
from motcua.petitions.actions import (
    HANDLERS,
    Filing,
    allowed_actions,
    file_petition,
    perform,
    register_petition,
)
from motcua.petitions.forms import CodeForm, ContactForm, FilingForm, RegisterForm
from motcua.petitions.limits import RateLimited
from motcua.petitions.models import Kind, Petition, PetitionStatus, Topic
from motcua.petitions.queue import deadline_state
from motcua.units.models import Unit
from motcua.units.scope import grants_of, paths_of, request_grants, roles_in, units_under

SESSION_TOKEN = "petition_contact_token"  # noqa: S105 - a session key, not a secret
PAGE = 20


def _contact(request: HttpRequest) -> str:
    return otp.contact_for_token(request.session.get(SESSION_TOKEN, ""), timezone.now())


def _user(request: HttpRequest):
    return request.user if request.user.is_authenticated else None


def _units() -> list[tuple[str, str]]:
    return [(u.code, u.display_name) for u in Unit.objects.exclude(kind="one_stop").order_by("path")[:500]]


def public_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:200].replace("\x00", "")
    topic = request.GET.get("topic", "")
    topic = topic if topic in Topic.values else ""
    page = Paginator(public.search(q, topic or None), PAGE).get_page(request.GET.get("page"))
    return render(request, "petitions/public.html", {
        "q": q, "topic": topic, "topics": Topic.choices, "page": page, "rows": [public.row(p) for p in page],
    })


@rate_limited("petition", methods=("POST",))
def new(request: HttpRequest) -> HttpResponse:
    user, contact = _user(request), _contact(request)
    if user is None and not contact:
        return redirect("petitions:verify")
    dossiers = []
    if user is not None:
        dossiers = [(d.code, d.code) for d in Dossier.objects.filter(applicant=user).order_by("-submitted_at")[:50]]
    form = FilingForm(request.POST or None, request.FILES or None, units=_units(), dossiers=dossiers)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            petition, _created = file_petition(
                Filing(kind=c["kind"], subject=c["subject"], body=c["body"], unit=c["unit"] or None,
                       procedure=c["procedure"] or None, dossier=c["dossier"] or None, topic=c["topic"]),
                user=user, contact="" if user is not None else contact, files=c["attachments"],
            )
        except RateLimited as exc:  # the per-contact limit: the same 429 and Retry-After as the shared limiter
            return too_many(request, exc.retry_after, exc.message)
        except ActionError as exc:
            form.add_error(exc.extra.get("field") if exc.extra.get("field") in form.fields else None, exc.message)
        else:
            messages.success(request, _("Đã gửi phản ánh, kiến nghị %(code)s; hạn trả lời %(due)s.") % {
                "code": petition.code, "due": timezone.localtime(petition.due_at).strftime("%d/%m/%Y")})
            return redirect("petitions:detail", code=petition.code)
    return render(request, "petitions/new.html", {"form": form, "contact": contact})


@rate_limited("petition_code", methods=("POST",))
def verify(request: HttpRequest) -> HttpResponse:
    """Anonymous filing: a code sent to the contact, then entered here."""
    sent_to = request.session.get("petition_contact_sent", "")
    contact_form = ContactForm(request.POST if request.POST.get("step") == "send" else None)
    code_form = CodeForm(request.POST if request.POST.get("step") == "verify" else None,
                         initial={"contact": sent_to})
    if request.method == "POST":
        try:
            if request.POST.get("step") == "send" and contact_form.is_valid():
                contact = otp.send_code(contact_form.cleaned_data["contact"], timezone.now())
                request.session["petition_contact_sent"] = contact
                messages.info(request, _("Đã gửi mã xác thực tới %(contact)s.") % {"contact": contact})
                return redirect("petitions:verify")
            if request.POST.get("step") == "verify" and code_form.is_valid():
                token = otp.verify_code(code_form.cleaned_data["contact"], code_form.cleaned_data["code"], timezone.now())
                request.session[SESSION_TOKEN] = token
                return redirect("petitions:new")
        except ActionError as exc:
            (code_form if request.POST.get("step") == "verify" else contact_form).add_error(None, exc.message)
    return render(request, "petitions/verify.html", {"contact_form": contact_form, "code_form": code_form,
                                                     "sent_to": sent_to})


def mine(request: HttpRequest) -> HttpResponse:
    user, contact = _user(request), _contact(request)
    if user is None and not contact:
        return redirect("petitions:verify")
    qs = Petition.objects.filter(filer=user) if user is not None else Petition.objects.filter(
        filer__isnull=True, contact=contact, origin="online")
    page = Paginator(qs.select_related("unit").order_by("-first_received_at"), PAGE).get_page(request.GET.get("page"))
    return render(request, "petitions/mine.html", {"page": page})


def detail(request: HttpRequest, code: str) -> HttpResponse:
    user, contact = _user(request), _contact(request)
    grants = request_grants(request) if user is not None else ()
    p = (access.visible_petitions(user, grants, contact).select_related("unit", "first_unit", "procedure", "dossier")
         .filter(code=code).first())
    if p is None:
        raise access.page_not_found(code)
    allowed = allowed_actions(p, user, grants=grants, contact=contact)
    handles = bool(roles_in(grants, p.unit) & HANDLERS)
    labels = action_labels()
    events = [(e, labels.get(e.action, e.action)) for e in p.events.order_by("id")]
    return render(request, "petitions/detail.html", {
        "p": p, "allowed": allowed, "handles": handles, "events": events,
        "deadline": deadline_state(p, timezone.now()), "is_filer": access.is_filer(p, user, contact),
        "units": [u for u in _units() if u[0] != p.unit.code] if "forward" in allowed else [],
        "proposal": redact.proposal(p) if "publish" in allowed else None,
    })


def action_labels() -> dict[str, str]:
    return {
        "file": _("Gửi phản ánh"), "register": _("Tiếp nhận tại cơ quan"), "refuse": _("Từ chối xử lý"),
        "request_information": _("Yêu cầu bổ sung thông tin"), "provide_information": _("Bổ sung thông tin"),
        "answer": _("Trả lời"), "publish": _("Công khai trả lời"), "forward": _("Chuyển đơn vị có thẩm quyền"),
        "like": _("Đồng tình"), "dislike": _("Không đồng tình"), "complain_again": _("Phản ánh lại"),
    }


FIELDS = {"refuse": ("reason",), "request_information": ("reason",), "provide_information": ("body",),
          "answer": ("answer",), "forward": ("unit", "reason"), "complain_again": ("reason",),
          "publish": ("subject", "body", "answer")}


@require_POST
def act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    user, contact = _user(request), _contact(request)
    payload = {f: request.POST.get(f, "") for f in FIELDS.get(action, ())}
    if action == "forward" and not payload["reason"]:
        payload.pop("reason")
    if action == "publish":  # a text left empty: the masked proposal
        payload = {f: v.replace("\r\n", "\n") for f, v in payload.items() if v.strip()}
    try:
        perform(code, action, user, payload=payload, contact=contact,
                grants=request_grants(request) if user is not None else ())
    except ActionError as exc:
        if exc.status == 404:
            raise access.page_not_found(code) from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Đã thực hiện."))
    return redirect("petitions:detail", code=code)


def _staff_grants(request: HttpRequest):
    grants = request_grants(request) if request.user.is_authenticated else ()
    if not grants:
        raise access.page_not_found("")
    return grants


def queue(request: HttpRequest) -> HttpResponse:
    grants = _staff_grants(request)
    qs = access.staff_petitions(grants).select_related("unit")
    status = request.GET.get("status", "open")
    if status == "open":
        qs = qs.filter(status__in=[PetitionStatus.RECEIVED, PetitionStatus.WAITING, PetitionStatus.ANSWERED])
    elif status in PetitionStatus.values:
        qs = qs.filter(status=status)
    unit = request.GET.get("unit", "")
    served = list(units_under(paths_of(grants)).exclude(kind="one_stop").order_by("path"))
    if unit:
        qs = qs.filter(unit__code=unit)
    page = Paginator(qs.order_by("due_at", "id"), PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [{"p": p, "deadline": deadline_state(p, now)} for p in page]
    return render(request, "petitions/queue.html", {
        "rows": rows, "page": page, "status": status, "statuses": PetitionStatus.choices, "unit": unit,
        "units": served,
    })


def register(request: HttpRequest) -> HttpResponse:
    grants = _staff_grants(request)
    units = [(u.code, u.display_name) for u in units_under(paths_of(grants)).exclude(kind="one_stop").order_by("path")
             if roles_in(grants, u) & HANDLERS]
    form = RegisterForm(request.POST or None, request.FILES or None, units=units)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            petition = register_petition(
                Filing(kind=c["kind"], subject=c["subject"], body=c["body"], unit=c["unit"],
                       procedure=c["procedure"] or None, topic=c["topic"]),
                request.user, origin=c["origin"], contact_name=c["contact_name"], contact=c["contact"],
                files=c["attachments"],
            )
        except ActionError as exc:
            form.add_error(exc.extra.get("field") if exc.extra.get("field") in form.fields else None, exc.message)
        else:
            messages.success(request, _("Đã tiếp nhận phản ánh, kiến nghị %(code)s.") % {"code": petition.code})
            return redirect("petitions:detail", code=petition.code)
    return render(request, "petitions/register.html", {"form": form})


def stats(request: HttpRequest) -> HttpResponse:
    grants = _staff_grants(request)
    qs = access.staff_petitions(grants)
    rows = (qs.values("topic").annotate(
        total=Count("id"),
        open=Count("id", filter=Q(status__in=[PetitionStatus.RECEIVED, PetitionStatus.WAITING, PetitionStatus.ANSWERED])),
        published=Count("id", filter=Q(status=PetitionStatus.PUBLISHED)),
        refused=Count("id", filter=Q(status=PetitionStatus.REFUSED)),
        disliked=Count("id", filter=Q(dislikes__gt=0)), reopened=Count("id", filter=Q(complained_again=True)),
    ).order_by("-total"))
    labels = dict(Topic.choices)
    kinds = dict(Kind.choices)
    by_kind = qs.values("kind").annotate(total=Count("id")).order_by("-total")
    return render(request, "petitions/stats.html", {
        "rows": [{**r, "label": labels.get(r["topic"], r["topic"])} for r in rows],
        "kinds": [{"label": kinds.get(r["kind"], r["kind"]), "total": r["total"]} for r in by_kind],
        "grants_units": grants_of(request.user) and True,
    })
