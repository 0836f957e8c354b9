"""The KPI counters kept by the actions layer equal a rebuild from the raw dossiers (hypothesis, stateful).

The lifecycle state machine of tests/dossiers/test_lifecycle_properties.py drives
dossiers through the real actions layer (legal and illegal actions, time
passing, the deadline check); this one also files more dossiers (other
channels, components from the vault, a registry or paper), switches between
them, pays online or not, and after every step compares the live counters with
`rebuild()` run in a rolled-back transaction: not one row may differ.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule, run_state_machine_as_test

from motcua.dossiers import actions
from motcua.dossiers.actions import counter
from motcua.lib.errors import ActionError
from motcua.monitoring.models import DailyCounter, MonthlyCounter, OpenCounter, Option
from motcua.monitoring.rebuild import differences
from tests.dossiers.test_lifecycle_properties import ACTORS, SCAN, SETTINGS, Clock, LifecycleMachine, _machine
from tests.dossiers.test_lifecycle_properties import frozen_clock as frozen_clock  # the fixture, shared
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


@pytest.mark.parametrize(
    ("name", "compare"),
    [
        ("1.001193-dang-ky-khai-sinh.yaml", "timestamp"),
        ("1.001193-dang-ky-khai-sinh.yaml", "date"),
        ("3.000722-lien-thong-khai-sinh-thuong-tru-bhyt.yaml", "timestamp"),
    ],
)
def test_counters_equal_the_rebuild_after_random_histories(demo, unsigned_results, frozen_clock, name, compare):
    Option.objects.update_or_create(key="deadline_compare", defaults={"value": compare})
    base = _machine(name)
    machine = type(base.__name__ + "_kpi", (CountersMachine,), {k: getattr(base, k) for k in ("definition", "users", "grants")})
    run_state_machine_as_test(machine, settings=KPI_SETTINGS)


def test_a_walked_dossier_moves_the_counters_of_its_unit_its_ancestors_and_the_country(demo, unsigned_results):
    # The property above would also hold for counters that never count.
    from motcua.dossiers.models import Dossier
    from motcua.monitoring.counters import ancestors
    from tests.walker import DEFINITIONS, Walker

    walker = Walker(DEFINITIONS["1.001193-dang-ky-khai-sinh.yaml"])
    walker.submit()
    walker.walk()
    dossier = Dossier.objects.get(code=walker.code)
    units = ancestors(dossier.unit.path)
    assert len(units) >= 3  # the country, the province, the commune
    from django.db.models import Sum

    from motcua.monitoring.contributions import local_day
    from motcua.monitoring.models import COLUMNS

    stop = local_day(dossier.finished_at)  # §5.2: it stopped being open (and in time) the day it ended
    for unit_id in units:
        days = DailyCounter.objects.filter(unit_id=unit_id, procedure_id=dossier.procedure_id)
        assert days.get(open_in_time_ends=1).day == stop
        day = days.aggregate(**{c: Sum(c) for c in COLUMNS})
        month = MonthlyCounter.objects.filter(unit_id=unit_id, procedure_id=dossier.procedure_id).aggregate(
            **{c: Sum(c) for c in COLUMNS})
        for row in (SimpleNamespace(**day), SimpleNamespace(**month)):
            assert (row.received, row.online, row.full_eligible, row.full_online) == (1, 1, 1, 1)
            assert (row.ended, row.ended_on_time, row.finished, row.finished_e_result) == (1, 1, 1, 1)
            assert (row.digitized, row.reused, row.vault) == (1, 1, 1)  # the birth certificate comes from the vault
            assert row.open_in_time_ends == 1
    assert sum(OpenCounter.objects.values_list("count", flat=True)) == 0
    assert differences() == {"DailyCounter": 0, "MonthlyCounter": 0, "OpenCounter": 0}


def test_counter_rows_are_listed_in_one_order_whatever_the_order_of_the_changes():
    # Rows are locked in the order the upsert lists them; two actions that move the same shared rows
    # (the nation's) in opposite orders could deadlock. The order is: ancestors as given, days ascending.
    from collections import Counter
    from datetime import date

    from motcua.monitoring.counters import _upsert, _upsert_open

    early, late = date(2025, 3, 3), date(2025, 3, 10)
    for opened in (Counter({late: 1, early: -1}), Counter({early: -1, late: 1})):
        _sql, params = _upsert_open([0, 7], 3, opened)
        assert [(params[i], params[i + 2]) for i in range(0, len(params), 4)] == [(0, early), (0, late), (7, early), (7, late)]
    for rows in ({late: {"ended": 1}, early: {"received": 1}}, {early: {"received": 1}, late: {"ended": 1}}):
        _sql, params = _upsert("monitoring_dailycounter", "day", [0, 7], 3, rows)
        width = len(params) // 4
        assert [(params[i], params[i + 2]) for i in range(0, len(params), width)] == [(0, early), (0, late), (7, early), (7, late)]


def test_named_parameters_are_the_same_statement_with_few_enough_parameters_for_psycopg_to_keep_it():
    # PostgreSQL's one statement names each distinct value once (monitoring/counters._named): psycopg
    # keeps the parsed form of a statement of up to 50 parameters; what is sent is what it was.
    from collections import Counter
    from datetime import date

    from motcua.monitoring.counters import _named, _upsert, _upsert_open

    units, day, month = [0, 1, 7, 9, 700], date(2025, 3, 3), date(2025, 3, 1)
    statements = [
        _upsert("monitoring_dailycounter", "day", units, 3, {day: {"received": 1, "online": 1, "ended": -1}}),
        _upsert("monitoring_monthlycounter", "month", units, 3, {month: {"received": 1, "online": 1, "ended": -1}}),
        _upsert_open(units, 3, Counter({day: 1, date(2025, 3, 10): -1})),
    ]
    sql = " ; ".join(s for s, _params in statements)
    params = [p for _s, ps in statements for p in ps]
    named_sql, named = _named(sql, params)
    assert len(params) > 50 and len(named) <= 12
    literal = {int: str, date: lambda d: f"'{d.isoformat()}'::date"}
    assert named_sql % {k: literal[type(v)](v) for k, v in named.items()} == sql % tuple(literal[type(p)](p) for p in params)
    # 1 the count and 1 the unit id are one value; a day and a number never share a name.
    assert _named("%s %s %s", [1, 1, day]) == ("%(p0)s %(p0)s %(p1)s", {"p0": 1, "p1": day})
