"""Two quarters of realistic step history for the demo province, written in bulk.

The actions-made history (`history.py`) shows every action and outcome once, but it is thin (a few
dozen dossiers) and uniform (every step done within hours), so the insights' lateness model has
nothing to learn from. This adds, for the four demo procedures at every unit of the province that
implements them, the dossiers of the last `days` days as an office would have left them:

- step times that vary per unit and step: each (procedure, unit, step) has its own pace, a few
  agencies are systematically slow at one step (`SLOW`), every step time has a long right tail
  (lognormal) and now and then a file sits on a desk for days;
- supplement rounds (the legal clock stops; the legal due date moves by the working days it stood
  still, as `actions/supplements.resume_clock` moves it), more often where a unit asks for more;
- the share of late dossiers that follows from those times (about one in eight), and the dossiers
  of the last days still open in the step they are in.

Rows go in with `bulk_create` (dossiers, tasks, events, supplement rounds; codes from the units'
`DailySequence`), not through the actions layer: thousands of dossiers in a second or two. They are
written by the rules the actions follow (due dates by `deadlines.due_at` and `deadlines.shift`, the
steps' shares by `catalog.timing`, a step's due date as `workflow` sets it), and the KPI counters
get each dossier's contribution by `monitoring.counters` — the same function a rebuild sums, so
the counters still equal a rebuild. Deterministic for a seed and a day.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from motcua.catalog import timing
from motcua.catalog.models import Procedure
from motcua.catalog.search import implementing_units
from motcua.dossiers import deadlines, pricing, workflow
from motcua.dossiers.facts import sources_mask
from motcua.dossiers.models import (
    DailySequence,
    Dossier,
    DossierEvent,
    Status,
    SupplementRequest,
    Task,
    TaskStatus,
)
from motcua.identity.models import CitizenProfile, User
from motcua.insights.clock import clock_of
from motcua.lib.text import fold
from motcua.monitoring import counters
from motcua.units.models import Role, Unit

from .history import HCM, PROCEDURES

PROVINCE = "000.00.00.H99"
# Dossiers per working day at each implementing unit: birth registration is the commune's daily work.
RATE = {"1.001193": 1.6, "1.004873": 0.6, "1.004194": 0.7, "3.000333": 0.7}
# (procedure, unit code, step) → how much slower than the unit's usual pace: the agencies a leader
# should see. The Hòa Thuận ward police verify slowly, the province police's record lookup is slow,
# An Bình's chairman signs birth certificates late in the day.
SLOW = {
    ("1.004194", "000.12.30.H99", "verify"): 2.0,
    ("3.000333", "000.00.30.H99", "lookup"): 1.5,
    ("1.001193", "000.11.00.H99", "sign"): 1.7,
    ("1.004873", "000.12.00.H99", "verify"): 1.5,
}
# Share of dossiers with a supplement round, per unit (default SUPPLEMENT).
SUPPLEMENT = 0.08
ASKS_MORE = {"000.12.30.H99": 0.2, "000.00.30.H99": 0.14}
SIGMA = 0.55  # spread of a step's time around its pace (lognormal)
STALL = 0.04  # a file left on a desk: the step takes 2–5 times as long
CITIZENS = 40


def _office_start(rng: random.Random, day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 7 + rng.randrange(10), rng.randrange(60), tzinfo=HCM)


def _citizens() -> list[int]:
    """Synthetic applicants of the bulk history (lichsu01…), made once; their password is unusable."""
    names = [f"lichsu{i:02d}" for i in range(1, CITIZENS + 1)]
    have = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
    missing = [n for n in names if n not in have]
    if missing:
        homes = list(Unit.objects.filter(code__in=("000.11.00.H99", "000.12.00.H99")).order_by("code"))
        unusable = make_password(None)
        users = User.objects.bulk_create([
            User(username=n, password=unusable, first_name="Mẫu", last_name=f"Công dân {n[-2:]}") for n in missing])
        CitizenProfile.objects.bulk_create([
            CitizenProfile(user=u, personal_id=f"0019{u.username[-2:]}{900000 + int(u.username[-2:]):06d}",
                           full_name=f"Công dân mẫu {u.username[-2:]}", search_name=fold(f"Công dân mẫu {u.username[-2:]}"),
                           home_unit=homes[i % len(homes)] if homes else None)
            for i, u in enumerate(users)])
        have.update({u.username: u.pk for u in users})
    return [have[n] for n in names]


def _worker(unit: Unit, role: str, cache: dict) -> int | None:
    from .history import _worker as find

    key = (unit.pk, role)
    if key not in cache:
        user = find(unit, role) or find(unit, Role.ONE_STOP_OFFICER)
        cache[key] = user.pk if user else None
    return cache[key]


def _codes(unit: Unit, day: date, n: int, sequences: dict) -> list[str]:
    key = (unit.pk, day)
    first = sequences.get(key, 0) + 1
    sequences[key] = first - 1 + n
    return [f"{unit.code}-{day:%y%m%d}-{i:04d}" for i in range(first, first + n)]


def load_step_history(days: int = 182, today: date | None = None, seed: int = 23, scale: float = 1.0) -> int:
    """Write the dossiers of the last `days` days (`scale` × the usual rates); returns how many."""
    rng = random.Random(seed)
    now = timezone.now()
    today = today or now.astimezone(HCM).date()
    province = Unit.objects.get(code=PROVINCE)
    citizens = _citizens()
    workers: dict = {}
    sequences: dict = {}
    plans = []
    for procedure in Procedure.objects.filter(code__in=PROCEDURES).select_related("current").order_by("code"):
        units = sorted(implementing_units(procedure).filter(path__startswith=province.path), key=lambda u: u.code)
        for unit in units:
            plans.append((procedure, unit))
    start = today - timedelta(days=days)
    existing = {(u, d): last for u, d, last in DailySequence.objects.filter(
        unit__in={u for _p, u in plans}, day__gte=start).values_list("unit_id", "day", "last")}
    sequences.update(existing)
    dossiers: list[Dossier] = []
    tasks: list[list[Task]] = []
    events: list[list[DossierEvent]] = []
    rounds: list[list[SupplementRequest]] = []
    for procedure, unit in plans:
        version = procedure.current
        definition = version.definition
        steps = definition["workflow"]["steps"]
        clock = clock_of(unit)
        cal = deadlines.calendar(unit)
        # The unit's pace at each step: its share of the deadline × a factor of its own (0.35–0.8 of it on
        # a usual day), slower where SLOW says so.
        pace = {s["id"]: rng.uniform(0.3, 0.85) * SLOW.get((procedure.code, unit.code, s["id"]), 1.0) for s in steps}
        asks = ASKS_MORE.get(unit.code, SUPPLEMENT)
        day = start
        while day < today:
            if not cal.is_working_day(day):
                day += timedelta(days=1)
                continue
            n = _poisson(rng, RATE.get(procedure.code, 0.5) * scale)
            codes = _codes(unit, day, n, sequences)
            for code in codes:
                submitted = _office_start(rng, day)
                if submitted >= now:
                    continue
                made = _one(rng, now, code, procedure, version, unit, steps, clock, cal, pace, asks, submitted,
                            citizens[rng.randrange(len(citizens))], workers)
                dossiers.append(made[0])
                tasks.append(made[1])
                events.append(made[2])
                rounds.append(made[3])
            day += timedelta(days=1)
    with transaction.atomic():
        Dossier.objects.bulk_create(dossiers, batch_size=500)
        for d, ts, es, rs in zip(dossiers, tasks, events, rounds, strict=True):
            for row in (*ts, *es, *rs):
                row.dossier_id = d.pk
        Task.objects.bulk_create([t for ts in tasks for t in ts], batch_size=1000)
        DossierEvent.objects.bulk_create([e for es in events for e in es], batch_size=1000)
        SupplementRequest.objects.bulk_create([r for rs in rounds for r in rs], batch_size=1000)
        for (unit_id, day), last in sequences.items():
            if (unit_id, day) in existing and existing[unit_id, day] != last:
                DailySequence.objects.filter(unit_id=unit_id, day=day).update(last=last)
        DailySequence.objects.bulk_create([DailySequence(unit_id=u, day=d, last=last)
                                           for (u, d), last in sequences.items() if (u, d) not in existing and last])
        _count(dossiers)
    return len(dossiers)


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _count(dossiers: list[Dossier]) -> None:
    """The KPI counters: each dossier's contribution (monitoring/contributions.py), summed per unit and procedure."""
    units = Unit.objects.in_bulk({d.unit_id for d in dossiers})
    cells: dict[tuple[int, int], Counter] = defaultdict(Counter)
    opened: dict[tuple[int, int], Counter] = defaultdict(Counter)
    for d in dossiers:
        c = counters.snapshot(d)
        for day, column, n in c.cells:
            cells[d.unit_id, d.procedure_id][(day, column)] += n
        if c.open_day is not None:
            opened[d.unit_id, d.procedure_id][c.open_day] += 1
    for key in cells.keys() | opened.keys():
        counters.add(counters.ancestors(units[key[0]].path), key[1], dict(cells.get(key, {})), opened.get(key, Counter()))


