"""The officer's dossier page offers the steps of "who does the work" (issue 21 item 4) as forms, not only the API.

A commune desk hands the land procedure over to the province's land registration office; the land office
records the tax authority's paper answer; the Health Department's inspection group sets the visit and
records it. Each through the page's own form (no JavaScript), the refused input shown beside its field.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse
from freezegun import freeze_time

from motcua.dossiers.models import Appointment, Dossier, DossierEvent, OutsideRequest, Status, TaskStatus
from tests.conftest import ApiClient, logged_in
from tests.dossiers.test_who_does_the_work import FOOD, LAND, MONDAY, _act, _scans, _tasks
from tests.walker import components_for

# The API (its input models read `datetime`) is imported here, not first under freezegun's clock.
import motcua.urls  # noqa: F401  isort: skip

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _page(username: str, code: str):
    page = logged_in(username)
    r = page.get(reverse("backoffice:dossier", args=[code]))
    assert r.status_code == 200
    return page, r.content.decode()


def _post(page, code: str, action: str, data: dict):
    return page.post(reverse("backoffice:act", args=[code, action]), data)


def test_the_desk_hands_over_and_the_land_office_records_the_tax_answer_from_the_page(demo):
    with freeze_time(MONDAY, tick=True):
        officer = ApiClient("onestop_anbinh")
        r = officer.post("/dossiers", {"procedure": "1.013831", "channel": 1,
                                       "applicant": {"personal_id": "001090012345"}, "data": LAND["example"],
                                       "components": _scans(officer, "certificate", "transfer_contract")})
        assert r.status_code == 201, r.content
        code = r.json()["code"]
        page, html = _page("onestop_anbinh", code)
        assert 'id="act-hand_over"' in html and 'name="task" value="hand_over"' in html
        assert _post(page, code, "hand_over", {"task": "hand_over"}).status_code == 302
        assert Dossier.objects.get(code=code).handed_over_at is not None
        assert _tasks(code)["check"].status == TaskStatus.OPEN

        _act("specialist_land", code, "start_processing", {"task": "check"})
        _act("specialist_land", code, "transfer", {"task": "check"})
        page, html = _page("specialist_land", code)
        assert 'id="act-record_answer"' in html and 'name="reference"' in html
        # Without the notice's number: the form again, the error beside its field, nothing recorded.
        refused = _post(page, code, "record_answer", {"task": "tax", "reference": ""})
        assert refused.status_code in (200, 422)
        assert 'id="act-record_answer-reference-error"' in refused.content.decode()
        assert OutsideRequest.objects.get(task__dossier__code=code).state != OutsideRequest.State.ANSWERED
    with freeze_time("2026-12-10 03:00:00", tick=True):
        page = logged_in("specialist_land")
        done = _post(page, code, "record_answer", {"task": "tax", "reference": "TB-2026/123", "answer": "Đã nộp đủ."})
        assert done.status_code == 302
        request = OutsideRequest.objects.get(task__dossier__code=code)
        assert request.answer["reference"] == "TB-2026/123" and request.answer["text"] == "Đã nộp đủ."
        assert Dossier.objects.get(code=code).paused_days == 3
        # The history on the page says it in words.
        html = page.get(reverse("backoffice:dossier", args=[code])).content.decode()
        assert "Cơ quan ngoài đã trả lời" in html and "Chuyển hồ sơ lên cơ quan giải quyết" in html


def test_the_inspection_group_sets_and_records_the_visit_from_the_page(demo):
    with freeze_time(MONDAY, tick=True):
        citizen = ApiClient("citizen")
        r = citizen.post("/dossiers", {"procedure": "1.001467", "data": FOOD["example"],
                                       "components": citizen.references(components_for(FOOD, FOOD["example"]))})
        code = r.json()["code"]
        Dossier.objects.filter(code=code).update(payment_due=0)
        _act("onestop_prov", code, "receive")
        _act("specialist_health", code, "start_processing", {"task": "review"})
        _act("specialist_health", code, "transfer", {"task": "review"})
        page, html = _page("inspector_health", code)
        assert 'id="act-set_appointment"' in html and 'type="datetime-local"' in html
        assert 'id="act-record_visit"' in html
        # A time already past: refused beside the field.
        refused = _post(page, code, "set_appointment", {"task": "inspect", "at": "2026-12-01T09:00", "place": "Bếp ăn"})
        assert 'id="act-set_appointment-at-error"' in refused.content.decode()
        # The form's local time is the installation's: 09:00 in Viet Nam.
        assert _post(page, code, "set_appointment",
                     {"task": "inspect", "at": "2026-12-09T09:00", "place": "Bếp ăn, KCN An Bình"}).status_code == 302
        visit = Appointment.objects.get(task__dossier__code=code)
        assert visit.at == datetime(2026, 12, 9, 9, 0, tzinfo=TZ) and visit.place == "Bếp ăn, KCN An Bình"
    with freeze_time("2026-12-09 04:00:00", tick=True):
        page = logged_in("inspector_health")
        refused = _post(page, code, "record_visit", {"task": "inspect", "findings": " "})
        assert 'id="act-record_visit-findings-error"' in refused.content.decode()
        assert _post(page, code, "record_visit", {"task": "inspect", "findings": "Đạt yêu cầu."}).status_code == 302
        assert Appointment.objects.get(task__dossier__code=code).findings == "Đạt yêu cầu."
        assert _tasks(code)["inspect"].status == TaskStatus.DONE
        assert DossierEvent.objects.filter(dossier__code=code, action="record_visit").exists()
        assert Dossier.objects.get(code=code).status == Status.PROCESSING
