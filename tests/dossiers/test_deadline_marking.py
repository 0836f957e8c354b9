"""The periodic deadline check (`actions.mark_deadlines`, run by the `check_deadlines` task), over time.

Birth registration takes 1 working day: received on Monday 7 December 2026 at
10:00, it is due on Tuesday at 17:00 (end of the office day). It is at risk
once less than one office day (08:00–17:00) is left, i.e. from Tuesday 08:00,
and late after Tuesday 17:00.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from motcua.dossiers import actions
from motcua.dossiers.models import DeadlineState, Dossier, DossierEvent, Status
from motcua.dossiers.tasks import check_deadlines
from motcua.identity.models import User
from motcua.lib.errors import Conflict
from motcua.notifications.models import OutboxEvent
from tests.conftest import BIRTH, BIRTH_COMPONENTS

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY_10 = datetime(2026, 12, 7, 10, 0, tzinfo=HCM)
DUE = datetime(2026, 12, 8, 17, 0, tzinfo=HCM)
NOTHING = {"at_risk": 0, "late": 0}


@pytest.fixture
def people(demo) -> dict[str, User]:
    names = ["citizen", "onestop_anbinh", "specialist_anbinh", "approver_anbinh"]
    return {n: User.objects.get(username=n) for n in names}


def _received(people, at: datetime = MONDAY_10) -> str:
    with freeze_time(at):
        code = actions.submit(people["citizen"], "1.001193", dict(BIRTH), components=list(BIRTH_COMPONENTS)).code
        actions.perform(code, "receive", people["onestop_anbinh"])
    return code


def _flags(code: str) -> list[tuple[str, int, int, object]]:
    return [
        (e.action, e.from_status, e.to_status, e.actor)
        for e in DossierEvent.objects.filter(dossier__code=code, action__startswith="deadline_").order_by("id")
    ]


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=HCM)


def test_a_dossier_becomes_at_risk_then_late_each_once(people):
    code = _received(people)
    assert Dossier.objects.get(code=code).due_at == DUE

    assert actions.mark_deadlines(now=_at(7, 16)) == NOTHING  # a full office day and more is left
    assert actions.mark_deadlines(now=_at(8, 7, 59)) == NOTHING  # the night before: still the whole of Tuesday
    assert _flags(code) == []

    assert actions.mark_deadlines(now=_at(8, 8, 30)) == {"at_risk": 1, "late": 0}
    dossier = Dossier.objects.get(code=code)
    assert (dossier.deadline_state, dossier.status, dossier.updated_at) == (DeadlineState.AT_RISK, Status.RECEIVED, _at(8, 8, 30))
    # One history event, by the system (no actor), that leaves the status alone; with its outbox event.
    assert _flags(code) == [("deadline_at_risk", Status.RECEIVED, Status.RECEIVED, None)]
    outbox = OutboxEvent.objects.filter(key=code).latest("id")
    assert outbox.topic == "dossier.deadline_at_risk" and datetime.fromisoformat(outbox.payload["due_at"]) == DUE

    # Later runs the same day add nothing.
    for moment in (_at(8, 9), _at(8, 12), _at(8, 16, 59)):
        assert actions.mark_deadlines(now=moment) == NOTHING
    assert len(_flags(code)) == 1

    assert actions.mark_deadlines(now=_at(8, 17, 1)) == {"at_risk": 0, "late": 1}
    assert Dossier.objects.get(code=code).deadline_state == DeadlineState.LATE
    assert actions.mark_deadlines(now=_at(9, 9)) == NOTHING
    assert actions.mark_deadlines(now=_at(14, 9)) == NOTHING
    assert _flags(code) == [
        ("deadline_at_risk", Status.RECEIVED, Status.RECEIVED, None),
        ("deadline_late", Status.RECEIVED, Status.RECEIVED, None),
    ]


def test_a_dossier_the_check_missed_goes_straight_to_late(people):
    code = _received(people)
    assert actions.mark_deadlines(now=_at(9, 10)) == {"at_risk": 0, "late": 1}
    assert [f[0] for f in _flags(code)] == ["deadline_late"]


def test_the_task_uses_the_clock(people):
    code = _received(people)
    with freeze_time(_at(8, 10)):
        assert check_deadlines.call() == {"at_risk": 1, "late": 0}
        assert check_deadlines.call() == NOTHING
    with freeze_time(_at(8, 18)):
        assert check_deadlines.call() == {"at_risk": 0, "late": 1}
    assert Dossier.objects.get(code=code).deadline_state == DeadlineState.LATE


def test_an_apology_letter_gives_a_new_date_and_the_clock_starts_again(people):
    code = _received(people)
    actions.mark_deadlines(now=_at(8, 17, 30))
    # Late without a letter: processing is refused until the apology is issued.
    with freeze_time(_at(9, 9)), pytest.raises(Conflict) as err:
        actions.perform(code, "start_processing", people["specialist_anbinh"])
    assert err.value.code == "apology_required" and "issue_apology" in err.value.extra["allowed"]
    with freeze_time(_at(9, 9)):
        actions.perform(
            code, "issue_apology", people["onestop_anbinh"], reason="Chờ xác minh",
            payload=actions.Payload(new_due_date=date(2026, 12, 11)),
        )
    dossier = Dossier.objects.get(code=code)
    assert dossier.deadline_state == DeadlineState.ON_TIME and dossier.legal_due_at == DUE
    assert dossier.due_at == _at(11, 17)
    assert actions.mark_deadlines(now=_at(10, 17)) == NOTHING  # all of Friday is left
    assert actions.mark_deadlines(now=_at(11, 8, 30)) == {"at_risk": 1, "late": 0}
    assert actions.mark_deadlines(now=_at(11, 17, 30)) == {"at_risk": 0, "late": 1}
    assert [f[0] for f in _flags(code)] == ["deadline_late", "deadline_at_risk", "deadline_late"]


def test_paused_and_finished_dossiers_are_not_flagged(people):
    # Waiting for the applicant (status 5): the clock stands still.
    paused = _received(people)
    with freeze_time(_at(7, 11)):
        actions.perform(
            paused, "request_supplement", people["onestop_anbinh"], reason="Ảnh chụp mờ",
            payload=actions.Payload(items=[{"key": "birth_certificate", "reason": "Ảnh chụp mờ"}]),
        )
    # Finished: processed (9) and returned (10), both before their date.
    processed, returned = _received(people), _received(people)
    with freeze_time(_at(7, 14)):
        for code in (processed, returned):
            actions.perform(code, "start_processing", people["specialist_anbinh"])
            actions.perform(code, "transfer", people["specialist_anbinh"])
            actions.perform(code, "approve", people["approver_anbinh"])
            actions.perform(code, "issue_result", people["approver_anbinh"])
        actions.perform(returned, "return_result", people["onestop_anbinh"])
    # Not yet received (status 1): no promised date yet.
    with freeze_time(MONDAY_10):
        submitted = actions.submit(people["citizen"], "1.001193", dict(BIRTH), components=list(BIRTH_COMPONENTS)).code
    statuses = dict(Dossier.objects.values_list("code", "status"))
    assert [statuses[c] for c in (paused, processed, returned, submitted)] == [5, 9, 10, 1]

    for moment in (_at(8, 9), _at(8, 18), _at(21, 9)):
        assert actions.mark_deadlines(now=moment) == NOTHING
    for code in (paused, processed, returned, submitted):
        assert _flags(code) == [] and Dossier.objects.get(code=code).deadline_state == DeadlineState.ON_TIME

    # The applicant answers on Thursday: the date moves by the working days waited
    # (Tuesday to Thursday, 3), and the clock runs again from there.
    with freeze_time(_at(10, 9)):
        actions.perform(
            paused, "submit_supplement", people["citizen"], payload=actions.Payload(components=list(BIRTH_COMPONENTS))
        )
    dossier = Dossier.objects.get(code=paused)
    assert dossier.status == Status.RECEIVED and dossier.due_at == _at(11, 17)
    assert actions.mark_deadlines(now=_at(10, 16)) == NOTHING
    assert actions.mark_deadlines(now=_at(11, 9)) == {"at_risk": 1, "late": 0}


def test_unit_calendars_take_the_overrides_of_the_nation_and_of_their_ancestors(demo):
    """Overrides of the nation and of a unit's ancestors apply to it (the deepest one wins); others' do not."""
    from motcua.dossiers import deadlines
    from motcua.units.models import CalendarDay, Unit

    commune = Unit.objects.exclude(parent=None).exclude(parent__parent=None).order_by("path").first()
    province = Unit.objects.get(pk=commune.parent_id) if commune.parent.parent_id is None else commune.parent.parent
    other = Unit.objects.exclude(path__startswith=province.path).order_by("path").first()
    saturday, monday, tuesday = date(2026, 12, 12), date(2026, 12, 14), date(2026, 12, 15)
    assert deadlines.calendar(commune).is_working_day(monday)  # read (and cached) before any override
    CalendarDay.objects.create(unit=None, day=saturday, working=True)
    CalendarDay.objects.create(unit=None, day=tuesday, working=False)
    CalendarDay.objects.create(unit=province, day=monday, working=False)
    CalendarDay.objects.create(unit=commune, day=tuesday, working=True)  # deeper than the nation's word

    for unit in (commune, province, other, None):
        cal = deadlines.calendar(unit)
        assert cal.is_working_day(saturday)
        assert cal.is_working_day(monday) is (unit not in (commune, province))
        assert cal.is_working_day(tuesday) is (unit == commune)
    CalendarDay.objects.filter(unit=province).delete()  # a queryset delete sends post_delete too
    assert deadlines.calendar(commune).is_working_day(monday)
