"""Whose move a dossier waits for: the officer's own, or which open steps at which units, held by whom.

Nothing is decided here that is decided elsewhere: the steps a user may work come from
`workflow.workable_tasks` (the one rule of who works a step) and whether they can move the
dossier on now from the actions they are allowed (`actions.allowed_actions`, the one table of
rules). This module only puts the two side by side, in words, for the queue and the dossier page.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.dossiers import workflow
from motcua.dossiers.actions.context import Ctx
from motcua.dossiers.models import Dossier, Status, Task, TaskStatus
from motcua.units.models import Role
from motcua.units.scope import Grants
from motcua.web.presentation import role_label, unit_name

# The actions that move a dossier on to its next state or step: having one of them is "your turn".
# (Stop, refuse, assign, apologise or ask for a supplement are possible at many moments; they are
# not what the dossier waits for.)
MOVES = ("receive", "confirm_payment", "fulfil_obligation", "claim", "start_processing", "transfer", "approve",
         "hand_over", "record_answer", "set_appointment", "record_visit", "issue_result", "return_result")


@dataclass(frozen=True)
class OpenStep:
    task: Task
    mine: bool  # the user may work it now (workflow.workable_tasks)


@dataclass(frozen=True)
class Turn:
    yours: bool
    moves: list[str]  # the actions of MOVES this user may take now
    steps: list[OpenStep]  # every open step of the dossier
    waiting: list[str]  # what else the dossier waits for, in words (the result to be signed, the applicant...)

    @property
    def others(self) -> list[OpenStep]:
        return [s for s in self.steps if not s.mine]


def _signer(dossier: Dossier) -> str:
    return dossier.procedure_version.definition.get("result", {}).get("signer_role", Role.APPROVER)


def turn_of(dossier: Dossier, tasks: Iterable[Task], allowed: Iterable[str], user, grants: Grants) -> Turn:
    """Whether the dossier waits for `user` now, and otherwise for what (`tasks`: every task of the dossier)."""
    tasks = list(tasks)
    allowed = set(allowed)
    open_tasks = [t for t in tasks if t.status == TaskStatus.OPEN]
    # The roles the user acts in (Ctx.roles_at): a higher level's desk reading a commune's dossier has no step.
    acting = Ctx(dossier, user, timezone.now(), grants, tasks).roles_at
    workable = {t.pk for t in workflow.workable_tasks(open_tasks, "any", user, acting)}
    steps = [OpenStep(t, t.pk in workable) for t in open_tasks]
    moves = [a for a in MOVES if a in allowed]
    unit = unit_name(dossier.unit)
    waiting: list[str] = []
    status = dossier.status
    if status == Status.SUBMITTED and "receive" not in allowed:
        waiting.append(_("Bộ phận một cửa của %(unit)s tiếp nhận hồ sơ") % {"unit": unit})
    elif status == Status.SUPPLEMENT_REQUESTED:
        waiting.append(_("Người nộp bổ sung hồ sơ"))
    elif status == Status.PAYMENT_REQUESTED and dossier.paused_at is not None:
        # An obligation (taxes), the clock stopped (dossiers/actions/obligations.py): nothing to pay here.
        if "fulfil_obligation" not in allowed:
            waiting.append(_("Người nộp thực hiện nghĩa vụ tài chính (không tính vào thời hạn)"))
    elif status == Status.PAYMENT_REQUESTED and "confirm_payment" not in allowed:
        waiting.append(_("Người nộp thanh toán, bộ phận một cửa của %(unit)s xác nhận") % {"unit": unit})
    elif status == Status.PROCESSING and "issue_result" not in allowed:
        # The result is signed once every step but the end is finished: say so, and by whom.
        then = workflow.unfinished_before_end(dossier, tasks)
        words = (
            _("Sau đó: %(role)s của %(unit)s ký và phát hành kết quả") if then
            else _("%(role)s của %(unit)s ký và phát hành kết quả")
        )
        waiting.append(words % {"role": role_label(_signer(dossier)), "unit": unit})
    elif status == Status.PROCESSED and "return_result" not in allowed:
        waiting.append(_("Bộ phận một cửa của %(unit)s trả kết quả") % {"unit": unit})
    return Turn(bool(moves), moves, steps, waiting)
