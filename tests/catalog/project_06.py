"""The essential services of Project 06: all 25 listed under their programme, and each walked to its result.

`GET /api/v1/procedures?programme=project-06` lists exactly the procedures whose definition names the
programme (catalog/programmes.yaml), and the citizen catalogue filters on it. Each of the 25 is filed
on a fixed Monday, received at the unit the catalog's rule gives it, charged its fee, due at the end
of the office day its working days later (its alternative time when the case calls for one), and
walked by the demo staff to a signed result in the applicant's vault (tests/walker.py). The
constructs some of them use are walked in more detail in tests/dossiers (several results:
test_decisions_results.py; a commune desk's hand-over and an outside agency answering over HTTP:
test_who_does_the_work.py).

This module holds the services, the walks and how one is walked. The walks run in the modules
`test_project_06_*.py`, each a share of them (`share`: every walk in exactly one), so `pytest -n 2
--dist loadfile` spreads them over the processes; test_project_06.py checks the list and the shares.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.urls import get_resolver
from freezegun import freeze_time

from motcua.results import signing
from motcua.units.models import Unit
from motcua.vault.models import VaultDocument
from tests.walker import DEFINITIONS, Walker, components_for

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=HCM)  # no public holiday in December 2026


def _at(day: int) -> datetime:
    return datetime(2026, 12, day, 17, 0, tzinfo=HCM)


# The 25 essential services of Project 06 (QĐ 06/QĐ-TTg; docs/project-06.md) and the procedures that
# provide them: the criminal record certificate is two procedures (No. 1 and No. 2), every other one one.
SERVICES = {
    "permanent residence": {"1.004222"},
    "temporary residence": {"1.004194"},
    "temporary absence": {"1.004203"},
    "notice of stay": {"1.004199"},
    "former ID number": {"2.001195"},
    "ID card replaced or reissued": {"1.116411"},
    "passport": {"1.001456"},
    "birth": {"1.001193"},
    "death": {"1.000656"},
    "marriage": {"1.000894"},
    "birth + residence + health card under 6": {"3.000722"},
    "death + residence deleted + funeral allowance": {"1.011537"},
    "driving licence": {"3.000347"},
    "criminal record certificate": {"3.000333", "3.000334"},
    "unemployment benefit": {"1.014748"},
    "household health insurance": {"1.011880"},
    "motorbike registration": {"1.012817"},
    "new seal": {"1.001974"},
    "replacement seal": {"1.001975"},
    "traffic fine": {"1.012999"},
    "land change (transfer)": {"1.013831"},
    "land change (changed details)": {"1.013833"},
    "exam and admission registration": {"1.005142"},
    "new low-voltage connection": {"2.002244"},
    "electricity contract holder": {"2.002245"},
}
PROJECT_06 = set().union(*SERVICES.values())

AN_BINH = "000.11.00.H99"
COMMUNE_POLICE = "000.11.30.H99"  # An Bình's police, the first commune police of the demo by code
PROVINCE_POLICE = "000.00.30.H99"
SOCIAL_INSURANCE = "000.00.40.H99"
HOME_AFFAIRS = "000.00.15.H99"
LAND_OFFICE = "000.00.51.H99"
EDUCATION = "000.00.12.H99"

# The household's members, a repeating group: one row each (the fee counts the rows).
MEMBERS = [
    {"full_name": f"Thành viên {n}", "personal_id": f"0010850{n:05d}", "birth_date": f"19{60 + n}-01-15",
     "relationship": "chu_ho" if n == 1 else "con"}
    for n in range(1, 8)
]

# file, changes to the example, the receiving unit, the due moment (received Monday 7 December at 10:00), the fee.
WALKS = [
    # Civil status at the commune People's Committee: 1 working day; the fee is the extract copies'.
    ("1.001193-dang-ky-khai-sinh.yaml", {}, AN_BINH, _at(8), 0),
    ("1.000656-dang-ky-khai-tu.yaml", {}, AN_BINH, _at(8), 16000),  # 2 copies × 8,000
    ("1.000894-dang-ky-ket-hon.yaml", {}, AN_BINH, _at(8), 8000),  # 1 copy
    # 3 working days when the child lives with a parent (the example), 5 when the residence is verified.
    ("3.000722-lien-thong-khai-sinh-thuong-tru-bhyt.yaml", {}, AN_BINH, _at(10), 0),
    ("3.000722-lien-thong-khai-sinh-thuong-tru-bhyt.yaml", {"residence_with_parent": False}, AN_BINH, _at(14), 0),
    ("1.011537-lien-thong-khai-tu-xoa-thuong-tru-mai-tang.yaml", {}, AN_BINH, _at(14), 0),
    # Residence at the commune police.
    ("1.004222-dang-ky-thuong-tru.yaml", {}, COMMUNE_POLICE, _at(16), 10000),  # online
    ("1.004194-dang-ky-tam-tru.yaml", {}, COMMUNE_POLICE, _at(10), 14000),  # online, 2 persons × 7,000
    ("1.004203-khai-bao-tam-vang.yaml", {}, COMMUNE_POLICE, _at(8), 0),
    ("1.004203-khai-bao-tam-vang.yaml", {"complex_case": True}, COMMUNE_POLICE, _at(9), 0),
    ("1.004199-thong-bao-luu-tru.yaml", {}, COMMUNE_POLICE, _at(7), 0),
    ("2.001195-xac-nhan-so-chung-minh-nhan-dan.yaml", {}, COMMUNE_POLICE, _at(10), 0),
    ("2.001195-xac-nhan-so-chung-minh-nhan-dan.yaml", {"archive": "tinh"}, COMMUNE_POLICE, _at(21), 0),
    ("2.001195-xac-nhan-so-chung-minh-nhan-dan.yaml", {"archive": "tinh_khac"}, COMMUNE_POLICE, _at(28), 0),
    ("1.116411-cap-doi-cap-lai-the-can-cuoc.yaml", {}, COMMUNE_POLICE, _at(16), 50000),
    ("1.116411-cap-doi-cap-lai-the-can-cuoc.yaml", {"reason": "mat"}, COMMUNE_POLICE, _at(16), 70000),
    ("1.116411-cap-doi-cap-lai-the-can-cuoc.yaml", {"reason": "du_tuoi"}, COMMUNE_POLICE, _at(16), 0),
    ("1.012817-dang-ky-xe-mo-to-lan-dau.yaml", {}, COMMUNE_POLICE, _at(9), 150000),
    ("1.012817-dang-ky-xe-mo-to-lan-dau.yaml", {"registration_area": "khu_vuc_2"}, COMMUNE_POLICE, _at(9), 400000),
    # The provincial police.
    ("1.001456-cap-ho-chieu-pho-thong.yaml", {}, PROVINCE_POLICE, _at(17), 200000),
    ("3.000333-phieu-ly-lich-tu-phap.yaml", {}, PROVINCE_POLICE, _at(21), 205000),  # + the third copy
    ("3.000333-phieu-ly-lich-tu-phap.yaml", {"needs_verification": True}, PROVINCE_POLICE, _at(28), 205000),
    ("3.000334-phieu-ly-lich-tu-phap-so-2.yaml", {}, PROVINCE_POLICE, _at(21), 100000),
    ("3.000347-doi-giay-phep-lai-xe.yaml", {}, PROVINCE_POLICE, _at(14), 135000),
    ("1.001974-dang-ky-mau-con-dau-moi.yaml", {}, PROVINCE_POLICE, _at(9), 50000),
    ("1.001975-dang-ky-lai-mau-con-dau.yaml", {}, PROVINCE_POLICE, _at(9), 50000),
    ("1.001975-dang-ky-lai-mau-con-dau.yaml", {"reason": "mat_dau"}, PROVINCE_POLICE, _at(9), 50000),
    ("1.012999-nop-phat-vi-pham-giao-thong-qua-camera.yaml", {}, PROVINCE_POLICE, _at(8), 800000),
    # Social insurance and employment.
    # 3 members for 12 months: (105,300 + 73,710 + 63,180) × 12.
    ("1.011880-gia-han-the-bhyt-ho-gia-dinh.yaml", {}, SOCIAL_INSURANCE, _at(14), 2906280),
    # 6 members (six rows of the repeating group) for 3 months: (105,300 + 73,710 + 63,180 + 52,650 + 2 × 42,120) × 3.
    ("1.011880-gia-han-the-bhyt-ho-gia-dinh.yaml", {"members": MEMBERS[:6], "months": 3}, SOCIAL_INSURANCE, _at(14), 1137240),
    # 4 members for 6 months: (105,300 + 73,710 + 63,180 + 52,650) × 6; 1 member for 12 months.
    ("1.011880-gia-han-the-bhyt-ho-gia-dinh.yaml", {"members": MEMBERS[:4], "months": 6}, SOCIAL_INSURANCE, _at(14), 1769040),
    ("1.011880-gia-han-the-bhyt-ho-gia-dinh.yaml", {"members": MEMBERS[:1]}, SOCIAL_INSURANCE, _at(14), 1263600),
    # 20 working days, New Year's Day off: Tuesday 5 January 2027.
    ("1.014748-giai-quyet-huong-tro-cap-that-nghiep.yaml", {}, HOME_AFFAIRS, datetime(2027, 1, 5, 17, 0, tzinfo=HCM), 0),
    # The two land-record changes at the province's land registration office (filed online: no hand-over).
    ("1.013831-dang-ky-bien-dong-dat-dai.yaml", {}, LAND_OFFICE, _at(17), 0),
    ("1.013831-dang-ky-bien-dong-dat-dai.yaml", {"change_kind": "cho_thue_kcht"}, LAND_OFFICE, _at(11), 0),
    ("1.013833-dang-ky-bien-dong-thay-doi-thong-tin.yaml", {}, LAND_OFFICE, _at(11), 0),
    ("1.013833-dang-ky-bien-dong-thay-doi-thong-tin.yaml", {"change_kind": "quyen_lien_ke"}, LAND_OFFICE, _at(14), 0),
    ("1.013833-dang-ky-bien-dong-thay-doi-thong-tin.yaml", {"change_kind": "sat_lo"}, LAND_OFFICE, _at(21), 0),
    # The exam and admission registration at the Department of Education and Training.
    ("1.005142-dang-ky-du-thi-tot-nghiep-thpt-xet-tuyen.yaml", {}, EDUCATION, _at(14), 0),
    ("1.005142-dang-ky-du-thi-tot-nghiep-thpt-xet-tuyen.yaml",
     {"candidate_kind": "tu_do", "priority_group": "doi_tuong_uu_tien", "register_admission": False}, EDUCATION, _at(14), 0),
    # Electricity: the commune's desk, the electricity company outside.
    ("2.002244-cap-dien-moi-tu-luoi-dien-ha-ap.yaml", {}, AN_BINH, _at(14), 0),
    ("2.002244-cap-dien-moi-tu-luoi-dien-ha-ap.yaml", {"needs_new_pole": True}, AN_BINH, _at(16), 0),
    ("2.002245-thay-doi-chu-the-hop-dong-mua-ban-dien.yaml", {}, AN_BINH, _at(9), 0),
    ("2.002245-thay-doi-chu-the-hop-dong-mua-ban-dien.yaml", {"supply_kind": "ngoai_sinh_hoat"}, AN_BINH, _at(10), 0),
]


def _certificates_made_in_real_time() -> None:
    # A unit's signing certificate is made with its first result; made under freeze_time, cryptography
    # would keep freezegun's datetime class and refuse every real one afterwards (tests/conftest.py).
    for unit in Unit.objects.all():
        signing.unit_material(unit)


def label(walk: tuple) -> str:
    """The walk's test id: the procedure's code and the changes to its example."""
    name, changes = walk[0], walk[1]
    shown = {k: f"{len(v)}rows" if isinstance(v, list) else v for k, v in changes.items()}
    return name.split("-")[0] + ("-" + "-".join(f"{k}={v}" for k, v in shown.items()) if changes else "")


def walk_to_the_result(walk: tuple) -> None:
    """File, receive and walk one case to its signed result, checking its unit, fee and due moment."""
    name, changes, unit, due, fee = walk
    definition = DEFINITIONS[name]
    assert "project-06" in definition["programmes"]
    data = {**definition["example"], **changes}
    assert get_resolver().url_patterns  # the URLconf (and the API's schemas) imported before the clock is frozen
    _certificates_made_in_real_time()
    with freeze_time(MONDAY, tick=True):
        walker = Walker(definition)
        body = walker.submit(components=components_for(definition, data), data=data)
        assert body["unit"] == unit
        assert body["fee"] == fee
        walker.receive()
        assert walker.dossier.due_at == due
        walker.process()
        final = walker.finish()
    assert final["status"] == 10
    issued = VaultDocument.objects.filter(owner__username="citizen", source_dossier=walker.code)
    assert definition["result"]["document_type"] in set(issued.values_list("document_type", flat=True))


SHARES = 2


def share(part: int) -> list[tuple]:
    """Every `SHARES`-th walk from the `part`-th: the shares are disjoint and cover WALKS."""
    return [walk for i, walk in enumerate(WALKS) if i % SHARES == part]
