"""Whose move a dossier waits for: the officer's dossier page and queue say it, for this dossier.

The newborn bundle (3.000722) waits on the commune police and the province's social insurance after
the birth is signed; then the commune's leader comes back to issue the result, then the one-stop
desk returns it. Each officer is told whether it is their turn and, if not, which steps are open,
at which unit, held by whom.
"""

from __future__ import annotations

import re

from django.test import Client

from motcua.dossiers import actions
from motcua.dossiers.models import Dossier, Status
from motcua.identity.models import User
from tests.walker import bundle_at_other_agencies


def user(username: str) -> User:
    return User.objects.get(username=username)


def page(username: str, path: str) -> str:
    client = Client()
    client.force_login(user(username))
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def turn_panel(html: str) -> str:
    found = re.search(r'<section aria-labelledby="turn-title".*?</section>', html, re.S)
    assert found, "no turn panel on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(0))).strip()


def queue_row(html: str, code: str) -> str:
    row = html.split(f'href="/office/dossiers/{code}/"', 1)[1].split("</tr>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", row)).strip()


def test_the_dossier_page_names_the_open_steps_their_units_and_holders_and_what_comes_after(demo):
    code = bundle_at_other_agencies()
    other = bundle_at_other_agencies("citizen3")  # another dossier: its steps must not show on this page
    actions.perform(code, "claim", user("specialist_police_anbinh"))
    actions.perform(other, "claim", user("specialist_bhxh"))

    leader = turn_panel(page("approver_anbinh", f"/office/dossiers/{code}/"))
    assert leader.startswith("Hồ sơ đang chờ"), leader
    assert "Công an xã đăng ký thường trú cho trẻ — Công an xã An Bình — người xử lý: Hồ Văn Đạt" in leader
    assert "Bảo hiểm xã hội cấp thẻ bảo hiểm y tế — Bảo hiểm xã hội tỉnh Demo — chưa có người nhận" in leader
    assert "Sau đó: Lãnh đạo phê duyệt của UBND xã An Bình ký và phát hành kết quả" in leader
    assert "Phan Thị Ngọc" not in leader  # who holds the other dossier's step

    police = turn_panel(page("specialist_police_anbinh", f"/office/dossiers/{code}/"))
    assert police.startswith("Đến lượt bạn") and "bạn xử lý được" in police, police

    # The leader's queue: waiting, and for what; not in their "my turn" view.
    row = queue_row(page("approver_anbinh", "/office/"), code)
    assert "Đang chờ" in row and "Bảo hiểm xã hội tỉnh Demo — chưa có người nhận" in row, row
    assert f"/office/dossiers/{code}/" not in page("approver_anbinh", "/office/?show=turn")


def test_the_leader_is_told_when_the_result_waits_for_them_and_the_desk_what_it_waits_for(demo):
    code = bundle_at_other_agencies()
    for step_user in ("specialist_police_anbinh", "specialist_bhxh", "specialist_police_anbinh"):
        actions.perform(code, "transfer", user(step_user))
    # Only the return step is open: the one-stop officer claims it, but the result is not issued yet.
    actions.perform(code, "claim", user("onestop_anbinh"))
    assert Dossier.objects.get(code=code).status == Status.PROCESSING

    desk = page("onestop_anbinh", f"/office/dossiers/{code}/")
    panel = turn_panel(desk)
    assert panel.startswith("Hồ sơ đang chờ"), panel
    assert "Trả kết quả vào kho dữ liệu điện tử; bản giấy nhận tại UBND xã — UBND xã An Bình — người xử lý: Ngô Thị Mai" in panel
    assert "Lãnh đạo phê duyệt của UBND xã An Bình ký và phát hành kết quả" in panel and "Sau đó" not in panel
    assert "/act/return_result/" not in desk

    # The leader's turn: the queue says so and the "my turn" view lists it; the desk's does not.
    leader_queue = page("approver_anbinh", "/office/?show=turn")
    assert "Đến lượt bạn" in queue_row(leader_queue, code)
    assert "hồ sơ đến lượt bạn, hạn sớm nhất trước" in leader_queue
    assert f"/office/dossiers/{code}/" not in page("onestop_anbinh", "/office/?show=turn")
    assert turn_panel(page("approver_anbinh", f"/office/dossiers/{code}/")).startswith("Đến lượt bạn")

    actions.perform(code, "issue_result", user("approver_anbinh"))
    assert "Đến lượt bạn" in queue_row(page("onestop_anbinh", "/office/?show=turn"), code)
    leader = turn_panel(page("approver_anbinh", f"/office/dossiers/{code}/"))
    assert "Bộ phận một cửa của UBND xã An Bình trả kết quả" in leader, leader
