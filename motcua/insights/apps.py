from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "motcua.insights"
    label = "insights"
    verbose_name = _("Phân tích cho lãnh đạo")
    default_auto_field = "django.db.models.BigAutoField"
