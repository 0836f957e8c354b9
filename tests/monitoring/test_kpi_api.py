"""GET /api/v1/kpi: every indicator with numerator, denominator and score; bad input is a 4xx with a code."""

from __future__ import annotations

from motcua.monitoring import query
from tests.conftest import ApiClient
from tests.walker import DEFINITIONS, Walker

PROVINCE = "000.00.00.H99"


def test_a_period_with_no_dossiers_says_no_data_explicitly(demo):
    r = ApiClient("monitor_province").get(f"/kpi?unit={PROVINCE}&from=2024-01-01&to=2024-12-31")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["no_data"] is True and body["includes_open"] is False
    assert len(body["indicators"]) == 21
    progress = next(i for i in body["indicators"] if i["code"] == "PROGRESS_ON_TIME")
    assert progress == {**progress, "numerator": 0, "denominator": 0, "ratio": None, "score": None, "no_data": True}
    assert body["headline"]["rate"] is None and body["headline"]["no_data"] is True
    assert body["headline"]["target"] == 30.0 and body["headline"]["met"] is None
    assert body["total"] is None and body["rank"]["rank"] is None


def test_a_walked_dossier_shows_in_its_province_and_commune(demo):
    walker = Walker(DEFINITIONS["1.001193-dang-ky-khai-sinh.yaml"])
    walker.submit()
    walker.walk()
    today = query.today()
    for unit in (PROVINCE, walker.unit.code):
        r = ApiClient("monitor_province").get(f"/kpi?unit={unit}&from={today.year}-01-01&to={today}")
        body = r.json()
        assert r.status_code == 200 and body["no_data"] is False
        assert body["headline"] == {**body["headline"], "numerator": 1, "denominator": 1, "rate": 100.0}
        ind = {i["code"]: i for i in body["indicators"]}
        assert (ind["PROGRESS_ON_TIME"]["numerator"], ind["PROGRESS_ON_TIME"]["denominator"]) == (1, 1)
        assert ind["PROGRESS_ON_TIME"]["score"] == 20.0
        assert ind["ONLINE_DOSSIERS"]["score"] == 6.0
    procedure = ApiClient("monitor_province").get(f"/kpi?unit={PROVINCE}&procedure=1.001193&to={today}").json()
    assert procedure["procedure"] == "1.001193" and procedure["total"] is None and procedure["rank"] is None


def test_bad_periods_units_and_rights_are_4xx_with_codes_and_translated_messages(demo):
    monitor = ApiClient("monitor_province")
    cases = [
        (f"/kpi?unit={PROVINCE}&from=2025-06-01&to=2025-01-01", 422, "inverted_period"),
        (f"/kpi?unit={PROVINCE}&from=1900-01-01&to=2025-01-01", 422, "absurd_period"),
        (f"/kpi?unit={PROVINCE}&from=2015-01-01&to=2025-01-01", 422, "absurd_period"),
        (f"/kpi?unit={PROVINCE}&from=2999-01-01&to=2999-02-01", 422, "future_period"),
        (f"/kpi?unit={PROVINCE}&from=2025-02-30", 422, "invalid_date"),
        ("/kpi?unit=000.99.99.X00&from=2025-01-01&to=2025-02-01", 404, "unknown_unit"),
        (f"/kpi?unit={PROVINCE}&procedure=9.999999&from=2025-01-01&to=2025-02-01", 404, "unknown_procedure"),
        ("/kpi?from=2025-01-01&to=2025-02-01", 403, "kpi_forbidden"),  # the whole country: not for a province monitor
    ]
    for path, status, code in cases:
        r = monitor.get(path)
        assert (r.status_code, r.json()["code"]) == (status, code), (path, r.content)
        assert r.json()["message"]
    r = ApiClient("citizen").get(f"/kpi?unit={PROVINCE}")
    assert (r.status_code, r.json()["code"]) == (403, "kpi_forbidden")
    r = monitor.client.get(f"/api/v1/kpi?unit={PROVINCE}&from=2025-06-01&to=2025-01-01",
                           headers={**monitor.headers, "Accept-Language": "en"})
    assert r.json()["message"] != "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc."
    assert ApiClient(None).get(f"/kpi?unit={PROVINCE}").status_code == 401
