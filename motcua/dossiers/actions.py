"""The one actions layer: the only code that changes a dossier.

Each action checks the actor's right and the dossier's status, applies the
change, and writes the history event, the audit entry and the outbox event in
the same transaction as the change. Views and the API only parse input, call
an action and present the outcome or the error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.audit.log import record as audit
from motcua.catalog.fees import quote
from motcua.catalog.forms import validate_form
from motcua.catalog.models import Procedure
from motcua.catalog.search import implementing_units
from motcua.dossiers import deadlines
from motcua.dossiers.codes import format_code, next_sequence
from motcua.dossiers.errors import Conflict, Forbidden, Invalid, NotFound
from motcua.dossiers.models import Channel, Dossier, DossierEvent, Status
from motcua.notifications.outbox import emit
from motcua.results.issue import issue_result
from motcua.units.models import Role, Unit
from motcua.units.scope import roles_on

APPLICANT = "applicant"


@dataclass(frozen=True)
class Rule:
    """When an action may run, who may run it, and what it does to the status."""

    from_statuses: frozenset[int]
    to_status: int | None  # None: the status does not change
    actor: str  # a staff Role value, or APPLICANT
    needs_reason: bool = False
    guard: Callable[[Dossier], bool] = lambda d: True


RULES: dict[str, Rule] = {
    "receive": Rule(frozenset({Status.SUBMITTED}), Status.RECEIVED, Role.ONE_STOP_OFFICER),
    "refuse": Rule(frozenset({Status.SUBMITTED}), Status.REFUSED, Role.ONE_STOP_OFFICER, needs_reason=True),
    "start_processing": Rule(frozenset({Status.RECEIVED}), Status.PROCESSING, Role.SPECIALIST),
    # Approval keeps the dossier "processing"; the result is issued after it.
    "approve": Rule(frozenset({Status.PROCESSING}), None, Role.APPROVER, guard=lambda d: d.approved_at is None),
    "issue_result": Rule(
        frozenset({Status.PROCESSING}), Status.PROCESSED, Role.APPROVER, guard=lambda d: d.approved_at is not None
    ),
    "return_result": Rule(frozenset({Status.PROCESSED}), Status.RETURNED, Role.ONE_STOP_OFFICER),
    "withdraw": Rule(frozenset({Status.SUBMITTED, Status.RECEIVED}), Status.WITHDRAWN, APPLICANT),
}
ACTIONS = ("submit", *RULES)


def _actor_roles(dossier: Dossier, user) -> set[str]:
    roles = roles_on(user, dossier.unit)
    if dossier.applicant_id == getattr(user, "pk", None):
        roles.add(APPLICANT)
    return roles


def allowed_actions(dossier: Dossier, user) -> list[str]:
    """The actions this user may take on the dossier now."""
    roles = _actor_roles(dossier, user)
    return [name for name, rule in RULES.items() if _state_allows(rule, dossier) and rule.actor in roles]


def _state_allows(rule: Rule, dossier: Dossier) -> bool:
    return dossier.status in rule.from_statuses and rule.guard(dossier)


def _write_history(
    dossier: Dossier, action: str, from_status: int | None, actor, at: datetime, reason: str = "", data: dict | None = None
) -> DossierEvent:
    event = DossierEvent.objects.create(
        dossier=dossier, action=action, from_status=from_status, to_status=dossier.status,
        actor=actor, at=at, reason=reason, data=data or {},
    )
    audit(
        actor=actor, action=f"dossier.{action}", object_type="dossier", object_id=dossier.code, at=at,
        data={"from": from_status, "to": dossier.status, "reason": reason, **(data or {})},
    )
    emit(
        f"dossier.{action}", dossier.code,
        {"code": dossier.code, "status": dossier.status, "from_status": from_status, "at": at.isoformat()},
        at,
    )
    return event


# --- submit -----------------------------------------------------------------


def _resolve_unit(procedure: Procedure, applicant, unit_code: str | None) -> Unit:
    candidates = implementing_units(procedure)
    if unit_code:
        unit = candidates.filter(code=unit_code).first()
        if unit is None:
            raise Invalid(
                _("Đơn vị %(unit)s không thực hiện thủ tục này.") % {"unit": unit_code},
                code="unknown_unit", choices=list(candidates.values_list("code", flat=True)[:50]),
            )
        return unit
    home = getattr(getattr(applicant, "citizen", None), "home_unit", None)
    if home is not None:
        # The unit over the applicant's registered residence: the administration itself,
        # or the agency directly under it (the police of the commune, of the province…);
        # the nearest one wins.
        ancestors = [int(pk) for pk in home.path.strip("/").split("/") if pk]
        depth = {pk: i for i, pk in enumerate(ancestors)}

        def anchor_depth(unit: Unit) -> int:
            # How deep the ancestor of home that the unit is, or hangs under, lies.
            return depth[unit.pk] if unit.pk in depth else depth[unit.parent_id]

        near = candidates.filter(Q(pk__in=ancestors) | Q(parent_id__in=ancestors))
        best = max(near, key=anchor_depth, default=None)
        if best is not None:
            return best
    units = list(candidates[:2])
    if len(units) == 1:
        return units[0]
    raise Invalid(
        _("Hãy chọn đơn vị tiếp nhận hồ sơ."), code="unit_required",
        choices=list(candidates.values_list("code", flat=True)[:50]),
    )


def submit(
    applicant,
    procedure_code: str,
    data: object,
    *,
    unit_code: str | None = None,
    channel: int = Channel.ONLINE,
    components: list | None = None,
) -> Dossier:
    """File a new dossier (status 1) under the procedure's current version."""
    if not hasattr(applicant, "citizen"):
        raise Forbidden(_("Chỉ công dân đã định danh mới nộp được hồ sơ."), code="not_a_citizen")
    procedure = Procedure.objects.select_related("current").filter(code=procedure_code, active=True).first()
    if procedure is None or procedure.current is None:
        raise Invalid(_("Không có thủ tục mã %(code)s.") % {"code": procedure_code}, code="unknown_procedure")
    if channel not in Channel.values:
        raise Invalid(_("Kênh nộp hồ sơ không hợp lệ."), code="invalid_channel")
    version = procedure.current
    errors = validate_form(version.form_schema, data)
    if errors:
        raise Invalid(_("Biểu mẫu có lỗi."), code="invalid_form", errors=[e.as_dict() for e in errors])
    known = {c["key"] for c in version.definition.get("components", [])}
    unknown = [c.get("key") for c in components or [] if not isinstance(c, dict) or c.get("key") not in known]
    if unknown:
        raise Invalid(_("Thành phần hồ sơ không có trong thủ tục."), code="unknown_component", components=unknown)
    unit = _resolve_unit(procedure, applicant, unit_code)
    now = timezone.now()
    with transaction.atomic():
        day = timezone.localdate(now)
        code = format_code(unit.code, day, next_sequence(unit.pk, day))
        dossier = Dossier.objects.create(
            code=code, procedure=procedure, procedure_version=version, unit=unit, applicant=applicant,
            channel=channel, status=Status.SUBMITTED, data=data, components=components or [],
            fee=quote(version.definition.get("fees"), data, {"channel": channel}).total, submitted_at=now, updated_at=now,
        )
        _write_history(dossier, "submit", None, applicant, now, data={"version": version.number})
    return dossier


