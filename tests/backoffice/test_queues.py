"""The queues of an officer's day (/office/q/<slug>/), the search page and the bulk form (issue 17).

Which dossier is in which queue follows what the officer may do and what the dossier waits for;
each queue is a short address; the navigation counts them; a stale page acting on a dossier that
has moved on is told so, with the dossier's state now.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from motcua.backoffice import queues
from motcua.dossiers import actions
from motcua.dossiers.models import Dossier, Status
from motcua.identity.models import User
from tests.conftest import BIRTH, BIRTH_COMPONENTS


def user(username: str) -> User:
    return User.objects.get(username=username)


def filed(username: str = "citizen") -> Dossier:
    return actions.submit(user(username), "1.001193", dict(BIRTH), components=list(BIRTH_COMPONENTS))


def in_queue(slug: str, username: str) -> set[str]:
    return set(queues.members(queues.QUEUES[slug], user(username)).values_list("code", flat=True))


def client_of(username: str) -> Client:
    client = Client()
    client.force_login(user(username))
    return client


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_dossier_goes_through_the_queues_of_each_role(demo):
    d = filed().code
    other = filed("citizen2").code  # Hòa Thuận: in none of An Bình's queues
    assert d in in_queue("new", "onestop_anbinh") and other not in in_queue("new", "onestop_anbinh")
    assert d not in in_queue("claim", "specialist_anbinh")

    actions.perform(d, "receive", user("onestop_anbinh"))
    assert d not in in_queue("new", "onestop_anbinh")
    assert d in in_queue("today", "onestop_anbinh")  # the reception step, done by them today
    assert d not in in_queue("today", "specialist_anbinh")
    assert d in in_queue("claim", "specialist_anbinh") and d not in in_queue("mine", "specialist_anbinh")

    actions.perform(d, "claim", user("specialist_anbinh"))
    assert d in in_queue("mine", "specialist_anbinh") and d not in in_queue("claim", "specialist_anbinh")

    actions.perform(d, "request_supplement", user("onestop_anbinh"), payload=actions.Payload(
        reason="Thiếu bản chụp", items=[{"key": "birth_certificate", "reason": "Ảnh mờ"}]))
    assert d in in_queue("applicant", "specialist_anbinh") and d in in_queue("applicant", "onestop_anbinh")
    assert other not in in_queue("applicant", "onestop_anbinh")


def test_deadline_queues_sorted_by_due_date(demo):
    now = timezone.now()
    late, soon, later = filed().code, filed().code, filed().code
    for code in (late, soon, later):
        actions.perform(code, "receive", user("onestop_anbinh"))
    Dossier.objects.filter(code=late).update(received_at=now - timedelta(days=20), due_at=now - timedelta(hours=1))
    Dossier.objects.filter(code=soon).update(due_at=now + timedelta(hours=20))
    Dossier.objects.filter(code=later).update(due_at=now + timedelta(days=9))
    assert late in in_queue("late", "specialist_anbinh") and soon not in in_queue("late", "specialist_anbinh")
    assert soon in in_queue("soon", "specialist_anbinh")
    assert late not in in_queue("soon", "specialist_anbinh") and later not in in_queue("soon", "specialist_anbinh")
    ordered = list(queues.members(queues.QUEUES["claim"], user("specialist_anbinh")).values_list("code", flat=True))
    assert ordered.index(late) < ordered.index(soon) < ordered.index(later)
    Dossier.objects.filter(code=later).update(status=Status.PAYMENT_REQUESTED)
    assert later in in_queue("payment", "onestop_anbinh") and late not in in_queue("payment", "onestop_anbinh")


def test_queue_pages_have_short_addresses_counts_and_roles(demo):
    d = filed().code
    page = client_of("onestop_anbinh").get("/office/q/new/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'value="{d}"' in html and 'name="codes"' in html  # a checkbox per row for the bulk form
    nav = text(html.split('class="queue-nav"', 1)[1].split("</nav>", 1)[0])
    assert re.search(r"Mới nộp, chờ tiếp nhận \d+ hồ sơ", nav), nav
    assert "Việc của tôi" in nav and "Quá hạn" in nav
    # Only a one-stop officer receives at the counter.
    assert client_of("specialist_anbinh").get("/office/q/new/").status_code == 404
    assert client_of("specialist_anbinh").get("/office/q/mine/").status_code == 200
    assert client_of("onestop_anbinh").get("/office/q/nothing/").status_code == 404
    assert client_of("citizen").get("/office/q/mine/").status_code == 403
    # The full list shows the same navigation.
    assert 'class="queue-nav"' in client_of("onestop_anbinh").get("/office/").content.decode()


def test_the_search_page_finds_by_name_without_marks_in_the_officers_units_only(demo):
    mine, elsewhere = filed().code, filed("citizen2").code
    html = client_of("onestop_anbinh").get("/office/search/", {"q": "nguyen van an"}).content.decode()
    assert mine in html
    html = client_of("onestop_anbinh").get("/office/search/", {"q": "tran thi binh"}).content.decode()
    assert elsewhere not in html and "Không có hồ sơ nào" in html
    bad = client_of("onestop_anbinh").get("/office/search/", {"status": "99"})
    assert bad.status_code == 422 and "Giá trị không hợp lệ cho bộ lọc “status”" in bad.content.decode()
    bad = client_of("onestop_anbinh").get("/office/search/", {"from": "2026-99-01"})
    assert bad.status_code == 422 and "Ngày không hợp lệ" in bad.content.decode()
    assert client_of("onestop_anbinh").get("/office/search/", {"page": str(2**70)}).status_code == 200


def test_the_bulk_form_reports_each_dossier_and_a_stale_page_is_told_the_state_now(demo):
    a, b, elsewhere = filed().code, filed().code, filed("citizen2").code
    desk = client_of("onestop_anbinh")
    desk.get("/office/q/new/")  # the page the officer looks at: a and b new
    actions.perform(b, "receive", user("onestop_anbinh"))  # meanwhile, in another tab
    response = desk.post("/office/bulk/", {
        "action": "receive", "codes": [a, b, elsewhere], "seen": [f"{a}:1", f"{b}:1", f"{elsewhere}:1"],
        "next": "/office/q/new/",
    }, follow=True)
    assert response.redirect_chain[-1][0] == "/office/q/new/"
    said = text(response.content.decode())
    assert f"Đã thực hiện “Tiếp nhận” cho 1 hồ sơ: {a}" in said, said
    assert f"Hồ sơ {b} đã thay đổi kể từ khi bạn mở trang" in said and "hiện nay là “Đã tiếp nhận”" in said
    assert f"Hồ sơ {elsewhere}: Không tìm thấy hồ sơ {elsewhere}." in said
    assert Dossier.objects.get(code=a).status == Status.RECEIVED
    assert Dossier.objects.get(code=elsewhere).status == Status.SUBMITTED
    nothing = desk.post("/office/bulk/", {"action": "receive", "next": "/office/q/new/"}, follow=True)
    assert "Hãy chọn ít nhất một hồ sơ" in text(nothing.content.decode())
    unknown = desk.post("/office/bulk/", {"action": "stop", "codes": [a]}, follow=True)
    assert "Không có thao tác hàng loạt này" in text(unknown.content.decode())


def test_acting_from_a_stale_dossier_page_shows_the_dossier_as_it_is_now(demo):
    d = filed().code
    actions.perform(d, "receive", user("onestop_anbinh"))
    response = client_of("onestop_anbinh").post(f"/office/dossiers/{d}/act/receive/", {"next": "/office/"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/office/dossiers/{d}/"
    said = text(response.content.decode())
    assert f"Hồ sơ {d} đã thay đổi hoặc không cho phép thao tác này" in said
    assert "Trạng thái hiện tại: “Đã tiếp nhận”" in said


def test_the_turn_queue_builds_rows_only_for_its_page(demo, monkeypatch):
    from motcua.backoffice import views

    for _ in range(3):
        filed()
    built = []
    original = views._row
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    monkeypatch.setattr(views, "_row", lambda d, *a: built.append(d.code) or original(d, *a))
    page = client_of("onestop_anbinh").get("/office/", {"show": "turn"})
    assert page.status_code == 200
    assert len(built) == 2  # three (and more) dossiers wait for the desk; two rows drawn


def test_the_navigation_counts_every_queue_in_one_capped_query(demo, django_assert_num_queries, monkeypatch):
    from motcua.units.scope import grants_of

    monkeypatch.setattr(queues, "COUNT_CAP", 2)  # three dossiers fill a queue past its cap
    codes = [filed().code for _ in range(3)]
    filed("citizen2")  # Hòa Thuận's: counted for none of An Bình's officers
    actions.perform(codes[0], "receive", user("onestop_anbinh"))
    actions.perform(codes[0], "claim", user("specialist_anbinh"))
    past = timezone.now() - timedelta(days=20)
    Dossier.objects.filter(code=codes[0]).update(received_at=past, due_at=past + timedelta(days=19))  # now late
    now = timezone.now()
    for username, expected in (
        ("onestop_anbinh", {"new": (2, False), "mine": (0, False), "today": (1, False), "late": (1, False)}),
        ("specialist_anbinh", {"mine": (1, False), "claim": (0, False), "late": (1, False), "today": (0, False)}),
        # The province's desk: both communes' new ones, each with its reception step to take.
        ("onestop_prov", {"new": (2, True), "claim": (2, True)}),
    ):
        officer = user(username)
        grants = grants_of(officer)  # read before, as every page does (request_grants)
        with django_assert_num_queries(1):
            nav = queues.navigation(officer, grants, "late", now)
        got = {item.slug: (item.count, item.more) for item in nav}
        assert {slug: got[slug] for slug in expected} == expected, (username, got)
        # Each count is its queue's list, capped: the same filter, not a second rule.
        for item in nav:
            size = queues.members(queues.QUEUES[item.slug], officer, now).count()
            assert (item.count, item.more) == (min(size, 2), size > 2), (username, item.slug, size)
        assert [item.current for item in nav].count(True) == 1
