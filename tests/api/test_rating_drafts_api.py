"""The satisfaction rating (only the applicant, only after return, once) and the draft endpoints of the API."""

from __future__ import annotations

import pytest

from motcua.audit.models import AuditEntry
from motcua.dossiers import actions
from motcua.dossiers.models import Dossier, DossierEvent, Rating, Status
from motcua.drafts.models import Draft
from motcua.lib.errors import ActionError
from tests.conftest import BIRTH, BIRTH_COMPONENTS, ApiClient, logged_in, user

GOOD = {"overall": "very_satisfied", "time": "satisfied", "ease": "very_satisfied", "staff": "satisfied", "result": "dissatisfied"}
RATING_FORM = {f"rating-{k}": v for k, v in GOOD.items()}


def filed(username: str = "citizen") -> Dossier:
    return actions.submit(user(username), "1.001193", dict(BIRTH), components=list(BIRTH_COMPONENTS))


def processed(username: str = "citizen") -> Dossier:
    dossier = filed(username)
    for who, action in [
        ("onestop_anbinh", "receive"), ("specialist_anbinh", "start_processing"),
        ("specialist_anbinh", "transfer"), ("approver_anbinh", "approve"), ("approver_anbinh", "issue_result"),
    ]:
        actions.perform(dossier.code, action, user(who))
    return Dossier.objects.get(pk=dossier.pk)


def returned(username: str = "citizen") -> Dossier:
    dossier = processed(username)
    return actions.perform(dossier.code, "return_result", user("onestop_anbinh"))


# --- rating: the action -----------------------------------------------------------------------


def test_the_applicant_rates_a_returned_dossier_once_with_an_event_and_audit(demo):
    dossier = returned()
    actions.perform(dossier.code, "rate", user("citizen"), payload=actions.Payload(rating={"answers": GOOD, "comment": " Tốt "}))
    rating = Rating.objects.get(dossier=dossier)
    assert rating.answers == GOOD and rating.overall == "very_satisfied" and rating.comment == "Tốt"
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED  # rating changes no status
    event = DossierEvent.objects.filter(dossier=dossier).latest("id")
    assert event.action == "rate" and event.from_status == event.to_status == Status.RETURNED
    assert AuditEntry.objects.filter(action="dossier.rate", object_id=dossier.code).count() == 1
    with pytest.raises(ActionError) as again:
        actions.perform(dossier.code, "rate", user("citizen"), payload=actions.Payload(rating={"answers": GOOD}))
    assert again.value.status == 409 and again.value.code == "already_rated"
    assert Rating.objects.count() == 1


def test_rating_before_the_result_is_returned_is_refused(demo):
    dossier = processed()
    with pytest.raises(ActionError) as refused:
        actions.perform(dossier.code, "rate", user("citizen"), payload=actions.Payload(rating={"answers": GOOD}))
    assert refused.value.status == 409 and refused.value.code == "not_returned"
    assert "sau khi hồ sơ đã trả kết quả" in refused.value.message
    assert not Rating.objects.exists() and "rate" not in actions.allowed_actions(dossier, user("citizen"))


def test_only_the_applicant_rates(demo):
    dossier = returned()
    with pytest.raises(ActionError) as other:
        actions.perform(dossier.code, "rate", user("citizen2"), payload=actions.Payload(rating={"answers": GOOD}))
    assert other.value.status == 404
    with pytest.raises(ActionError) as officer:
        actions.perform(dossier.code, "rate", user("onestop_anbinh"), payload=actions.Payload(rating={"answers": GOOD}))
    assert officer.value.status == 403
    assert not Rating.objects.exists()
    assert "rate" in actions.allowed_actions(dossier, user("citizen"))
    assert "rate" not in actions.allowed_actions(dossier, user("onestop_anbinh"))


def test_an_incomplete_or_unknown_answer_is_refused_naming_the_criteria(demo):
    dossier = returned()
    with pytest.raises(ActionError) as bad:
        actions.perform(
            dossier.code, "rate", user("citizen"),
            payload=actions.Payload(rating={"answers": {**GOOD, "time": "wonderful", "extra": "x"}}),
        )
    assert bad.value.status == 422 and bad.value.code == "invalid_rating"
    assert [e["field"] for e in bad.value.extra["errors"]] == ["time"] and bad.value.extra["unknown"] == ["extra"]
    assert not Rating.objects.exists()
    assert not DossierEvent.objects.filter(dossier=dossier, action="rate").exists()


# --- rating: the pages --------------------------------------------------------------------------


def test_the_dossier_page_offers_the_rating_only_after_return_and_shows_it_after(demo):
    dossier = processed()
    client = logged_in("citizen")
    assert "Đánh giá mức độ hài lòng" not in client.get(f"/my/dossiers/{dossier.code}/").content.decode()
    assert client.post(f"/my/dossiers/{dossier.code}/rating/", RATING_FORM).status_code == 302
    assert not Rating.objects.exists()
    actions.perform(dossier.code, "return_result", user("onestop_anbinh"))
    page = client.get(f"/my/dossiers/{dossier.code}/").content.decode()
    assert f'action="/my/dossiers/{dossier.code}/rating/"' in page
    assert '<input type="radio" id="rating-overall" name="rating-overall" value="very_satisfied"' in page
    r = client.post(f"/my/dossiers/{dossier.code}/rating/", {**RATING_FORM, "rating-staff": ""})
    assert r.status_code == 422 and not Rating.objects.exists()
    page = r.content.decode()
    assert 'href="#rating-staff"' in page and 'id="rating-staff-error"' in page
    assert 'value="dissatisfied" checked' in page  # the other answers are kept
    r = client.post(f"/my/dossiers/{dossier.code}/rating/", {**RATING_FORM, "comment": "Nhanh"})
    assert r.status_code == 302
    page = client.get(r["Location"]).content.decode()
    assert "Cảm ơn bạn đã đánh giá" in page and "Đánh giá của bạn" in page and "Nhanh" in page
    assert 'action="/my/dossiers/' + dossier.code + '/rating/"' not in page
    assert "Không hài lòng" in page and "Đánh giá mức độ hài lòng" in page  # the timeline's event label
    r = client.post(f"/my/dossiers/{dossier.code}/rating/", RATING_FORM)
    assert "mỗi hồ sơ chỉ đánh giá một lần" in client.get(r["Location"]).content.decode()
    assert Rating.objects.count() == 1


