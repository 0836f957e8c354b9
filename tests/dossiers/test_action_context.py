"""What one action context (`actions.Ctx`) keeps while it lives: the deadline state and the roles per unit.

`allowed_actions` asks for the deadline state once per rule refused when late, and for the roles at the
dossier's unit once per rule (docs/operations.md, issue 22): both are worked out once per context, and
again when what they depend on changed (an action moved the due date or the status).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from motcua.dossiers import actions
from motcua.dossiers.actions.context import deadline_state_at
from motcua.dossiers.models import DeadlineState, Dossier, Status
from motcua.units.models import Role, Unit
from motcua.units.scope import Grant

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 3, 4, 9, 0, tzinfo=HCM)  # a Wednesday


def _ctx(**fields) -> actions.Ctx:
    unit = Unit(pk=7, code="X", path="/1/7/", level="commune", kind="people_committee")
    dossier = Dossier(unit=unit, status=Status.RECEIVED, due_at=NOW + timedelta(days=14), **fields)
    return actions.Ctx(dossier, None, NOW, grants=(Grant("/1/", Role.ONE_STOP_OFFICER, "people_committee", "commune"),))


@pytest.mark.django_db
def test_the_deadline_state_follows_the_dossiers_clock():
    ctx = _ctx()
    assert ctx.deadline_state() == DeadlineState.ON_TIME
    ctx.dossier.due_at = NOW + timedelta(hours=3)  # less than a working day left
    assert ctx.deadline_state() == DeadlineState.AT_RISK == deadline_state_at(ctx.dossier, NOW)
    ctx.dossier.due_at = NOW - timedelta(minutes=1)
    assert ctx.deadline_state() == DeadlineState.LATE and actions.context.is_late(ctx)
    ctx.dossier.status = Status.SUPPLEMENT_REQUESTED  # the clock stopped
    assert ctx.deadline_state() == DeadlineState.ON_TIME
    ctx.dossier.status, ctx.dossier.paused_at = Status.PAYMENT_REQUESTED, NOW
    assert ctx.deadline_state() == DeadlineState.ON_TIME
    ctx.dossier.paused_at = None
    assert ctx.deadline_state() == DeadlineState.LATE


@pytest.mark.django_db
def test_the_roles_at_a_unit_are_kept_and_a_callers_change_does_not_stick():
    ctx = _ctx()
    roles = ctx.roles_at(ctx.dossier.unit)
    assert roles == {Role.ONE_STOP_OFFICER}
    roles.add(Role.APPROVER)  # unit_roles adds to what it is given
    assert ctx.roles_at(ctx.dossier.unit) == {Role.ONE_STOP_OFFICER}
    assert ctx.unit_roles == {Role.ONE_STOP_OFFICER}
