"""Dashboards, the dossiers behind a number, exports and the public page."""

from __future__ import annotations

import csv
from io import BytesIO

from django.test import Client
from openpyxl import load_workbook

from motcua.monitoring import query
from tests.walker import DEFINITIONS, Walker

PROVINCE = "000.00.00.H99"


def login(username: str) -> Client:
    c = Client()
    c.login(username=username, password="demo-motcua")
    return c


def walked() -> Walker:
    walker = Walker(DEFINITIONS["1.001193-dang-ky-khai-sinh.yaml"])
    walker.submit()
    walker.walk()
    return walker


def test_the_province_dashboard_drills_down_to_the_commune_and_to_the_dossiers(demo):
    walker = walked()
    c = login("monitor_province")
    today = query.today()
    qs = f"from={today.year}-01-01&to={today}"
    r = c.get(f"/kpi/units/{PROVINCE}/?{qs}")
    assert r.status_code == 200
    html = r.content.decode()
    assert "<svg" in html and "pygal" in html and "<script" not in html  # the chart needs no JavaScript
    assert f"/kpi/units/{walker.unit.code}/?" in html  # drill-down to the commune
    assert "column=full_online" in html and "procedure=1.001193" in html
    assert c.get("/kpi/").url == f"/kpi/units/{PROVINCE}/"
    r = c.get(f"/kpi/units/{PROVINCE}/dossiers/?{qs}&column=full_online")
    assert r.status_code == 200 and walker.code in r.content.decode()
    r = c.get(f"/kpi/units/{PROVINCE}/dossiers/?{qs}&column=paid_online")
    assert walker.code not in r.content.decode()
    r = c.get(f"/kpi/units/{walker.unit.code}/?{qs}&procedure=1.001193")
    assert r.status_code == 200


def test_exports_carry_the_same_numbers(demo):
    walked()
    c = login("monitor_province")
    today = query.today()
    qs = f"from={today.year}-01-01&to={today}"
    r = c.get(f"/kpi/units/{PROVINCE}/export.csv?{qs}")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    text = r.content.decode("utf-8-sig")
    assert "PROGRESS_ON_TIME,G2," in text and "FULL_PROCESS_ONLINE_RATE" in text
    r = c.get(f"/kpi/units/{PROVINCE}/export.xlsx?{qs}")
    book = load_workbook(BytesIO(r.content))
    rows = {row[0]: row for row in book.worksheets[0].iter_rows(values_only=True)}
    assert rows["FULL_PROCESS_ONLINE_RATE"][3:6] == (1, 1, 1.0)
    assert c.get(f"/kpi/units/{PROVINCE}/export.pdf?{qs}").status_code == 404


def test_who_may_see_and_bad_input(demo):
    assert login("citizen").get(f"/kpi/units/{PROVINCE}/").status_code == 403
    assert login("specialist_anbinh").get(f"/kpi/units/{PROVINCE}/").status_code == 403
    assert login("approver_anbinh").get("/kpi/units/000.11.00.H99/").status_code == 200  # a commune leader, own commune
    assert Client().get(f"/kpi/units/{PROVINCE}/").status_code == 302  # to the login page
    c = login("monitor_province")
    r = c.get(f"/kpi/units/{PROVINCE}/?from=2025-06-01&to=2025-01-01")
    assert r.status_code == 400 and b"inverted_period" in r.content and b'aria-describedby="kpi-period-error"' in r.content
    assert c.get("/kpi/units/000.99.99.X00/").status_code == 404
    assert c.get(f"/kpi/units/{PROVINCE}/dossiers/?column=nope").status_code == 404
    assert c.get("/kpi/units/national/").status_code == 403


