"""Hand-worked cases pinning every formula and edge case of KPI-766.md as motcua computes it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from motcua.dossiers.facts import PAPER, REGISTRY, REGISTRY_READ, UPLOAD, VAULT
from motcua.monitoring import config, query
from motcua.monitoring.catalog_facts import Facts
from motcua.monitoring.contributions import ALREADY_LATE, ALWAYS_ON_TIME, contribution
from motcua.monitoring.indicators import DEFAULT_OPTIONS, DEFAULT_TARGETS, INDICATORS
from motcua.monitoring.models import COLUMNS

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
T = datetime(2025, 3, 10, 9, 0, tzinfo=HCM)  # received
DUE = datetime(2025, 3, 14, 17, 0, tzinfo=HCM)


def dossier(**kw):
    base = dict(unit_id=7, procedure_id=3, status=4, channel=2, received_at=T, due_at=DUE, legal_due_at=DUE,
                finished_at=None, updated_at=T, paused_at=None, supplement_count=0, apology_count=0, fee=0,
                paid_online=0, component_sources=UPLOAD, vneid_auth=False, disliked=False, complained=False)
    base.update(kw)
    return SimpleNamespace(**base)


def cells(d, full=True, by_date=False) -> dict[tuple[date, str], int]:
    return {(day, col): n for day, col, n in contribution(d, full, by_date).cells}


def cols(d, **kw) -> set[str]:
    # The §5.2 running column is pinned by its own tests below (test_in_progress_*).
    return {col for (_day, col) in cells(d, **kw) if col != "open_in_time_ends"}


# Corrected with §5 (2026-12-04): "digitized" needs the e-result (§5.4), so an open dossier no longer
# counts in it; a dossier with its e-result counts in "vault" (§5.6: the result goes into the vault).
RECEIPT = {"received", "online", "full_eligible", "full_online"}
E = RECEIPT | {"digitized", "vault"}  # received, with its e-result issued


@pytest.mark.parametrize(("case", "d", "expected_cols", "open_day"), [
    ("newly submitted: not in the received class", dossier(status=1, received_at=None, due_at=None, legal_due_at=None), set(), None),
    ("refused at receipt: never received", dossier(status=3, received_at=None, due_at=None, legal_due_at=None), set(), None),
    ("withdrawn before receipt", dossier(status=7, received_at=None, due_at=None, legal_due_at=None), set(), None),
    ("open, within its deadline: counted when the period reaches today", dossier(), RECEIPT, DUE.date()),
    ("waiting for one supplement asked in time: verdict fixed, on time",
     dossier(status=5, supplement_count=1, paused_at=DUE - timedelta(days=1)), RECEIPT, ALWAYS_ON_TIME),
    ("waiting for one supplement asked after the due date: overdue",
     dossier(status=5, supplement_count=1, paused_at=DUE + timedelta(hours=1)), RECEIPT, ALREADY_LATE),
    ("more than one supplement round and no end: overdue", dossier(status=4, supplement_count=2), RECEIPT, ALREADY_LATE),
    ("more than one round but finished in time: the end state decides",
     dossier(status=9, supplement_count=2, finished_at=DUE - timedelta(days=1)),
     E | {"ended", "ended_on_time", "ended_satisfied", "finished", "finished_e_result"}, None),
    ("finished after the due date: ended, late",
     dossier(status=9, finished_at=DUE + timedelta(hours=1)), E | {"ended", "finished", "finished_e_result"}, None),
    ("returned late but processed in time: the first end state (9) counts",
     dossier(status=10, finished_at=DUE - timedelta(hours=1)),
     E | {"ended", "ended_on_time", "ended_satisfied", "finished", "finished_e_result"}, None),
    # Corrected with §5.1: an apology letter no longer makes a dossier overdue by itself; it ended by its
    # legal due date (DUE), so it is on time (it was "still overdue" before §5).
    ("apologised for, then finished by its legal due date: on time (§5.1)",
     dossier(status=9, apology_count=1, due_at=DUE + timedelta(days=5), finished_at=DUE - timedelta(hours=1)),
     E | {"ended", "ended_on_time", "ended_satisfied", "finished", "finished_e_result"}, None),
    # Corrected with §5.1: judged by its legal due date like any open dossier (it was "already late" before §5).
    ("apologised for and still open: judged by its legal due date (§5.1)",
     dossier(status=4, apology_count=1, due_at=DUE + timedelta(days=5)), RECEIPT, DUE.date()),
    ("stopped (8): ended, no result", dossier(status=8, finished_at=DUE), RECEIPT | {"ended", "ended_on_time", "ended_satisfied"}, None),
    ("on time but rated dissatisfied: a 5.4 failure, still on time for 2.1",
     dossier(status=10, finished_at=DUE - timedelta(hours=1), disliked=True),
     E | {"ended", "ended_on_time", "finished", "finished_e_result"}, None),
    ("late and rated dissatisfied: one failure for 5.4, not two",
     dossier(status=10, finished_at=DUE + timedelta(hours=1), disliked=True),
     E | {"ended", "finished", "finished_e_result"}, None),
    ("withdrawn after receipt (7): ends at its last change",
     dossier(status=7, updated_at=DUE + timedelta(days=1)), RECEIPT | {"ended"}, None),
    ("in person: eligible but not online", dossier(channel=1), {"received", "full_eligible"}, DUE.date()),
    ("partial-service procedure: not eligible for the headline", dossier(), None, DUE.date()),
])
def test_contribution_of_one_dossier(case, d, expected_cols, open_day):
    full = case != "partial-service procedure: not eligible for the headline"
    got = cols(d, full=full)
    if expected_cols is None:
        expected_cols = {"received", "online"}
    assert got == expected_cols, case
    assert contribution(d, full, False).open_day == open_day, case


def test_days_are_local_days_and_each_fact_counts_on_its_own_day():
    received = datetime(2025, 3, 31, 17, 30, tzinfo=ZoneInfo("UTC"))  # 00:30 on 1 April in Hà Nội
    due = received + timedelta(days=3)
    d = dossier(status=9, received_at=received, due_at=due, legal_due_at=due, finished_at=received + timedelta(days=2))
    c = cells(d)
    assert (date(2025, 4, 1), "received") in c
    assert (date(2025, 4, 3), "ended") in c and (date(2025, 4, 3), "finished") in c


# Corrected with §5.4–§5.7: "digitized" needs the e-result, "reused" a component actually read from a
# registry (REGISTRY_READ), "citizen_data" the vault or the population registry (not any registry).
@pytest.mark.parametrize(("sources", "vneid", "expected"), [
    (UPLOAD | PAPER, False, set()),  # a paper component: not digitized
    (0, False, set()),  # no components recorded: not digitized
    (UPLOAD, False, {"digitized"}),
    (VAULT, False, {"digitized", "reused", "citizen_data"}),
    (REGISTRY | REGISTRY_READ | UPLOAD, False, {"digitized", "reused"}),
    (UPLOAD, True, {"digitized", "citizen_data"}),  # e-ID authenticated applicant
])
def test_digitization_facts(sources, vneid, expected):
    finished = dossier(status=9, finished_at=DUE, component_sources=sources, vneid_auth=vneid)
    got = cols(finished) & {"digitized", "reused", "citizen_data"}
    assert got == expected


@pytest.mark.parametrize(("fee", "paid", "expected"), [
    (0, 1, set()), (20000, 0, {"fee_bearing"}), (20000, 1, {"fee_bearing", "paid_online"}),
    (20000, 2, {"fee_bearing", "paid_online"}),
])
def test_payment_facts(fee, paid, expected):
    assert cols(dossier(fee=fee, paid_online=paid)) & {"fee_bearing", "paid_online"} == expected


def test_deadline_by_timestamp_or_by_date():
    late_same_day = dossier(status=9, finished_at=DUE + timedelta(hours=2))
    assert "ended_on_time" not in cols(late_same_day, by_date=False)
    assert "ended_on_time" in cols(late_same_day, by_date=True)
    assert "ended_satisfied" in cols(late_same_day, by_date=True)


# --- scoring ------------------------------------------------------------------------------------

CFG = config.Config(INDICATORS, dict(DEFAULT_TARGETS), dict(DEFAULT_OPTIONS))


def sums(**totals) -> query.Sums:
    s = query.Sums()
    for k, v in totals.items():
        if k in COLUMNS:
            s.totals[k] = v
    s.open_total, s.open_late = totals.get("open_total", 0), totals.get("open_late", 0)
    s.external = totals.get("external", {})
    s.synced = totals.get("synced", 0)
    for col, procs in totals.get("procs", {}).items():
        s.procedures[col] = set(procs)
    return s


def run(s: query.Sums, unit=None, facts: Facts | None = None, end=date(2025, 12, 31), procedure_id=None) -> query.Report:
    return query.evaluate(unit, s, facts or Facts(), CFG, date(2025, 1, 1), end, procedure_id, False)


def by_code(r: query.Report) -> dict[str, query.Result]:
    return {i.code: i for i in r.indicators}


def test_zero_denominators_follow_each_indicators_rule_never_a_silent_zero_percent():
    r = run(sums())
    i = by_code(r)
    assert r.no_data
    assert i["PROGRESS_ON_TIME"].score is None and i["PROGRESS_ON_TIME"].no_data  # never observed: null [U]
    assert i["ONLINE_DOSSIERS"].score is None
    assert i["PAYMENT_DOSSIERS"].score == 0.0  # a zero denominator gives 0 [R]
    assert i["DOSSIER_RECEIVING_SATISFACTION"].score == 0.0  # denominator 0 → 0
    assert i["PETITION_PROCESSING_ON_TIME"].score == 6  # a unit with no petitions gets 6
    assert i["PETITION_HANDLING_SATISFACTION"].score == 6
    assert r.headline["rate"] is None and r.headline["no_data"] and r.headline["met"] is None
    assert r.total is None  # a null group makes the total null
    assert [g["score"] is None for g in r.groups] == [True, True, True, False, False, True]


@pytest.mark.parametrize(("code", "num", "den", "score"), [
    ("ONLINE_DOSSIERS", 25, 100, 3.0),  # 6 × min(1, 0.25 / 0.5)
    ("ONLINE_DOSSIERS", 60, 100, 6.0),  # capped at the threshold
    ("DOSSIER_RECEIVING_SATISFACTION", 45, 100, 3.0),  # 6 × 0.45 / 0.9
    ("DOSSIER_RECEIVING_SATISFACTION", 95, 100, 6.0),
    ("REUSED_DIGITIZED_DATA", 40, 100, 1.0),  # 2 × 0.4 / 0.8
    ("PAYMENT_DOSSIERS", 1, 4, 1.5),  # 6 × 0.25
    ("ORIGINAL_RESULT_AVAILABLE", 3, 3, 6.0),
])
def test_score_is_max_times_min_one_ratio_over_threshold(code, num, den, score):
    ind = next(i for i in INDICATORS if i.code == code)
    ratio, points, no_data = query._score(ind, num, den)
    assert ratio == num / den and points == pytest.approx(score) and not no_data


def test_progress_pools_ended_dossiers_and_those_still_open():
    # 8 ended in the period (6 on time) and 4 still open today (1 past its date): (6 + 3) / (8 + 4).
    r = run(sums(ended=8, ended_on_time=6, open_total=4, open_late=1))
    p = by_code(r)["PROGRESS_ON_TIME"]
    assert (p.numerator, p.denominator, p.score) == (9, 12, 15.0)


def test_satisfaction_counts_late_or_disliked_dossiers_as_failures_and_on_time_reads_only_the_deadline():
    # 90 ended: 81 on time, of which 5 were rated dissatisfied → 5.4 is 76 / 90; 2.1 stays 81 / 90.
    i = by_code(run(sums(ended=90, ended_on_time=81, ended_satisfied=76)))
    s = i["DOSSIER_RECEIVING_SATISFACTION"]
    assert (s.numerator, s.denominator) == (76, 90)
    assert s.score == pytest.approx(6 * (76 / 90) / 0.9)
    assert (i["PROGRESS_ON_TIME"].numerator, i["PROGRESS_ON_TIME"].denominator) == (81, 90)


def test_sync_indicator_reads_the_sync_log_over_the_larger_of_the_local_and_the_national_count():
    i = by_code(run(sums(received=100, synced=90)))["DOSSIER_SYNC"]
    assert (i.numerator, i.denominator, i.score) == (90, 100, pytest.approx(5.4))
    i = by_code(run(sums(received=100, synced=90, external={"DOSSIER_SYNC": [0, 120]})))["DOSSIER_SYNC"]
    assert (i.numerator, i.denominator) == (90, 120)  # the national report counted more: §3 G1 max(local, national)
    i = by_code(run(sums(received=0)))["DOSSIER_SYNC"]
    assert i.score is None and i.no_data


def test_procedure_indicators_count_distinct_procedures_of_the_units_authority():
    facts = Facts(authority={0: {1, 2, 3, 4}}, online_service={1, 2, 3, 4}, fee={1, 2}, citizen={1, 2, 3})
    r = run(sums(received=10, procs={"online": [1, 3, 9], "paid_online": [2], "fee_bearing": [1, 2],
                                      "citizen_data": [3]}), facts=facts)
    i = by_code(r)
    assert (i["ONLINE_SERVICES_USED"].numerator, i["ONLINE_SERVICES_USED"].denominator) == (2, 4)  # 9 is not its own
    assert (i["PAYMENT_PROCEDURES"].numerator, i["PAYMENT_PROCEDURES"].denominator, i["PAYMENT_PROCEDURES"].score) == (1, 2, 1.25)
    assert i["PAYMENT_FEE_DATA"].score == 2.0
    assert (i["CITIZEN_DATA_CONNECTED_FORMALITY"].numerator, i["CITIZEN_DATA_CONNECTED_FORMALITY"].denominator) == (1, 3)
    assert i["ONLINE_PROCEDURES"].score == 2.0
    assert i["ELECTRONIC_CERTIFIED_COPY"].score == 2.0 and i["ELECTRONIC_CERTIFIED_COPY"].no_data  # no communes: full [U]


def full_house(**extra) -> query.Sums:
    external = {code: [9, 10] for code in ("PUBLISH_ON_TIME", "PUBLIC_UPDATE_ON_TIME", "PUBLIC_CONTENT_FULL")}
    # 1.4 from the national sync log: 90 of the 100 dossiers received were synchronized on time.
    return sums(received=100, synced=90, online=80, full_eligible=50, full_online=40, fee_bearing=10, paid_online=5, digitized=100,
                reused=40, vault=20, citizen_data=50, ended=90, ended_on_time=81, ended_satisfied=76, finished=80, finished_e_result=80,
                external=external, **extra)


def test_total_is_the_sum_of_six_groups_only_when_all_are_present():
    facts = Facts(authority={0: {1}}, online_service={1}, fee={1}, citizen={1}, communes={0: 2}, certified_copy={0: 1})
    r = run(full_house(procs={"online": [1], "paid_online": [1], "fee_bearing": [1], "citizen_data": [1]}), facts=facts)
    assert all(g["score"] is not None for g in r.groups)
    assert r.total == pytest.approx(sum(g["score"] for g in r.groups))
    assert r.groups[0]["score"] == pytest.approx(18 * 0.9)
    assert r.groups[1]["score"] == pytest.approx(18.0)  # 20 × 81 / 90
    # A single-procedure view lacks G5 (petitions): its total is not comparable, so none is given.
    assert run(full_house(), facts=facts, procedure_id=1).total is None


@pytest.mark.parametrize(("level", "end", "numer", "denom", "target", "met"), [
    ("ministry", date(2025, 12, 31), 40, 50, 85.0, False),
    ("ministry", date(2024, 12, 31), 40, 50, 70.0, True),
    ("province", date(2024, 6, 30), 15, 50, 30.0, True),
    ("commune", date(2025, 12, 31), 34, 50, 70.0, False),
    ("commune", date(2026, 12, 31), 34, 50, 70.0, False),  # none set for 2026: the 2025 target holds
    ("commune", date(2023, 12, 31), 34, 50, None, None),  # none set before 2024: no verdict
])
def test_headline_rate_against_the_target_of_the_unit_class_and_year(level, end, numer, denom, target, met):
    unit = SimpleNamespace(pk=5, level=level)
    r = run(sums(full_eligible=denom, full_online=numer), unit=unit, end=end)
    assert r.headline["rate"] == pytest.approx(100 * numer / denom)
    assert (r.headline["target"], r.headline["met"]) == (target, met)


def test_ranking_ties_within_half_a_hundredth_and_no_rank_without_a_total():
    totals = {1: 80.0, 2: 80.004, 3: 90.0, 4: None, 5: 79.0}
    assert [query.rank_of(totals, u) for u in (3, 1, 2, 5, 4)] == [1, 2, 2, 4, None]


@pytest.mark.parametrize(("start", "end", "days", "months"), [
    (date(2025, 1, 1), date(2025, 12, 31), [], (date(2025, 1, 1), date(2025, 12, 1))),
    (date(2025, 1, 15), date(2025, 3, 10), [(date(2025, 1, 15), date(2025, 1, 31)), (date(2025, 3, 1), date(2025, 3, 10))],
     (date(2025, 2, 1), date(2025, 2, 1))),
    (date(2025, 2, 3), date(2025, 2, 20), [(date(2025, 2, 3), date(2025, 2, 20))], None),
    (date(2025, 1, 31), date(2025, 2, 1), [(date(2025, 1, 31), date(2025, 2, 1))], None),
])
def test_a_period_is_whole_months_plus_partial_days(start, end, days, months):
    assert query._month_spans(start, end) == (days, months)
