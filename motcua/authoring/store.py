"""The life of a procedure draft: created, saved (optimistic concurrency), submitted, sent back, published.

Every function checks who may do it (authoring/scope.py) and answers with the errors of lib/errors.py,
which the API and the pages turn into 4xx answers. A draft may hold problems while it is written; it is
submitted and published only without any (the same checks as `motcua catalog validate`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import yaml
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.authoring import scope
from motcua.authoring.models import Abolition, DraftStatus, ProcedureDraft, VersionRecord
from motcua.catalog.loader import AUTHORED, Definition, make_version_current, parse_text, store
from motcua.catalog.models import Procedure, ProcedureVersion
from motcua.catalog.validate import definition_schema, problems
from motcua.lib.errors import ActionError, Conflict, Forbidden, Invalid, NotFound
from motcua.units.models import Unit

EDITABLE = (DraftStatus.DRAFT, DraftStatus.RETURNED)
MAX_COMMENTS = 4000


class PreconditionRequired(ActionError):
    status = 428
    code = "precondition_required"


@dataclass(frozen=True)
class Decision:
    """The decision that announced a version or an abolition (quyết định công bố)."""

    number: str = ""
    date: date | None = None
    issuer: str = ""

    @property
    def given(self) -> bool:
        return bool(self.number or self.issuer or self.date)


def problems_of(definition: object) -> list[dict]:
    """The problems `motcua catalog validate` reports, each with the path of the field it concerns."""
    found = problems(definition)
    return [{"path": p.where, "message": p.message} for p in found]


def _not_found() -> NotFound:
    return NotFound(_("Không tìm thấy bản nháp."), code="draft_not_found")


def _unit_not_found(code: str) -> NotFound:
    return NotFound(_("Không có đơn vị mã %(code)s.") % {"code": code}, code="unit_not_found")


def check_shape(definition: object) -> dict:
    """A JSON object whose top-level keys the format declares (an undeclared key: 422, naming it)."""
    if not isinstance(definition, dict):
        raise Invalid(_("Thủ tục phải là một đối tượng JSON."), code="invalid_definition")
    declared = set(definition_schema()["properties"])
    extra = sorted(k for k in definition if k not in declared)
    if extra:
        raise Invalid(_("Khóa không có trong định dạng: %(keys)s") % {"keys": ", ".join(extra)},
                      code="undeclared_field", errors=[{"field": k, "code": "undeclared_field",
                                                        "message": _("khóa không có trong định dạng")} for k in extra])
    return definition


def _check_units(user, definition: dict) -> None:
    """Every unit the definition names (`unit_codes`) is one the editor writes for; else "not found"."""
    codes = definition.get("unit_codes")
    if not isinstance(codes, list):
        return
    mine = set(scope.units_of(user, scope.EDITOR).filter(code__in=[c for c in codes if isinstance(c, str)])
               .values_list("code", flat=True))
    for code in codes:
        if isinstance(code, str) and code not in mine:
            raise _unit_not_found(code)


def _base_for(user, definition: dict) -> ProcedureVersion | None:
    """The current version of the procedure the definition's code names, if it exists and is the editor's."""
    code = definition.get("code")
    if not isinstance(code, str):
        return None
    procedure = Procedure.objects.filter(code=code).select_related("current").first()
    if procedure is None:
        return None
    if not scope.covers(user, scope.EDITOR, scope.owner_of(code)):
        # Another unit's procedure: as if it did not exist, and not one the editor may take over.
        raise NotFound(_("Không có thủ tục mã %(code)s.") % {"code": code}, code="procedure_not_found")
    return procedure.current or procedure.versions.order_by("-number").first()


def _code(definition: dict) -> str:
    """The draft's code column: the definition's code when it is one (a longer one is a problem of the draft)."""
    code = definition.get("code")
    return code if isinstance(code, str) and len(code) <= ProcedureDraft._meta.get_field("code").max_length else ""


def create(user, definition: object, unit_code: str | None = None) -> ProcedureDraft:
    definition = check_shape(definition)
    if unit_code:
        unit = Unit.objects.filter(code=unit_code).first()
        if unit is None or not scope.covers(user, scope.EDITOR, unit):
            raise _unit_not_found(unit_code)
    else:
        unit = scope.home_unit(user)
        if unit is None:
            raise Forbidden(_("Chỉ cán bộ biên tập danh mục mới tạo được bản nháp."), code="not_an_editor")
    _check_units(user, definition)
    base = _base_for(user, definition)
    now = timezone.now()
    return ProcedureDraft.objects.create(
        public_id=uuid.uuid4(), unit=unit, code=_code(definition), definition=definition,
        base=base, created_by=user, updated_by=user, created_at=now, updated_at=now,
    )


def start_from(user, code: str, unit_code: str | None = None) -> ProcedureDraft:
    """A draft of a new version of a published procedure, holding its current definition."""
    procedure = Procedure.objects.filter(code=code).select_related("current").first()
    if procedure is None or procedure.current is None:
        raise NotFound(_("Không có thủ tục mã %(code)s.") % {"code": code}, code="procedure_not_found")
    return create(user, dict(procedure.current.definition), unit_code)


def get(user, public_id: str) -> ProcedureDraft:
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise _not_found() from None
    draft = scope.visible_drafts(user).filter(public_id=key).select_related("unit", "base", "published").first()
    if draft is None:
        raise _not_found()
    return draft


def parse_etag(raw: str | None) -> int | None:
    """`"r3"`, `W/"r3"`, `r3` or `3` → 3; None when absent or unreadable."""
    if not raw:
        return None
    text = raw.strip()
    text = text.removeprefix("W/").strip('"').removeprefix("r")
    return int(text) if text.isdigit() and len(text) < 10 else None


def etag(draft: ProcedureDraft) -> str:
    return f'"r{draft.revision}"'


def save(user, public_id: str, definition: object, revision: int | None) -> ProcedureDraft:
    """Replace the draft's definition, if it is still the revision the editor read (else 409, nothing lost)."""
    draft = get(user, public_id)
    if not scope.covers(user, scope.EDITOR, draft.unit):
        raise Forbidden(_("Chỉ cán bộ biên tập danh mục mới sửa được bản nháp."), code="not_an_editor")
    if revision is None:
        raise PreconditionRequired(_("Cần gửi If-Match với phiên bản của bản nháp đã đọc (ETag)."),
                                   revision=draft.revision)
    definition = check_shape(definition)
    _check_units(user, definition)
    if draft.status not in EDITABLE:
        raise Conflict(_("Bản nháp đang chờ phê duyệt hoặc đã công bố: không sửa được."), code="not_editable",
                       status=draft.status)
    updated = ProcedureDraft.objects.filter(pk=draft.pk, revision=revision, status__in=EDITABLE).update(
        definition=definition, code=_code(definition), revision=revision + 1,
        updated_by=user, updated_at=timezone.now(),
    )
    if not updated:
        current = ProcedureDraft.objects.get(pk=draft.pk)
        raise Conflict(_("Bản nháp đã được người khác lưu sau khi bạn mở nó: hãy tải lại và sửa trên bản mới nhất."),
                       code="edit_conflict", revision=current.revision)
    draft.refresh_from_db()
    return draft


