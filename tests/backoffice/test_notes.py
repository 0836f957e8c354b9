"""Internal notes between officers: on the officer's page only, never the applicant's (page or API), audited, strict."""

from __future__ import annotations

from motcua.audit.log import verify_chain
from motcua.audit.models import AuditEntry
from motcua.backoffice.models import DossierNote
from tests.backoffice.helpers import birth_dossier
from tests.conftest import ApiClient, logged_in

SECRET = "Giấy chứng sinh mờ, cần đối chiếu bản gốc — nội bộ 7Q2"


def test_a_note_is_seen_by_the_officers_of_the_dossier_never_by_its_applicant(demo):
    code = birth_dossier()
    desk = logged_in("onestop_anbinh")
    r = desk.post(f"/office/dossiers/{code}/notes/", {"text": SECRET})
    assert r.status_code == 302 and r["Location"].endswith(f"/office/dossiers/{code}/#notes-title")

    # Another officer of the dossier's units reads it, with its author.
    page = logged_in("specialist_anbinh").get(f"/office/dossiers/{code}/").content.decode()
    assert SECRET in page and "Ngô Thị Mai" in page

    # The applicant: not on their page, not anywhere in the citizen API's answers about the dossier.
    citizen = logged_in("citizen")
    assert citizen.get(f"/my/dossiers/{code}/").status_code == 200
    assert SECRET not in citizen.get(f"/my/dossiers/{code}/").content.decode()
    api = ApiClient("citizen")
    for path in (f"/dossiers/{code}", "/dossiers", f"/dossiers/{code}/payments"):
        answer = api.get(path)
        assert SECRET not in answer.content.decode(), path
        assert "7Q2" not in answer.content.decode()
    # The applicant cannot post one either (their own dossier, but not an officer).
    assert citizen.post(f"/office/dossiers/{code}/notes/", {"text": "x"}).status_code == 403

    # Audited: who, on which dossier, how long and a digest; not the words.
    note = DossierNote.objects.get(dossier__code=code)
    entry = AuditEntry.objects.get(object_type="dossier_note", object_id=str(note.pk))
    assert entry.action == "add_note" and entry.actor.username == "onestop_anbinh"
    assert entry.data["dossier"] == code and entry.data["chars"] == len(SECRET) and "text" not in entry.data
    assert verify_chain("dossier_note", str(note.pk))


def test_an_officer_outside_the_dossiers_units_gets_404_and_writes_nothing(demo):
    code = birth_dossier()
    other = logged_in("onestop_hoathuan")
    assert other.post(f"/office/dossiers/{code}/notes/", {"text": "xin chào"}).status_code == 404
    assert other.get(f"/office/dossiers/{code}/").status_code == 404
    assert not DossierNote.objects.exists()


def test_note_input_is_strict(demo):
    code = birth_dossier()
    desk = logged_in("onestop_anbinh")
    url = f"/office/dossiers/{code}/notes/"
    assert desk.post(url, {"text": "a", "author": "1"}).status_code == 400  # an undeclared field
    assert desk.post(url, {"text": ["a", "b"]}).status_code == 400  # twice
    assert desk.post(url, {"text": "a\x00b"}).status_code == 400
    empty = desk.post(url, {"text": "   "})
    assert empty.status_code == 422 and "Hãy viết nội dung ghi chú." in empty.content.decode()
    long = desk.post(url, {"text": "ư" * 2001})
    assert long.status_code == 422 and "tối đa 2000 ký tự" in long.content.decode()
    assert not DossierNote.objects.exists()
    assert desk.post(url, {"text": "ư" * 2000}).status_code == 302
    assert DossierNote.objects.get().text == "ư" * 2000


def test_the_same_form_posted_twice_adds_one_note(demo):
    code = birth_dossier()
    desk = logged_in("onestop_anbinh")
    page = desk.get(f"/office/dossiers/{code}/").content.decode()
    key = page.split('name="idempotency_key" value="', 1)[1].split('"', 1)[0]
    assert len(key) == 32
    for _ in range(2):
        assert desk.post(f"/office/dossiers/{code}/notes/", {"text": "Gọi lại cho người nộp", "idempotency_key": key}).status_code == 302
    assert DossierNote.objects.filter(dossier__code=code).count() == 1
    # The header works the same way; a malformed key is refused.
    for _ in range(2):
        desk.post(f"/office/dossiers/{code}/notes/", {"text": "Lần hai"}, headers={"Idempotency-Key": "abcdefgh-1234"})
    assert DossierNote.objects.filter(dossier__code=code).count() == 2
    assert desk.post(f"/office/dossiers/{code}/notes/", {"text": "x", "idempotency_key": "bad key!"}).status_code == 400
    assert AuditEntry.objects.filter(object_type="dossier_note").count() == 2


def test_the_read_only_monitor_reads_notes_but_writes_none_and_cannot_digitize(demo):
    # docs/security.md, "Scopes": a monitor follows the work and changes nothing (403: it sees the dossier).
    code = birth_dossier()
    logged_in("onestop_anbinh").post(f"/office/dossiers/{code}/notes/", {"text": SECRET})
    monitor = logged_in("monitor_province")
    page = monitor.get(f"/office/dossiers/{code}/")
    assert page.status_code == 200
    assert SECRET in page.content.decode()
    assert f'action="/office/dossiers/{code}/notes/"' not in page.content.decode()  # no form offered
    assert monitor.post(f"/office/dossiers/{code}/notes/", {"text": "Theo dõi"}).status_code == 403
    assert DossierNote.objects.filter(dossier__code=code).count() == 1
    assert monitor.get(f"/office/dossiers/{code}/digitize/").status_code == 403
    assert monitor.post(f"/office/dossiers/{code}/digitize/", {"action": "keep_on_paper", "key": "birth_certificate",
                                                               "reason": "Bản giấy"}).status_code == 403
    # Those who work on the dossier keep the form and the page.
    desk = logged_in("onestop_anbinh")
    assert f'action="/office/dossiers/{code}/notes/"' in desk.get(f"/office/dossiers/{code}/").content.decode()
    assert desk.get(f"/office/dossiers/{code}/digitize/").status_code == 200
