"""The dossier page's "notifications sent" block (web/_dossier_body.html includes it)."""

from __future__ import annotations

from django import template

from motcua.notifications.models import Delivery

register = template.Library()


@register.inclusion_tag("notifications/_deliveries.html")
def dossier_deliveries(dossier, staff: bool = False) -> dict:
    """The messages about this dossier: to the applicant (both pages), and to officers (the officers' page)."""
    rows = Delivery.objects.filter(key=dossier.code).order_by("-id")
    if not staff:
        rows = rows.filter(audience="applicant")
    return {"deliveries": list(rows[:30]), "staff": staff}
