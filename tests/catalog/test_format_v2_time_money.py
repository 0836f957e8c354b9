"""Procedure format v2, time and money: each new construct checked for meaning, and computed right.

Alternative processing times, obligations, a step's inner deadline in calendar days, validity in
years and months, several charges and local fee tables with periods (docs/procedure-format.md).
"""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from motcua.catalog import timing
from motcua.catalog.fees import quote, standard_amount
from tests.catalog.test_catalog_format import (
    COPY,
    RECORD,
    Bad,
    _report_pattern,
    _validate,
    shipped,
    steps,
)

MARITAL = "1.004873-xac-nhan-tinh-trang-hon-nhan.yaml"
COMPANY = "2.002040-dang-ky-thanh-lap-cong-ty-tnhh-mot-thanh-vien.yaml"
LOCAL = {"units": ["000.00.00.H99"], "from": "2026-08-08", "until": "2030-12-31", "basis": "NQ 23/2026/NQ-HĐND",
         "when": {"field": "$channel", "equals": 2}, "rules": [{"id": "online_free", "amount": 0}]}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _local(d: dict, *entries: dict) -> None:
    d["fees"]["local"] = [dict(e) for e in entries]


BAD = [
    Bad("an alternative time over a missing field", RECORD, "processing_times/0/when",
        r"the condition reads field 'lived_abroad', which the form does not have",
        change=lambda d: d["processing_times"][0].update(when={"field": "lived_abroad", "equals": True}),
        needles=("processing_times:", "when:")),
    Bad("an alternative time that can never be chosen", RECORD, "processing_times/1/when",
        r"never chosen",
        change=lambda d: d["processing_times"].append(dict(d["processing_times"][0], days=12)),
        needles=("processing_times:", "days: 15", "when:")),
    Bad("an alternative time on a channel that does not exist", RECORD, "processing_times/0/when",
        r"unknown channel 4",
        change=lambda d: d["processing_times"][0].update(when={"field": "$channel", "equals": 4}),
        needles=("processing_times:", "when:")),
    Bad("steps longer than every time", RECORD, "workflow", r"longest path .* 17 working days",
        change=lambda d: steps(d)[1].update(days=14), line="workflow:"),
    Bad("overlapping local fee periods", MARITAL, "fees/local/1/from", r"overlaps local fee table 0",
        change=lambda d: _local(d, LOCAL, dict(LOCAL, **{"from": "2030-01-01", "until": "2031-12-31"})),
        needles=("local:", "from: '2030-01-01'")),
    Bad("a local fee period that ends before it starts", MARITAL, "fees/local/0/until", r"ends .* before it starts",
        change=lambda d: _local(d, dict(LOCAL, until="2026-01-01")), needles=("local:", "until:")),
    Bad("a local fee table over a missing field", MARITAL, "fees/local/0/when",
        r"a fee rule reads field 'zone', which the form does not have",
        change=lambda d: _local(d, dict(LOCAL, when={"field": "zone", "equals": "a"})), needles=("local:", "when:")),
    Bad("a local fee table for an unknown charge", COMPANY, "fees/local/0/charge", r"unknown charge 'stamp'",
        change=lambda d: _local(d, dict(LOCAL, charge="stamp")), needles=("local:", "charge: stamp")),
    Bad("charges and top-level rules together", COMPANY, "fees/rules", r"'rules' and 'charges' do not go together",
        change=lambda d: d["fees"].update(rules=[{"amount": 1}]), line="  rules:"),
    Bad("an obligation asked at an unknown step", RECORD, "obligations/0/steps/0", r"unknown step 'tax_office'",
        change=lambda d: d.update(obligations=[{"id": "tax", "name": {"vi": "Thuế", "en": "Tax"},
                                                "steps": ["tax_office"]}]),
        needles=("obligations:", "- tax_office")),
    Bad("a reminder without a validity", RECORD, "result/remind_before_days", r"nothing to remind",
        change=lambda d: d["result"].update(remind_before_days=30), needles=("remind_before_days:",)),
    Bad("a reminder longer than the validity", MARITAL, "result/remind_before_days", r"longer than the validity",
        change=lambda d: d["result"].update(remind_before_days=200), needles=("remind_before_days:",)),
    Bad("validity twice", MARITAL, "result/validity", r"do not go together",
        change=lambda d: d["result"].update(validity_days=180), needles=("validity:",)),
    Bad("an inner deadline on the end step", RECORD, "workflow/steps/3/calendar_days", r"end step",
        change=lambda d: steps(d)[3].update(calendar_days=5), needles=("calendar_days:",)),
]


