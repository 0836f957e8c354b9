"""/api/v1/petitions: filing, reading, acting, the public list without personal data, strict input,
rate limits with Retry-After, Idempotency-Key, the anonymous contact flow, and OpenAPI."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from motcua.identity.models import User
from motcua.notifications import delivery
from motcua.notifications.models import OutboxEvent
from motcua.petitions.models import Petition
from tests.conftest import ApiClient

ANBINH = "000.11.00.H99"


@pytest.fixture
def api(demo):
    return ApiClient


def _file(client, **body):
    return client.post("/petitions", {"kind": "feedback", "subject": "Đèn đường hỏng", "body": "Thôn 2 tối.",
                                      "unit": ANBINH, **body})


def test_file_read_and_act(api):
    citizen, officer, other = api("citizen"), api("onestop_anbinh"), api("onestop_hoathuan")
    r = _file(citizen)
    assert r.status_code == 201, r.content
    body = r.json()
    assert set(body) == {"code", "due_at", "status"} and body["status"] == "received"
    code = body["code"]
    assert citizen.get(f"/petitions/{code}").json()["allowed_actions"] == []
    assert officer.get(f"/petitions/{code}").json()["allowed_actions"] == [
        "refuse", "request_information", "answer", "forward"]
    assert other.get(f"/petitions/{code}").status_code == 404
    assert api("citizen2").get(f"/petitions/{code}").status_code == 404
    assert other.post(f"/petitions/{code}/actions/answer", {"answer": "x"}).status_code == 404
    r = officer.post(f"/petitions/{code}/actions/answer", {"answer": "Đã thay bóng đèn."})
    assert r.status_code == 200 and r.json()["status"] == "answered"
    assert officer.post(f"/petitions/{code}/actions/publish").json()["status"] == "published"
    assert citizen.post(f"/petitions/{code}/actions/publish").status_code == 409
    assert citizen.post(f"/petitions/{code}/actions/like").json()["likes"] == 1
    r = citizen.post(f"/petitions/{code}/actions/complain_again", {"reason": "Lại hỏng."})
    assert r.json()["status"] == "received" and r.json()["complained_again"] is True
    assert officer.post(f"/petitions/{code}/actions/forward", {"unit": "000.12.00.H99"}).json()["unit"] == "000.12.00.H99"
    assert other.get(f"/petitions/{code}").status_code == 200  # forwarded to it
    assert officer.post(f"/petitions/{code}/actions/fly").status_code == 404


@pytest.mark.parametrize("body", [
    {"kind": "feedback", "subject": "s", "body": "b", "unit": ANBINH, "secret": 1},  # undeclared
    {"kind": "gossip", "subject": "s", "body": "b", "unit": ANBINH},
    {"kind": "feedback", "subject": "", "body": "b", "unit": ANBINH},
    {"kind": "feedback", "subject": "s" * 201, "body": "b", "unit": ANBINH},
    {"kind": "feedback", "subject": "s", "body": "b" * 10_001, "unit": ANBINH},
    {"kind": "feedback", "subject": "s", "body": "b", "unit": 12},
])
def test_strict_input_is_422(api, body):
    assert api("citizen").post("/petitions", body).status_code == 422


def test_nul_and_unknown_references_are_4xx(api):
    c = api("citizen")
    assert c.post("/petitions", {"kind": "feedback", "subject": "s\x00", "body": "b", "unit": ANBINH}).status_code == 400
    assert _file(c, unit="999.99.99.X").status_code == 422
    assert _file(c, kind="complaint", dossier="NOPE-1").status_code == 404
    code = _file(c).json()["code"]
    r = api("onestop_anbinh").post(f"/petitions/{code}/actions/answer", {"answer": "a", "x": 1})
    assert r.status_code == 422


def test_rate_limit_per_account_is_429_with_retry_after(api, monkeypatch):
    monkeypatch.setattr("motcua.petitions.limits.FILING_LIMITS", ((2, __import__("datetime").timedelta(hours=1)),))
    c = api("citizen2")
    assert _file(c).status_code == 201
    assert _file(c).status_code == 201
    r = _file(c)
    assert r.status_code == 429 and 0 < int(r["Retry-After"]) <= 3600 and r.json()["code"] == "too_many_requests"
    assert _file(api("citizen")).status_code == 201  # another account is not held back


def test_idempotency_key_makes_a_retry_safe(api):
    c = api("citizen")
    first = c.client.post(
        "/api/v1/petitions", {"kind": "feedback", "subject": "s", "body": "b", "unit": ANBINH},
        content_type="application/json", headers={**c.headers, "Idempotency-Key": "k-1"})
    again = c.client.post(
        "/api/v1/petitions", {"kind": "feedback", "subject": "s", "body": "b", "unit": ANBINH},
        content_type="application/json", headers={**c.headers, "Idempotency-Key": "k-1"})
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["code"] == again.json()["code"]
    assert Petition.objects.filter(code=first.json()["code"]).count() == 1


def test_anonymous_filing_through_a_verified_contact(api):
    anon = Client()
    r = anon.post("/api/v1/petitions/contact-codes", {"contact": "ban@example.org"}, content_type="application/json")
    assert r.status_code == 202
    mail = OutboxEvent.objects.filter(topic="mail", key="petition-code").last()
    assert mail.payload["to"] == ["ban@example.org"]
    code = next(w for w in mail.payload["body"].split() if w.isdigit() and len(w) == 6)
    r = anon.post("/api/v1/petitions/contact-codes/verify", {"contact": "ban@example.org", "code": code},
                  content_type="application/json")
    token = r.json()["token"]
    assert anon.post("/api/v1/petitions", {"kind": "feedback", "subject": "s", "body": "b", "unit": ANBINH},
                     content_type="application/json").status_code == 401
    r = anon.post("/api/v1/petitions", {"kind": "feedback", "subject": "s", "body": "b", "unit": ANBINH},
                  content_type="application/json", headers={"X-Contact-Token": token})
    assert r.status_code == 201
    code = r.json()["code"]
    assert anon.get(f"/api/v1/petitions/{code}", headers={"X-Contact-Token": token}).status_code == 200
    assert anon.get(f"/api/v1/petitions/{code}", headers={"X-Contact-Token": "forged"}).status_code == 401
    # Codes per contact are limited too: 3 in 15 minutes, the 4th is refused.
    for _ in range(4):
        r = anon.post("/api/v1/petitions/contact-codes", {"contact": "spam@example.org"}, content_type="application/json")
    assert r.status_code == 429 and "Retry-After" in r


def test_one_address_cannot_send_codes_to_contact_after_contact(api, settings):
    # Each contact stays under its own limit: the address's limit is what stops the cycling (and the SMS bill).
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "petition_code_ip": "3/h"}
    anon = Client()
    answers = [anon.post("/api/v1/petitions/contact-codes", {"contact": f"ban{i}@example.org"},
                         content_type="application/json") for i in range(4)]
    assert [r.status_code for r in answers] == [202, 202, 202, 429]
    assert "Retry-After" in answers[-1]
    assert OutboxEvent.objects.filter(topic="mail", key="petition-code").count() == 3
    # Guessing codes from that address is held back the same way.
    r = anon.post("/api/v1/petitions/contact-codes/verify", {"contact": "ban0@example.org", "code": "000000"},
                  content_type="application/json")
    assert r.status_code == 429


def test_a_phone_contact_gets_its_code_by_sms(api, settings):
    settings.SMS_PROVIDER = "demo"
    anon = Client()
    r = anon.post("/api/v1/petitions/contact-codes", {"contact": "0912 345 678"}, content_type="application/json")
    assert r.status_code == 202
    assert not OutboxEvent.objects.filter(topic="mail", key="petition-code").exists()  # a phone gets no mail
    delivery.deliver_pending()
    texts = anon.get("/demo-sms/api/messages", {"to": "0912345678"}).json()["messages"]
    assert len(texts) == 1 and texts[0]["to"] == "+84912345678"
    code = next(w for w in texts[0]["text"].replace(".", " ").split() if w.isdigit() and len(w) == 6)
    assert texts[0]["text"].isascii()  # Vietnamese without accents: one GSM-7 segment
    r = anon.post("/api/v1/petitions/contact-codes/verify", {"contact": "+84 912 345 678", "code": code},
                  content_type="application/json")
    assert r.status_code == 200, r.content
    r = anon.post("/api/v1/petitions", {"kind": "feedback", "subject": "s", "body": "b", "unit": ANBINH},
                  content_type="application/json", headers={"X-Contact-Token": r.json()["token"]})
    assert r.status_code == 201 and Petition.objects.get(code=r.json()["code"]).contact == "+84912345678"
    # Rate-limited as an e-mail contact: 3 codes in 15 minutes, whichever way the number is written.
    for number in ("0912345678", "+84912345678"):
        r = anon.post("/api/v1/petitions/contact-codes", {"contact": number}, content_type="application/json")
    assert r.status_code == 202
    r = anon.post("/api/v1/petitions/contact-codes", {"contact": "0912.345.678"}, content_type="application/json")
    assert r.status_code == 429 and "Retry-After" in r
    delivery.deliver_pending()
    assert len(anon.get("/demo-sms/api/messages", {"to": "0912345678"}).json()["messages"]) == 3
    # Not a mobile number, or no SMS channel on this site: refused at once, nothing sent.
    bad = anon.post("/api/v1/petitions/contact-codes", {"contact": "024 3825 3536"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_contact"
    settings.SMS_PROVIDER = ""
    r = anon.post("/api/v1/petitions/contact-codes", {"contact": "0987654321"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["code"] == "sms_unavailable"


def test_the_public_list_carries_no_personal_data(api):
    citizen, officer = api("citizen"), api("onestop_anbinh")
    user = User.objects.get(username="citizen")
    user.email, user.full_name = "an.nguyen@example.org", "Trịnh Văn Sơn"
    user.save(update_fields=["email", "full_name"])
    clerk = User.objects.get(username="onestop_anbinh")
    clerk.full_name = "Lê Thị Mai"
    clerk.save(update_fields=["full_name"])
    pid = user.citizen.personal_id
    code = _file(citizen, subject="Đường hỏng trước nhà Trịnh Văn Sơn",
                 body=f"Tôi là Trịnh Văn Sơn (viết không dấu: Trinh Van Son), số định danh {pid}, CMND 123456789, "
                      "gọi 0912 345 678 hoặc an.nguyen@example.org, nhà số 12 ngõ 34 phố Huế. Cán bộ LÊ THỊ MAI "
                      "hẹn mãi; hàng xóm là ông Phạm Quốc Bảo cũng phản ánh.").json()["code"]
    officer.post(f"/petitions/{code}/actions/answer",
                 {"answer": "Đã sửa. Anh Sơn liên hệ chị Mai 0987654321 hoặc mai.le@example.vn."})
    # The officer who may publish is shown the masked proposal; the filer is not, before publication.
    proposal = officer.get(f"/petitions/{code}").json()["public"]
    assert proposal["proposed"] is True and "***" in proposal["body"] and "phố Huế" in proposal["body"]
    assert citizen.get(f"/petitions/{code}").json()["public"] is None
    officer.post(f"/petitions/{code}/actions/publish")
    unpublished = _file(citizen, subject="Chưa công khai").json()["code"]
    r = Client().get("/api/v1/petitions/public", {"q": "Đường"})
    assert r.status_code == 200
    items = r.json()["items"]
    assert [i["code"] for i in items] == [code]
    assert items[0]["subject"] == "Đường hỏng trước nhà ***"
    text = json.dumps(r.json(), ensure_ascii=False)
    page = Client().get("/petitions/", {"q": "Đường"}).content.decode()
    assert code in page
    for secret in (pid, "123456789", "0912 345 678", "0987654321", "an.nguyen@example.org", "mai.le@example.vn",
                   user.username, "Trịnh Văn Sơn", "Trinh Van Son", "Sơn", "Mai", "LÊ THỊ MAI", "Phạm Quốc Bảo",
                   "số 12", "ngõ 34"):
        assert secret not in text, secret
        assert secret not in page, secret
    # Nor can the hidden name be found by searching for it, with or without its accents.
    for q in ("Sơn", "Trinh", "0912", "Bảo"):
        assert Client().get("/api/v1/petitions/public", {"q": q}).json()["count"] == 0, q
    assert set(items[0]) == {"code", "kind", "topic", "subject", "body", "unit", "unit_name", "first_received_at",
                             "answer", "published_at", "likes", "dislikes"}
    assert unpublished not in text
    assert Client().get("/api/v1/petitions/public", {"limit": 1000}).status_code == 422
    # The filer and the officers see the version the public sees.
    assert citizen.get(f"/petitions/{code}").json()["public"]["body"] == items[0]["body"]


def test_the_officer_edits_the_public_version_before_publishing(api):
    citizen, officer = api("citizen"), api("onestop_anbinh")
    code = _file(citizen, subject="Cầu Bến Súc", body="Theo Quyết định số 12345678901 thì Cầu Bến Súc phải sửa.").json()["code"]
    officer.post(f"/petitions/{code}/actions/answer", {"answer": "Đã sửa cầu."})
    proposed = officer.get(f"/petitions/{code}").json()["public"]
    assert proposed["body"] == "Theo Quyết định số *** thì Cầu Bến Súc phải sửa."  # a long number is masked...
    assert officer.post(f"/petitions/{code}/actions/publish", {"body": "", "x": 1}).status_code == 422
    body = "Theo Quyết định số 1234/QĐ thì Cầu Bến Súc phải sửa."  # ...the officer writes what is public
    r = officer.post(f"/petitions/{code}/actions/publish", {"body": body})
    assert r.status_code == 200 and r.json()["public"] == {"proposed": False, "subject": "Cầu Bến Súc", "body": body,
                                                          "answer": "Đã sửa cầu."}
    [row] = Client().get("/api/v1/petitions/public").json()["items"]
    assert row["body"] == body and "12345678901" not in row["body"]
    published = Petition.objects.get(code=code).events.get(action="publish")
    assert published.data["edited"] == ["body"]
    # Complained about again, it leaves the public page; published again, from a new proposal.
    citizen.post(f"/petitions/{code}/actions/complain_again", {"reason": "Chưa sửa."})
    assert Client().get("/api/v1/petitions/public").json()["count"] == 0


def test_attachments_through_the_api_are_the_dossiers_uploads(api):
    from motcua.vault.models import Upload

    citizen = api("citizen")
    first, second = (citizen.upload("anh-den.pdf").json()["id"], citizen.upload("anh.pdf").json()["id"])
    r = _file(citizen, attachments=[{"upload": first}, {"upload": second}])
    assert r.status_code == 201, r.content
    code = r.json()["code"]
    got = citizen.get(f"/petitions/{code}").json()["attachments"]
    assert [(a["name"], a["content_type"]) for a in got] == [("anh-den.pdf", "application/pdf"), ("anh.pdf", "application/pdf")]
    assert set(Upload.objects.filter(token__in=[first, second]).values_list("used_in", flat=True)) == {code}
    assert Petition.objects.get(code=code).attachments[0]["path"].startswith("dossiers/")
    # Used once only, one's own only, each named once, checked by the petitions' rule (10 MB), ids only.
    r = _file(citizen, attachments=[{"upload": first}])
    assert r.status_code == 422 and r.json()["code"] == "upload_already_used"
    theirs = api("citizen2").upload().json()["id"]
    r = _file(citizen, attachments=[{"upload": theirs}])
    assert r.status_code == 422 and r.json()["code"] == "upload_not_found"
    third = citizen.upload().json()["id"]
    assert _file(citizen, attachments=[{"upload": third}, {"upload": third}]).json()["code"] == "duplicate_upload"
    Upload.objects.filter(token=third).update(size=11 * 1024 * 1024)
    assert _file(citizen, attachments=[{"upload": third}]).json()["code"] == "upload_too_large"
    for bad in ([{"upload": third, "path": "/etc/passwd"}], [{"upload": ""}], [{"upload": third}] * 6, ["x"]):
        assert _file(citizen, attachments=bad).status_code in (400, 422), bad
    assert Petition.objects.count() == 1  # nothing half-filed
    assert Upload.objects.get(token=third).used_in == ""  # still the citizen's to use
    # A verified contact cannot name an account's upload.
    anon_token = _contact_token("ban@example.org")
    r = _anonymous_filing(anon_token, [{"upload": third}])
    assert r.status_code == 422 and r.json()["code"] == "upload_not_found"


def _anonymous_filing(token: str, attachments: list[dict]):
    return Client().post("/api/v1/petitions", {"kind": "feedback", "subject": "Cống tắc", "body": "Ngập khi mưa.",
                                               "unit": ANBINH, "attachments": attachments},
                         content_type="application/json", headers={"X-Contact-Token": token})


def _attach(token: str | None = None, bearer: str | None = None, name: str = "anh.pdf", content: bytes | None = None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import TINY_PDF

    headers = {"X-Contact-Token": token} if token else {}
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    return Client().post("/api/v1/petitions/attachments",
                         {"file": SimpleUploadedFile(name, TINY_PDF if content is None else content)}, headers=headers)


def test_an_anonymous_filer_attaches_through_the_api_with_their_verified_contact(api):
    from motcua.vault.models import Upload
    from motcua.vault.tasks import prune_uploads_now

    mine, theirs = _contact_token("ban@example.org"), _contact_token("hang.xom@example.org")
    r = _attach(mine, name="cong-tac.pdf")
    assert r.status_code == 201, r.content
    upload = r.json()
    assert set(upload) == {"id", "name", "size", "sha256", "content_type"} and upload["name"] == "cong-tac.pdf"
    row = Upload.objects.get(token=upload["id"])
    assert row.owner is None and row.contact == "ban@example.org"
    # Not another contact's, nor an account's to name; not without a token; not a file of another kind.
    assert _anonymous_filing(theirs, [{"upload": upload["id"]}]).json()["code"] == "upload_not_found"
    assert _file(api("citizen"), attachments=[{"upload": upload["id"]}]).json()["code"] == "upload_not_found"
    assert _attach().status_code == 401
    assert _attach(mine, name="x.exe", content=b"MZ\x90\x00" * 100).status_code == 415
    assert Client().post("/api/v1/petitions/attachments", {}, headers={"X-Contact-Token": mine}).status_code in (400, 422)
    assert Petition.objects.count() == 0 and Upload.objects.count() == 1
    # Its own contact files with it: the attachment is the petition's, and used once only.
    r = _anonymous_filing(mine, [{"upload": upload["id"]}])
    assert r.status_code == 201, r.content
    code = r.json()["code"]
    petition = Petition.objects.get(code=code)
    assert [(a["name"], a["sha256"]) for a in petition.attachments] == [("cong-tac.pdf", upload["sha256"])]
    assert Upload.objects.get(token=upload["id"]).used_in == code
    assert _anonymous_filing(mine, [{"upload": upload["id"]}]).json()["code"] == "upload_already_used"
    # A signed-in citizen may use this endpoint too: the upload is then the account's.
    r = _attach(bearer=api("citizen").headers["Authorization"].removeprefix("Bearer "))
    assert r.status_code == 201 and Upload.objects.get(token=r.json()["id"]).owner.username == "citizen"
    # Unused uploads are forgotten after UPLOAD_KEEP_DAYS, files and all; used ones stay.
    from datetime import timedelta

    from django.core.files.storage import default_storage
    from django.utils import timezone

    spare = Upload.objects.get(token=_attach(mine).json()["id"])
    assert default_storage.exists(spare.storage_name)
    assert prune_uploads_now() == 0
    assert prune_uploads_now(timezone.now() + timedelta(days=8)) == 2  # the spare and the citizen's
    assert not default_storage.exists(spare.storage_name)
    assert list(Upload.objects.values_list("token", flat=True)) == [upload["id"]]
    assert default_storage.exists(Upload.objects.get().storage_name)  # the petition's file


def test_attaching_is_rate_limited_per_contact(api, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "upload": "2/h", "upload_ip": "100/h"}
    mine, theirs = _contact_token("ban@example.org"), _contact_token("ban2@example.org")
    assert [_attach(mine).status_code for _ in range(3)] == [201, 201, 429]
    assert _attach(theirs).status_code == 201


def _contact_token(contact: str) -> str:
    anon = Client()
    anon.post("/api/v1/petitions/contact-codes", {"contact": contact}, content_type="application/json")
    mail = OutboxEvent.objects.filter(topic="mail", key="petition-code").last()
    code = next(w for w in mail.payload["body"].split() if w.isdigit() and len(w) == 6)
    return anon.post("/api/v1/petitions/contact-codes/verify", {"contact": contact, "code": code},
                     content_type="application/json").json()["token"]


def test_openapi_describes_the_petitions(api):
    schema = Client().get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert "/api/v1/petitions" in paths and "/api/v1/petitions/public" in paths
    for action in ("refuse", "request_information", "provide_information", "answer", "publish", "forward", "like",
                   "dislike", "complain_again"):
        assert f"/api/v1/petitions/{{code}}/actions/{action}" in paths
    assert "201" in paths["/api/v1/petitions"]["post"]["responses"]