def _one(rng, now, code, procedure, version, unit, steps, clock, cal, pace, asks, submitted, applicant, workers):
    """One dossier's life, cut at `now`: (dossier, tasks, events, supplement rounds), unsaved."""
    definition = version.definition
    data = dict(definition.get("example") or {})
    channel = 1 if rng.random() < 0.3 else 2
    components = [{"key": c["key"], "source": next(iter(c["sources"][0])), "name": f"{c['key']}.pdf"}
                  for c in definition.get("components", []) if c.get("required", True) and not c.get("when")]
    d = Dossier(code=code, procedure=procedure, procedure_version=version, unit=unit, applicant_id=applicant,
                channel=channel, status=Status.SUBMITTED, data=data, components=components, fee=procedure.fee or 0,
                submitted_at=submitted, component_sources=sources_mask(components),
                vneid_auth=channel == 2 and rng.random() < 0.8)
    d.paid_online = 2 if d.fee and channel == 2 else 0
    officer = _worker(unit, Role.ONE_STOP_OFFICER, workers)
    ev: list[DossierEvent] = []

    def event(action, before, after, at, actor=officer, **data):
        ev.append(DossierEvent(action=action, from_status=before, to_status=after, actor_id=actor, at=at, data=data))

    event("submit", None, Status.SUBMITTED, submitted, applicant, version=version.number)
    d.updated_at = submitted
    received = submitted if channel == 1 else clock.moment(clock.at(submitted) + rng.uniform(0.05, 0.6))
    days = pricing.processing_days(d)
    scale = timing.step_scale(definition, days)
    tasks = [Task(step=s["id"], name=s["name"], unit=workflow.step_unit(d, s.get("unit")), role=s["role"],
                  after=s.get("after", []), days=float(s["days"]) * scale, is_end=bool(s.get("end")),
                  may_request_supplement=bool(s.get("may_request_supplement")), calendar_days=s.get("calendar_days"),
                  status=TaskStatus.WAITING) for s in steps]
    for t in tasks:
        t.elsewhere = t.unit_id != d.unit_id  # as workflow.create_tasks marks them
    by_step = {t.step: t for t in tasks}
    rs: list[SupplementRequest] = []
    # The whole life first (moments), then cut at `now`.
    plan: dict[str, tuple[datetime, datetime, datetime]] = {}  # step → opened, claimed, done
    pause: tuple[datetime, datetime, int] | None = None
    legal_due = deadlines.due_at(received, days, unit)
    for t in tasks:  # the workflow's order: every step after the ones it follows
        if not t.after:
            opened = submitted
            done = received
        else:
            opened = max(plan[b][2] for b in t.after)
            if t.is_end:
                done = None  # returned after the result is issued, below
            else:
                pace_days = t.days * pace[t.step] * math.exp(rng.gauss(0, SIGMA))
                if rng.random() < STALL:
                    pace_days *= rng.uniform(2, 5)
                start = clock.at(opened)
                if t.may_request_supplement and pause is None and rng.random() < asks:
                    asked = clock.moment(start + pace_days * rng.uniform(0.1, 0.6))
                    answered = asked + timedelta(days=rng.uniform(1, 9))
                    answered = clock.moment(clock.at(answered))  # the applicant answers in office hours
                    stood = cal.working_days_between(asked.astimezone(HCM).date(), answered.astimezone(HCM).date())
                    pause = (asked, answered, stood)
                    start += clock.at(answered) - clock.at(asked)
                done = clock.moment(start + max(pace_days, 0.02))
        claimed = opened if not t.after else min(done or opened, clock.moment(clock.at(opened) + rng.uniform(0, 0.1)))
        plan[t.step] = (opened, claimed, done)
    last = max(v[2] for k, v in plan.items() if not by_step[k].is_end)
    finished = clock.moment(clock.at(last) + rng.uniform(0.01, 0.2))
    returned = clock.moment(clock.at(finished) + rng.uniform(0.1, 2.5))
    for t in tasks:
        if t.is_end:
            o = plan[t.step][0]
            plan[t.step] = (o, o, returned)

    # Cut at now.
    if received <= now:
        d.received_at = received
        d.due_at = d.legal_due_at = legal_due
        d.status = Status.RECEIVED
        event("receive", Status.SUBMITTED, Status.RECEIVED, received, due_at=legal_due.isoformat())
    for t in tasks:
        opened, claimed, done = plan[t.step]
        if opened > now:
            continue
        t.status, t.opened_at = TaskStatus.OPEN, opened
        t.due_at = workflow._step_due(t, opened)
        worker = _worker(t.unit, t.role, workers)
        if claimed <= now:
            t.assignee_id, t.claimed_at = worker, claimed
            if t.after and d.status == Status.RECEIVED:
                d.status = Status.PROCESSING
                event("start_processing", Status.RECEIVED, Status.PROCESSING, claimed, worker, task=t.step)
        if pause is not None and t.may_request_supplement and opened <= pause[0] <= now:
            asked, answered, stood = pause
            round_ = SupplementRequest(number=1, reason="Bản chụp giấy tờ không rõ", requested_by_id=worker,
                                       requested_at=asked, items=[{"key": (components or [{"key": "giay_to"}])[0]["key"],
                                                                   "reason": "Bản chụp không rõ"}])
            rs.append(round_)
            d.supplement_count = 1
            event("request_supplement", d.status, Status.SUPPLEMENT_REQUESTED, asked, worker, number=1)
            if answered <= now:
                round_.answered_at, round_.paused_days, round_.answer = answered, stood, components[:1]
                d.legal_due_at = d.due_at = deadlines.shift(d.legal_due_at, stood, cal)
                t.due_at = deadlines.shift(t.due_at, stood, cal)
                d.paused_days = stood
                event("submit_supplement", Status.SUPPLEMENT_REQUESTED, Status.PROCESSING, answered, applicant,
                      paused_days=stood)
            else:
                d.status, d.paused_at, d.status_before_pause = Status.SUPPLEMENT_REQUESTED, asked, Status.PROCESSING
        if done is not None and done <= now and not (t.is_end and finished > now):
            t.status, t.done_at, t.done_by_id = TaskStatus.DONE, done, worker
            if t.assignee_id is None:
                t.assignee_id, t.claimed_at = worker, done
            if t.after and not t.is_end:
                event("approve" if t.role == Role.APPROVER else "transfer", d.status, d.status, done, worker, task=t.step)
                if t.role == Role.APPROVER:
                    d.approved_at = done
    if finished <= now and d.status == Status.PROCESSING:
        signer = _worker(unit, definition.get("result", {}).get("signer_role", Role.APPROVER), workers)
        d.status, d.finished_at = Status.PROCESSED, finished
        event("issue_result", Status.PROCESSING, Status.PROCESSED, finished, signer)
        if returned <= now:
            d.status, d.returned_at = Status.RETURNED, returned
            event("return_result", Status.PROCESSED, Status.RETURNED, returned)
    d.updated_at = max(e.at for e in ev)
    if d.finished_at is None and d.legal_due_at is not None and d.paused_at is None:
        d.deadline_state = "late" if now > d.legal_due_at else "at_risk" if d.legal_due_at - now < timedelta(days=1) else "on_time"
    return d, tasks, ev, rs
