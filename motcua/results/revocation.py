"""Revoking an issued result (thu hồi kết quả): the issuing agency says it no longer stands.

Not a change of the dossier's status (it stays returned or processed), so not an action of
the actions layer: the result records who revoked it, when and why, in one transaction with
the announcement on the event bus (`ResultRevoked`: the audit log subscribes). Only a
leader of the issuing unit's subtree (an approver, or the procedure's signer role) may.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.lib import events
from motcua.lib.errors import Conflict, Forbidden, Invalid, NotFound
from motcua.results.models import Result
from motcua.units.models import Role
from motcua.units.scope import roles_on

REASON_MAX = 1000


def may_revoke(user, result: Result) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    dossier = result.dossier
    signer_role = dossier.procedure_version.definition["result"].get("signer_role", Role.APPROVER)
    return bool(roles_on(user, dossier.unit) & {Role.APPROVER, signer_role})


def clean_reason(raw: object) -> str:
    reason = " ".join(str(raw or "").split())
    if not reason:
        raise Invalid(_("Nhập lý do thu hồi kết quả."), code="reason_required")
    if "\x00" in reason or len(reason) > REASON_MAX:
        raise Invalid(_("Lý do thu hồi không hợp lệ (tối đa %(max)d ký tự).") % {"max": REASON_MAX}, code="reason_invalid")
    return reason


def revoke(number: str, user, reason: object, at: datetime | None = None) -> Result:
    """Revoke the result `number` (NotFound if it is not one the user may see, Forbidden, Conflict if revoked)."""
    text = clean_reason(reason)
    with transaction.atomic():
        result = (
            Result.objects.select_for_update(of=("self",))
            .select_related("dossier__unit", "dossier__procedure_version")
            .filter(number=number)
            .first()
        )
        if result is None:
            raise NotFound(_("Không tìm thấy kết quả %(number)s.") % {"number": number})
        if not may_revoke(user, result):
            raise Forbidden(_("Chỉ lãnh đạo của cơ quan ban hành mới được thu hồi kết quả."), code="not_signer")
        if result.revoked_at is not None:
            raise Conflict(_("Kết quả %(number)s đã bị thu hồi.") % {"number": number}, code="already_revoked")
        result.revoked_at = at or timezone.now()
        result.revoked_by = user
        result.revocation_reason = text
        result.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
        events.announce(events.ResultRevoked(result=result, actor=user, at=result.revoked_at, reason=text))
    return result