def submit(user, public_id: str) -> ProcedureDraft:
    with transaction.atomic():
        draft = get(user, public_id)
        if not scope.covers(user, scope.EDITOR, draft.unit):
            raise Forbidden(_("Chỉ cán bộ biên tập danh mục mới gửi được bản nháp."), code="not_an_editor")
        draft = ProcedureDraft.objects.select_for_update().get(pk=draft.pk)
        if draft.status not in EDITABLE:
            raise Conflict(_("Bản nháp đã được gửi hoặc đã công bố."), code="not_editable", status=draft.status)
        found = problems_of(draft.definition)
        if found:
            raise Invalid(_("Bản nháp còn lỗi: sửa hết trước khi gửi phê duyệt."), code="draft_has_problems",
                          problems=found)
        draft.status = DraftStatus.SUBMITTED
        draft.submitted_by = user
        draft.updated_at = timezone.now()
        draft.save(update_fields=["status", "submitted_by", "updated_at"])
        return draft


def check_approver(user, draft: ProcedureDraft) -> None:
    """The user approves for the draft's unit (else 403: they see the draft, as an editor, but may not review it)."""
    if not scope.covers(user, scope.APPROVER, draft.unit):
        raise Forbidden(_("Chỉ lãnh đạo phê duyệt danh mục mới làm được việc này."), code="not_an_approver")


