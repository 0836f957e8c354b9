"""The leaders' daily digest's part about lateness risk: the open dossiers most at risk, not yet late."""

from __future__ import annotations

from django.utils.translation import gettext as _

from motcua.catalog.models import localized
from motcua.insights.models import DossierRisk
from motcua.insights.risk import HIGH
from motcua.units.models import Unit

MAX_LISTED = 10


def at_risk_lines(unit: Unit) -> list[str]:
    """Open dossiers of the subtree with risk ≥ HIGH and still before their legal due date, riskiest first."""
    found = list(
        DossierRisk.objects.filter(dossier__unit__path__startswith=unit.path, risk__gte=HIGH, available__gte=0)
        .exclude(basis="past_due")
        .select_related("dossier__procedure_version", "dossier__unit", "step_unit", "holder").order_by("-risk", "available")[:MAX_LISTED]
    )
    if not found:
        return []
    lines = [_("Hồ sơ có nguy cơ trễ hạn cao nhất (chưa quá hạn):")]
    for r in found:
        steps = {s["id"]: s for s in r.dossier.procedure_version.definition.get("workflow", {}).get("steps", [])}
        step = localized(steps.get(r.step, {}).get("name")) or r.step or _("toàn bộ hồ sơ")
        holder = (r.holder.full_name or r.holder.get_username()) if r.holder else _("chưa có người nhận")
        lines.append(_("- %(code)s: %(risk).0f%% — bước “%(step)s” tại %(unit)s, người giữ: %(holder)s, còn %(days).1f ngày làm việc")
                     % {"code": r.dossier.code, "risk": r.risk * 100, "step": step,
                        "unit": r.step_unit.display_name if r.step_unit else r.dossier.unit.display_name,
                        "holder": holder, "days": r.available})
    return lines
