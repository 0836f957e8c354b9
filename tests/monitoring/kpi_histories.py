"""The KPI counters kept by the actions layer equal a rebuild from the raw dossiers (hypothesis, stateful).

The lifecycle state machine of tests/dossiers/test_lifecycle_properties.py drives
dossiers through the real actions layer (legal and illegal actions, time
passing, the deadline check); this one also files more dossiers (other
channels, components from the vault, a registry or paper), switches between
them, pays online or not, and after every step compares the live counters with
`rebuild()` run in a rolled-back transaction: not one row may differ.

This module is the histories' machinery: the machine and its cases (a procedure, and how the deadline
is compared). Each case runs in a module of its own, `test_kpi_counters_*.py` (`share`: every case in
exactly one), so `pytest -n 2 --dist loadfile` spreads them over the processes instead of giving them to
one; test_kpi_counters.py checks the shares and holds the walked dossier's test.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule, run_state_machine_as_test

from motcua.dossiers import actions
from motcua.dossiers.actions import counter
from motcua.lib.errors import ActionError
from motcua.monitoring.models import Option
from motcua.monitoring.rebuild import differences
from tests.dossiers.test_lifecycle_properties import ACTORS, SCAN, SETTINGS, Clock, LifecycleMachine, _machine
from tests.walker import components_for

SOURCES = ["upload", "vault", "registry", "paper", "scanned"]
# Each step compares against a full rebuild: fewer, longer examples than the lifecycle test.
KPI_SETTINGS = settings(SETTINGS, max_examples=15, stateful_step_count=30)


def _component(key: str, source: str) -> dict:
    if source == "scanned":  # paper scanned at the counter and marked digitized (KPI-766 §5.4)
        return {"key": key, "source": "paper", "digitized": True, "name": f"{key}.pdf"}
    return {"key": key, "source": source, "name": f"{key}.pdf"}


COUNTER_WAYS = ["scanned", "paper", "as_brought"]


def _counter_component(record: dict, way: str, officer) -> dict:
    at = Clock.now
    if way == "scanned":
        return counter.scanned({**record, **SCAN, "key": record["key"]}, officer, at)
    if way == "paper":
        return counter.on_paper(record["key"], "Bản giấy không quét được", officer, at)
    return record


class CountersMachine(LifecycleMachine):
    def __init__(self) -> None:
        super().__init__()
        self.codes: list[str] = []

    @rule(channel=st.sampled_from([1, 2, 2, 3]), sources=st.lists(st.sampled_from(SOURCES), min_size=1, max_size=3))
    def file_another(self, channel: int, sources: list[str]) -> None:
        example = self.definition["example"]
        components = [
            _component(c["key"], sources[i % len(sources)])
            for i, c in enumerate(components_for(self.definition, example))
        ]
        if self.code is not None:
            self.codes.append(self.code)
        self.code = actions.submit(
            self.users["citizen"], self.definition["code"], dict(example), components=components, channel=channel
        ).code

    @rule(channel=st.sampled_from([1, 3]), ways=st.lists(st.sampled_from(COUNTER_WAYS), min_size=1, max_size=3))
    def file_at_the_counter(self, channel: int, ways: list[str]) -> None:
        # Filed and received by the one-stop officer (channel 1 or 3), each component scanned, kept on
        # paper only, or as the applicant brought it electronically (issue 17).
        example = self.definition["example"]
        components = [
            _counter_component(c, ways[i % len(ways)], self.users["onestop_anbinh"])
            for i, c in enumerate(components_for(self.definition, example))
        ]
        try:
            dossier = actions.file_at_counter(
                self.users["onestop_anbinh"], {"personal_id": "001090012345"}, self.definition["code"], dict(example),
                channel=channel, components=components,
            )
        except ActionError as err:
            assert err.status == 422 and err.code == "incomplete", err.code  # a required one not supplied
            return
        assert dossier.channel == channel and dossier.received_at is not None
        if self.code is not None:
            self.codes.append(self.code)
        self.code = dossier.code

    @rule(data=st.data(), action=st.sampled_from(["digitize", "keep_on_paper", "digitize_result"]))
    def digitization(self, data, action: str) -> None:
        # Later digitization moves the dossier's 4.2 facts: a paper component scanned, or a scan set back to paper.
        self._first_allowed(data, action)

    @rule(hours=st.integers(min_value=1, max_value=120), check=st.sampled_from([True, True, False]))
    def time_passes(self, hours: int, check: bool) -> None:
        # The base rule assumes one dossier (at most one flagged); here several may be flagged at once.
        Clock.now += timedelta(hours=hours)
        if check:
            actions.mark_deadlines(Clock.now)

    @rule(index=st.integers(min_value=0, max_value=5))
    def switch_dossier(self, index: int) -> None:
        if self.codes:
            other = self.codes.pop(index % len(self.codes))
            self.codes.append(self.code)
            self.code = other

    @rule(data=st.data(), answer=st.booleans())
    def supplement_round(self, data, answer: bool) -> None:
        # Rounds of supplements are what the progress rules (pauses, "more than one round") read:
        # ask for one whenever someone may, and sometimes answer it.
        self._first_allowed(data, "request_supplement")
        if answer:
            self._first_allowed(data, "submit_supplement")

    @rule(data=st.data())
    def payment_round(self, data) -> None:
        self._first_allowed(data, "request_payment")
        self._first_allowed(data, "confirm_payment")

    def _first_allowed(self, data, action: str) -> None:
        dossier = self.dossier
        for who in ACTORS:
            if action in actions.allowed_actions(dossier, self.users[who], grants=self.grants[who]):
                self._try(who, action, self._valid_payload(who, action, data), valid=True)
                return

    def _valid_payload(self, who, action, data):
        payload = super()._valid_payload(who, action, data)
        if action == "rate":  # a dissatisfied overall level turns an on-time dossier into a 5.4 failure
            overall = data.draw(st.sampled_from(["very_satisfied", "satisfied", "dissatisfied"]))
            payload.rating = {**payload.rating, "answers": {**payload.rating["answers"], "overall": overall}}
        return payload

    @rule(data=st.data())
    def rate_it(self, data) -> None:
        self._first_allowed(data, "rate")

    @invariant()
    def invariants_hold(self) -> None:
        super().invariants_hold()
        if self.code is not None:
            assert differences() == {"DailyCounter": 0, "MonthlyCounter": 0, "OpenCounter": 0}


# (procedure, how the deadline is compared: KPI-766 §5.1)
CASES = [
    ("1.001193-dang-ky-khai-sinh.yaml", "timestamp"),
    ("1.001193-dang-ky-khai-sinh.yaml", "date"),
    ("3.000722-lien-thong-khai-sinh-thuong-tru-bhyt.yaml", "timestamp"),
]
SHARES = 3


def share(part: int) -> list[tuple[str, str]]:
    """Every `SHARES`-th case from the `part`-th: the shares are disjoint and cover CASES."""
    return [case for i, case in enumerate(CASES) if i % SHARES == part]


def run_random_histories(name: str, compare: str) -> None:
    """Random histories of `name`'s dossiers; after every step the counters equal the rebuild."""
    Option.objects.update_or_create(key="deadline_compare", defaults={"value": compare})
    base = _machine(name)
    machine = type(base.__name__ + "_kpi", (CountersMachine,), {k: getattr(base, k) for k in ("definition", "users", "grants")})
    run_state_machine_as_test(machine, settings=KPI_SETTINGS)
