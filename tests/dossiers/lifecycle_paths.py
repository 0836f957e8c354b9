"""Every shipped procedure × every path of a dossier's life, through the API (generated).

For each file in procedures/ and each path — the happy path, a supplement, the
transfers between steps (inter-agency where the workflow has steps at other
units), a late dossier with its apology letter, a withdrawal and a refusal — a
demo citizen submits the definition's example and the demo staff who hold each
step act on it (tests/walker.py finds them from the step's unit and role). Time
is moved with freezegun where the path depends on it. Runs on SQLite and on
PostgreSQL (DATABASE_URL).

This module is the walks' machinery: one function per path, taking the procedure's file name. They
are run by the modules `test_lifecycle_paths_*.py`, each a share of the (path, procedure) cases
(`share`: every case in exactly one), so `pytest -n 2 --dist loadfile` spreads the ~200 walks over
the processes instead of giving them to one; test_lifecycle_paths.py checks the shares.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from motcua.audit.log import verify_chain
from motcua.audit.models import AuditEntry
from motcua.catalog import timing
from motcua.dossiers import actions, deadlines
from motcua.dossiers.models import ApologyLetter, DossierEvent, Status, Task, TaskStatus
from motcua.identity.models import User
from motcua.lib.conditions import evaluate
from motcua.notifications.models import OutboxEvent
from motcua.units.models import Membership, Role
from motcua.units.scope import roles_on, units_for
from tests.walker import (
    DEFINITIONS,
    Walker,
    component,
    other_unit_steps,
    registry_held,
    required_components,
    worker,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
NAMES = sorted(DEFINITIONS)
# A supplement names components to supply: a procedure that asks for none (a notice of stay) has none to ask.
WITH_COMPONENTS = [n for n in NAMES if DEFINITIONS[n]["components"]]
# Lateness needs a time: a procedure recorded on the day it is received (0 working days) has no "at risk" hour.
WITH_TIME = [n for n in NAMES if DEFINITIONS[n]["processing_days"] > 0]
# Tuesday 3 March 2026, 09:00 local: a working day with no holiday for the next six weeks,
# so the longest procedure (20 working days) and its pauses stay clear of Hùng Kings' day.
T0 = datetime(2026, 3, 3, 9, 0, tzinfo=HCM)


def _trail(code: str) -> tuple[int, int, int]:
    return (
        DossierEvent.objects.filter(dossier__code=code).count(),
        AuditEntry.objects.filter(object_type="dossier", object_id=code).count(),
        OutboxEvent.objects.filter(key=code).count(),
    )


def _local(moment: str | datetime) -> datetime:
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return value.astimezone(HCM)


def _shifted(moment: datetime, days: int, calendar) -> datetime:
    """The same local time of day, `days` working days later."""
    local = _local(moment)
    day = calendar.add_working_days(local.date(), days)
    return local.replace(year=day.year, month=day.month, day=day.day)


def _staff_usernames() -> list[str]:
    return sorted(set(Membership.objects.values_list("user__username", flat=True)))


def _assert_every_change_left_its_trail(walker: Walker, body: dict) -> None:
    """One history event, one audit entry and one outbox event per change; the audit chain holds."""
    count = len(body["history"])
    assert _trail(walker.code) == (count, count, count)
    assert list(OutboxEvent.objects.filter(key=walker.code).values_list("topic", flat=True)) == [
        f"dossier.{e['action']}" for e in body["history"]
    ]
    assert verify_chain("dossier", walker.code)
    # Replaying the history gives the current status.
    status = None
    for event in body["history"]:
        assert event["from_status"] == status, (walker.code, event)
        status = event["to_status"]
    assert status == body["status"]


# --- the happy path ------------------------------------------------------------------------------


def happy_path(name):
    definition = DEFINITIONS[name]
    walker = Walker(definition)
    submitted = walker.submit()
    assert submitted["status"] == 1 and submitted["due_at"] is None and submitted["allowed_actions"] == ["withdraw"]
    received = walker.receive()
    # The time the procedure gives this dossier: its processing_days, or the alternative whose condition
    # the example meets (3.000722: 3 days for a child living with a parent, 5 with verification).
    days = timing.processing_days(definition, definition["example"], {"channel": 2})
    assert _local(received["due_at"]) == deadlines.due_at(
        datetime.fromisoformat(received["received_at"]), days, walker.dossier.unit
    )
    assert received["due_at"] == received["legal_due_at"] and received["due_at"] >= received["received_at"]
    walker.process()
    final = walker.finish()

    assert [e["action"] for e in final["history"]] == walker.actions
    assert (final["paused_days"], final["supplement_count"], final["deadline_state"]) == (0, 0, "on_time")
    assert final["due_at"] == final["legal_due_at"]
    assert final["allowed_actions"] == []
    _assert_every_change_left_its_trail(walker, final)
    # Every step is done by someone holding its role at its unit, or skipped by its condition.
    for task in Task.objects.filter(dossier__code=walker.code).select_related("unit", "done_by"):
        if task.status == TaskStatus.SKIPPED:
            step = next(s for s in definition["workflow"]["steps"] if s["id"] == task.step)
            assert "when" in step, (name, task.step)
            continue
        assert task.status == TaskStatus.DONE, (name, task.step)
        assert task.role in roles_on(task.done_by, task.unit), (name, task.step, task.done_by)
    # Nobody involved can do anything more with it, but the applicant may rate it, once.
    assert walker.get(walker.applicant)["allowed_actions"] == ["rate"]
    for username in {walker.officer(), walker.signer()} - {walker.applicant}:
        assert walker.get(username)["allowed_actions"] == []
    for username in (walker.applicant, walker.officer()):
        pdf = walker.client(username).get(f"/dossiers/{walker.code}/result")
        assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF-")


# --- a supplement: the clock stops ------------------------------------------------------------------


def _requestable(definition: dict) -> list[str]:
    """Up to two components to ask for: the required ones first."""
    required = required_components(definition, definition["example"])
    others = [c["key"] for c in definition["components"] if c["key"] not in required]
    return (required + others)[:2]


def _first_step_started(definition: dict):
    """A dossier submitted and received, its first open step started by an officer who holds it: (walker, the
    step as it stood open, that officer)."""
    walker = Walker(definition)
    walker.submit()
    walker.receive()
    first = walker.open_work()[0]
    holder = worker(first.unit, first.role)
    walker.act(holder, "start_processing", {"task": first.step})
    return walker, first, holder


PAUSE = 3  # working days the applicant takes to answer


def supplement(name):
    definition = DEFINITIONS[name]
    with freeze_time(T0) as clock:
        walker, first, holder = _first_step_started(definition)
        assert first.may_request_supplement, (name, first.step)
        before = walker.dossier
        task_due = Task.objects.get(pk=first.pk).due_at
        calendar = deadlines.calendar(before.unit)
        keys = _requestable(definition)
        items = [{"key": k, "reason": f"Bản chụp không đọc được ({k})"} for k in keys]

        # A request must name what to supply, with known components, and say why.
        trail = _trail(walker.code)
        r = walker.act(holder, "request_supplement", {"reason": "Thiếu giấy tờ"}, expect=422)
        assert r["code"] == "supplement_items_required" and set(keys) <= set(r["known"])
        r = walker.act(holder, "request_supplement", {"reason": "Thiếu", "items": [{"key": "no_such_paper"}]}, expect=422)
        assert r["code"] == "supplement_items_required" and r["components"] == ["no_such_paper"]
        assert walker.act(holder, "request_supplement", {"items": items}, expect=422)["code"] == "reason_required"
        assert _trail(walker.code) == trail

        asked = walker.act(holder, "request_supplement", {"reason": "Hồ sơ cần bổ sung", "items": items})
        assert (asked["status"], asked["supplement_count"], asked["paused_days"]) == (5, 1, 0)
        assert [i["key"] for i in asked["supplements"][0]["items"]] == keys
        assert asked["supplements"][0]["answered_at"] is None
        seen = walker.get()
        assert (seen["status"], seen["supplement_count"]) == (5, 1)
        assert "submit_supplement" in seen["allowed_actions"]
        # While the applicant is asked, nobody processes and staff cannot answer in their place.
        r = walker.act(holder, "transfer", {"task": first.step}, expect=409)
        assert r["code"] == "illegal_transition" and "transfer" not in r["allowed"]
        answer = {"components": [component(definition, k, name=f"bo-sung-{k}.pdf") for k in keys]}
        assert walker.act(holder, "submit_supplement", answer, expect=403)["code"] == "forbidden"

        # The applicant answers PAUSE working days later (a weekend may lie in between).
        clock.move_to(_shifted(T0, PAUSE, calendar).replace(hour=10))
        walker.forget_tokens()
        trail = _trail(walker.code)
        partial = {"components": answer["components"][:1]} if len(keys) > 1 else {"components": []}
        r = walker.act(walker.applicant, "submit_supplement", partial, expect=422)
        assert r["code"] == "supplement_incomplete"
        assert r["missing"] == (keys[1:] if len(keys) > 1 else keys)
        assert _trail(walker.code) == trail and walker.dossier.status == 5

        back = walker.act(walker.applicant, "submit_supplement", answer)
        assert back["status"] == 4  # back where it was when asked
        assert (back["paused_days"], back["supplement_count"]) == (PAUSE, 1)
        assert _local(back["due_at"]) == _shifted(before.due_at, PAUSE, calendar)
        # The legal due date (KPI-766.md §5.1) moves by the pause too; before §5 it was the first promise, kept.
        assert _local(back["legal_due_at"]) == _shifted(before.legal_due_at, PAUSE, calendar)
        assert Task.objects.get(pk=first.pk).due_at == _shifted(task_due, PAUSE, calendar)
        supplement = back["supplements"][0]
        assert supplement["answered_at"] and supplement["paused_days"] == PAUSE
        names = {c["key"]: c.get("name") for c in back["components"]}
        sent = {c["key"]: c.get("name") for c in answer["components"]}
        assert all(names[k] == sent[k] for k in keys if sent[k])

        walker.step_once(Task.objects.get(pk=first.pk))
        walker.process()
        final = walker.finish()
    assert [e["action"] for e in final["history"]] == walker.actions
    assert (final["paused_days"], final["supplement_count"]) == (PAUSE, 1)
    _assert_every_change_left_its_trail(walker, final)


def supplement_before_receipt_pauses_nothing_and_returns_to_status_1(name):
    definition = DEFINITIONS[name]
    with freeze_time(T0) as clock:
        walker = Walker(definition)
        walker.submit(components=[])
        officer = walker.officer()
        # A component a registry holds is recorded by the submission itself: never missing.
        missing = [k for k in required_components(definition, definition["example"]) if k not in registry_held(definition)]
        r = walker.act(officer, "receive", expect=422)
        assert r["code"] == "incomplete" and r["missing"] == missing
        items = [{"key": k, "reason": "Chưa nộp"} for k in missing]
        assert walker.act(officer, "request_supplement", {"reason": "Thiếu", "items": items})["status"] == 5
        clock.move_to(T0 + timedelta(days=7))
        walker.forget_tokens()
        back = walker.act(walker.applicant, "submit_supplement",
                          {"components": [component(definition, k) for k in missing]})
        # Before receipt no clock ran: nothing is counted as paused; the officer receives it now.
        assert (back["status"], back["paused_days"], back["supplement_count"], back["due_at"]) == (1, 0, 1, None)
        assert walker.receive()["due_at"]


# --- transfers between steps and agencies --------------------------------------------------------


def _involved_units(code: str) -> set[str]:
    return set(
        Task.objects.filter(dossier__code=code).exclude(status=TaskStatus.SKIPPED).values_list("unit__code", flat=True)
    )


WHO_ACTIONS = ("hand_over", "record_answer", "record_visit")  # dossiers/actions/who.py


def transfer(name):
    definition = DEFINITIONS[name]
    walker = Walker(definition)
    walker.submit()
    walker.receive()
    home = walker.dossier.unit
    first = walker.open_work()[0]
    holder = worker(first.unit, first.role)
    r = walker.act(holder, "start_processing", {"task": "no_such_step"}, expect=422)
    assert r["code"] == "unknown_task"
    walker.act(holder, "start_processing", {"task": first.step})
    # Only the holder of the open step hands it on: the leader is told what they may do instead.
    leader = worker(home, Role.APPROVER)
    r = walker.act(leader, "transfer", {"task": first.step}, expect=403)
    assert r["code"] == "forbidden" and "transfer" not in r["allowed"] and "assign" in r["allowed"]

    # The staff of the other units that have steps see the dossier from the start, act only once
    # their step opens.
    elsewhere = {}
    for task in Task.objects.filter(dossier__code=walker.code).exclude(unit=home).exclude(status=TaskStatus.SKIPPED):
        local = worker(task.unit, task.role)
        assert local, (name, task.step, task.unit.code)
        elsewhere[task.step] = (task.unit.code, local)
        body = walker.get(local)
        assert body["allowed_actions"] == [], (name, local)
        listed = walker.client(local).get(f"/dossiers?unit={task.unit.code}").json()
        assert walker.code in [d["code"] for d in listed]
    applying = [s for s in other_unit_steps(definition) if evaluate(s.get("when"), definition["example"], {"channel": 2})]
    assert bool(elsewhere) == bool(applying), (name, elsewhere, applying)

    # Staff of a unit without a step do not even see it.
    involved = _involved_units(walker.code) | {home.code}
    strangers = [u for u in _staff_usernames() if not units_for(User.objects.get(username=u)).filter(code__in=involved).exists()]
    assert strangers
    assert walker.client(strangers[0]).get(f"/dossiers/{walker.code}").status_code == 404

    parallel = False
    task = first
    for _ in range(len(walker.tasks()) + 1):
        _, answer = walker.step_once(task)
        event = DossierEvent.objects.filter(dossier__code=walker.code).latest("id")
        # A step of an outside agency, an appointment or a lower desk's hand-over is done by its own action.
        assert event.action in ("transfer", "approve", *WHO_ACTIONS) and event.data["step"] == task.step
        opened = {t["step"]: t for t in answer["tasks"] if t["status"] == TaskStatus.OPEN}
        if event.action == "transfer":
            assert {o["step"] for o in event.data["opened"]} <= set(opened)
            assert event.data["to_units"] == sorted({o["unit"] for o in event.data["opened"]} - {task.unit.code})
        parallel |= len([t for t in walker.open_work()]) > 1
        for step, (unit_code, local) in elsewhere.items():
            if step in opened:
                # Inter-agency: the step opened at the other unit, its own staff can see and act.
                assert opened[step]["unit"] == unit_code and opened[step]["assignee"] is None
                assert "claim" in walker.get(local)["allowed_actions"], (name, step, local)
        remaining = walker.open_work()
        if not remaining:
            break
        task = remaining[0]
        local = worker(task.unit, task.role)
        if task.unit_id != home.pk:
            # The other agency's officer claims the step from their queue, then finishes it.
            claimed = walker.act(local, "claim", {"task": task.step})
            assert next(t for t in claimed["tasks"] if t["step"] == task.step)["assignee"] == local
    final = walker.finish()
    _assert_every_change_left_its_trail(walker, final)

    # Each unit's share of the time: what its steps were given, and what they took.
    shares = {s["unit"]: s for s in final["unit_shares"]}
    assert set(shares) == _involved_units(walker.code)
    for unit_code, share in shares.items():
        given = sum(t.days for t in Task.objects.filter(dossier__code=walker.code, unit__code=unit_code)
                    .exclude(status=TaskStatus.SKIPPED))
        assert share["days_allowed"] == pytest.approx(given)
        assert share["days_used"] >= 0
    if elsewhere:
        assert len(shares) >= 2 and set(u for u, _ in elsewhere.values()) <= set(shares)
        done_by = {t.step: t.done_by.username for t in Task.objects.filter(dossier__code=walker.code, step__in=elsewhere)
                   .select_related("done_by")}
        assert done_by == {step: local for step, (_, local) in elsewhere.items()}
    else:
        assert set(shares) == {home.code}
    branches = {b for s in definition["workflow"]["steps"] for b in s.get("after", [])}
    if any(sum(b in s.get("after", []) for s in definition["workflow"]["steps"]) > 1 for b in branches):
        assert parallel, f"{name}: the parallel steps never stood open together"


# --- late, with the apology letter -------------------------------------------------------------------


def late_with_apology(name):
    definition = DEFINITIONS[name]
    with freeze_time(T0) as clock:
        walker, first, holder = _first_step_started(definition)
        dossier = walker.dossier
        due, legal = dossier.due_at, dossier.legal_due_at
        calendar = deadlines.calendar(dossier.unit)
        assert due == legal
        assert actions.mark_deadlines() == {"at_risk": 0, "late": 0}

        # One office hour before the promise: at risk; staff may already apologise.
        clock.move_to(due - timedelta(hours=1))
        walker.forget_tokens()
        assert actions.mark_deadlines() == {"at_risk": 1, "late": 0}
        seen = walker.get(holder)
        assert seen["deadline_state"] == "at_risk" and "issue_apology" in seen["allowed_actions"]
        assert seen["history"][-1]["action"] == "deadline_at_risk" and seen["history"][-1]["actor"] is None

        # Past it, with no letter: late, and processing stops until the letter is issued.
        clock.move_to(due + timedelta(hours=1))
        assert actions.mark_deadlines() == {"at_risk": 0, "late": 1}
        assert actions.mark_deadlines() == {"at_risk": 0, "late": 0}
        assert walker.get()["deadline_state"] == "late"
        trail = _trail(walker.code)
        action = "approve" if first.role == Role.APPROVER else "transfer"
        r = walker.act(holder, action, {"task": first.step}, expect=409)
        assert r["code"] == "apology_required" and "issue_apology" in r["allowed"] and action not in r["allowed"]
        r = walker.act(holder, "request_supplement", {"reason": "x", "items": [{"key": definition["components"][0]["key"]}]},
                       expect=409)
        assert r["code"] == "apology_required"
        r = walker.act(walker.signer(), "issue_result", expect=409)
        assert r["code"] == "apology_required"

        # The new date must be a working day after today and the old promise.
        today = datetime.now(HCM).date()
        new_day = calendar.add_working_days(today, 2)
        day_off = next(today + timedelta(days=n) for n in range(1, 15) if not calendar.is_working_day(today + timedelta(days=n)))
        for bad in (today.isoformat(), _local(due).date().isoformat(), day_off.isoformat()):
            r = walker.act(holder, "issue_apology", {"reason": "Cần xác minh thêm", "new_due_date": bad}, expect=422)
            assert r["code"] == "invalid_new_due_date"
        r = walker.act(holder, "issue_apology", {"new_due_date": new_day.isoformat()}, expect=422)
        assert r["code"] == "reason_required"
        assert walker.act(walker.applicant, "issue_apology",
                          {"reason": "x", "new_due_date": new_day.isoformat()}, expect=403)["code"] == "forbidden"
        assert _trail(walker.code) == trail

        letter_body = walker.act(holder, "issue_apology",
                                 {"reason": "Cần xác minh thêm với cơ quan khác", "new_due_date": new_day.isoformat()})
        new_due = datetime.combine(new_day, time(17, 0), tzinfo=HCM)
        assert _local(letter_body["due_at"]) == new_due
        assert _local(letter_body["legal_due_at"]) == _local(legal)  # an apology letter never moves the legal date
        assert letter_body["deadline_state"] == "on_time" and letter_body["status"] == 4
        assert [(_local(a["previous_due_at"]), _local(a["new_due_at"])) for a in letter_body["apologies"]] == [
            (_local(due), new_due)
        ]
        letter = ApologyLetter.objects.get(dossier__code=walker.code)
        pdf = letter.file.read()
        assert pdf.startswith(b"%PDF-") and hashlib.sha256(pdf).hexdigest() == letter.sha256
        assert letter.issued_by.username == holder and letter.reason == "Cần xác minh thêm với cơ quan khác"
        outbox = OutboxEvent.objects.filter(key=walker.code, topic="dossier.issue_apology").get()
        assert _local(outbox.payload["new_due_at"]) == new_due and outbox.payload["letter"] == letter.number

        # With the new date, the work goes on to the result.
        walker.step_once(Task.objects.get(pk=first.pk))
        walker.process()
        final = walker.finish()
    actions_seen = [e["action"] for e in final["history"]]
    assert [a for a in actions_seen if not a.startswith("deadline_")] == walker.actions
    assert [a for a in actions_seen if a.startswith("deadline_")] == ["deadline_at_risk", "deadline_late"]
    assert final["due_at"] >= final["received_at"]
    _assert_every_change_left_its_trail(walker, final)


# --- withdrawal -----------------------------------------------------------------------------------------


WITHDRAW_UNTIL = {"received": {1, 2}, "processing": {1, 2, 4, 5, 6}}


def withdrawal(name):
    definition = DEFINITIONS[name]
    until = WITHDRAW_UNTIL[definition.get("withdraw_until", "received")]

    # Received, not yet processed: the applicant may withdraw; staff may not in their place.
    walker = Walker(definition)
    walker.submit()
    walker.receive()
    officer = walker.officer()
    assert "withdraw" in walker.get()["allowed_actions"]
    r = walker.act(officer, "withdraw", expect=403)
    assert r["code"] == "forbidden" and "withdraw" not in r["allowed"]
    r = walker.client("citizen2").post(f"/dossiers/{walker.code}/actions/withdraw")
    assert r.status_code == 404
    body = walker.act(walker.applicant, "withdraw", {"reason": "Không còn nhu cầu"})
    assert body["status"] == 7 and body["allowed_actions"] == []
    assert {t["status"] for t in body["tasks"]} <= {TaskStatus.DONE, TaskStatus.CANCELLED, TaskStatus.SKIPPED}
    assert body["history"][-1]["reason"] == "Không còn nhu cầu"
    r = walker.act(walker.applicant, "withdraw", expect=409)
    assert r["allowed"] == []
    assert walker.get(officer)["allowed_actions"] == []
    assert walker.act(officer, "return_result", expect=409)["allowed"] == []
    _assert_every_change_left_its_trail(walker, walker.get())

    # Once processing started, only if the procedure lets the applicant withdraw that late.
    late = Walker(definition)
    late.submit()
    late.receive()
    first = late.open_work()[0]
    late.act(worker(first.unit, first.role), "start_processing", {"task": first.step})
    if Status.PROCESSING in until:
        assert late.act(late.applicant, "withdraw")["status"] == 7
    else:
        trail = _trail(late.code)
        r = late.act(late.applicant, "withdraw", expect=409)
        assert r["code"] == "illegal_transition" and r["status"] == 4 and "withdraw" not in r["allowed"]
        assert _trail(late.code) == trail and late.dossier.status == 4


# --- refusal at receipt ------------------------------------------------------------------------------------


def refusal(name):
    definition = DEFINITIONS[name]
    walker = Walker(definition)
    walker.submit(components=[])
    officer = walker.officer()
    # A component a registry holds is recorded by the submission itself, and one whose original may be brought
    # to the counter instead (`counter` beside an upload: 2.000815's original) is never missing either.
    at_counter = {c["key"] for c in definition.get("components", []) if any("counter" in s for s in c["sources"])}
    required = [k for k in required_components(definition, definition["example"])
                if k not in registry_held(definition) and k not in at_counter]
    trail = _trail(walker.code)
    if required:
        # Receiving an incomplete dossier is refused with the list of what is missing.
        r = walker.act(officer, "receive", expect=422)
        assert r["code"] == "incomplete" and r["missing"] == required
    specialist = worker(walker.dossier.unit, Role.SPECIALIST)
    r = walker.act(specialist, "refuse", {"reason": "Thiếu giấy tờ"}, expect=403)
    assert r["code"] == "forbidden" and r["allowed"] == []
    assert walker.act(officer, "refuse", expect=422)["code"] == "reason_required"
    assert _trail(walker.code) == trail and walker.dossier.status == 1

    reason = "Hồ sơ không thuộc thẩm quyền giải quyết"
    body = walker.act(officer, "refuse", {"reason": reason})
    assert body["status"] == 3 and body["received_at"] is None and body["due_at"] is None
    assert body["history"][-1]["action"] == "refuse" and body["history"][-1]["reason"] == reason
    assert {t["status"] for t in body["tasks"]} <= {TaskStatus.CANCELLED, TaskStatus.SKIPPED}
    assert walker.get()["allowed_actions"] == [] and walker.get(officer)["allowed_actions"] == []
    r = walker.act(officer, "receive", expect=409)
    assert r["code"] == "illegal_transition" and r["status"] == 3
    assert OutboxEvent.objects.filter(key=walker.code, topic="dossier.refuse").count() == 1
    _assert_every_change_left_its_trail(walker, walker.get())


# --- the cases, and their shares --------------------------------------------------------------------

# The two procedures whose supplement is asked before receipt: one at a single unit, one inter-agency.
BEFORE_RECEIPT = ["1.001193-dang-ky-khai-sinh.yaml", "3.000722-lien-thong-khai-sinh-thuong-tru-bhyt.yaml"]
# Each path, the procedures it is walked for, and whether the result is drawn and signed for real: only
# the happy path looks at it (every procedure's result template through WeasyPrint, signed); the others
# ask for `unsigned_results` (tests/conftest.py).
PATHS = {
    "happy_path": (happy_path, NAMES, True),
    "supplement": (supplement, WITH_COMPONENTS, False),
    "supplement_before_receipt_pauses_nothing_and_returns_to_status_1": (
        supplement_before_receipt_pauses_nothing_and_returns_to_status_1, BEFORE_RECEIPT, False),
    "transfer": (transfer, NAMES, False),
    "late_with_apology": (late_with_apology, WITH_TIME, False),
    "withdrawal": (withdrawal, NAMES, False),
    "refusal": (refusal, NAMES, False),
}
SHARES = 3


def cases() -> list[tuple[str, str]]:
    return [(path, name) for path, (_, names, _) in PATHS.items() for name in names]


def share(part: int) -> list[tuple[str, str]]:
    """Every `SHARES`-th procedure of each path from the `part`-th: the shares are disjoint and cover the cases."""
    return [(path, name) for path, (_, names, _) in PATHS.items() for i, name in enumerate(names) if i % SHARES == part]


def walk(request, path: str, name: str) -> None:
    """Walk `name` along `path`, its result unsigned unless the path looks at it."""
    function, _, real_result = PATHS[path]
    if not real_result:
        request.getfixturevalue("unsigned_results")
    function(name)
