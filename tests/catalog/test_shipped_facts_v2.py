"""What format v2 lets the original shipped procedures say truly (issue 21, item 8), read from the files.

Each test asserts a legal fact as the engine computes it from the definition (the fee lines a receipt
prints, the last valid day, the time a dossier gets, the papers brought to the counter), and that the
two food-safety procedures never claim the same establishment.
"""

from __future__ import annotations

from datetime import date

from jsonschema import Draft202012Validator

from motcua.catalog import timing
from motcua.catalog.fees import quote, standard_amount
from tests.walker import DEFINITIONS

DEATH = DEFINITIONS["1.000656-dang-ky-khai-tu.yaml"]
MARRIAGE = DEFINITIONS["1.000894-dang-ky-ket-hon.yaml"]
PASSPORT = DEFINITIONS["1.001456-cap-ho-chieu-pho-thong.yaml"]
PERMIT = DEFINITIONS["1.013225-cap-giay-phep-xay-dung-nha-o-rieng-le.yaml"]
BUNDLE = DEFINITIONS["3.000722-lien-thong-khai-sinh-thuong-tru-bhyt.yaml"]
COPY = DEFINITIONS["2.000815-chung-thuc-ban-sao-tu-ban-chinh.yaml"]
FOOD_ENTERPRISE = DEFINITIONS["1.001467-cap-giay-chung-nhan-an-toan-thuc-pham-dich-vu-an-uong.yaml"]
FOOD_HOUSEHOLD = DEFINITIONS["2.000591-cap-giay-chung-nhan-co-so-du-dieu-kien-attp.yaml"]


def test_the_registration_fee_and_the_copy_fee_are_two_lines_of_two_charges():
    late = quote(DEATH["fees"], {**DEATH["example"], "registration_timing": "late", "extract_copies": 2}, {"channel": 1})
    assert late.total == 8000 + 2 * 8000
    assert [(line.charge, line.rule, line.amount) for line in late.lines] == [
        ("registration", "late_registration", 8000), ("extract_copies", "copies", 0),
        ("extract_copies", "extract_copies", 16000)]
    assert late.by_charge() == {"registration": 8000, "extract_copies": 16000}
    # Lists still show the procedure as free: no registration fee when on time, no copy unless asked.
    assert standard_amount(DEATH["fees"]) == 0 and standard_amount(MARRIAGE["fees"]) == 0
    wed = quote(MARRIAGE["fees"], {**MARRIAGE["example"], "extract_copies": 1}, {"channel": 2})
    assert wed.by_charge() == {"registration": 0, "extract_copies": 8000}


def test_validity_in_years_and_months():
    assert timing.valid_until(PASSPORT["result"], date(2026, 12, 5)) == date(2036, 12, 5)
    assert timing.valid_until(PERMIT["result"], date(2026, 8, 31)) == date(2027, 8, 31)
    assert PASSPORT["result"]["remind_before_days"] == 180 and PERMIT["result"]["remind_before_days"] == 30


def test_the_bundle_takes_three_days_unless_the_residence_is_verified():
    living_with_parent = {**BUNDLE["example"], "residence_with_parent": True}
    assert timing.processing_days(BUNDLE, living_with_parent, {"channel": 2}) == 3
    assert timing.processing_days(BUNDLE, {**living_with_parent, "residence_with_parent": False}, {"channel": 2}) == 5
    # Every document of the bundle is the child's.
    assert BUNDLE["result"]["holder"] == {"name": "child_name"}
    assert all(part["holder"] == {"name": "child_name"} for part in BUNDLE["result"]["parts"])


def test_originals_brought_to_the_counter():
    def counter(definition: dict, key: str) -> list[str]:
        spec = next(c for c in definition["components"] if c["key"] == key)
        return [s["counter"] for s in spec["sources"] if "counter" in s]

    assert counter(COPY, "original") == ["result"]  # compared with the copy, given back
    assert counter(MARRIAGE, "identity_documents") == ["result"]  # both parties sign in person
    assert counter(PASSPORT, "old_passport") == ["result"]  # handed in to be cancelled
    assert counter(DEFINITIONS["3.000347-doi-giay-phep-lai-xe.yaml"], "current_licence") == ["result"]
    assert counter(DEFINITIONS["1.014748-giai-quyet-huong-tro-cap-that-nghiep.yaml"], "contract_end") == ["receipt"]


def _valid(definition: dict, data: dict) -> bool:
    return Draft202012Validator(definition["form"]).is_valid(data)


def test_the_two_food_safety_procedures_never_claim_the_same_establishment():
    # 2.000591: a household business (its registration number, given by the commune).
    household = FOOD_HOUSEHOLD["example"]
    assert _valid(FOOD_HOUSEHOLD, household)
    # The same establishment written into 1.001467's form: no operator kind fits, nor its number.
    as_enterprise = {
        "establishment_name": household["business_name"], "establishment_address": household["business_address"],
        "business_registration": household["business_code"], "meals_per_sitting": household["meals_per_day"],
        "kind": "nha_hang",
    }
    for kind in ("ho_kinh_doanh", None):
        data = {**as_enterprise, **({"operator_kind": kind} if kind else {})}
        assert not _valid(FOOD_ENTERPRISE, data), kind
    assert not _valid(FOOD_ENTERPRISE, {**as_enterprise, "operator_kind": "doanh_nghiep"})  # a household number
    # 1.001467: enterprises, cooperatives and organisations, with an enterprise code.
    assert _valid(FOOD_ENTERPRISE, FOOD_ENTERPRISE["example"])
    assert set(FOOD_ENTERPRISE["form"]["properties"]["operator_kind"]["enum"]) == {"doanh_nghiep", "hop_tac_xa", "to_chuc"}
    assert "hộ kinh doanh" in FOOD_HOUSEHOLD["name"]["vi"] and "hộ kinh doanh" not in FOOD_ENTERPRISE["name"]["vi"]
    # Each names the other for the applicants it does not take.
    assert "2.000591" in FOOD_ENTERPRISE["form_ui"]["help"]["operator_kind"]["vi"]
    assert "1.001467" in FOOD_HOUSEHOLD["form_ui"]["help"]["business_code"]["vi"]
