"""Indicators 5.2 and 5.3 from petitions: counters kept by the petitions' actions layer equal a rebuild
from the petitions after random histories (hypothesis, stateful); 5.2/5.3/5.4 move as the spec says."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from motcua.identity.models import User
from motcua.lib.errors import ActionError
from motcua.monitoring import petition_counters, query
from motcua.monitoring.models import ExternalFigure, PetitionCounter
from motcua.petitions.actions import RULES, Filing, allowed_actions, file_petition, perform
from motcua.petitions.models import Petition
from motcua.units.models import Unit
from motcua.units.scope import grants_of

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=HCM)  # a Monday
UNITS = ["000.11.00.H99", "000.12.00.H99"]
ACTORS = ["citizen", "citizen2", "onestop_anbinh", "specialist_anbinh", "onestop_hoathuan"]
PAYLOADS = {"refuse": {"reason": "r"}, "request_information": {"reason": "r"}, "provide_information": {"body": "b"},
            "answer": {"answer": "a"}, "complain_again": {"reason": "r"}}


class Clock:
    now = T0


@pytest.fixture
def frozen_clock(monkeypatch):
    Clock.now = T0
    monkeypatch.setattr(timezone, "now", lambda: Clock.now)
    # The filing limits would stop a long history: this test is about the counters.
    monkeypatch.setattr("motcua.petitions.limits.FILING_LIMITS", ())


class PetitionMachine(RuleBasedStateMachine):
    users: dict[str, User] = {}

    def __init__(self) -> None:
        super().__init__()
        self.codes: list[str] = []

    @rule(who=st.sampled_from(["citizen", "citizen2"]), unit=st.sampled_from(UNITS))
    def file(self, who: str, unit: str) -> None:
        p, _ = file_petition(Filing(kind="feedback", subject="s", body="b", unit=unit), user=self.users[who])
        self.codes.append(p.code)

    @rule(index=st.integers(0, 20), data=st.data())
    def act(self, index: int, data) -> None:
        if not self.codes:
            return
        code = self.codes[index % len(self.codes)]
        p = Petition.objects.select_related("unit").get(code=code)
        options = [(who, a) for who in ACTORS for a in allowed_actions(p, self.users[who], grants=grants_of(self.users[who]))]
        if not options:
            return
        who, action = data.draw(st.sampled_from(options))
        payload = dict(PAYLOADS.get(action, {}))
        if action == "forward":
            payload = {"unit": next(u for u in UNITS if u != p.unit.code)}
        perform(code, action, self.users[who], payload=payload)

    @rule(index=st.integers(0, 20), action=st.sampled_from(sorted(RULES)), who=st.sampled_from(ACTORS))
    def anything(self, index: int, action: str, who: str) -> None:
        # Illegal actions change nothing.
        if self.codes:
            try:
                perform(self.codes[index % len(self.codes)], action, self.users[who], payload=PAYLOADS.get(action))
            except ActionError:
                pass

    @rule(hours=st.integers(1, 24 * 8))
    def time_passes(self, hours: int) -> None:
        Clock.now += timedelta(hours=hours)

    @invariant()
    def counters_equal_the_rebuild(self) -> None:
        assert petition_counters.differences() == {"PetitionCounter": 0, "PetitionOpenCounter": 0}


def test_petition_counters_equal_the_rebuild_after_random_histories(demo, frozen_clock):
    machine = type("Petitions", (PetitionMachine,), {"users": {u.username: u for u in User.objects.filter(username__in=ACTORS)}})
    run_state_machine_as_test(machine, settings=settings(
        max_examples=12, stateful_step_count=25, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    ))


def _report(unit_code: str, today_at: datetime, start: date = date(2026, 3, 1)):
    unit = Unit.objects.get(code=unit_code)
    Clock.now = today_at
    r = query.report(unit, start, date(2026, 3, 31), with_rank=False)
    return {i.ref: i for i in r.indicators}


def test_5_2_and_5_3_move_with_the_petitions(demo, frozen_clock):
    users = {u.username: u for u in User.objects.filter(username__in=ACTORS)}
    before = _report("000.11.00.H99", T0)
    assert before["5.2"].denominator == 0 and before["5.2"].score == 6  # no petitions: full marks

    Clock.now = T0
    a, _ = file_petition(Filing(kind="feedback", subject="a", body="b", unit="000.11.00.H99"), user=users["citizen"])
    b, _ = file_petition(Filing(kind="petition", subject="b", body="b", unit="000.11.00.H99"), user=users["citizen2"])
    _c, _ = file_petition(Filing(kind="petition", subject="c", body="b", unit="000.11.00.H99"), user=users["citizen"])
    perform(a.code, "answer", users["specialist_anbinh"], payload={"answer": "x"})
    perform(a.code, "publish", users["onestop_anbinh"])
    perform(b.code, "answer", users["specialist_anbinh"], payload={"answer": "x"})
    perform(b.code, "publish", users["onestop_anbinh"])
    perform(b.code, "dislike", users["citizen2"])
    # Today all three are on time (c is open and in time); b is disliked: 5.3 fails it.
    now = _report("000.11.00.H99", T0 + timedelta(days=1))
    assert (now["5.2"].numerator, now["5.2"].denominator) == (3, 3)
    assert (now["5.3"].numerator, now["5.3"].denominator) == (2, 3)
    # A month later c is still open, past its 15 working days: late for 5.2 and 5.3.
    later = _report("000.11.00.H99", T0 + timedelta(days=40))
    assert (later["5.2"].numerator, later["5.3"].numerator) == (2, 1)
    # The province pools its communes; the nation too.
    province = _report("000.00.00.H99", T0 + timedelta(days=1))
    assert province["5.2"].denominator == 3
    # A figure an administrator types for a unit and month whose petitions motcua holds is not added:
    # motcua's own count replaces it (no double count of the same petitions).
    ExternalFigure.objects.create(indicator="PETITION_PROCESSING_ON_TIME", unit=Unit.objects.get(code="000.11.00.H99"),
                                  month=date(2026, 3, 1), numerator=1, denominator=2)
    replaced = _report("000.11.00.H99", T0 + timedelta(days=1))
    assert (replaced["5.2"].numerator, replaced["5.2"].denominator) == (3, 3)
    assert _report("000.00.00.H99", T0 + timedelta(days=1))["5.2"].denominator == 3
    # A figure for a unit whose petitions were handled outside motcua that month counts, pooled up the tree;
    # so does one for a month in which motcua held none of that unit's petitions.
    ExternalFigure.objects.create(indicator="PETITION_PROCESSING_ON_TIME", unit=Unit.objects.get(code="000.12.00.H99"),
                                  month=date(2026, 3, 1), numerator=1, denominator=2)
    ExternalFigure.objects.create(indicator="PETITION_HANDLING_SATISFACTION", unit=Unit.objects.get(code="000.11.00.H99"),
                                  month=date(2026, 2, 1), numerator=4, denominator=4)
    outside = _report("000.12.00.H99", T0 + timedelta(days=1))
    assert (outside["5.2"].numerator, outside["5.2"].denominator) == (1, 2)
    province = _report("000.00.00.H99", T0 + timedelta(days=1))
    assert (province["5.2"].numerator, province["5.2"].denominator) == (4, 5)
    quarter = _report("000.11.00.H99", T0 + timedelta(days=1), start=date(2026, 2, 1))
    assert (quarter["5.3"].numerator, quarter["5.3"].denominator) == (6, 7)
    # A figure typed for the province itself stays when only its communes' petitions are in motcua.
    ExternalFigure.objects.create(indicator="PETITION_PROCESSING_ON_TIME", unit=Unit.objects.get(code="000.00.00.H99"),
                                  month=date(2026, 3, 1), numerator=2, denominator=2)
    province = _report("000.00.00.H99", T0 + timedelta(days=1))
    assert (province["5.2"].numerator, province["5.2"].denominator) == (6, 7)
    assert PetitionCounter.objects.filter(unit_id=0).exists()
    assert petition_counters.differences() == {"PetitionCounter": 0, "PetitionOpenCounter": 0}
    petition_counters.rebuild()
    assert petition_counters.differences() == {"PetitionCounter": 0, "PetitionOpenCounter": 0}


def test_5_4_counts_a_dossier_with_a_complaint_linked_to_it(demo):
    from django.db.models import Sum

    from motcua.dossiers.models import Dossier
    from motcua.monitoring.models import DailyCounter
    from motcua.monitoring.rebuild import differences
    from tests.walker import DEFINITIONS, Walker

    walker = Walker(DEFINITIONS["1.001193-dang-ky-khai-sinh.yaml"])
    walker.submit()
    walker.walk()
    dossier = Dossier.objects.get(code=walker.code)

    def satisfied() -> tuple[int, int]:
        row = DailyCounter.objects.filter(unit_id=dossier.unit_id, procedure_id=dossier.procedure_id).aggregate(
            ended=Sum("ended"), satisfied=Sum("ended_satisfied"))
        return row["ended"], row["satisfied"]

    assert satisfied() == (1, 1)
    file_petition(Filing(kind="complaint", subject="Trả kết quả sai", body="b", dossier=dossier.code),
                  user=dossier.applicant)
    assert satisfied() == (1, 0)
    assert differences() == {"DailyCounter": 0, "MonthlyCounter": 0, "OpenCounter": 0}