# --- transitions --------------------------------------------------------------


def _load_for_update(code: str, actor) -> Dossier:
    dossier = Dossier.objects.select_for_update().select_related("unit", "procedure_version").filter(code=code).first()
    if dossier is None or not _actor_roles(dossier, actor):
        # Someone else's dossier looks exactly like one that does not exist.
        raise NotFound(_("Không tìm thấy hồ sơ %(code)s.") % {"code": code}, code="dossier_not_found")
    return dossier


def perform(code: str, action: str, actor, *, reason: str = "") -> Dossier:
    """Run a named transition (receive, refuse, …) on the dossier `code`."""
    rule = RULES.get(action)
    if rule is None:
        raise NotFound(
            _("Không có thao tác “%(action)s”.") % {"action": action}, code="unknown_action", actions=sorted(RULES)
        )
    reason = (reason or "").strip()
    with transaction.atomic():
        dossier = _load_for_update(code, actor)
        allowed = allowed_actions(dossier, actor)
        if not _state_allows(rule, dossier):
            raise Conflict(
                _("Không thể “%(action)s” khi hồ sơ đang ở trạng thái “%(status)s”.")
                % {"action": action, "status": Status(dossier.status).label},
                status=dossier.status, allowed=allowed,
            )
        if rule.actor not in _actor_roles(dossier, actor):
            raise Forbidden(
                _("Bạn không có quyền “%(action)s” hồ sơ này.") % {"action": action}, allowed=allowed
            )
        if rule.needs_reason and not reason:
            raise Invalid(_("Cần ghi rõ lý do."), code="reason_required")
        now = timezone.now()
        from_status = dossier.status
        extra = _APPLY[action](dossier, actor, now)
        if rule.to_status is not None:
            dossier.status = rule.to_status
        dossier.updated_at = now
        dossier.save()
        _write_history(dossier, action, from_status, actor, now, reason=reason, data=extra)
    return dossier


def _on_receive(dossier: Dossier, actor, now: datetime) -> dict:
    dossier.received_at = now
    dossier.due_at = deadlines.due_at(now, dossier.procedure_version.processing_days)
    return {"due_at": dossier.due_at.isoformat()}


def _on_approve(dossier: Dossier, actor, now: datetime) -> dict:
    dossier.approved_at = now
    return {}


def _on_issue_result(dossier: Dossier, actor, now: datetime) -> dict:
    result = issue_result(dossier, actor, now)
    dossier.finished_at = now
    return {"result": result.number, "sha256": result.sha256}


def _on_return(dossier: Dossier, actor, now: datetime) -> dict:
    dossier.returned_at = now
    return {}


def _nothing(dossier: Dossier, actor, now: datetime) -> dict:
    return {}


_APPLY: dict[str, Callable[[Dossier, object, datetime], dict]] = {
    "receive": _on_receive,
    "refuse": _nothing,
    "start_processing": _nothing,
    "approve": _on_approve,
    "issue_result": _on_issue_result,
    "return_result": _on_return,
    "withdraw": _nothing,
}
