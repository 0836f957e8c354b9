"""Random sequences of legal and illegal actions keep a dossier's invariants (hypothesis, stateful).

A state machine files one dossier (birth registration, or the inter-agency
bundle 3.000722) and then, step by step, lets time pass, runs the periodic
deadline check, takes an action that someone may take now (with a valid or a
broken payload), or tries any action by anyone (applicant, staff of the unit,
of the other agencies, of another commune, another citizen) with a random
payload. After every step:

- the status is one of the 10 national codes, and replaying the history
  (from_status → to_status, from None → 1) gives it;
- the due date is never before receipt; it is the first promise moved by the
  working days the dossier waited for the applicant, then by the apology
  letters; the paused days are exactly the working days waited after receipt;
- a successful action wrote exactly one history event, one audit entry and one
  outbox event, a failed one nothing;
- `allowed_actions()` agrees with `perform()`: an allowed action succeeds unless
  its payload is invalid (422), a valid payload always succeeds, an action not
  allowed fails with 403/404/409 and the error lists the same allowed actions.

Each example runs inside a savepoint that is rolled back, on the demo loaded once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from motcua.audit.log import verify_chain
from motcua.audit.models import AuditEntry
from motcua.dossiers import actions, deadlines, pricing, workflow
from motcua.dossiers.models import Dossier, DossierEvent, Status, TaskStatus
from motcua.identity.models import User
from motcua.lib.errors import ActionError
from motcua.notifications.models import OutboxEvent
from motcua.units.models import Role
from motcua.units.scope import Grants, grants_of, roles_on
from tests.walker import DEFINITIONS, check_task_graph, component, components_for, worker

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2026, 3, 3, 9, 0, tzinfo=HCM)  # a Tuesday morning
ACTORS = [
    "citizen",  # the applicant
    "citizen2",  # another citizen
    "onestop_anbinh", "specialist_anbinh", "approver_anbinh",  # the receiving commune
    "onestop_prov", "admin_province",  # the province's one-stop centre and unit administrator
    "specialist_police_anbinh", "approver_police_anbinh",  # the commune police (inter-agency steps)
    "specialist_bhxh",  # provincial social insurance (inter-agency step)
    "onestop_hoathuan", "specialist_finance",  # staff with nothing to do with it
]
NAMES = [*actions.RULES, "explode"]
# The actions that take a dossier on towards its result.
ONWARD = frozenset({
    "receive", "start_processing", "transfer", "approve", "issue_result", "return_result", "submit_supplement",
    "confirm_payment", "issue_apology",
})
REASON = "Lý do ghi rõ"
# 422 codes an allowed action may answer with although the payload is well formed: the dossier
# itself lacks what the action needs (receive without the required components).
STATE_INVALID = {"receive": {"incomplete"}}
# Actions whose broken payload (see _broken_payload) must be refused.
BROKEN_FAILS = frozenset({
    "refuse", "stop", "request_supplement", "issue_apology", "submit_supplement", "request_payment", "confirm_payment",
    "claim", "start_processing", "transfer", "approve", "assign", "rate",
})
# A complete satisfaction rating (every criterion answered).
RATING = {"answers": {"overall": "satisfied", "time": "very_satisfied", "ease": "satisfied", "staff": "satisfied",
                      "result": "dissatisfied"}, "comment": ""}


# The stored file of a scan (digitize, digitize_result): a path of the kind the upload checks store.
SCAN = {"name": "ban-quet.pdf", "size": 24, "sha256": "0" * 64, "content_type": "application/pdf",
        "path": "dossiers/2026/03/" + "ab" * 16 + "/ban-quet.pdf"}


class Clock:
    now = T0


def _trail(code: str) -> tuple[int, int, int]:
    return (
        DossierEvent.objects.filter(dossier__code=code).count(),
        AuditEntry.objects.filter(object_type="dossier", object_id=code).count(),
        OutboxEvent.objects.filter(key=code).count(),
    )


def _shifted(moment: datetime, days: int, calendar) -> datetime:
    local = moment.astimezone(HCM)
    day = calendar.add_working_days(local.date(), days)
    return local.replace(year=day.year, month=day.month, day=day.day)


def _copy(p: actions.Payload) -> actions.Payload:
    return actions.Payload(
        reason=p.reason, task=p.task, assignee=p.assignee, items=p.items and [dict(i) for i in p.items],
        components=p.components and [dict(c) for c in p.components], data=p.data, amount=p.amount,
        new_due_date=p.new_due_date, rating=p.rating and {**p.rating}, receipt_number=p.receipt_number,
        key=p.key, scan=p.scan and {**p.scan},
    )


def _random_payloads(definition: dict) -> st.SearchStrategy[actions.Payload]:
    keys = [c["key"] for c in definition["components"]]
    steps = [s["id"] for s in definition["workflow"]["steps"]]
    return st.builds(
        actions.Payload,
        reason=st.sampled_from(["", "  ", REASON]),
        task=st.sampled_from([None, "no_such_step", *steps]),
        assignee=st.sampled_from([None, "citizen2", "specialist_anbinh", "specialist_police_anbinh"]),
        items=st.sampled_from([None, [], [{"key": "no_such_paper"}], *[[{"key": k, "reason": "mờ"}] for k in keys]]),
        components=st.sampled_from([None, [], [{"key": "no_such_paper"}], [component(definition, k) for k in keys]]),
        amount=st.sampled_from([None, -1, 0, 25000]),
        new_due_date=st.sampled_from([None, T0.date(), date(2026, 3, 7), date(2026, 3, 20), date(2026, 5, 4)]),
        rating=st.sampled_from([None, {"answers": {"overall": "great"}}, RATING]),
    )


class LifecycleMachine(RuleBasedStateMachine):
    definition: dict
    users: dict[str, User]
    grants: dict[str, Grants]  # read once: memberships do not change during a run

    def __init__(self) -> None:
        super().__init__()
        # Each example in a savepoint rolled back at teardown: the examples never see each other.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        Clock.now = T0
        self.code: str | None = None
        self.steps = 0

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- the dossier ------------------------------------------------------------------------------

    @property
    def dossier(self) -> Dossier:
        return Dossier.objects.select_related("unit", "procedure_version").get(code=self.code)

    @initialize(complete=st.sampled_from([True, True, True, False]))
    def submit(self, complete: bool) -> None:
        example = self.definition["example"]
        components = components_for(self.definition, example) if complete else []
        self.code = actions.submit(self.users["citizen"], self.definition["code"], dict(example), components=components).code

    # --- time ---------------------------------------------------------------------------------------

    @rule(hours=st.integers(min_value=1, max_value=120), check=st.sampled_from([True, True, False]))
    def time_passes(self, hours: int, check: bool) -> None:
        Clock.now += timedelta(hours=hours)
        if check:
            before = _trail(self.code)
            counts = actions.mark_deadlines(Clock.now)
            flagged = sum(counts.values())
            assert flagged <= 1
            assert _trail(self.code) == tuple(n + flagged for n in before)
            if flagged:
                event = DossierEvent.objects.filter(dossier__code=self.code).latest("id")
                assert event.action.startswith("deadline_") and event.actor is None
                assert event.from_status == event.to_status == self.dossier.status

    # --- actions --------------------------------------------------------------------------------------

    def _try(self, who: str, action: str, payload: actions.Payload, *, valid: bool | None) -> None:
        """Perform, then check the outcome against allowed_actions and the trail."""
        user = self.users[who]
        allowed = actions.allowed_actions(self.dossier, user, grants=self.grants[who])
        before = _trail(self.code)
        try:
            actions.perform(self.code, action, user, payload=_copy(payload))
        except ActionError as err:
            assert _trail(self.code) == before, (who, action, err.code)  # a failure writes nothing
            if action in allowed:
                assert err.status == 422, (who, action, err.status, err.code, err.extra)
                if valid:
                    assert err.code in STATE_INVALID.get(action, set()), (who, action, payload, err.code, err.extra)
            else:
                assert err.status in (403, 404, 409), (who, action, err.status, err.code)
                if err.status in (403, 409):
                    assert err.extra["allowed"] == allowed, (who, action, err.extra, allowed)
                if err.code == "dossier_not_found":  # someone who may not see it: nothing to do for them
                    assert allowed == []
                if err.status == 404:
                    assert err.code in ("dossier_not_found", "unknown_action")
                    assert (err.code == "unknown_action") == (action not in actions.RULES)
            return
        assert action in allowed, (who, action, allowed)
        assert not (valid is False and action in BROKEN_FAILS), (who, action, payload)  # a broken payload never passes
        assert _trail(self.code) == tuple(n + 1 for n in before), (who, action)
        event = DossierEvent.objects.filter(dossier__code=self.code).latest("id")
        assert (event.action, event.actor_id) == (action, user.pk)
        self.steps += 1

    def _valid_payload(self, who: str, action: str, data: st.DataObject) -> actions.Payload:
        dossier = self.dossier
        keys = [c["key"] for c in self.definition["components"]]
        p = actions.Payload(reason=REASON)
        if action == "request_supplement":
            chosen = data.draw(st.lists(st.sampled_from(keys), min_size=1, max_size=len(keys), unique=True))
            p.items = [{"key": k, "reason": "Bản chụp không rõ"} for k in chosen]
        elif action == "submit_supplement":
            request = dossier.supplements.filter(answered_at__isnull=True).order_by("-number").first()
            p.components = [component(self.definition, i["key"], name=f"bo-sung-{i['key']}.pdf") for i in request.items]
        elif action == "request_payment":
            p.amount = data.draw(st.integers(min_value=1000, max_value=500_000))
        elif action == "confirm_payment":
            p.receipt_number = "BL-0001"
        elif action == "assign":
            user = self.users[who]
            task = next(
                t for t in workflow.open_tasks(dossier) if roles_on(user, t.unit) & {Role.APPROVER, Role.UNIT_ADMIN}
            )
            p.task, p.assignee = task.step, worker(task.unit, task.role)
        elif action == "issue_apology":
            calendar = deadlines.calendar(dossier.unit)
            start = max(timezone.localdate(dossier.due_at), timezone.localdate(Clock.now))
            p.new_due_date = calendar.add_working_days(start, data.draw(st.integers(min_value=1, max_value=3)))
        elif action == "rate":
            p.rating = RATING
        elif action in ("digitize", "keep_on_paper"):
            p.key = data.draw(st.sampled_from(keys))
        if action in ("digitize", "digitize_result"):
            p.scan = SCAN
        return p

    def _broken_payload(self, action: str) -> actions.Payload:
        p = actions.Payload(reason="")  # refuse, stop, request_supplement and issue_apology need a reason
        if action in ("claim", "start_processing", "transfer", "approve", "assign"):
            p = actions.Payload(reason=REASON, task="no_such_step", assignee="citizen2")
        elif action == "request_payment":
            p = actions.Payload(reason=REASON, amount=-5)
        elif action == "submit_supplement":
            p = actions.Payload(reason=REASON, components=[])
        elif action == "issue_apology":
            p = actions.Payload(reason=REASON, new_due_date=timezone.localdate(Clock.now))
        elif action == "request_supplement":
            p = actions.Payload(reason=REASON, items=[])
        elif action == "rate":
            p = actions.Payload(reason=REASON, rating={"answers": {"overall": "satisfied"}})
        return p

    @rule(data=st.data(), count=st.integers(min_value=1, max_value=4))
    def someone_acts_as_allowed(self, data: st.DataObject, count: int) -> None:
        # A few allowed actions in a row, mostly ones that move the dossier on, so that the
        # examples reach processing, payment, supplements, apologies and the result.
        for _ in range(count):
            dossier = self.dossier
            pairs = [
                (who, a) for who in ACTORS
                for a in actions.allowed_actions(dossier, self.users[who], grants=self.grants[who])
            ]
            if not pairs:  # a final status: nobody may do anything
                assert dossier.status in (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED, Status.RETURNED)
                return
            onward = [(who, a) for who, a in pairs if a in ONWARD]
            if onward and data.draw(st.sampled_from([True, True, True, False])):
                pairs = onward
            who, action = data.draw(st.sampled_from(pairs))
            valid = data.draw(st.sampled_from([True, True, True, True, False]))
            payload = self._valid_payload(who, action, data) if valid else self._broken_payload(action)
            self._try(who, action, payload, valid=valid)

    @rule(who=st.sampled_from(ACTORS), action=st.sampled_from(NAMES), data=st.data())
    def anyone_tries_anything(self, who: str, action: str, data: st.DataObject) -> None:
        self._try(who, action, data.draw(_random_payloads(self.definition)), valid=None)

    # --- invariants -----------------------------------------------------------------------------------------

    @invariant()
    def invariants_hold(self) -> None:
        if self.code is None:
            return
        d = self.dossier
        assert d.status in range(1, 11)
        events = list(DossierEvent.objects.filter(dossier=d).order_by("id"))
        assert (events[0].action, events[0].from_status, events[0].to_status) == ("submit", None, Status.SUBMITTED)
        status = None
        for e in events:
            assert e.from_status == status, (e.action, e.from_status, status)
            status = e.to_status
        assert status == d.status
        assert _trail(self.code) == (len(events),) * 3
        assert verify_chain("dossier", self.code)

        calendar = deadlines.calendar(d.unit)
        supplements = list(d.supplements.order_by("number"))
        assert d.supplement_count == len(supplements)
        assert (d.status == Status.SUPPLEMENT_REQUESTED) == (d.paused_at is not None)
        # Paused time is counted exactly: the working days waited after receipt, nothing else.
        for s in supplements:
            if s.answered_at is None:
                assert s.paused_days == 0
                continue
            waited_after_receipt = d.received_at is not None and d.received_at <= s.requested_at
            expected = calendar.working_days_between(
                timezone.localdate(s.requested_at), timezone.localdate(s.answered_at)
            ) if waited_after_receipt else 0
            assert s.paused_days == expected
        assert d.paused_days == sum(s.paused_days for s in supplements)
        assert d.paused_days == sum(e.data["paused_days"] for e in events if e.action == "submit_supplement")

        if d.received_at is None:
            assert d.due_at is None and d.legal_due_at is None and d.paused_days == 0
        else:
            assert d.due_at >= d.received_at
            # The time this dossier was given: the procedure's, or the alternative its data meet (3.000722).
            first = deadlines.due_at(d.received_at, pricing.processing_days(d), d.unit)
            # The legal due date (KPI-766.md §5.1) moves by the paused working days only; the promise to the
            # applicant moves by them too, and to each apology letter's date.
            expected = legal = first
            for e in events:
                if e.action == "submit_supplement":
                    expected = _shifted(expected, e.data["paused_days"], calendar)
                    legal = _shifted(legal, e.data["paused_days"], calendar)
                elif e.action == "issue_apology":
                    expected = datetime.fromisoformat(e.data["new_due_at"])
            assert d.due_at == expected
            assert d.legal_due_at == legal == _shifted(first, d.paused_days, calendar)
            assert d.apology_count == d.apologies.count()
            if d.apology_count == 0:
                assert d.due_at == d.legal_due_at

        check_task_graph(self.code)
        live = d.tasks.filter(status__in=workflow.LIVE).exists()
        if d.status in (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED):
            assert not live
        if d.status == Status.RETURNED:
            assert set(d.tasks.values_list("status", flat=True)) <= {TaskStatus.DONE, TaskStatus.SKIPPED}


SETTINGS = settings(
    max_examples=30, stateful_step_count=30, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _machine(name: str) -> type[LifecycleMachine]:
    return type(
        "Lifecycle_" + DEFINITIONS[name]["code"].replace(".", "_"),
        (LifecycleMachine,),
        {
            "definition": DEFINITIONS[name],
            "users": (users := {u.username: u for u in User.objects.filter(username__in=ACTORS)}),
            "grants": {name: grants_of(user) for name, user in users.items()},
        },
    )


@pytest.fixture
def frozen_clock(monkeypatch):
    # Only the actions layer reads the clock here (timezone.now); the machine moves it.
    monkeypatch.setattr(timezone, "now", lambda: Clock.now)


@pytest.mark.parametrize(
    "name", ["1.001193-dang-ky-khai-sinh.yaml", "3.000722-lien-thong-khai-sinh-thuong-tru-bhyt.yaml"]
)
def test_random_action_sequences_keep_the_invariants(demo, unsigned_results, frozen_clock, name):
    machine = _machine(name)
    assert set(machine.users) == set(ACTORS)
    run_state_machine_as_test(machine, settings=SETTINGS)
