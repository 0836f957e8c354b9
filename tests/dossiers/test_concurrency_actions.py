"""Two people acting at once on one dossier: exactly one wins, the other is told why; nothing is doubled.

Real parallel connections: each thread has its own database connection (Django's
connections are per thread) on a committed test database (`transaction=True`),
and a barrier releases both requests together. On PostgreSQL the dossier row
lock (`SELECT … FOR UPDATE`) makes the second wait and then see the first's
result; on SQLite (WAL, `transaction_mode=IMMEDIATE`, 30 s busy timeout) the
second waits on the database write lock and sees the same. The HTTP variant
goes through the live server's threads.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection, transaction

from motcua.audit.models import AuditEntry
from motcua.dossiers import actions
from motcua.dossiers.models import Dossier, DossierEvent, Status, Task
from motcua.identity.models import ApiToken, User
from motcua.lib.errors import ActionError
from motcua.notifications.models import OutboxEvent
from motcua.units.models import Membership, Role, Unit
from tests.conftest import BIRTH, BIRTH_COMPONENTS
from tests.races import at_once

ROUNDS = 3  # each race is run a few times: the barrier makes the overlap likely, repetition makes it certain enough
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
ANBINH = "000.11.00.H99"


@pytest.fixture
def people(transactional_db, demo) -> dict[str, User]:
    # A second one-stop officer, specialist and approver at An Bình, so that two colleagues can race for one
    # step (the province's centre only reads a commune's birth registration: docs/security.md, "Scopes").
    unit = Unit.objects.get(code=ANBINH)
    for username, role in (("onestop_anbinh2", Role.ONE_STOP_OFFICER), ("specialist_anbinh2", Role.SPECIALIST),
                           ("approver_anbinh2", Role.APPROVER)):
        user = User.objects.create(username=username)
        Membership.objects.create(user=user, unit=unit, role=role)
    names = ["citizen", "onestop_anbinh", "onestop_anbinh2", "specialist_anbinh", "specialist_anbinh2",
             "approver_anbinh", "approver_anbinh2"]
    return {n: User.objects.get(username=n) for n in names}


def _trail(code: str) -> tuple[int, int, int]:
    return (
        DossierEvent.objects.filter(dossier__code=code).count(),
        AuditEntry.objects.filter(object_type="dossier", object_id=code).count(),
        OutboxEvent.objects.filter(key=code).count(),
    )


def _race(*calls: Callable[[], object]) -> list[tuple[int, str | None]]:
    """Run the calls at once (tests/races.py); (200 or error status, error code) each."""

    def outcome(call: Callable[[], object]) -> Callable[[], tuple[int, str | None]]:
        def run() -> tuple[int, str | None]:
            try:
                call()
            except ActionError as err:
                return err.status, err.code
            return 200, None
        return run

    return at_once(*(outcome(c) for c in calls))


def _submitted(people) -> str:
    return actions.submit(people["citizen"], "1.001193", dict(BIRTH), components=list(BIRTH_COMPONENTS)).code


def _received(people) -> str:
    code = _submitted(people)
    actions.perform(code, "receive", people["onestop_anbinh"])
    return code


def _processing(people) -> str:
    code = _received(people)
    actions.perform(code, "start_processing", people["specialist_anbinh"])  # the step is now theirs
    return code


def _approved(people) -> str:
    code = _processing(people)
    actions.perform(code, "transfer", people["specialist_anbinh"])
    actions.perform(code, "approve", people["approver_anbinh"])
    return code


@dataclass
class Race:
    id: str
    setup: Callable[[dict], str]
    first: tuple[str, str, str]  # (actor, action, reason)
    second: tuple[str, str, str]
    losing_codes: frozenset[str]  # what the loser may be told
    ends: dict[str, int]  # winner's action → the dossier's status afterwards


RACES = [
    Race("two officers receive", _submitted, ("onestop_anbinh", "receive", ""), ("onestop_anbinh2", "receive", ""),
         frozenset({"illegal_transition"}), {"receive": Status.RECEIVED}),
    Race("receive against refuse", _submitted, ("onestop_anbinh", "receive", ""),
         ("onestop_anbinh2", "refuse", "Không đủ điều kiện"), frozenset({"illegal_transition"}),
         {"receive": Status.RECEIVED, "refuse": Status.REFUSED}),
    Race("two specialists claim the step", _received, ("specialist_anbinh", "claim", ""),
         ("specialist_anbinh2", "claim", ""), frozenset({"illegal_transition"}), {"claim": Status.RECEIVED}),
    Race("two specialists start the step", _received, ("specialist_anbinh", "start_processing", ""),
         ("specialist_anbinh2", "start_processing", ""), frozenset({"illegal_transition"}),
         {"start_processing": Status.PROCESSING}),
    # The holder of the step, from two devices: hands it on, and asks the applicant for a paper.
    # The loser's precondition vanished: the step is done, or the dossier waits for the applicant.
    Race("transfer against request_supplement", _processing, ("specialist_anbinh", "transfer", ""),
         ("specialist_anbinh", "request_supplement", "Bản chụp mờ"), frozenset({"illegal_transition"}),
         {"transfer": Status.PROCESSING, "request_supplement": Status.SUPPLEMENT_REQUESTED}),
    Race("issue_result against stop", _approved, ("approver_anbinh", "issue_result", ""),
         ("approver_anbinh2", "stop", "Căn cứ khoản 2 Điều 9"), frozenset({"illegal_transition"}),
         {"issue_result": Status.PROCESSED, "stop": Status.STOPPED}),
    Race("the applicant withdraws as the officer starts", _received, ("citizen", "withdraw", "Không cần nữa"),
         ("specialist_anbinh", "start_processing", ""), frozenset({"illegal_transition"}),
         {"withdraw": Status.WITHDRAWN, "start_processing": Status.PROCESSING}),
]


def _payload(action: str) -> actions.Payload:
    if action == "request_supplement":
        return actions.Payload(items=[{"key": "birth_certificate", "reason": "Bản chụp mờ"}])
    return actions.Payload()


@pytest.mark.parametrize("race", RACES, ids=[r.id for r in RACES])
def test_two_people_at_once_exactly_one_wins(people, race):
    winners: set[str] = set()
    for _ in range(ROUNDS):
        code = race.setup(people)
        trail = _trail(code)
        history = list(DossierEvent.objects.filter(dossier__code=code).values_list("action", flat=True))
        calls = [
            lambda who=who, action=action, reason=reason, code=code: actions.perform(
                code, action, people[who], reason=reason, payload=_payload(action)
            )
            for who, action, reason in (race.first, race.second)
        ]
        outcomes = _race(*calls)

        assert sorted(status for status, _ in outcomes) == [200, 409], outcomes
        loser = next(c for s, c in outcomes if s != 200)
        assert loser in race.losing_codes, outcomes
        won = (race.first, race.second)[[s for s, _ in outcomes].index(200)][1]
        winners.add(won)
        # One change, one history event, one audit entry, one outbox event: nothing doubled, nothing half-written.
        assert _trail(code) == tuple(n + 1 for n in trail)
        after = list(DossierEvent.objects.filter(dossier__code=code).values_list("action", flat=True))
        assert after == [*history, won]
        assert Dossier.objects.get(code=code).status == race.ends[won]
    assert winners <= set(race.ends)


# --- the same over HTTP -----------------------------------------------------------------------------


def _post(url: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body or {}).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with _OPENER.open(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, {"raw": raw[:300].decode(errors="replace")}


def test_two_officers_claim_one_step_over_http(people, live_server):
    for _ in range(ROUNDS):
        code = _received(people)
        tokens = [ApiToken.issue(people[n]) for n in ("specialist_anbinh", "specialist_anbinh2")]
        url = f"{live_server.url}/api/v1/dossiers/{code}/actions/claim"
        answers = at_once(*(lambda t=t, url=url: _post(url, t, {"task": "check"}) for t in tokens))
        assert sorted(a[0] for a in answers) == [200, 409], answers
        loser = next(body for status, body in answers if status == 409)
        assert loser["code"] == "illegal_transition" and "claim" not in loser["allowed"]
        winner = ("specialist_anbinh", "specialist_anbinh2")[[a[0] for a in answers].index(200)]
        task = Task.objects.select_related("assignee").get(dossier__code=code, step="check")
        assert task.assignee.username == winner
        assert DossierEvent.objects.filter(dossier__code=code, action="claim").count() == 1
        assert OutboxEvent.objects.filter(key=code, topic="dossier.claim").count() == 1


# --- work on different dossiers does not wait -----------------------------------------------------------


def test_an_action_does_not_lock_other_dossiers_of_the_same_unit_and_procedure(people, monkeypatch):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has one writer at a time by design (IMMEDIATE transactions); PostgreSQL locks rows")
    slow, other = _received(people), _received(people)
    inside, release = threading.Event(), threading.Event()
    start = actions.RULES["start_processing"]

    def hold(ctx, p):
        # The first action stops inside its transaction, holding whatever it locked.
        if ctx.dossier.code == slow:
            inside.set()
            release.wait(timeout=60)
        return start.apply(ctx, p)

    monkeypatch.setitem(actions.RULES, "start_processing", dataclasses.replace(start, apply=hold))
    outcome: list[object] = []

    def first() -> None:
        try:
            actions.perform(slow, "start_processing", people["specialist_anbinh"])
            outcome.append("ok")
        except BaseException as exc:
            outcome.append(exc)
        finally:
            connection.close()

    holder = threading.Thread(target=first)
    holder.start()
    try:
        assert inside.wait(timeout=30)
        began = time.monotonic()
        with transaction.atomic():
            # A lock that stays taken fails fast instead of hanging the test.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '5s'")
            actions.perform(other, "start_processing", people["specialist_anbinh2"])
        assert time.monotonic() - began < 5
    finally:
        release.set()
        holder.join(timeout=60)
    assert outcome == ["ok"]
    assert Dossier.objects.get(code=slow).status == Dossier.objects.get(code=other).status == Status.PROCESSING
