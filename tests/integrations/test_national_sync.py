"""The national portal's sync: every status change, in order per dossier, at least once, with the field set.

Receivers are real HTTP servers on loopback: the bundled demo portal (served by the live server) and a
test receiver that fails on demand.
"""

from __future__ import annotations

import json

import pytest
import requests
from django.utils import timezone

from motcua.integrations.models import DemoNationalChange, NationalSync, State
from motcua.integrations.national import sync
from motcua.integrations.national.adapters import Change, VnPortalAdapter
from motcua.lib import deliveries
from tests.integrations.conftest import ANBINH, submit

FIELDS = {"code", "procedure_code", "receiving_unit", "channel", "status", "submitted_at", "received_at", "due_at",
          "finished_at", "eid_authenticated", "paid_online", "result_attached", "digitized_components", "reused_data"}


@pytest.fixture
def to_receiver(settings, receiver):
    settings.NATIONAL_SYNC_URL = receiver.url("/national")
    return receiver


def _sent(receiver) -> list[dict]:
    return [json.loads(r.body) for r in receiver.to("/national")]


def test_every_status_change_is_pushed_in_order_with_the_national_field_set(as_user, to_receiver):
    code = submit(as_user)
    officer = as_user("onestop_anbinh")
    assert officer.act(code, "receive").status_code == 200
    assert officer.act(code, "refuse", reason="Thiếu giấy tờ").status_code in (200, 409)
    rows = list(NationalSync.objects.filter(dossier_code=code).order_by("seq"))
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1)) and rows[0].status == 1 and rows[1].status == 2
    assert set(rows[1].fields) == FIELDS
    assert rows[1].fields["receiving_unit"] == ANBINH and rows[1].fields["received_at"] is not None
    assert [r.receipt for r in rows[:2]] == [False, True]

    # One sweep sends change 1, and change 2 only once 1 is acknowledged (the next round of the same sweep).
    assert sync.sync_pending()["delivered"] == len(rows)
    sent = _sent(to_receiver)
    assert [d["ThuTu"] for d in sent] == [r.seq for r in rows]
    assert [d["TrangThaiHoSo"] for d in sent] == [r.status for r in rows]
    assert [d["IdThayDoi"] for d in sent] == [r.idempotency_id for r in rows]
    assert to_receiver.to("/national")[0].headers["idempotency-key"] == rows[0].idempotency_id
    parsed = VnPortalAdapter().parse(to_receiver.to("/national")[1].body)
    assert parsed.fields == rows[1].fields  # the wire format reads back to the same field set


def test_the_times_of_every_change_are_written_alike(as_user, to_receiver):
    # The return date just computed (local time) and the same date read back later (UTC) are one moment: the
    # portal gets them in one form, not "+07:00" in one change and "+00:00" in the next.
    code = submit(as_user)
    officer = as_user("onestop_anbinh")
    officer.act(code, "receive")
    answer = officer.post(f"/dossiers/{code}/actions/request_supplement",
                          {"reason": "Ảnh mờ", "items": [{"key": "birth_certificate", "reason": "Ảnh mờ"}]})
    assert answer.status_code == 200, answer.content
    received, supplement = NationalSync.objects.filter(dossier_code=code).order_by("seq")[1:3]
    assert received.fields["due_at"] == supplement.fields["due_at"]
    times = [v for row in (received, supplement) for k, v in row.fields.items() if k.endswith("_at") and v]
    assert len(times) >= 6 and all(t.endswith("+00:00") for t in times), times


def test_change_n_plus_one_waits_until_n_is_acknowledged(as_user, to_receiver):
    to_receiver.fail_first["/national"] = 1
    code = submit(as_user)
    as_user("onestop_anbinh").act(code, "receive")
    assert sync.sync_pending() == {"delivered": 0, "failed": 1}
    assert [json.loads(r.body)["ThuTu"] for r in to_receiver.to("/national")] == [1]  # 2 was not sent
    NationalSync.objects.filter(state=State.PENDING).update(next_attempt_at=timezone.now())
    assert sync.sync_pending() == {"delivered": 2, "failed": 0}
    assert [json.loads(r.body)["ThuTu"] for r in to_receiver.to("/national")] == [1, 1, 2]
    ids = [json.loads(r.body)["IdThayDoi"] for r in to_receiver.to("/national")]
    assert ids[0] == ids[1]  # the retry carries the same id: the portal drops a duplicate by it


