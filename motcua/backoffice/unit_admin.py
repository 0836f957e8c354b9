"""Unit administration for a unit's administrator (role `unit_admin`), not the Django admin.

Under /office/unit/<code>/: the unit's staff and their roles, the procedures its units receive
(catalog.ProcedureOffer), its calendar overrides (units.CalendarDay: holidays and make-up working
days, which every deadline reads through dossiers/deadlines.py) and its targets (monitoring.UnitTarget,
read by the KPI headline). Only units inside the subtrees the user administers exist here (404
otherwise). Input is strict (undeclared or repeated fields, NUL: 400; values out of range: the page
again with the error, 422). Every change is audited (audit.log) in its transaction, on the unit's chain.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from motcua.audit.log import record
from motcua.backoffice.views import staff_required
from motcua.catalog.models import Procedure, ProcedureOffer
from motcua.catalog.search import by_rule
from motcua.identity.models import User
from motcua.lib.errors import Invalid
from motcua.monitoring.models import UnitTarget
from motcua.units.models import CalendarDay, Membership, Role, Unit, UnitKind
from motcua.units.scope import units_for
from motcua.web.presentation import person_name, role_label

SECTIONS = {
    "staff": gettext_lazy("Cán bộ và vai trò"),
    "procedures": gettext_lazy("Thủ tục tiếp nhận"),
    "calendar": gettext_lazy("Ngày nghỉ, ngày làm bù"),
    "targets": gettext_lazy("Chỉ tiêu"),
}
PAGE_SIZE = 30
FIRST_YEAR, LAST_YEAR = 2000, 2100


# --- scope and input --------------------------------------------------------------------------


def administered(user) -> list[Unit]:
    """Every unit inside the subtrees the user administers."""
    return list(units_for(user, Role.UNIT_ADMIN).order_by("path"))


def _unit_or_404(request: HttpRequest, code: str) -> Unit:
    unit = units_for(request.user, Role.UNIT_ADMIN).filter(code=code).first()
    if unit is None:
        raise Http404(_("Không có đơn vị %(code)s trong phạm vi bạn quản trị.") % {"code": code})
    return unit


class BadForm(Exception):
    """Posted fields no form of this page has (or NUL, or a field twice): 400, nothing done."""


def _posted(post: QueryDict, allowed: set[str]) -> dict[str, str]:
    fields = set(post) - {"csrfmiddlewaretoken"}
    if fields - allowed:
        raise BadForm
    values = {}
    for name in fields:
        got = post.getlist(name)
        if len(got) != 1 or "\x00" in got[0]:
            raise BadForm
        values[name] = got[0].strip()
    return values


def _audit(unit: Unit, actor, action: str, data: dict) -> None:
    # The unit's row lock orders the writers of its audit chain (audit/log.py).
    Unit.objects.select_for_update().filter(pk=unit.pk).first()
    record(actor=actor, action=f"unit_admin.{action}", object_type="unit", object_id=unit.code, at=timezone.now(), data=data)


def _int(raw: str, low: int, high: int, message: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise Invalid(message, code="out_of_range") from None
    if not low <= value <= high:
        raise Invalid(message, code="out_of_range")
    return value


def _flag(raw: str) -> bool:
    if raw not in ("0", "1"):
        raise BadForm
    return raw == "1"


# --- the changes ------------------------------------------------------------------------------


def add_member(unit: Unit, actor, username: str, role: str) -> Membership:
    if role not in Role.values:
        raise Invalid(_("Hãy chọn một vai trò."), code="unknown_role")
    person = User.objects.filter(username=username, is_active=True).first() if username else None
    if person is None:
        raise Invalid(_("Không có tài khoản “%(name)s”.") % {"name": username[:150]}, code="unknown_user")
    with transaction.atomic():
        try:
            with transaction.atomic():
                member = Membership.objects.create(user=person, unit=unit, role=role)
        except IntegrityError:
            raise Invalid(_("%(name)s đã có vai trò này ở đơn vị.") % {"name": person_name(person)}, code="duplicate") from None
        _audit(unit, actor, "add_member", {"user": person.username, "role": role})
    return member


def remove_member(unit: Unit, actor, member_id: str) -> Membership:
    member = Membership.objects.filter(pk=member_id if member_id.isdigit() else None, unit=unit).select_related("user").first()
    if member is None:
        raise Invalid(_("Không có người này trong đơn vị."), code="unknown_member")
    if member.user_id == actor.pk and member.role == Role.UNIT_ADMIN:
        raise Invalid(_("Bạn không thể tự bỏ vai trò quản trị của mình."), code="self_admin")
    with transaction.atomic():
        member.delete()
        _audit(unit, actor, "remove_member", {"user": member.user.username, "role": member.role})
    return member


def set_offer(unit: Unit, actor, procedure_code: str, receiving_code: str, offered: bool) -> None:
    receiving = unit.subtree().filter(code=receiving_code).first()
    procedure = Procedure.objects.filter(code=procedure_code).first()
    if receiving is None or procedure is None or not Procedure.objects.filter(by_rule(receiving), pk=procedure.pk).exists():
        raise Invalid(_("Đơn vị này không thực hiện thủ tục đó."), code="not_implemented")
    with transaction.atomic():
        ProcedureOffer.objects.update_or_create(procedure=procedure, unit=receiving, defaults={"offered": offered})
        _audit(unit, actor, "set_offer", {"procedure": procedure.code, "unit": receiving.code, "offered": offered})


def add_day(unit: Unit, actor, raw_day: str, working: bool, note: str) -> CalendarDay:
    try:
        day = date.fromisoformat(raw_day)
    except ValueError:
        raise Invalid(_("Hãy nhập ngày theo dạng năm-tháng-ngày."), code="invalid_day") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise Invalid(_("Năm phải từ %(low)s đến %(high)s.") % {"low": FIRST_YEAR, "high": LAST_YEAR}, code="invalid_day")
    if len(note) > 200:
        raise Invalid(_("Ghi chú dài tối đa 200 ký tự."), code="note_too_long")
    with transaction.atomic():
        entry, _created = CalendarDay.objects.update_or_create(unit=unit, day=day, defaults={"working": working, "note": note})
        _audit(unit, actor, "set_day", {"day": day.isoformat(), "working": working, "note": note})
    return entry


def remove_day(unit: Unit, actor, day_id: str) -> None:
    entry = CalendarDay.objects.filter(pk=day_id if day_id.isdigit() else None, unit=unit).first()
    if entry is None:
        raise Invalid(_("Không có ngày này trong lịch của đơn vị."), code="unknown_day")
    with transaction.atomic():
        entry.delete()
        _audit(unit, actor, "remove_day", {"day": entry.day.isoformat(), "working": entry.working})


def set_target(unit: Unit, actor, raw_year: str, raw_rate: str) -> None:
    year = _int(raw_year, FIRST_YEAR, LAST_YEAR, _("Năm phải từ %(low)s đến %(high)s.") % {"low": FIRST_YEAR, "high": LAST_YEAR})
    rate = _int(raw_rate, 0, 100, _("Chỉ tiêu là một số phần trăm từ 0 đến 100."))
    with transaction.atomic():
        UnitTarget.objects.update_or_create(unit=unit, year=year, defaults={"rate": float(rate)})
        _audit(unit, actor, "set_target", {"year": year, "rate": rate})


def remove_target(unit: Unit, actor, raw_year: str) -> None:
    year = _int(raw_year, FIRST_YEAR, LAST_YEAR, _("Không có chỉ tiêu của năm này."))
    with transaction.atomic():
        if not UnitTarget.objects.filter(unit=unit, year=year).delete()[0]:
            raise Invalid(_("Không có chỉ tiêu của năm này."), code="unknown_target")
        _audit(unit, actor, "remove_target", {"year": year})


# --- the pages --------------------------------------------------------------------------------


def _offers(unit: Unit, page_number: str | None):
    """The procedures the units of the subtree implement by the catalog's rule, each with its receiving units."""
    receivers = [u for u in unit.subtree().exclude(kind=UnitKind.ONE_STOP).order_by("path")]
    stopped = set(
        ProcedureOffer.objects.filter(unit__in=[u.pk for u in receivers], offered=False).values_list("procedure_id", "unit_id")
    )
    by_procedure: dict[int, list[tuple[Unit, bool]]] = {}
    procedures: dict[int, Procedure] = {}
    for receiver in receivers:
        for procedure in Procedure.objects.filter(by_rule(receiver), active=True).only("id", "code", "names"):
            procedures[procedure.pk] = procedure
            by_procedure.setdefault(procedure.pk, []).append((receiver, (procedure.pk, receiver.pk) not in stopped))
    rows = [(procedures[pk], units) for pk, units in sorted(by_procedure.items(), key=lambda kv: procedures[kv[0]].code)]
    return Paginator(rows, PAGE_SIZE).get_page(page_number)