def test_another_citizen_cannot_rate_through_the_page(demo):
    dossier = returned()
    assert logged_in("citizen2").post(f"/my/dossiers/{dossier.code}/rating/", RATING_FORM).status_code == 404
    assert not Rating.objects.exists()


# --- rating: the API ----------------------------------------------------------------------------


def test_api_rating(demo):
    dossier = processed()
    body = {"answers": GOOD, "comment": "Ổn"}
    r = ApiClient("citizen").post(f"/dossiers/{dossier.code}/rating", body)
    assert r.status_code == 409 and r.json()["code"] == "not_returned"
    actions.perform(dossier.code, "return_result", user("onestop_anbinh"))
    assert ApiClient("citizen2").post(f"/dossiers/{dossier.code}/rating", body).status_code == 404
    assert ApiClient("onestop_anbinh").post(f"/dossiers/{dossier.code}/rating", body).status_code == 403
    r = ApiClient("citizen").post(f"/dossiers/{dossier.code}/rating", {"answers": {"overall": "ok"}})
    assert r.status_code == 422 and r.json()["code"] == "invalid_rating"
    r = ApiClient("citizen").post(f"/dossiers/{dossier.code}/rating", body)
    assert r.status_code == 201 and r.json()["overall"] == "very_satisfied" and r.json()["comment"] == "Ổn"
    again = ApiClient("citizen").post(f"/dossiers/{dossier.code}/rating", body)
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    assert ApiClient("citizen").get(f"/dossiers/{dossier.code}").json()["rating"]["answers"] == GOOD


# --- drafts: the API ----------------------------------------------------------------------------


def test_api_drafts_round_trip_and_submit(demo):
    api = ApiClient("citizen")
    r = api.post("/drafts", {"procedure": "1.001193", "data": {"child_name": "Nguyễn Minh Khang"}})
    assert r.status_code == 201
    draft = r.json()
    assert draft["data"] == {"child_name": "Nguyễn Minh Khang"} and any(e["field"] == "mother_name" for e in draft["errors"])
    path = f"/drafts/{draft['id']}"
    r = api.client.put(f"/api/v1{path}", {"data": BIRTH, "step": "review"}, content_type="application/json", headers=api.headers)
    assert r.status_code == 200 and r.json()["errors"] == []
    # The same draft in the browser (another device).
    page = logged_in("citizen").get(f"/my/drafts/{draft['id']}/child/").content.decode()
    assert 'value="Nguyễn Minh Khang"' in page
    assert [d["id"] for d in api.get("/drafts").json()] == [draft["id"]]
    r = api.post(f"{path}/submit")
    assert r.status_code == 201 and r.json()["status"] == Status.SUBMITTED
    assert not Draft.objects.exists() and Dossier.objects.get().data == BIRTH
    assert api.get(path).status_code == 404


def test_api_drafts_of_another_citizen_are_not_found(demo):
    draft = ApiClient("citizen").post("/drafts", {"procedure": "1.001193", "data": {"child_name": "Khang"}}).json()
    other = ApiClient("citizen2")
    path = f"/drafts/{draft['id']}"
    assert other.get(path).status_code == 404
    r = other.client.put(f"/api/v1{path}", {"data": {"child_name": "X"}}, content_type="application/json", headers=other.headers)
    assert r.status_code == 404 and r.json()["code"] == "draft_not_found"
    assert other.client.delete(f"/api/v1{path}", headers=other.headers).status_code == 404
    assert other.post(f"{path}/submit").status_code == 404
    assert other.get("/drafts").json() == []
    assert Draft.objects.get().data == {"child_name": "Khang"} and not Dossier.objects.exists()


def test_api_draft_refuses_unknown_fields_and_deletes(demo):
    api = ApiClient("citizen")
    r = api.post("/drafts", {"procedure": "1.001193", "data": {"nope": 1}})
    assert r.status_code == 422 and r.json()["code"] == "unknown_fields" and not Draft.objects.exists()
    draft = api.post("/drafts", {"procedure": "1.001193"}).json()
    assert api.client.delete(f"/api/v1/drafts/{draft['id']}", headers=api.headers).status_code == 204
    assert not Draft.objects.exists()
    assert ApiClient("onestop_anbinh").post("/drafts", {"procedure": "1.001193"}).status_code == 403


# --- tracking: the receipt with the return date ---------------------------------------------------


def test_the_receipt_is_downloadable_once_received_by_the_applicant_only(demo):
    dossier = filed()
    client = logged_in("citizen")
    assert "receipt.pdf" not in client.get(f"/my/dossiers/{dossier.code}/").content.decode()
    assert client.get(f"/my/dossiers/{dossier.code}/receipt.pdf").status_code == 404
    actions.perform(dossier.code, "receive", user("onestop_anbinh"))
    page = client.get(f"/my/dossiers/{dossier.code}/").content.decode()
    assert f'href="/my/dossiers/{dossier.code}/receipt.pdf"' in page
    r = client.get(f"/my/dossiers/{dossier.code}/receipt.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF-")
    assert logged_in("citizen2").get(f"/my/dossiers/{dossier.code}/receipt.pdf").status_code == 404
