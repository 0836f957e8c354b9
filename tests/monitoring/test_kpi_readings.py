"""Hand-worked cases for KPI-766.md §5 "Decided readings" (2026-12-04): one test (or more) per rule.

Each test names the line it pins. The dossiers are the stored fields the counters read
(SimpleNamespace, as in test_kpi_formulas.py); the window test writes the counters their
contributions make and reads them back through query.collect, as the dashboard does.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from motcua.dossiers.facts import (
    PAPER,
    POPULATION,
    POPULATION_PREFILL,
    REGISTRY,
    REGISTRY_READ,
    SCANNED,
    UPLOAD,
    VAULT,
    kept_bits,
    sources_mask,
)
from motcua.monitoring import config, query
from motcua.monitoring.catalog_facts import Facts
from motcua.monitoring.contributions import contribution, in_time_ends
from motcua.monitoring.indicators import DEFAULT_OPTIONS, DEFAULT_TARGETS, INDICATORS
from motcua.monitoring.models import COLUMNS, NATIONAL, DailyCounter, MonthlyCounter

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: str, hour: int = 9) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=HCM).replace(hour=hour)


def dossier(**kw):
    received = kw.pop("received", "2025-09-01")
    legal = kw.pop("legal", "2025-09-24")
    base = dict(unit_id=7, procedure_id=3, status=4, channel=2, received_at=at(received), legal_due_at=at(legal, 17),
                due_at=at(legal, 17), finished_at=None, updated_at=at(received), paused_at=None, supplement_count=0,
                apology_count=0, fee=0, paid_online=0, component_sources=UPLOAD, vneid_auth=False, disliked=False,
                complained=False)
    base.update(kw)
    return SimpleNamespace(**base)


def cols(d, by_date=False) -> set[str]:
    return {col for _day, col, _n in contribution(d, True, by_date).cells}


# --- §5.1: the legal due date, moved only by pauses; an apology letter moves neither it nor the verdict ------

def test_5_1_ended_by_the_legal_due_date_with_an_apology_letter_is_on_time():
    # "a dossier that ends by its legal due date is on time even if a letter was sent while it was at risk"
    d = dossier(status=10, apology_count=1, due_at=at("2025-10-01", 17), finished_at=at("2025-09-23", 15))
    assert {"ended", "ended_on_time", "ended_satisfied"} <= cols(d)


def test_5_1_ended_after_the_legal_due_date_is_overdue_even_by_the_apology_letters_date():
    # "one that ends after it is overdue even if it meets the letter's new date"
    d = dossier(status=9, apology_count=1, due_at=at("2025-10-01", 17), finished_at=at("2025-09-25", 10))
    assert "ended" in cols(d) and not {"ended_on_time", "ended_satisfied"} & cols(d)


def test_5_1_a_pause_moves_the_legal_due_date():
    # "the one set at receipt, moved only by clock pauses": first promise 24/09, a 3-working-day pause → 29/09.
    d = dossier(status=9, legal="2025-09-29", supplement_count=1, finished_at=at("2025-09-26", 10))
    assert "ended_on_time" in cols(d)


def test_5_1_the_apology_letters_date_is_never_read():
    # Same dossier, the promise to the applicant moved far: the verdicts and the open key do not change.
    base = dossier(status=4)
    moved = dossier(status=4, apology_count=2, due_at=at("2025-12-31", 17))
    assert contribution(base, True, False) == contribution(moved, True, False)


# --- §5.2: G2 over a past window counts the dossiers in progress during it -------------------------------------

WINDOW = (date(2025, 9, 1), date(2025, 9, 30))
TODAY = date(2025, 12, 1)
CASES = {
    # name: (dossier, in the denominator, in the numerator by timestamp, … by date)
    "A ended in the window by its date": (
        dossier(received="2025-08-20", legal="2025-09-10", status=9, finished_at=at("2025-09-05")), True, True, True),
    "B ended 25/09 after its legal due date 24/09": (
        dossier(received="2025-08-25", legal="2025-09-24", status=9, finished_at=at("2025-09-25", 10)), True, False, False),
    "C in progress at the window's end, within its date (ended later)": (
        dossier(received="2025-09-20", legal="2025-10-10", status=9, finished_at=at("2025-10-05")), True, True, True),
    "D in progress at the window's end, past its date": (
        dossier(received="2025-08-01", legal="2025-09-15", status=9, finished_at=at("2025-10-20")), True, False, False),
    "E ended before the window": (
        dossier(received="2025-08-01", legal="2025-08-20", status=9, finished_at=at("2025-08-25")), False, False, False),
    "F received after the window": (dossier(received="2025-10-02", legal="2025-10-20"), False, False, False),
    "G still open today, within its date at the window's end": (
        dossier(received="2025-09-10", legal="2025-12-20"), True, True, True),
    "H due 30/09 17:00, still open at the window's end (late by timestamp, on time by date)": (
        dossier(received="2025-09-29", legal="2025-09-30"), True, False, True),
    "I apology letter, ended after the legal date but before the letter's date": (
        dossier(received="2025-09-01", legal="2025-09-20", due_at=at("2025-10-01", 17), apology_count=1, status=9,
                finished_at=at("2025-09-28")), True, False, False),
    "J refused at receipt: never started a clock": (
        dossier(received="2025-09-02", status=3, received_at=None, legal_due_at=None, due_at=None), False, False, False),
}


def _write_counters(dossiers, by_date: bool) -> None:
    days: dict[date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
    for d in dossiers:
        for day, col, n in contribution(d, True, by_date).cells:
            days[day][col] += n
    months: dict[date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
    for day, row in days.items():
        for col, n in row.items():
            months[day.replace(day=1)][col] += n
    DailyCounter.objects.bulk_create(DailyCounter(unit_id=NATIONAL, procedure_id=3, day=k, **v) for k, v in days.items())
    MonthlyCounter.objects.bulk_create(MonthlyCounter(unit_id=NATIONAL, procedure_id=3, month=k, **v) for k, v in months.items())


CFG = config.Config(INDICATORS, dict(DEFAULT_TARGETS), dict(DEFAULT_OPTIONS))


@pytest.mark.django_db
@pytest.mark.parametrize("by_date", [False, True])
def test_5_2_a_past_window_counts_dossiers_finished_in_it_and_those_in_progress_during_it(by_date):
    # "counts the dossiers finished in the window and those in progress during it (received ≤ window end,
    # not finished before the window start), each judged with end = min(its end, window end). A dossier
    # refused at receipt (3) never started a clock and is not counted in G2."
    _write_counters([d for d, *_ in CASES.values()], by_date)
    sums = query.collect([NATIONAL], *WINDOW, None, TODAY)[NATIONAL]
    report = query.evaluate(None, sums, Facts(), CFG, *WINDOW, None, False)
    progress = next(i for i in report.indicators if i.code == "PROGRESS_ON_TIME")
    denominator = sum(1 for _d, den, _t, _bd in CASES.values() if den)
    numerator = sum(1 for _d, _den, t, bd in CASES.values() if (bd if by_date else t))
    assert (progress.numerator, progress.denominator) == (numerator, denominator) == ((4 if by_date else 3), 7)


def test_5_2_the_day_a_dossier_stops_being_open_and_within_its_date():
    # The running column behind §5.2: by timestamp an open dossier due on day X is late at the end of X.
    open_due = dossier(legal="2025-09-30")
    assert in_time_ends(open_due, by_date=False) == date(2025, 9, 30)
    assert in_time_ends(open_due, by_date=True) == date(2025, 10, 1)
    ended_early = dossier(status=9, finished_at=at("2025-09-12"))
    assert in_time_ends(ended_early, by_date=False) == date(2025, 9, 12)
    assert in_time_ends(dossier(status=3, received_at=None), by_date=False) is None


# --- §5.3: 5.4 counts overdue (rule 1), complained-about or disliked dossiers once ------------------------------

@pytest.mark.parametrize(("case", "d", "satisfied"), [
    ("on time, not rated dissatisfied", dossier(status=10, finished_at=at("2025-09-20")), True),
    ("overdue by the legal due date", dossier(status=10, finished_at=at("2025-09-25")), False),
    ("on time by the legal date, with an apology letter", dossier(status=10, finished_at=at("2025-09-20"),
                                                                  apology_count=1, due_at=at("2025-10-01")), True),
    ("rated dissatisfied overall", dossier(status=10, finished_at=at("2025-09-20"), disliked=True), False),
    ("overdue and disliked: one failure", dossier(status=10, finished_at=at("2025-09-25"), disliked=True), False),
    ("a complaint linked to it", dossier(status=10, finished_at=at("2025-09-20"), complained=True), False),
    ("complained, disliked and overdue: one failure",
     dossier(status=10, finished_at=at("2025-09-25"), complained=True, disliked=True), False),
])
def test_5_3_satisfaction_failures_are_one_set(case, d, satisfied):
    c = [col for _day, col, _n in contribution(d, True, False).cells]
    assert c.count("ended") == 1, case
    assert c.count("ended_satisfied") == (1 if satisfied else 0), case


# --- §5.4–§5.7: the sources of a dossier's components ------------------------------------------------------------

FINISHED = dict(status=9, finished_at=at("2025-09-20"))


@pytest.mark.parametrize(("case", "sources", "finished", "digitized"), [
    ("uploaded components, e-result issued", UPLOAD, True, True),
    ("vault and registry components, e-result issued", VAULT | REGISTRY, True, True),
    ("a registry-held component never looked up is still electronic", REGISTRY | UPLOAD, True, True),
    ("scanned at the counter and marked digitized", SCANNED, True, True),
    ("a component kept on paper only", UPLOAD | PAPER, True, False),
    ("all electronic but no e-result yet (every procedure issues a result)", UPLOAD, False, False),
    ("no components recorded", 0, True, False),
])
def test_5_4_digitized_needs_every_component_electronic_and_the_e_result(case, sources, finished, digitized):
    d = dossier(component_sources=sources, **(FINISHED if finished else {}))
    assert ("digitized" in cols(d)) is digitized, case


@pytest.mark.parametrize(("case", "sources", "reused"), [
    ("taken from the applicant's vault", VAULT | UPLOAD, True),
    ("read from a registry for this dossier", REGISTRY | REGISTRY_READ, True),
    ("held by a registry, never looked up", REGISTRY | UPLOAD, False),
    ("uploaded only", UPLOAD, False),
])
def test_5_5_reused_means_vault_or_actually_read_from_a_registry(case, sources, reused):
    assert ("reused" in cols(dossier(component_sources=sources))) is reused, case


@pytest.mark.parametrize(("case", "sources", "finished", "vault"), [
    ("used a vault document", VAULT, False, True),
    ("e-result put into the applicant's vault", UPLOAD, True, True),
    ("neither", UPLOAD, False, False),
])
def test_5_6_personal_store_is_a_vault_document_or_the_result_put_in_the_vault(case, sources, finished, vault):
    d = dossier(component_sources=sources, **(FINISHED if finished else {}))
    assert ("vault" in cols(d)) is vault, case


@pytest.mark.parametrize(("case", "sources", "vneid", "counts"), [
    ("logged in with the e-ID", UPLOAD, True, True),
    ("used vault data", VAULT, False, True),
    ("a component read from the population registry", REGISTRY | REGISTRY_READ | POPULATION, False, True),
    ("form fields prefilled from the population registry", UPLOAD | POPULATION_PREFILL, False, True),
    ("data read from another registry (land, enterprise…) does not count", REGISTRY | REGISTRY_READ, False, False),
    ("uploads only, no e-ID", UPLOAD, False, False),
])
def test_5_7_citizen_data_is_e_id_vault_or_the_population_registry(case, sources, vneid, counts):
    assert ("citizen_data" in cols(dossier(component_sources=sources, vneid_auth=vneid))) is counts, case


def test_source_bits_from_component_records():
    # The records vault/submission.py writes: a registry component read (looked_up_at, found) or not.
    read_pop = {"key": "a", "source": "registry", "registry": "population", "looked_up_at": "2025-09-01T09:00", "found": True}
    read_land = {"key": "b", "source": "registry", "registry": "land", "looked_up_at": "2025-09-01T09:00", "found": True}
    not_found = {**read_land, "found": False}
    unavailable = {"key": "c", "source": "registry", "registry": "population", "unavailable": True}
    assert sources_mask([read_pop]) == REGISTRY | REGISTRY_READ | POPULATION
    assert sources_mask([read_land]) == REGISTRY | REGISTRY_READ
    assert sources_mask([not_found]) == REGISTRY  # nothing was read
    assert sources_mask([unavailable]) == REGISTRY  # for the agency to look up: never read for this dossier
    assert sources_mask([{"key": "d", "source": "paper"}]) == PAPER
    assert sources_mask([{"key": "d", "source": "paper", "digitized": True}]) == SCANNED
    assert sources_mask([{"key": "e", "source": "upload"}], ["population", "land"]) == UPLOAD | POPULATION_PREFILL
    # An action that changes components keeps what only filing knew (the prefill), nothing else.
    assert kept_bits(UPLOAD | VAULT | POPULATION_PREFILL) == POPULATION_PREFILL