def _approver_draft(user, public_id: str) -> ProcedureDraft:
    draft = get(user, public_id)
    check_approver(user, draft)
    draft = ProcedureDraft.objects.select_for_update().get(pk=draft.pk)
    if draft.status != DraftStatus.SUBMITTED:
        raise Conflict(_("Bản nháp không ở trạng thái chờ phê duyệt."), code="not_submitted", status=draft.status)
    return draft


def send_back(user, public_id: str, comments: str) -> ProcedureDraft:
    check_approver(user, get(user, public_id))  # who first, then what they sent
    comments = comments.strip()
    if not comments or len(comments) > MAX_COMMENTS:
        raise Invalid(_("Cần ghi ý kiến (tối đa %(limit)d ký tự).") % {"limit": MAX_COMMENTS}, code="invalid_comments",
                      errors=[{"field": "comments", "code": "invalid", "message": _("cần ghi ý kiến")}])
    with transaction.atomic():
        draft = _approver_draft(user, public_id)
        draft.status = DraftStatus.RETURNED
        draft.comments = comments
        draft.revision += 1
        draft.updated_at = timezone.now()
        draft.save(update_fields=["status", "comments", "revision", "updated_at"])
        return draft


def check_decision(decision: Decision, required: bool = False) -> None:
    """A decision's number and issuer, when one is given (the pages always ask for it; the API may leave it out)."""
    if not required and not decision.given:
        return
    if decision.date is None:
        raise Invalid(_("Cần ghi ngày của quyết định công bố."), code="invalid_decision",
                      errors=[{"field": "decision.date", "code": "missing", "message": _("bắt buộc")}])
    for name, value, limit in (("decision.number", decision.number, 64), ("decision.issuer", decision.issuer, 255)):
        if not value.strip() or len(value) > limit:
            raise Invalid(_("Cần ghi số và cơ quan ban hành quyết định công bố."), code="invalid_decision",
                          errors=[{"field": name, "code": "invalid", "message": _("bắt buộc, tối đa %(n)d ký tự") % {"n": limit}}])


def check_effective(effective_from: date | None) -> date:
    today = timezone.localdate()
    if effective_from is None:
        return today
    if effective_from < today:
        raise Invalid(_("Ngày có hiệu lực %(day)s đã qua.") % {"day": effective_from.strftime("%d/%m/%Y")},
                      code="effective_date_in_past",
                      errors=[{"field": "effective_from", "code": "in_past", "message": _("ngày có hiệu lực đã qua")}])
    return effective_from


def definition_text(definition: dict) -> str:
    """The definition in the catalogue's YAML, as `catalog export` writes a version published here."""
    return yaml.safe_dump(definition, allow_unicode=True, sort_keys=False, width=120)


