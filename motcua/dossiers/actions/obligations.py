"""The applicant's obligation during processing (paying land taxes): the clock stops until it is done.

National status 6 ("yêu cầu thực hiện nghĩa vụ tài chính") with the clock stopped, as while a
supplement is awaited: the officer of a step asks for one of the procedure's `obligations`
(catalog/timing.py) and confirms it done; the days between do not count, the due dates move by
them (supplements.resume_clock), and the dossier goes back to processing.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from motcua.catalog import timing
from motcua.dossiers.actions.context import Ctx
from motcua.dossiers.actions.inputs import ObligationFulfilInput, ObligationRequestInput
from motcua.dossiers.actions.supplements import resume_clock
from motcua.dossiers.models import Status, Task
from motcua.lib.conditions import evaluate
from motcua.lib.errors import Invalid


def asked_at(duty: dict, tasks: list[Task]) -> bool:
    """The duty may be asked for from one of these open steps (its `steps`, or any)."""
    steps = duty.get("steps")
    return any(steps is None or t.step in steps for t in tasks)


def duties(ctx: Ctx) -> list[dict]:
    """The obligations this actor may ask for now: their condition holds, and a step of theirs asks."""
    d = ctx.dossier
    mine = ctx.workable("work")
    return [o for o in d.procedure_version.definition.get("obligations", [])
            if evaluate(o.get("when"), d.data, {"channel": d.channel}) and asked_at(o, mine)]


def request_obligation(ctx: Ctx, p: ObligationRequestInput) -> tuple[int, dict]:
    d = ctx.dossier
    known = {o["id"] for o in duties(ctx)}
    if p.obligation not in known:
        raise Invalid(_("Thủ tục không có nghĩa vụ này ở bước bạn đang xử lý."), code="unknown_obligation",
                      known=sorted(known))
    d.paused_at = ctx.now
    d.status_before_pause = d.status
    duty = timing.obligation(d.procedure_version.definition, p.obligation) or {}
    return Status.PAYMENT_REQUESTED, {"obligation": p.obligation, "name": duty.get("name", {})}


def fulfil_obligation(ctx: Ctx, p: ObligationFulfilInput) -> tuple[int, dict]:
    d = ctx.dossier
    back_to = d.status_before_pause or Status.PROCESSING
    counted = resume_clock(ctx)
    return back_to, {"paused_days": counted, **({"reference": p.reference} if p.reference else {})}


def awaited(ctx: Ctx) -> bool:
    """Status 6 for an obligation (the clock stopped), not for a fee asked (payment_due)."""
    return ctx.dossier.paused_at is not None and ctx.dossier.payment_due == 0
