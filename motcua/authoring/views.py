"""The catalogue's pages under /office/catalog/: drafts, one draft with its problems, the diff, publication.

Plain forms posted to the server (no JavaScript). A draft is edited section by section with the structured
editor (authoring/editor.py: identity, components, form fields, fees, times, workflow, result, each its
own form), or on the draft page in two parts: its identity and time as fields, and the whole procedure
as YAML (or JSON) in a text area (the "advanced" section); the fields win over the same keys of the text. Each problem is shown next to its field, or next to the
text area with the line of the YAML it concerns. Who may do what: authoring/scope.py and store.py
(a page of a role one lacks: 403; a draft or procedure outside one's units: 404).
"""

from __future__ import annotations

from datetime import date
from functools import wraps

import yaml
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from motcua.authoring import editor, preview, scope, store
from motcua.authoring.diff import diff, grouped
from motcua.authoring.models import Abolition, DraftStatus, ProcedureDraft
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.catalog.yamlpos import line_index, line_of
from motcua.lib.errors import ActionError, Conflict, Invalid
from motcua.lib.ratelimit import rate_limited

app_name = "authoring"
# The fields of the draft page's structured part: the path in the definition each one writes.
IDENTITY_FIELDS = {
    "code": ("code",), "name_vi": ("name", "vi"), "name_en": ("name", "en"), "name_bn": ("name", "bn"),
    "service_mode": ("service_mode",), "processing_days": ("processing_days",),
}
MAX_TEXT = 500_000
DRAFTS_PER_PAGE = 50


class BadForm(Exception):
    pass


