"""Handling a petition: the table of actions, `perform` and `allowed_actions`.

Each action checks who acts and the petition's status, applies the change, writes the
history event and announces it (audit entry, outbox event, KPI counters subscribe), in
one transaction that locks the petition row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.lib.errors import Conflict, Forbidden, Invalid, NotFound
from motcua.petitions import access, deadlines, redact
from motcua.petitions.actions import history, notify
from motcua.petitions.actions.inputs import (
    PetitionActionInput,
    PetitionAnswerInput,
    PetitionForwardInput,
    PetitionInformationInput,
    PetitionPublishInput,
    PetitionReasonInput,
    read,
)
from motcua.petitions.models import Petition
from motcua.petitions.models import PetitionStatus as S
from motcua.units.models import Role, Unit
from motcua.units.scope import Grants, grants_of, roles_in

PUBLIC_FIELDS = ("subject", "body", "answer")
# The roles that handle petitions at the competent unit.
HANDLERS = frozenset({Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.APPROVER})


@dataclass
class Ctx:
    petition: Petition
    user: Any
    grants: Grants
    contact: str
    now: datetime

    @property
    def is_filer(self) -> bool:
        return access.is_filer(self.petition, self.user, self.contact)

    @property
    def handles(self) -> bool:
        return bool(roles_in(self.grants, self.petition.unit) & HANDLERS)


Result = tuple[str | None, dict]


def refuse(ctx: Ctx, p: PetitionReasonInput) -> Result:
    ctx.petition.refused_at = ctx.now
    ctx.petition.refusal_reason = p.reason
    return S.REFUSED, {"late": ctx.now > ctx.petition.refuse_due_at}


def request_information(ctx: Ctx, p: PetitionReasonInput) -> Result:
    pet = ctx.petition
    if pet.info_requested_at is None:
        pet.info_requested_at = ctx.now  # the first request is the one the 5-day deadline judges
    pet.info_request = p.reason
    pet.paused_at = ctx.now
    return S.WAITING, {"late": pet.info_requested_at > pet.info_due_at}


def provide_information(ctx: Ctx, p: PetitionInformationInput) -> Result:
    pet = ctx.petition
    waited = deadlines.waited_days(pet.paused_at, ctx.now, pet.unit) if pet.paused_at else 0
    # The answer's clock stood still while the filer was asked: its deadline moves by the working days waited.
    pet.due_at = deadlines.shift(pet.due_at, waited, pet.unit)
    pet.paused_days += waited
    pet.paused_at = None
    pet.body = f"{pet.body}\n\n— {timezone.localtime(ctx.now):%d/%m/%Y} —\n{p.body}"[:20_000]
    return S.RECEIVED, {"paused_days": waited, "due_at": pet.due_at.isoformat()}


def answer(ctx: Ctx, p: PetitionAnswerInput) -> Result:
    pet = ctx.petition
    if pet.status == S.RECEIVED or pet.answered_at is None:
        pet.answered_at = ctx.now
        pet.publish_due_at = deadlines.publish_due(ctx.now, pet.unit)
    pet.answer = p.answer
    pet.answered_by = ctx.user
    return S.ANSWERED, {"late": pet.answered_at > pet.due_at}


def publish(ctx: Ctx, p: PetitionPublishInput) -> Result:
    pet = ctx.petition
    pet.published_at = ctx.now
    # Only the public version is ever shown to the public: the officer's text, or the masked proposal.
    proposed = redact.proposal(pet)
    given = {"subject": p.subject, "body": p.body, "answer": p.answer}
    pet.public_subject, pet.public_body, pet.public_answer = (given[f] or proposed[f] for f in PUBLIC_FIELDS)
    edited = [f for f in PUBLIC_FIELDS if given[f] is not None and given[f] != proposed[f]]
    return S.PUBLISHED, {"late": bool(pet.publish_due_at and ctx.now > pet.publish_due_at), "edited": edited}


def forward(ctx: Ctx, p: PetitionForwardInput) -> Result:
    pet = ctx.petition
    target = Unit.objects.filter(code=p.unit).first()
    if target is None:
        raise Invalid(_("Không có đơn vị mã %(code)s.") % {"code": p.unit}, code="unknown_unit", field="unit")
    if target.pk == pet.unit_id:
        raise Invalid(_("Phản ánh đang ở đơn vị này."), code="same_unit", field="unit")
    source = pet.unit.code
    # KPI-766 §1.4: the first-received time and the deadlines counted from it stay; the unit changes.
    pet.unit = target
    pet.received_at = ctx.now
    pet.forwarded = True
    return None, {"from_unit": source, "to_unit": target.code}


def _vote(kind: str) -> Callable[[Ctx, PetitionActionInput], Result]:
    def apply(ctx: Ctx, p: PetitionActionInput) -> Result:
        pet = ctx.petition
        pet.likes, pet.dislikes = (1, 0) if kind == "like" else (0, 1)
        return None, {"vote": kind}
    return apply


def complain_again(ctx: Ctx, p: PetitionReasonInput) -> Result:
    pet = ctx.petition
    pet.complained_again = True
    pet.reopen_count += 1
    pet.body = f"{pet.body}\n\n— {timezone.localtime(ctx.now):%d/%m/%Y} —\n{p.reason}"[:20_000]
    # Reopened: handled again from now, on fresh deadlines; the first-received time stays (§1.4).
    pet.received_at = ctx.now
    for name, value in deadlines.stage_deadlines(ctx.now, pet.unit).items():
        setattr(pet, name, value)
    pet.info_requested_at = pet.answered_at = pet.published_at = pet.refused_at = pet.publish_due_at = None
    pet.refusal_reason = ""
    pet.public_subject = pet.public_body = pet.public_answer = ""  # published again later, from a new proposal
    pet.paused_days = 0
    return S.RECEIVED, {"reopen": pet.reopen_count}


def _handler(ctx: Ctx) -> bool:
    return ctx.handles


def _filer(ctx: Ctx) -> bool:
    return ctx.is_filer


@dataclass(frozen=True)
class Rule:
    statuses: frozenset[str]
    can: Callable[[Ctx], bool]
    apply: Callable[[Ctx, Any], Result]
    schema: type[PetitionActionInput] = PetitionActionInput
    notify: bool = False


RULES: dict[str, Rule] = {
    "refuse": Rule(frozenset({S.RECEIVED}), _handler, refuse, PetitionReasonInput, notify=True),
    "request_information": Rule(frozenset({S.RECEIVED}), _handler, request_information, PetitionReasonInput, notify=True),
    "provide_information": Rule(frozenset({S.WAITING}), _filer, provide_information, PetitionInformationInput),
    "answer": Rule(frozenset({S.RECEIVED, S.ANSWERED}), _handler, answer, PetitionAnswerInput),
    "publish": Rule(frozenset({S.ANSWERED}), _handler, publish, PetitionPublishInput, notify=True),
    "forward": Rule(frozenset({S.RECEIVED}), _handler, forward, PetitionForwardInput, notify=True),
    "like": Rule(frozenset({S.ANSWERED, S.PUBLISHED}), _filer, _vote("like")),
    "dislike": Rule(frozenset({S.ANSWERED, S.PUBLISHED}), _filer, _vote("dislike")),
    "complain_again": Rule(frozenset({S.PUBLISHED, S.REFUSED}), _filer, complain_again, PetitionReasonInput),
}
ACTIONS = tuple(RULES)


def allowed_actions(petition: Petition, user, *, grants: Grants | None = None, contact: str = "") -> list[str]:
    ctx = Ctx(petition, user, grants_of(user) if grants is None else grants, contact, timezone.now())
    return [name for name, r in RULES.items() if petition.status in r.statuses and r.can(ctx)]


def perform(code: str, action: str, actor, *, payload: PetitionActionInput | Mapping[str, Any] | None = None,
            contact: str = "", grants: Grants | None = None) -> Petition:
    """Run one named action on the petition `code`, all or nothing (404 for one the actor may not see)."""
    rule = RULES.get(action)
    if rule is None:
        raise NotFound(_("Không có thao tác “%(action)s”.") % {"action": action}, code="unknown_action",
                       actions=list(ACTIONS))
    grants = grants_of(actor) if grants is None else grants
    with transaction.atomic():
        petition = (Petition.objects.select_for_update(of=("self",)).select_related("unit", "first_unit", "filer")
                    .filter(code=code).first())
        if petition is None or not access.sees(petition, actor, grants, contact):
            raise access.not_found(code)
        ctx = Ctx(petition, actor, grants, contact, timezone.now())
        allowed = [n for n, r in RULES.items() if petition.status in r.statuses and r.can(ctx)]
        if petition.status not in rule.statuses:
            raise Conflict(_("Không thể “%(action)s” khi phản ánh đang ở trạng thái “%(status)s”.")
                           % {"action": action, "status": petition.get_status_display()},
                           status=petition.status, allowed=allowed)
        if not rule.can(ctx):
            raise Forbidden(_("Bạn không có quyền “%(action)s” phản ánh này.") % {"action": action}, allowed=allowed)
        given = read(rule.schema, payload)
        before = history.look_before(petition)
        from_status = petition.status
        new_status, data = rule.apply(ctx, given)
        if new_status is not None:
            petition.status = new_status
        petition.updated_at = ctx.now
        petition.save()
        reason = getattr(given, "reason", "")
        history.write_history(
            petition, action, from_status, actor, ctx.now, reason=reason, data=data, before=before,
            notify=notify.mail_for(petition, action, reason) if rule.notify else None,
        )
    return petition
