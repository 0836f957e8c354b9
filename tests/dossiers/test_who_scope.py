"""Who does the work, as the catalogue and the officers' scope see it (issue 21 item 4, its gaps).

The catalogue listed by unit reads a procedure's `receivers` and `hand_over` (the commune desk that
may take in the provincial land procedure lists it; the Health Department lists the large kitchens'
certificate, the province's People's Committee does not); a team member from another unit reads,
lists and works the dossiers whose open step is their team's, and nothing more.
"""

from __future__ import annotations

from django.urls import reverse

from motcua.catalog.models import Procedure, ProcedureOffer
from motcua.units.models import Unit
from tests.conftest import ApiClient
from tests.dossiers.test_who_does_the_work import AN_BINH, HEALTH, HOA_THUAN, LAND_OFFICE

PROVINCE, ANBINH_POLICE = "000.00.00.H99", "000.11.30.H99"
LAND_CODE, FOOD_CODE, POWER_CODE = "1.013831", "1.001467", "2.002244"


def _listed(unit: str) -> set[str]:
    r = ApiClient(None).get(f"/procedures?unit={unit}&limit=500")
    assert r.status_code == 200, r.content
    return {p["code"] for p in r.json()}


def test_the_catalogue_by_unit_reads_the_receivers_and_the_hand_over(demo):
    an_binh, health, province = _listed(AN_BINH), _listed(HEALTH), _listed(PROVINCE)
    # The commune's desk may take in the provincial land procedure (hand_over) and receives the small kitchens.
    assert {LAND_CODE, FOOD_CODE, POWER_CODE} <= an_binh and {LAND_CODE, FOOD_CODE} <= _listed(HOA_THUAN)
    # The Health Department receives the large kitchens (a receiver with its agency); the land office its own.
    assert FOOD_CODE in health and LAND_CODE not in health
    assert LAND_CODE in _listed(LAND_OFFICE) and FOOD_CODE not in _listed(LAND_OFFICE)
    # The province's People's Committee is neither receiver: `levels` names the province, the receiver is Health.
    assert FOOD_CODE not in province and LAND_CODE not in province
    # The commune police is not the commune's desk: neither is listed for it.
    assert not {LAND_CODE, FOOD_CODE} & _listed(ANBINH_POLICE)
    # Procedures without receivers keep their rule: the commune's birth registration, not the province's.
    assert "1.001193" in an_binh and "1.001193" not in province


def test_a_unit_that_stopped_a_receiver_s_procedure_no_longer_lists_it(demo):
    unit = Unit.objects.get(code=AN_BINH)
    ProcedureOffer.objects.create(procedure=Procedure.objects.get(code=FOOD_CODE), unit=unit, offered=False)
    assert FOOD_CODE not in _listed(AN_BINH) and FOOD_CODE in _listed(HOA_THUAN)


def test_the_portal_catalogue_by_unit_lists_what_the_commune_desk_takes_in(demo):
    from django.test import Client

    html = Client().get(reverse("portal:home"), {"unit": AN_BINH}).content.decode()
    assert LAND_CODE in html and FOOD_CODE in html
    html = Client().get(reverse("portal:home"), {"unit": PROVINCE}).content.decode()
    assert LAND_CODE not in html and FOOD_CODE not in html
