"""Dossier codes {unit e-ID code}-{yyMMdd}-{4-digit daily sequence}, unique under concurrent submissions.

The concurrent test goes over real HTTP to a live server thread pool, on
whichever database DATABASE_URL names: PostgreSQL serializes the sequence
upsert on its row lock; SQLite (WAL, transaction_mode IMMEDIATE, 30 s busy
timeout in settings) queues the writers on its database lock.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from django.db import transaction

from motcua.dossiers.codes import format_code, next_sequence
from motcua.dossiers.models import DailySequence, Dossier, DossierEvent
from motcua.identity.models import ApiToken, User
from motcua.units.models import Unit
from tests.conftest import BIRTH

UNIT = "000.11.00.H99"
CODE = re.compile(r"^(?P<unit>\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})-(?P<day>\d{6})-(?P<seq>\d{4})$")
SUBMISSIONS = 50
WORKERS = 16
# Straight to the live server, whatever proxy the environment names.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def test_format_code():
    assert format_code("000.00.17.H56", date(2022, 3, 15), 12) == "000.00.17.H56-220315-0012"
    assert format_code("000.11.00.H99", date(2026, 1, 5), 1) == "000.11.00.H99-260105-0001"
    assert format_code("000.11.00.H99", date(2026, 12, 31), 9999) == "000.11.00.H99-261231-9999"


def test_sequence_counts_per_unit_and_day(demo):
    anbinh, hoathuan = Unit.objects.get(code=UNIT), Unit.objects.get(code="000.12.00.H99")
    day, next_day = date(2026, 3, 2), date(2026, 3, 3)
    with transaction.atomic():
        assert [next_sequence(anbinh.pk, day) for _ in range(3)] == [1, 2, 3]
        assert next_sequence(hoathuan.pk, day) == 1
        assert next_sequence(anbinh.pk, next_day) == 1
        assert next_sequence(anbinh.pk, day) == 4
    assert DailySequence.objects.get(unit=anbinh, day=day).last == 4
    assert DailySequence.objects.count() == 3


def _post(url: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with _OPENER.open(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:  # a 500 page is HTML
            return exc.code, {"raw": raw[:300].decode(errors="replace")}


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_submissions_get_distinct_consecutive_codes(live_server, demo):
    # Runs on SQLite too: the test database is a file (settings TEST NAME), so the
    # live server's threads share it, and IMMEDIATE transactions queue the writers.
    # Three citizens (two from another commune) all file at An Bình, so every
    # submission draws from the same daily sequence.
    tokens = [ApiToken.issue(User.objects.get(username=name)) for name in ("citizen", "citizen2", "citizen3")]
    url = f"{live_server.url}/api/v1/dossiers"
    bodies = [
        {"procedure": "1.001193", "unit": UNIT, "data": {**BIRTH, "child_name": f"Nguyễn Văn Số {i}"}}
        for i in range(SUBMISSIONS)
    ]

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        answers = list(pool.map(lambda i: _post(url, tokens[i % len(tokens)], bodies[i]), range(SUBMISSIONS)))

    assert [status for status, _ in answers] == [201] * SUBMISSIONS, [a for a in answers if a[0] != 201][:3]
    codes = [body["code"] for _, body in answers]
    assert len(set(codes)) == SUBMISSIONS

    by_day: dict[str, list[int]] = defaultdict(list)
    for code in codes:
        match = CODE.fullmatch(code)
        assert match, code
        assert match["unit"] == UNIT
        by_day[match["day"]].append(int(match["seq"]))
    # Every day's numbers run 0001.. with no gap and no repeat (one day, unless the run straddles midnight).
    for seqs in by_day.values():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))
    if len(by_day) == 1:
        assert sorted(int(c[-4:]) for c in codes) == list(range(1, SUBMISSIONS + 1))

    # What the answers say is what the database holds: one dossier and one submit event each.
    assert sorted(Dossier.objects.values_list("code", flat=True)) == sorted(codes)
    assert DossierEvent.objects.filter(action="submit").count() == SUBMISSIONS
    assert {b["child_name"] for b in Dossier.objects.values_list("data", flat=True)} == {
        b["data"]["child_name"] for b in bodies
    }
