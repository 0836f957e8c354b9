"""The one-stop desk takes a dossier in (receive) or ends it (refuse, stop, withdraw)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from motcua.dossiers import deadlines, pricing, workflow
from motcua.dossiers.actions import payments
from motcua.dossiers.actions.components import required_components
from motcua.dossiers.actions.context import Ctx
from motcua.dossiers.actions.inputs import ActionInput
from motcua.dossiers.models import Status
from motcua.lib.errors import Invalid
from motcua.units.models import Role


def receive(ctx: Ctx, p: ActionInput) -> tuple[int, dict]:
    d = ctx.dossier
    have = {c.get("key") for c in d.components if isinstance(c, dict)}
    missing = [k for k in required_components(d) if k not in have]
    if missing:
        raise Invalid(
            _("Hồ sơ chưa đủ thành phần; hãy yêu cầu bổ sung hoặc từ chối tiếp nhận."),
            code="incomplete", missing=missing,
        )
    d.received_at = ctx.now
    d.due_at = d.legal_due_at = deadlines.due_at(ctx.now, pricing.processing_days(d), d.unit)
    done = [t.step for t in ctx.open_tasks if t.role == Role.ONE_STOP_OFFICER and not t.is_end]
    for task in ctx.open_tasks:
        if task.step in done:
            workflow.complete(task, ctx.user, ctx.now, ctx.tasks)
    return Status.RECEIVED, {"due_at": d.due_at.isoformat(), "steps": done}


def end_everything(status: int) -> Callable[[Ctx, ActionInput], tuple[int, dict]]:
    """refuse, stop, withdraw: every live step is cancelled and the dossier ends in `status`."""

    def apply(ctx: Ctx, p: ActionInput) -> tuple[int, dict]:
        refunds = payments.refund_ended(ctx, ctx.dossier.status)
        workflow.cancel_all(ctx.dossier, ctx.tasks)
        ctx.dossier.paused_at = None
        if status == Status.STOPPED:
            ctx.dossier.finished_at = ctx.now
        return status, ({"refunds": refunds} if refunds else {})

    return apply


def receive_refusal(ctx: Ctx) -> tuple[str, str]:
    if ctx.dossier.status == Status.SUBMITTED and ctx.dossier.payment_due:
        return _("Hồ sơ đang chờ thanh toán phí, lệ phí: chỉ tiếp nhận được sau khi đã thanh toán."), "payment_pending"
    return (_("Không thể “%(action)s” khi hồ sơ đang ở trạng thái “%(status)s”.")
            % {"action": "receive", "status": Status(ctx.dossier.status).label}, "illegal_transition")
