"""A higher level's one-stop desk reads a lower unit's dossiers but acts on them only for procedures received
regardless of administrative boundary (docs/security.md, "Scopes"; `receive_anywhere` in the catalogue).

The province's public administration service centre (onestop_prov) serves the whole province: it reads
An Bình commune's dossiers (supervision, the 766 index). It receives and acts on them only when the
procedure says `receive_anywhere: true` (the certified copy, 2.000815); a commune's birth registration
is received by the commune's own desk, and the province's attempt is refused (403: it may know the
dossier exists) with nothing changed. A dossier of the province's own level (a department's) it
receives as before.
"""

from __future__ import annotations

import pytest

from motcua.dossiers import actions
from motcua.dossiers.models import Dossier, DossierEvent, Status
from motcua.identity.models import User
from motcua.lib.errors import Forbidden
from motcua.units.scope import grants_of
from motcua.web.turn import turn_of
from tests.conftest import BIRTH, BIRTH_COMPONENTS, ApiClient
from tests.walker import DEFINITIONS, components_for

ANBINH = "000.11.00.H99"
COPY = DEFINITIONS["2.000815-chung-thuc-ban-sao-tu-ban-chinh.yaml"]


def _birth() -> Dossier:
    return actions.submit(User.objects.get(username="citizen"), "1.001193", dict(BIRTH), unit_code=ANBINH,
                          components=list(BIRTH_COMPONENTS))


def _certified_copy() -> Dossier:
    data = dict(COPY["example"])
    return actions.submit(User.objects.get(username="citizen"), COPY["code"], data, unit_code=ANBINH,
                          components=components_for(COPY, data))


def test_the_catalogue_marks_only_the_certified_copy_as_received_anywhere():
    marked = sorted(d["code"] for d in DEFINITIONS.values() if d.get("receive_anywhere"))
    assert marked == ["2.000815"]
    assert not DEFINITIONS["1.001193-dang-ky-khai-sinh.yaml"].get("receive_anywhere")


def test_the_province_centre_reads_a_communes_birth_dossier_but_may_not_act_on_it(demo):
    dossier = _birth()
    province = ApiClient("onestop_prov")
    seen = province.get(f"/dossiers/{dossier.code}")
    assert seen.status_code == 200, seen.content
    assert seen.json()["allowed_actions"] == []  # no button to press
    events = DossierEvent.objects.filter(dossier=dossier).count()
    for action, reason in (("receive", ""), ("refuse", "Không đủ điều kiện"), ("request_supplement", "Thiếu giấy")):
        r = province.act(dossier.code, action, reason)
        assert r.status_code == 403, (action, r.content)
    with pytest.raises(Forbidden):
        actions.perform(dossier.code, "receive", User.objects.get(username="onestop_prov"))
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    assert DossierEvent.objects.filter(dossier=dossier).count() == events
    # The officer's page shows the dossier, without the commune desk's forms.
    client = province.client
    client.force_login(User.objects.get(username="onestop_prov"))
    page = client.get(f"/office/dossiers/{dossier.code}/")
    assert page.status_code == 200
    assert f"/office/dossiers/{dossier.code}/act/receive/" not in page.content.decode()
    # Nor is any open step shown as theirs to work (the dossier waits for the commune's desk).
    user = User.objects.get(username="onestop_prov")
    turn = turn_of(dossier, dossier.tasks.select_related("unit"), [], user, grants_of(user))
    assert turn.steps and not any(step.mine for step in turn.steps) and not turn.yours
    # The commune's own desk receives it.
    r = ApiClient("onestop_anbinh").act(dossier.code, "receive")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == Status.RECEIVED


def test_the_province_centre_receives_a_communes_dossier_received_regardless_of_boundary(demo):
    dossier = _certified_copy()
    assert dossier.unit.code == ANBINH
    province = ApiClient("onestop_prov")
    allowed = province.get(f"/dossiers/{dossier.code}").json()["allowed_actions"]
    assert "receive" in allowed or "confirm_payment" in allowed
    if dossier.payment_due:  # the fee, paid at the province's counter
        r = province.post(f"/dossiers/{dossier.code}/actions/confirm_payment", {"receipt_number": "BL-7"})
        assert r.status_code == 200, r.content
    r = province.act(dossier.code, "receive")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == Status.RECEIVED
    assert DossierEvent.objects.filter(dossier=dossier, action="receive").get().actor.username == "onestop_prov"


def test_the_province_centre_receives_for_a_department_of_its_own_level(demo):
    from tests.dossiers.test_actions import CRIMINAL_RECORD

    dossier = actions.submit(User.objects.get(username="citizen"), "3.000333", dict(CRIMINAL_RECORD),
                             unit_code="000.00.30.H99", components=[])
    province = User.objects.get(username="onestop_prov")
    if dossier.payment_due:
        actions.perform(dossier.code, "confirm_payment", province, payload={"receipt_number": "BL-8"})
    assert actions.perform(dossier.code, "receive", province).status == Status.RECEIVED


def test_the_province_centre_cannot_file_a_communes_birth_registration_at_its_counter(demo):
    province = ApiClient("onestop_prov")
    before = Dossier.objects.count()
    upload = province.upload("birth_certificate.pdf")
    assert upload.status_code == 201, upload.content
    r = province.post("/dossiers", {
        "procedure": "1.001193", "channel": 1, "unit": ANBINH, "applicant": {"personal_id": "001090012345"},
        "data": BIRTH, "components": [{"key": "birth_certificate", "upload": upload.json()["id"]}],
    })
    assert r.status_code == 403, r.content  # refused whole at receive: filing and receiving are one transaction
    assert Dossier.objects.count() == before
