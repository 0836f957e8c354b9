"""The insights' arithmetic by hand: the working-time clock, one dossier's trace, one risk estimate."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.dossiers import deadlines
from motcua.dossiers.models import Dossier, Task, TaskStatus
from motcua.insights import risk
from motcua.insights.build import trace
from motcua.insights.clock import WorkClock
from motcua.lib.workdays import working_time
from motcua.units.models import Unit

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
MON = datetime(2026, 11, 2, 8, 0, tzinfo=HCM)  # a Monday without holiday, nor the two weeks after it


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 60 * 24 * 40), st.integers(0, 60 * 24 * 40))
def test_the_clock_measures_what_working_time_measures(a, b):
    calendar = deadlines.WorkCalendar("VN")
    start, end = MON + timedelta(minutes=a), MON + timedelta(minutes=a + b)
    assert abs(WorkClock(calendar, HCM).between(start, end) - working_time(calendar, start, end, HCM)) < 1e-9


def _task(step, unit, after, days, opened, done, claimed=None, pk=None):
    return Task(pk=pk, step=step, unit=unit, after=after, days=days, status=TaskStatus.DONE, opened_at=opened,
                done_at=done, claimed_at=claimed)


def test_a_trace_by_hand(demo):
    commune, police = Unit.objects.get(code="000.11.00.H99"), Unit.objects.get(code="000.11.30.H99")
    end = MON + timedelta(days=2, hours=9)  # Wednesday 17:00
    d = Dossier(pk=1, procedure_id=1, unit=commune, received_at=MON, finished_at=end,
                legal_due_at=MON + timedelta(days=2))  # Wednesday 08:00: ended late
    tasks = [
        # 1.5 office days, of which Monday 12:30 → Tuesday 08:00 (0.5) waiting for the applicant.
        _task("check", commune, [], 1.0, MON, MON + timedelta(days=1, hours=4, minutes=30), pk=1),
        # Handed to another unit on Tuesday 12:30, taken Wednesday 08:00 (0.5), done Wednesday 17:00.
        _task("verify", police, ["check"], 0.5, MON + timedelta(days=1, hours=4, minutes=30), end,
              claimed=MON + timedelta(days=2), pk=2),
    ]
    pause = [(MON + timedelta(hours=4, minutes=30), MON + timedelta(days=1))]
    payment = [[MON + timedelta(days=2), MON + timedelta(days=2, hours=4, minutes=30)]]  # half a day
    row, steps = trace(d, tasks, pause, payment)
    assert row.late is True and row.path == "check → verify"
    assert (row.total_days, row.applicant_days, row.payment_days, row.transfer_days) == (2.5, 0.5, 0.5, 0.5)
    check, verify = steps
    assert (check.days, check.to_end, check.waiting) == (1.0, 2.5, 0.0)
    assert (verify.days, verify.to_end, verify.waiting, verify.unit_id) == (1.5, 1.5, 0.5, police.pk)
    # Both overran their share; "verify" by 1.0 day, "check" by 0: the late dossier is put on "verify".
    assert (row.late_step, row.late_unit_id) == ("verify", police.pk)


def _history(commune, times, step="check", unit=None):
    """Finished dossiers that spent half their remaining time `t` in the step."""
    ended = MON - timedelta(days=30)
    return risk.History([(7, (unit or commune).pk, step, t / 2, t, ended) for t in times])


def test_the_risk_is_the_share_of_similar_dossiers_that_needed_more_than_is_left(demo):
    commune = Unit.objects.get(code="000.11.00.H99")
    d = Dossier(pk=1, procedure_id=7, unit=commune, received_at=MON, legal_due_at=MON + timedelta(days=4, hours=9))
    step = Task(pk=1, step="check", unit_id=commune.pk, opened_at=MON, assignee_id=None)
    state = risk.State(d, [step], [], d.legal_due_at)
    at = MON + timedelta(days=2)  # Wednesday 08:00: 2 days spent, 3 left (Wednesday to Friday 17:00)
    history = _history(commune, list(range(1, 13)))
    e = risk.estimate(state, at, history)
    # 9 were still in the step after 2 days (t = 4…12), 7 of them needed more than 5 in all (6…12).
    assert (e.elapsed, e.available, e.similar, e.late_similar, e.basis) == (2.0, 3.0, 9, 7, "unit")
    assert e.risk == 7 / 9
    assert "7 trong 9 hồ sơ" in risk.reason(e.basis, e.similar, e.late_similar, e.elapsed, e.available)
    # Waiting for the applicant since Tuesday 08:00: scored from there, the clock stopped.
    paused = risk.State(d, [step], [(MON + timedelta(days=1), None)], d.legal_due_at)
    p = risk.estimate(paused, at, history)
    assert (p.elapsed, p.available) == (1.0, 4.0)


def test_too_little_history_gives_no_figure_and_past_due_gives_one(demo):
    commune, other = Unit.objects.get(code="000.11.00.H99"), Unit.objects.get(code="000.12.00.H99")
    d = Dossier(pk=1, procedure_id=7, unit=commune, received_at=MON, legal_due_at=MON + timedelta(days=4, hours=9))
    state = risk.State(d, [Task(pk=1, step="check", unit_id=commune.pk, opened_at=MON)], [], d.legal_due_at)
    at = MON + timedelta(days=2)
    few = risk.estimate(state, at, _history(commune, [3, 4, 5]))
    assert few.risk is None and few.basis == "" and few.similar == 2  # still in the step after 2 days: t = 4, 5
    assert "Chưa đủ lịch sử" in risk.reason(few.basis, few.similar, 0, few.elapsed, few.available)
    # Enough at another unit: the procedure's history at every unit, and the estimate says so.
    wide = risk.estimate(state, at, _history(commune, list(range(1, 13)), unit=other))
    assert wide.basis == "procedure" and wide.risk == 7 / 9
    # Stuck: 10 finished dossiers, none still in the step after 2 days (they stayed 0.1…1.0): the 8 that
    # stayed longest (t = 3…10) are compared; 1 + t/2 > 2 + 3 for t = 9, 10: 2 of 8.
    stuck = risk.estimate(state, at, risk.History(
        [(7, commune.pk, "check", t / 10, 1.0 + t / 2, MON - timedelta(days=30)) for t in range(1, 11)]))
    assert (stuck.basis, stuck.similar, stuck.late_similar, stuck.risk) == ("stuck", 8, 2, 0.25)
    assert "lâu nhất" in risk.reason(stuck.basis, stuck.similar, stuck.late_similar, stuck.elapsed, stuck.available)
    # History after the moment scored is never read (the back-test scores past moments with it).
    later = risk.History([(7, commune.pk, "check", t / 2, t, at + timedelta(hours=1)) for t in range(1, 13)])
    assert risk.estimate(state, at, later).risk is None
    late = risk.estimate(state, MON + timedelta(days=7), _history(commune, []))
    assert (late.risk, late.basis) == (1.0, "past_due")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 10), st.floats(0, 10)), min_size=0, max_size=40),
       st.floats(0, 8), st.floats(0, 8), st.floats(0, 8))
def test_more_time_left_never_raises_the_risk(history, elapsed, left, more):
    rows = [(days, days + after) for days, after in history]
    times = sorted(rows)
    similar, late = risk._share(times, elapsed, left)
    similar2, late2 = risk._share(times, elapsed, left + more)
    assert similar == similar2 and late2 <= late <= similar
    assert similar == sum(days >= elapsed for days, _ in rows)