def test_the_explain_view_lists_each_dossier_with_its_verdict_and_reason_on_the_page_and_as_csv(demo):
    walker = walked()
    c = login("monitor_province")
    today = query.today()
    qs = f"from={today.year}-01-01&to={today}"
    html = c.get(f"/kpi/units/{PROVINCE}/?{qs}").content.decode()
    assert f"/kpi/units/{PROVINCE}/explain/?{qs.replace('&', '&amp;')}&amp;indicator=PROGRESS_ON_TIME" in html  # linked
    r = c.get(f"/kpi/units/{PROVINCE}/explain/?{qs}&indicator=PROGRESS_ON_TIME")
    assert r.status_code == 200
    page = r.content.decode()
    assert walker.code in page and "đúng hạn: kết thúc" in page  # on time: ended … by the legal due date
    assert "KPI-766 §3 G2" in page  # the indicator's one-sentence reading
    r = c.get(f"/kpi/units/{PROVINCE}/explain.csv?{qs}&indicator=SYNCED_WITH_DVCQG_PERSONAL_STORAGE")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    text = b"".join(r.streaming_content).decode("utf-8-sig")
    line = next(row for row in csv.reader(text.splitlines()) if row[0] == walker.code)
    assert line[7] == "1" and "kho dữ liệu" in line[8]  # 4.4: counts, and why
    from motcua.monitoring.explain import EXPLAINED

    for code in EXPLAINED:  # every indicator counted from dossiers, the headline too, over the past year as well
        for period in (qs, f"from={today.year - 1}-01-01&to={today.year - 1}-12-31"):
            assert c.get(f"/kpi/units/{PROVINCE}/explain/?{period}&indicator={code}").status_code == 200, code
    # 4.5a counts procedures: each procedure of the pool, with whether one of its dossiers counted in 4.5b.
    r = c.get(f"/kpi/units/{PROVINCE}/explain.csv?{qs}&indicator=CITIZEN_DATA_CONNECTED_FORMALITY")
    rows = list(csv.reader(r.content.decode("utf-8-sig").splitlines()))[1:]
    assert ["1.001193", "1"] in [[row[0], row[2]] for row in rows]
    # Paginated in SQL: a page past the end shows the last page, never a 500.
    assert c.get(f"/kpi/units/{PROVINCE}/explain/?{qs}&indicator=ONLINE_DOSSIERS&page=999").status_code == 200


def test_who_may_see_an_explanation(demo):
    today = query.today()
    qs = f"from={today.year}-01-01&to={today}&indicator=PROGRESS_ON_TIME"
    for path in (f"/kpi/units/{PROVINCE}/explain/?{qs}", f"/kpi/units/{PROVINCE}/explain.csv?{qs}"):
        assert Client().get(path).status_code == 302  # to the login page
        # Outside the user's subtree (or no leader's role at all): 404, as for a unit that does not exist.
        for user in ("citizen", "specialist_anbinh", "approver_anbinh"):
            assert login(user).get(path).status_code == 404, (user, path)
        assert login("monitor_province").get(path).status_code == 200
    assert login("approver_anbinh").get(f"/kpi/units/000.11.00.H99/explain/?{qs}").status_code == 200  # own commune
    c = login("monitor_province")
    assert c.get(f"/kpi/units/national/explain/?{qs}").status_code == 404
    assert c.get(f"/kpi/units/{PROVINCE}/explain/?indicator=PUBLISH_ON_TIME").status_code == 404  # an outside figure
    assert c.get(f"/kpi/units/{PROVINCE}/explain/?indicator=nope").status_code == 404
    assert c.get(f"/kpi/units/{PROVINCE}/explain/?indicator=ONLINE_DOSSIERS&from=2025-06-01&to=2025-01-01").status_code == 400
    assert c.get(f"/kpi/units/{PROVINCE}/explain.csv?indicator=ONLINE_DOSSIERS&from=x").status_code == 400
    assert c.get(f"/kpi/units/{PROVINCE}/explain/?indicator=ONLINE_DOSSIERS&from=2025-01-01%00").status_code == 400


def test_the_public_page_lists_the_top_units_without_login(demo):
    r = Client().get("/kpi/public/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "UBND tỉnh Demo" in html and "Bộ Tư pháp (demo)" in html