def test_a_dead_change_holds_back_its_dossier_only(as_user, to_receiver, settings, receiver, monkeypatch):
    monkeypatch.setattr(deliveries, "MAX_ATTEMPTS", 1)
    first = submit(as_user)
    settings.NATIONAL_SYNC_URL = receiver.url("/fail")
    assert sync.sync_pending() == {"delivered": 0, "failed": 1}
    assert NationalSync.objects.get(dossier_code=first).state == State.DEAD
    settings.NATIONAL_SYNC_URL = receiver.url("/national")
    as_user("onestop_anbinh").act(first, "receive")
    second = submit(as_user, "citizen3")
    assert sync.sync_pending() == {"delivered": 1, "failed": 0}
    assert [json.loads(r.body)["MaHoSo"] for r in to_receiver.to("/national")] == [second]
    queue = next(q for q in deliveries.queues() if q.name == "national")
    assert queue.counts()["national"] == deliveries.Counts(pending=1, delivered=1, dead=1)
    assert queue.replay() == 1  # `motcua outbox replay`: then the dossier's changes go, in order
    assert sync.sync_pending() == {"delivered": 2, "failed": 0}
    assert [(json.loads(r.body)["MaHoSo"], json.loads(r.body)["ThuTu"]) for r in to_receiver.to("/national")][1:] == [
        (first, 1), (first, 2)]


@pytest.mark.parametrize("path", ["/garbage", "/fail", "/loop"])
def test_an_answer_that_is_no_acknowledgement_is_retried(as_user, settings, receiver, path):
    settings.NATIONAL_SYNC_URL = receiver.url(path)
    submit(as_user)
    assert sync.sync_pending() == {"delivered": 0, "failed": 1}
    row = NationalSync.objects.get()
    assert (row.state, row.attempts) == (State.PENDING, 1)
    assert len(receiver.to(path)) == 1


class TinyAdapter:
    """Another country's portal: a flat form of (code, status, id) — one class, nothing else changes."""

    def request(self, change: Change):
        return f"{change.code};{change.status};{change.idempotency_id}".encode(), {"content-type": "text/plain"}

    def acknowledged(self, status: int, body: bytes, change: Change) -> bool:
        return status == 200

    def parse(self, body: bytes) -> Change:
        raise NotImplementedError


def test_the_wire_format_is_a_plugin(as_user, settings, receiver):
    settings.NATIONAL_SYNC_URL = receiver.url("/ok")
    settings.NATIONAL_SYNC_ADAPTER = "tests.integrations.test_national_sync.TinyAdapter"
    code = submit(as_user)
    assert sync.sync_pending() == {"delivered": 1, "failed": 0}
    row = NationalSync.objects.get()
    assert receiver.to("/ok")[0].body == f"{code};1;{row.idempotency_id}".encode()


def test_no_sync_without_a_portal_address(as_user, settings):
    settings.NATIONAL_SYNC_URL = ""
    submit(as_user)
    assert not NationalSync.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_demo_portal_validates_stores_and_shows_the_changes_in_order(demo, as_user, live_server, settings):
    settings.NATIONAL_SYNC_URL = f"{live_server.url}/demo-national/api/dossiers"
    code = submit(as_user)
    as_user("onestop_anbinh").act(code, "receive")
    assert sync.sync_pending() == {"delivered": 2, "failed": 0}
    # A duplicate (a worker that died before it recorded the acknowledgement) is acknowledged, not stored twice.
    row = NationalSync.objects.get(dossier_code=code, seq=2)
    body, headers = VnPortalAdapter().request(sync.change_of(row))
    again = requests.post(settings.NATIONAL_SYNC_URL, data=body, headers=headers, timeout=10)
    assert again.json() == {"error_code": 0, "duplicate": True}

    shown = requests.get(f"{live_server.url}/demo-national/api/dossiers/{code}", timeout=10).json()
    assert [(c["status"], c["seq"]) for c in shown["changes"]] == [(1, 1), (2, 2)]
    assert set(shown["changes"][1]) >= FIELDS | {"at"}
    assert shown["changes"][1]["receiving_unit"] == ANBINH
    assert DemoNationalChange.objects.count() == 2

    bad = [b"not json", b"[]", json.dumps({"MaHoSo": code}).encode(),
           body.replace(b'"TrangThaiHoSo": 2', b'"TrangThaiHoSo": 11'),
           body.replace(b'"IdThayDoi": "', b'"IdThayDoi": "x').replace(b'"ThuTu": 2', b'"ThuTu": 5')]
    answers = [requests.post(settings.NATIONAL_SYNC_URL, data=b, timeout=10) for b in bad]
    assert [a.status_code for a in answers] == [400, 400, 400, 400, 409]
    assert DemoNationalChange.objects.count() == 2