@pytest.mark.parametrize("bad", BAD, ids=lambda b: b.id)
def test_v2_problems_name_file_line_field_and_reason(tmp_path, bad):
    path, line = bad.write(tmp_path)
    _, err = _validate(path)
    assert _report_pattern(path, line, bad).search(err), f"expected {path}:{line}: {bad.path}: …{bad.message}\ngot:\n{err}"
    assert len([r for r in err.splitlines() if r.startswith(f"{path}:")]) == 1, err


def test_alternative_time_chosen_by_a_form_field_and_by_the_channel():
    d = shipped(RECORD)
    assert timing.processing_days(d, d["example"], {"channel": 2}) == 10
    assert timing.processing_days(d, {**d["example"], "needs_verification": True}, {"channel": 2}) == 15
    d["processing_days"] = 27
    d["processing_times"] = [{"when": {"field": "$channel", "equals": 2}, "days": 17},
                             {"when": {"field": "$channel", "equals": 3}, "days": 20}]
    assert [timing.processing_days(d, {}, {"channel": c}) for c in (1, 2, 3)] == [27, 17, 20]
    # Steps written for 10 days give a 5-day dossier half of each.
    assert timing.step_scale(shipped(RECORD), 5) == 0.5
    assert timing.step_scale(shipped(RECORD), 15) == 1.0


def test_validity_in_years_months_and_days():
    assert timing.valid_until({"validity": {"months": 6}}, date(2026, 8, 31)) == date(2027, 2, 28)
    assert timing.valid_until({"validity": {"years": 5, "days": 1}}, date(2024, 2, 29)) == date(2029, 3, 1)
    assert timing.valid_until({"validity_days": 180}, date(2026, 1, 1)) == date(2026, 6, 30)
    assert timing.valid_until({}, date(2026, 1, 1)) is None


def test_a_local_table_applies_at_its_units_in_its_period_and_when_its_condition_holds():
    d = shipped(MARITAL)
    _local(d, LOCAL)
    data = d["example"]
    in_period = {"day": date(2026, 9, 1), "units": ["000.00.05.H99", "000.00.00.H99"]}
    assert quote(d["fees"], data, {"channel": 2, **in_period}).total == 0
    line = quote(d["fees"], data, {"channel": 2, **in_period}).lines[0]
    assert (line.rule, line.basis) == ("online_free", "NQ 23/2026/NQ-HĐND")
    assert quote(d["fees"], data, {"channel": 1, **in_period}).total == 5000  # at the counter: the national table
    assert quote(d["fees"], data, {"channel": 2, "day": date(2026, 8, 7), "units": ["000.00.00.H99"]}).total == 5000
    assert quote(d["fees"], data, {"channel": 2, "day": date(2031, 1, 1), "units": ["000.00.00.H99"]}).total == 5000
    assert quote(d["fees"], data, {"channel": 2, "day": date(2026, 9, 1), "units": ["000.00.00.H01"]}).total == 5000
    # The nearest unit's own table wins over its province's.
    d["fees"]["local"].append(dict(LOCAL, units=["000.00.05.H99"], rules=[{"amount": 1000}]))
    assert quote(d["fees"], data, {"channel": 2, **in_period}).total == 1000


def test_several_charges_each_with_its_lines():
    d = shipped(COMPANY)
    online = quote(d["fees"], d["example"], {"channel": 2})
    assert online.by_charge() == {"registration": 0, "publication": 100000}
    counter = quote(d["fees"], d["example"], {"channel": 1})
    assert counter.total == 150000
    assert [x.as_dict()["charge"] for x in counter.lines] == ["registration", "publication"]
    assert counter.lines[0].charge_label["en"] == "Registration fee"
    assert standard_amount(d["fees"]) == 150000


def test_one_fee_lines_keep_their_old_shape():
    d = shipped(COPY)
    line = quote(d["fees"], d["example"], {"channel": 2}).lines[0].as_dict()
    assert set(line) == {"rule", "label", "amount"}