def _page(request: HttpRequest, unit: Unit, section: str, *, error: str = "", status: int = 200) -> HttpResponse:
    context: dict = {
        "unit": unit, "section": section, "sections": list(SECTIONS.items()), "title": SECTIONS[section],
        "error": error, "posted": request.POST if error else {}, "units": administered(request.user),
    }
    if section == "staff":
        context["members"] = list(
            Membership.objects.filter(unit=unit).select_related("user__citizen").order_by("user__full_name", "user__username", "role")
        )
        context["roles"] = [(value, role_label(value)) for value in Role.values]
    elif section == "procedures":
        context["page"] = _offers(unit, request.GET.get("page"))
    elif section == "calendar":
        context["days"] = list(CalendarDay.objects.filter(unit=unit).order_by("-day")[:200])
    elif section == "targets":
        context["targets"] = list(UnitTarget.objects.filter(unit=unit).order_by("-year"))
        context["this_year"] = timezone.localdate().year
    return render(request, "backoffice/unit_admin.html", context, status=status)


@require_safe
@staff_required
def home(request: HttpRequest) -> HttpResponse:
    units = administered(request.user)
    if not units:
        raise Http404(_("Bạn không quản trị đơn vị nào."))
    return render(request, "backoffice/unit_admin_home.html", {"units": units})


