from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "motcua.insights"
    label = "insights"
    verbose_name = _("Phân tích cho lãnh đạo")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from motcua.insights.digest import at_risk_lines
        from motcua.insights.risk import staff_fields
        from motcua.lib import extensions

        # What the insights add to other rooms' answers (lib/extensions.py), so neither imports this room.
        extensions.provide("dossier.staff_fields", staff_fields)
        extensions.provide("kpi.digest_lines", at_risk_lines)