def catalog_staff(view):
    """Signed in (else the login page) and holding a catalogue role somewhere (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        roles = scope.catalog_roles(request.user)
        if not roles:
            raise PermissionDenied(_("Trang này chỉ dành cho cán bộ biên tập và phê duyệt danh mục thủ tục."))
        request.catalog_roles = roles
        return view(request, *args, **kwargs)

    return wrapper


def _posted(post: QueryDict, allowed: set[str]) -> dict[str, str]:
    """The posted values: only the declared fields, each once (else 400; NUL is refused by api/middleware.py)."""
    fields = set(post) - {"csrfmiddlewaretoken"}
    if fields - allowed:
        raise BadForm
    values = {}
    for name in fields:
        got = post.getlist(name)
        if len(got) != 1 or "\x00" in got[0] or len(got[0]) > MAX_TEXT:
            raise BadForm
        values[name] = got[0]
    return values


def _bad_form() -> HttpResponse:
    return HttpResponseBadRequest(_("Dữ liệu gửi lên không hợp lệ."), content_type="text/plain; charset=utf-8")


def _draft_or_404(request: HttpRequest, draft_id: str) -> ProcedureDraft:
    try:
        return store.get(request.user, draft_id)
    except ActionError as exc:
        raise Http404(exc.message) from exc


@require_safe
@catalog_staff
def draft_list(request: HttpRequest) -> HttpResponse:
    # updated_by__citizen: the name shown (presentation.person_name) looks for a citizen's profile; without it
    # in the join, every row cost one more statement (211 for 200 drafts, bench/catalogue_scale.py). The list
    # shows no definition: decoding 200 of them (~8 KB of JSON each) was most of the page's time.
    drafts = scope.visible_drafts(request.user).select_related("unit", "updated_by__citizen").defer("definition") \
        .order_by("-updated_at")
    status = request.GET.get("status", "")
    if status in DraftStatus.values:
        drafts = drafts.filter(status=status)
    # Pages of 50: the first 200 only were shown (a province's hundreds of drafts beyond them unreachable but
    # through the filter), and rendering 200 rows was the page's time.
    page = Paginator(drafts, DRAFTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "authoring/list.html", {
        "drafts": page.object_list, "page": page, "statuses": DraftStatus.choices, "status": status,
        "editor": scope.EDITOR in request.catalog_roles,
        "units": scope.units_of(request.user, scope.EDITOR).order_by("path")[:200],
    })


@require_http_methods(["GET", "HEAD", "POST"])
@catalog_staff
@rate_limited("catalog_write")
def new_draft(request: HttpRequest) -> HttpResponse:
    if scope.EDITOR not in request.catalog_roles:
        raise PermissionDenied(_("Chỉ cán bộ biên tập danh mục mới tạo được bản nháp."))
    units = scope.units_of(request.user, scope.EDITOR).order_by("path")[:200]
    context = {"units": units, "text": "", "from_code": "", "unit": ""}
    if request.method != "POST":
        return render(request, "authoring/new.html", context)
    try:
        v = _posted(request.POST, {"unit", "text", "from_code"})
    except BadForm:
        return _bad_form()
    context.update(text=v.get("text", ""), from_code=v.get("from_code", "").strip(), unit=v.get("unit", ""))
    try:
        if context["from_code"]:
            draft = store.start_from(request.user, context["from_code"], context["unit"] or None)
        else:
            if not context["text"].strip():
                # Nothing typed: a new procedure written with the structured editor, from its skeleton.
                draft = store.create(request.user, editor.skeleton(), context["unit"] or None)
                messages.success(request, _("Đã tạo bản nháp."))
                return redirect(reverse("authoring:section", args=[draft.public_id, "identity"]))
            data, reports = store.parse_yaml(context["text"], "draft")
            if reports:
                context["error"] = "; ".join(reports)
                return render(request, "authoring/new.html", context, status=422)
            draft = store.create(request.user, data if data is not None else {}, context["unit"] or None)
    except ActionError as exc:
        context["error"] = exc.message
        return render(request, "authoring/new.html", context, status=exc.status if exc.status != 404 else 422)
    messages.success(request, _("Đã tạo bản nháp."))
    return redirect(reverse("authoring:draft", args=[draft.public_id]))


def _get(definition: dict, at: tuple) -> object:
    value: object = definition
    for key in at:
        if not isinstance(value, dict):
            return ""
        value = value.get(key, "")
    return value


def _lines(text: str) -> dict:
    """The line of every path of the text shown (none for a text that is not YAML, or holds aliases)."""
    if not text.strip():
        return {}
    try:
        if any(isinstance(e, yaml.AliasEvent) for e in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))):
            return {}
        return line_index(text)
    except yaml.YAMLError:
        return {}


def _draft_context(request: HttpRequest, draft: ProcedureDraft, text: str | None = None) -> dict:
    definition = draft.definition
    text = store.definition_text(definition) if text is None else text
    problems = store.problems_of(definition)
    lines = _lines(text)
    fields = []
    placed = set()
    for name, at in IDENTITY_FIELDS.items():
        where = "/".join(at)
        own = [p["message"] for p in problems if p["path"] == where or (len(at) == 2 and p["path"] == at[0])]
        placed.update(i for i, p in enumerate(problems) if p["path"] == where)
        fields.append({"name": name, "value": _get(definition, at), "errors": own})
    others = [
        {**p, "line": line_of(lines, tuple(int(x) if x.isdigit() else x for x in p["path"].split("/")))}
        for i, p in enumerate(problems) if i not in placed
    ]
    roles = request.catalog_roles
    own_work = request.user.pk in {draft.created_by_id, draft.submitted_by_id, draft.updated_by_id}
    return {
        "draft": draft, "text": text, "fields": {f["name"]: f for f in fields}, "problems": problems,
        "other_problems": others,
        "may_edit": draft.status in store.EDITABLE and scope.covers(request.user, scope.EDITOR, draft.unit),
        "may_review": draft.status == DraftStatus.SUBMITTED and scope.covers(request.user, scope.APPROVER, draft.unit),
        "own_work": own_work, "editor": scope.EDITOR in roles,
        "modes": (("full", _("Toàn trình")), ("partial", _("Một phần"))),
        "sections": _section_links(draft, problems),
    }


def _section_links(draft: ProcedureDraft, problems: list[dict]) -> list[dict]:
    found = editor.counts(draft.definition, problems)
    return [{"key": key, "title": title, "count": found.get(key, 0),
             "url": reverse("authoring:section", args=[draft.public_id, key])} for key, title in editor.section_titles()]


@require_http_methods(["GET", "HEAD", "POST"])
@catalog_staff
@rate_limited("catalog_write")
def draft_section(request: HttpRequest, draft_id: str, part: str) -> HttpResponse:
    """One section of the structured editor: its inputs, its problems at them; a post saves that section."""
    section = editor.SECTIONS.get(part)
    if section is None:
        raise Http404(_("Không có phần này."))
    draft = _draft_or_404(request, draft_id)
    error, status = "", 200
    if request.method == "POST":
        revision = store.parse_etag(request.POST.get("revision"))
        if not scope.covers(request.user, scope.EDITOR, draft.unit):  # who first, then what they sent
            raise PermissionDenied(_("Chỉ cán bộ biên tập danh mục mới sửa được bản nháp."))
        try:
            if revision is not None and revision != draft.revision:
                # Another editor saved since this form was drawn: nothing is written over their work.
                raise Conflict(_("Bản nháp đã được người khác lưu sau khi bạn mở nó: hãy tải lại và sửa trên bản mới nhất."),
                               code="edit_conflict", revision=draft.revision)
            try:
                outcome = editor.apply_post(section, draft.definition, request.POST)
            except editor.BadPost:
                return _bad_form()
            draft = store.save(request.user, draft.public_id, outcome.definition, revision)
        except ActionError as exc:
            error, status = exc.message, exc.status
            draft = _draft_or_404(request, draft_id)
        else:
            messages.success(request, _("Đã lưu phần “%(part)s” (lần sửa %(n)d).") % {"part": section.title, "n": draft.revision})
            url = reverse("authoring:section", args=[draft.public_id, part])
            return redirect(url + (f"#{outcome.focus}" if outcome.focus else ""))
    problems = store.problems_of(draft.definition)
    context = editor.page_context(section, draft.definition, problems, request.user)
    context.update(
        draft=draft, error=error, sections=_section_links(draft, problems), total=len(problems),
        may_edit=draft.status in store.EDITABLE and scope.covers(request.user, scope.EDITOR, draft.unit),
    )
    return render(request, "authoring/section.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@catalog_staff
@rate_limited("catalog_write")
def draft_page(request: HttpRequest, draft_id: str) -> HttpResponse:
    draft = _draft_or_404(request, draft_id)
    if request.method != "POST":
        return render(request, "authoring/draft.html", _draft_context(request, draft))
    try:
        v = _posted(request.POST, {"text", "revision", *IDENTITY_FIELDS})
    except BadForm:
        return _bad_form()
    text = v.get("text", "")
    data, reports = store.parse_yaml(text, "draft")
    if reports or not isinstance(data, dict):
        context = _draft_context(request, draft, text)
        context["error"] = "; ".join(reports) or \
            _("Nội dung phải là một thủ tục (ánh xạ YAML hoặc đối tượng JSON).")
        return render(request, "authoring/draft.html", context, status=422)
    for name, at in IDENTITY_FIELDS.items():
        raw = v.get(name, "").strip()
        if name not in v:
            continue
        target = data
        for key in at[:-1]:
            if not isinstance(target.get(key), dict):
                target[key] = {}
            target = target[key]
        if not raw:
            target.pop(at[-1], None)
        elif name == "processing_days":
            target[at[-1]] = int(raw) if raw.isdigit() and len(raw) < 6 else raw
        else:
            target[at[-1]] = raw
    try:
        draft = store.save(request.user, draft.public_id, data, store.parse_etag(v.get("revision")))
    except Conflict as exc:
        context = _draft_context(request, draft, text)
        context["error"] = exc.message
        return render(request, "authoring/draft.html", context, status=409)
    except ActionError as exc:
        context = _draft_context(request, draft, text)
        context["error"] = exc.message
        return render(request, "authoring/draft.html", context, status=exc.status)
    messages.success(request, _("Đã lưu bản nháp (lần sửa %(n)d).") % {"n": draft.revision})
    return redirect(reverse("authoring:draft", args=[draft.public_id]))


def _act(request: HttpRequest, draft_id: str, allowed: set[str], act) -> HttpResponse:
    draft = _draft_or_404(request, draft_id)
    try:
        v = _posted(request.POST, allowed)
    except BadForm:
        return _bad_form()
    try:
        done = act(draft, v)
    except Invalid as exc:
        context = _draft_context(request, draft)
        context["error"] = exc.message
        context["action_errors"] = {e["field"]: e["message"] for e in exc.extra.get("errors", [])}
        context["posted"] = v
        return render(request, "authoring/draft.html", context, status=422)
    except ActionError as exc:
        context = _draft_context(request, draft)
        context["error"] = exc.message
        return render(request, "authoring/draft.html", context, status=exc.status)
    messages.success(request, done)
    return redirect(reverse("authoring:draft", args=[draft.public_id]))


@require_POST
@catalog_staff
def submit(request: HttpRequest, draft_id: str) -> HttpResponse:
    def act(draft, _v):
        store.submit(request.user, draft.public_id)
        return _("Đã gửi bản nháp để phê duyệt.")

    return _act(request, draft_id, set(), act)


@require_POST
@catalog_staff
def send_back(request: HttpRequest, draft_id: str) -> HttpResponse:
    def act(draft, v):
        store.send_back(request.user, draft.public_id, v.get("comments", ""))
        return _("Đã trả lại bản nháp kèm ý kiến.")

    return _act(request, draft_id, {"comments"}, act)


def _day(raw: str, field: str) -> date | None:
    if not raw.strip():
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise Invalid(_("Ngày không hợp lệ (năm-tháng-ngày)."), code="invalid_date",
                      errors=[{"field": field, "code": "invalid", "message": _("ngày không hợp lệ")}]) from None


def _decision(v: dict[str, str]) -> store.Decision:
    decision = store.Decision(v.get("decision_number", "").strip(), _day(v.get("decision_date", ""), "decision.date"),
                              v.get("decision_issuer", "").strip())
    store.check_decision(decision, required=True)  # a page always records the decision
    return decision


@require_POST
@catalog_staff
def publish(request: HttpRequest, draft_id: str) -> HttpResponse:
    def act(draft, v):
        store.check_approver(request.user, draft)  # who first, then what they sent
        version = store.publish(request.user, draft.public_id, _decision(v), _day(v.get("effective_from", ""), "effective_from"))
        return _("Đã công bố phiên bản %(n)d của thủ tục %(code)s.") % {"n": version.number, "code": version.procedure.code}

    return _act(request, draft_id, {"effective_from", "decision_number", "decision_date", "decision_issuer"}, act)


@require_safe
@catalog_staff
def draft_diff(request: HttpRequest, draft_id: str) -> HttpResponse:
    draft = _draft_or_404(request, draft_id)
    changes = diff(draft.base.definition if draft.base else {}, draft.definition)
    return render(request, "authoring/diff.html", {
        "title": draft.code, "old": f"v{draft.base.number}" if draft.base else None, "new": _("bản nháp"),
        "groups": grouped(changes), "back": reverse("authoring:draft", args=[draft.public_id]),
    })


def _procedure_or_404(code: str) -> Procedure:
    procedure = Procedure.objects.filter(code=code).select_related("current").first()
    if procedure is None:
        raise Http404(_("Không có thủ tục này."))
    return procedure


@require_safe
@catalog_staff
def versions(request: HttpRequest, code: str) -> HttpResponse:
    procedure = _procedure_or_404(code)
    rows = ProcedureVersion.objects.filter(procedure=procedure).select_related("record").defer("definition", "source_text") \
        .order_by("-number")
    return render(request, "authoring/versions.html", {
        "procedure": procedure, "versions": rows, "abolition": Abolition.objects.filter(procedure=procedure).first(),
    })


@require_safe
@catalog_staff
def version_diff(request: HttpRequest, code: str, number: int) -> HttpResponse:
    procedure = _procedure_or_404(code)
    new = ProcedureVersion.objects.filter(procedure=procedure, number=number).first()
    if new is None:
        raise Http404(_("Không có phiên bản này."))
    old = ProcedureVersion.objects.filter(procedure=procedure, number=number - 1).first()
    return render(request, "authoring/diff.html", {
        "title": procedure.code, "old": f"v{old.number}" if old else None, "new": f"v{new.number}",
        "groups": grouped(diff(old.definition if old else {}, new.definition)),
        "back": reverse("authoring:versions", args=[procedure.code]),
    })


@require_http_methods(["GET", "HEAD", "POST"])
@catalog_staff
def draft_preview(request: HttpRequest, draft_id: str) -> HttpResponse:
    draft = _draft_or_404(request, draft_id)
    if store.problems_of(draft.definition):
        return render(request, "authoring/preview.html", {"draft": draft, "broken": True})
    return preview.page(request, draft)


urlpatterns = [
    path("", draft_list, name="list"),
    path("new/", new_draft, name="new"),
    path("drafts/<uuid:draft_id>/", draft_page, name="draft"),
    path("drafts/<uuid:draft_id>/edit/<slug:part>/", draft_section, name="section"),
    path("drafts/<uuid:draft_id>/submit/", submit, name="submit"),
    path("drafts/<uuid:draft_id>/return/", send_back, name="return"),
    path("drafts/<uuid:draft_id>/publish/", publish, name="publish"),
    path("drafts/<uuid:draft_id>/diff/", draft_diff, name="diff"),
    path("drafts/<uuid:draft_id>/preview/", draft_preview, name="preview"),
    path("procedures/<str:code>/", versions, name="versions"),
    path("procedures/<str:code>/diff/<int:number>/", version_diff, name="version_diff"),
]
