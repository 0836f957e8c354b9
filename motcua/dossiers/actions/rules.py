"""The table of actions: when each may run, who may run it, what it takes and what it does.

`perform` and `allowed_actions` (transitions.py) both read `RULES`, so the buttons
an actor sees, the `allowed` list of a refusal and what `perform` accepts never
disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from motcua.dossiers import workflow
from motcua.dossiers.actions import (
    closing,
    counter,
    obligations,
    payments,
    reception,
    steps,
    supplements,
    who,
)
from motcua.dossiers.actions.apology import issue_apology, may_apologise
from motcua.dossiers.actions.context import CLOCK_RUNS, OPEN_STATUSES, Ctx
from motcua.dossiers.actions.inputs import (
    ActionInput,
    ApologyInput,
    AssignInput,
    ObligationFulfilInput,
    ObligationRequestInput,
    PaymentConfirmationInput,
    PaymentRequestInput,
    RatingInput,
    StepDoneInput,
    StepInput,
    SupplementAnswerInput,
    SupplementRequestInput,
)
from motcua.dossiers.models import DeadlineState, Status
from motcua.units.models import Role

# How far a dossier may be withdrawn by its applicant (a procedure's `withdraw_until`).
WITHDRAW_UNTIL = {
    "received": frozenset({Status.SUBMITTED, Status.RECEIVED}),
    "processing": frozenset({Status.SUBMITTED, Status.RECEIVED, Status.PROCESSING,
                             Status.SUPPLEMENT_REQUESTED, Status.PAYMENT_REQUESTED}),
}
# The kind of open step (workflow.workable_tasks) each step action works on; the officer's
# forms offer the same steps.
STEP_KIND = {"claim": "unclaimed", "start_processing": "any", "transfer": "work", "approve": "approve"}


def _always(ctx: Ctx) -> bool:
    return True


@dataclass(frozen=True)
class Rule:
    """When an action may run (status, state), who may run it, what it takes and what it does."""

    statuses: frozenset[int]
    can: Callable[[Ctx], bool]
    apply: Callable[[Ctx, Any], tuple[int | None, dict]]  # (new status or None, event data)
    schema: type[ActionInput] = ActionInput  # what the action takes (inputs.py); `apply` gets an instance
    state: Callable[[Ctx], bool] = _always
    needs_reason: bool = False
    # Refused while the dossier is past its due date without an apology letter.
    needs_apology_when_late: bool = False
    # Why the action is not possible now, in words and as a code, when "not in this status" says too little.
    refusal: Callable[[Ctx], tuple[str, str]] | None = None


# --- who may (the actor's right) ----------------------------------------------------------------


def _one_stop_officer(ctx: Ctx) -> bool:
    return Role.ONE_STOP_OFFICER in ctx.unit_roles


def _approver(ctx: Ctx) -> bool:
    return Role.APPROVER in ctx.unit_roles


def _applicant(ctx: Ctx) -> bool:
    return ctx.is_applicant


def _officer_or_specialist(ctx: Ctx) -> bool:
    return bool(ctx.unit_roles & {Role.ONE_STOP_OFFICER, Role.SPECIALIST})


def _may_request_supplement(ctx: Ctx) -> bool:
    if ctx.dossier.status in (Status.SUBMITTED, Status.RECEIVED):
        return Role.ONE_STOP_OFFICER in ctx.unit_roles
    return bool(ctx.workable("supplement"))


def _has_step_to_claim(ctx: Ctx) -> bool:
    return bool(ctx.workable(STEP_KIND["claim"]))


def _has_step_to_start(ctx: Ctx) -> bool:
    return bool(ctx.workable(STEP_KIND["start_processing"]))


def _has_step_to_hand_on(ctx: Ctx) -> bool:
    return bool(ctx.workable(STEP_KIND["transfer"]))


def _has_step_to_approve(ctx: Ctx) -> bool:
    return bool(ctx.workable(STEP_KIND["approve"]))


def _may_ask_obligation(ctx: Ctx) -> bool:
    return bool(obligations.duties(ctx))


def _may_confirm_obligation(ctx: Ctx) -> bool:
    # Whoever works the dossier's open step, or its one-stop desk (the applicant brings the tax receipt there).
    return Role.ONE_STOP_OFFICER in ctx.unit_roles or bool(ctx.workable("work"))


def _may_assign(ctx: Ctx) -> bool:
    return bool(ctx.assignable())


def _signer(ctx: Ctx) -> bool:
    return ctx.dossier.procedure_version.definition["result"].get("signer_role", Role.APPROVER) in ctx.unit_roles


# --- when (the dossier's state beyond its status) -----------------------------------------------


def _may_ask_now(ctx: Ctx) -> bool:
    # The workflow state: in processing, an open step must be one that may ask. Without this a
    # holder whose step had just been handed on (by themselves, from another device) was told
    # 403 "not your right" instead of 409 "no longer possible", with the same `allowed` list.
    if ctx.dossier.status in (Status.SUBMITTED, Status.RECEIVED):
        return True
    return any(t.may_request_supplement for t in ctx.open_tasks)


def _a_step_is_unclaimed(ctx: Ctx) -> bool:
    return any(t.assignee_id is None for t in ctx.open_tasks)


def _a_step_is_open(ctx: Ctx) -> bool:
    return bool(ctx.open_tasks)


def _a_processing_step_is_open(ctx: Ctx) -> bool:
    return any(not t.is_end and t.role != Role.APPROVER for t in ctx.open_tasks)


def _an_approval_is_open(ctx: Ctx) -> bool:
    return any(not t.is_end and t.role == Role.APPROVER for t in ctx.open_tasks)


def _nothing_left_but_the_end(ctx: Ctx) -> bool:
    return not workflow.unfinished_before_end(ctx.dossier, ctx.tasks)


def _withdrawable(ctx: Ctx) -> bool:
    until = ctx.dossier.procedure_version.definition.get("withdraw_until", "received")
    return ctx.dossier.status in WITHDRAW_UNTIL[until]


def _not_on_time(ctx: Ctx) -> bool:
    return ctx.deadline_state() != DeadlineState.ON_TIME


def _not_rated(ctx: Ctx) -> bool:
    return not closing.rated(ctx)


_S = Status
RULES: dict[str, Rule] = {
    "receive": Rule(frozenset({_S.SUBMITTED}), _one_stop_officer, reception.receive, state=payments.nothing_to_pay,
                    refusal=reception.receive_refusal),
    "refuse": Rule(frozenset({_S.SUBMITTED}), _one_stop_officer, reception.end_everything(_S.REFUSED),
                   needs_reason=True),
    "request_supplement": Rule(frozenset({_S.SUBMITTED, _S.RECEIVED, _S.PROCESSING}), _may_request_supplement,
                               supplements.request_supplement, SupplementRequestInput, state=_may_ask_now,
                               needs_reason=True, needs_apology_when_late=True),
    "submit_supplement": Rule(frozenset({_S.SUPPLEMENT_REQUESTED}), _applicant, supplements.submit_supplement,
                              SupplementAnswerInput),
    "request_payment": Rule(frozenset({_S.PROCESSING}), _officer_or_specialist, payments.request_payment,
                            PaymentRequestInput, needs_apology_when_late=True),
    # The applicant's obligation (taxes): status 6 with the clock stopped (obligations.py).
    "request_obligation": Rule(frozenset({_S.PROCESSING}), _may_ask_obligation, obligations.request_obligation,
                               ObligationRequestInput, needs_apology_when_late=True),
    "fulfil_obligation": Rule(frozenset({_S.PAYMENT_REQUESTED}), _may_confirm_obligation,
                              obligations.fulfil_obligation, ObligationFulfilInput, state=obligations.awaited),
    "confirm_payment": Rule(frozenset({_S.SUBMITTED, _S.PAYMENT_REQUESTED}), _one_stop_officer,
                            payments.confirm_payment, PaymentConfirmationInput, state=payments.something_to_pay),
    "claim": Rule(frozenset({_S.RECEIVED, _S.PROCESSING}), _has_step_to_claim, steps.claim, StepInput,
                  state=_a_step_is_unclaimed, needs_apology_when_late=True),
    "assign": Rule(frozenset({_S.RECEIVED, _S.PROCESSING}), _may_assign, steps.assign, AssignInput,
                   state=_a_step_is_open, needs_apology_when_late=True),
    "start_processing": Rule(frozenset({_S.RECEIVED}), _has_step_to_start, steps.start_processing, StepInput,
                             state=_a_step_is_open, needs_apology_when_late=True),
    "transfer": Rule(frozenset({_S.PROCESSING}), _has_step_to_hand_on, steps.transfer, StepDoneInput,
                     state=_a_processing_step_is_open, needs_apology_when_late=True),
    "approve": Rule(frozenset({_S.PROCESSING}), _has_step_to_approve, steps.approve, StepDoneInput,
                    state=_an_approval_is_open, needs_apology_when_late=True),
    "issue_result": Rule(frozenset({_S.PROCESSING}), _signer, closing.issue_result, state=_nothing_left_but_the_end,
                         needs_apology_when_late=True),
    "return_result": Rule(frozenset({_S.PROCESSED}), _one_stop_officer, closing.return_result),
    "stop": Rule(frozenset({_S.RECEIVED, _S.PROCESSING, _S.SUPPLEMENT_REQUESTED, _S.PAYMENT_REQUESTED}),
                 _approver, reception.end_everything(_S.STOPPED), needs_reason=True),
    "withdraw": Rule(frozenset(OPEN_STATUSES), _applicant, reception.end_everything(_S.WITHDRAWN),
                     state=_withdrawable),
    "issue_apology": Rule(frozenset(CLOCK_RUNS), may_apologise, issue_apology, ApologyInput, needs_reason=True,
                          state=_not_on_time),
    "rate": Rule(frozenset({_S.RETURNED}), _applicant, closing.rate, RatingInput, state=_not_rated,
                 refusal=closing.rate_refusal),
    # Digitization at the one-stop desk (số hóa, Decision 766 group 6; counter.py).
    # Only for a dossier that came on paper (filed at the counter or by post, or holding a paper component):
    # an online dossier has nothing to digitize, and its officers are not offered it.
    "digitize": Rule(counter.DIGITIZE_STATUSES, _one_stop_officer, counter.digitize, counter.DigitizeInput,
                     state=counter.on_paper_dossier),
    "keep_on_paper": Rule(counter.DIGITIZE_STATUSES, _one_stop_officer, counter.keep_on_paper, counter.PaperInput,
                          state=counter.on_paper_dossier, needs_reason=True),
    "digitize_result": Rule(counter.RESULT_STATUSES, _one_stop_officer, counter.digitize_result,
                            counter.ResultScanInput, state=counter.on_paper_dossier),
}
# Who does the work: a lower desk's hand-over, an outside agency's answer, an appointment (who.py).
RULES.update(who.rules(Rule))
STEP_KIND.update(who.STEP_KIND)
# Actions with a page of their own (the officer's digitization page), not a button of the dossier's forms.
DIGITIZATION = frozenset({"digitize", "keep_on_paper", "digitize_result"})
ACTIONS = ("submit", *RULES)