def publish(user, public_id: str, decision: Decision, effective_from: date | None = None) -> ProcedureVersion:
    """A new version of the procedure, current from `effective_from` (today when not given; never in the past)."""
    check_approver(user, get(user, public_id))  # who first, then what they sent
    check_decision(decision)
    effective = check_effective(effective_from)
    with transaction.atomic():
        draft = _approver_draft(user, public_id)
        if user.pk in {draft.created_by_id, draft.submitted_by_id, draft.updated_by_id}:
            raise Forbidden(_("Không được tự phê duyệt bản nháp của chính mình."), code="own_draft")
        found = problems_of(draft.definition)
        if found:
            raise Invalid(_("Bản nháp còn lỗi."), code="draft_has_problems", problems=found)
        code = draft.definition["code"]
        latest = ProcedureVersion.objects.filter(procedure__code=code).order_by("-number").first()
        if latest is not None and (draft.base_id is None or latest.pk != draft.base_id):
            raise Conflict(_("Thủ tục đã có phiên bản %(n)d mới hơn bản nháp này: hãy bắt đầu lại từ phiên bản đó.")
                           % {"n": latest.number}, code="stale_draft", latest=latest.number)
        if latest is not None and hasattr(latest, "record") and not latest.record.applied:
            raise Conflict(_("Phiên bản %(n)d đang chờ đến ngày có hiệu lực.") % {"n": latest.number},
                           code="version_pending", latest=latest.number)
        today = timezone.localdate()
        outcome = store(Definition(draft.definition, definition_text(draft.definition), f"{AUTHORED}{code}.yaml"),
                        make_current=effective <= today)
        if not outcome.created:
            raise Conflict(_("Bản nháp giống hệt phiên bản %(n)d: không có gì để công bố.") % {"n": outcome.version.number},
                           code="unchanged", latest=outcome.version.number)
        now = timezone.now()
        VersionRecord.objects.create(
            version=outcome.version, effective_from=effective, decision_number=decision.number.strip(),
            decision_date=decision.date, decision_issuer=decision.issuer.strip(), draft=draft, approved_by=user,
            applied=effective <= today, created_at=now,
        )
        draft.status = DraftStatus.PUBLISHED
        draft.published = outcome.version
        draft.updated_at = now
        draft.save(update_fields=["status", "published", "updated_at"])
        return outcome.version


def abolish(user, code: str, decision: Decision, effective_from: date | None = None) -> Abolition:
    """No new dossiers of the procedure from `effective_from`; dossiers in progress continue under their version."""
    procedure = Procedure.objects.filter(code=code).first()
    if procedure is None or not scope.covers(user, scope.APPROVER, scope.owner_of(code)):
        raise NotFound(_("Không có thủ tục mã %(code)s.") % {"code": code}, code="procedure_not_found")
    check_decision(decision)
    effective = check_effective(effective_from)
    with transaction.atomic():
        procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
        if Abolition.objects.filter(procedure=procedure).exists() or not procedure.active:
            raise Conflict(_("Thủ tục đã bị bãi bỏ."), code="already_abolished")
        applied = effective <= timezone.localdate()
        abolition = Abolition.objects.create(
            procedure=procedure, effective_from=effective, decision_number=decision.number.strip(),
            decision_date=decision.date, decision_issuer=decision.issuer.strip(), approved_by=user,
            applied=applied, created_at=timezone.now(),
        )
        if applied:
            procedure.active = False
            procedure.save(update_fields=["active"])
        return abolition


def apply_due(today: date | None = None) -> tuple[int, int]:
    """Versions and abolitions whose effective day has come take effect; (versions, abolitions) applied.

    Run daily by `motcua scheduler` (the `apply_catalog_changes` task) and by `motcua authoring apply-due`."""
    today = today or timezone.localdate()
    versions = abolished = 0
    with transaction.atomic():
        for record in VersionRecord.objects.select_for_update().filter(applied=False, effective_from__lte=today) \
                .select_related("version__procedure").order_by("effective_from", "pk"):
            make_version_current(record.version)
            record.applied = True
            record.save(update_fields=["applied"])
            versions += 1
        for abolition in Abolition.objects.select_for_update().filter(applied=False, effective_from__lte=today) \
                .select_related("procedure"):
            Procedure.objects.filter(pk=abolition.procedure_id).update(active=False)
            abolition.applied = True
            abolition.save(update_fields=["applied"])
            abolished += 1
    return versions, abolished


def parse_yaml(text: str, source: str) -> tuple[object, list[str]]:
    """A text typed or uploaded by an editor, as data; or why not (with the line).

    YAML aliases are refused before anything is built: a few hundred bytes of nested aliases expand to
    gigabytes (the "billion laughs"), and a procedure never needs them.
    """
    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + 1 if event.start_mark else 1
                return None, [_("dòng %(line)d: không dùng bí danh YAML (*tên); hãy viết giá trị ra") % {"line": line}]
    except yaml.YAMLError:
        pass  # parse_text says where
    data, _lines, reports = parse_text(text, source)
    return data, [f"{_('dòng')} {r.line}: {r.message}" for r in reports]