POSTS = {
    "staff": {"op", "username", "role", "member"},
    "procedures": {"op", "procedure", "unit", "offered"},
    "calendar": {"op", "day", "working", "note", "entry"},
    "targets": {"op", "year", "rate"},
}


def _apply(section: str, unit: Unit, actor, v: dict[str, str]) -> str:
    """Do what the form asks; the success message."""
    op = v.get("op", "")
    if section == "staff" and op == "add":
        m = add_member(unit, actor, v.get("username", ""), v.get("role", ""))
        return _("Đã giao vai trò %(role)s cho %(name)s.") % {"role": role_label(m.role), "name": person_name(m.user)}
    if section == "staff" and op == "remove":
        m = remove_member(unit, actor, v.get("member", ""))
        return _("Đã bỏ vai trò %(role)s của %(name)s.") % {"role": role_label(m.role), "name": person_name(m.user)}
    if section == "procedures" and op == "set":
        set_offer(unit, actor, v.get("procedure", ""), v.get("unit", ""), _flag(v.get("offered", "")))
        return _("Đã lưu việc tiếp nhận thủ tục %(code)s.") % {"code": v.get("procedure", "")}
    if section == "calendar" and op == "add":
        entry = add_day(unit, actor, v.get("day", ""), _flag(v.get("working", "")), v.get("note", ""))
        return _("Đã lưu ngày %(day)s vào lịch của đơn vị.") % {"day": entry.day.strftime("%d/%m/%Y")}
    if section == "calendar" and op == "remove":
        remove_day(unit, actor, v.get("entry", ""))
        return _("Đã bỏ ngày khỏi lịch của đơn vị.")
    if section == "targets" and op == "set":
        set_target(unit, actor, v.get("year", ""), v.get("rate", ""))
        return _("Đã lưu chỉ tiêu năm %(year)s.") % {"year": v.get("year", "")}
    if section == "targets" and op == "remove":
        remove_target(unit, actor, v.get("year", ""))
        return _("Đã bỏ chỉ tiêu năm %(year)s.") % {"year": v.get("year", "")}
    raise BadForm


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def section_page(request: HttpRequest, code: str, section: str) -> HttpResponse:
    if section not in SECTIONS:
        raise Http404(_("Không có trang này."))
    unit = _unit_or_404(request, code)
    if request.method != "POST":
        return _page(request, unit, section)
    try:
        done = _apply(section, unit, request.user, _posted(request.POST, POSTS[section]))
    except BadForm:
        return HttpResponseBadRequest(_("Dữ liệu gửi lên không hợp lệ."), content_type="text/plain; charset=utf-8")
    except Invalid as exc:
        return _page(request, unit, section, error=exc.message, status=422)
    messages.success(request, done)
    return redirect(reverse("backoffice:unit_admin", kwargs={"code": unit.code, "section": section}))


@require_safe
@staff_required
def unit_page(request: HttpRequest, code: str) -> HttpResponse:
    unit = _unit_or_404(request, code)
    return redirect(reverse("backoffice:unit_admin", kwargs={"code": unit.code, "section": "staff"}))


urlpatterns = [
    path("unit/", home, name="unit_admin_home"),
    path("unit/<str:code>/", unit_page, name="unit_admin_unit"),
    path("unit/<str:code>/<slug:section>/", section_page, name="unit_admin"),
]
