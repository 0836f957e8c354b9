"""A complaint (a petition about the dossier, petitions/) linked to a dossier: indicator 5.4 counts it.

No status changes: the dossier records the fact (`complained`), writes its history event and
announces the change, so its KPI contribution (monitoring/contributions.py) moves in the same
transaction as the petition's filing. Called by the petitions' actions layer only, for a
dossier its filer owns.
"""

from __future__ import annotations

from datetime import datetime

from motcua.dossiers.access import not_found
from motcua.dossiers.actions import history
from motcua.dossiers.models import Dossier


def link_complaint(dossier_code: str, petition_code: str, actor, at: datetime) -> Dossier:
    dossier = (
        Dossier.objects.select_for_update(of=("self",)).select_related("unit", "procedure", "procedure_version")
        .filter(code=dossier_code).first()
    )
    if dossier is None or dossier.applicant_id != getattr(actor, "pk", None):
        raise not_found(dossier_code)
    before = history.look_before(dossier)
    dossier.complained = True
    # updated_at is left as it is: it is the end time of a withdrawn dossier (monitoring/contributions.py).
    dossier.save(update_fields=["complained"])
    history.write_history(
        dossier, "link_complaint", dossier.status, actor, at, data={"petition": petition_code}, before=before,
    )
    return dossier
