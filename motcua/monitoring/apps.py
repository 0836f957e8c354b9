from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "motcua.monitoring"
    label = "monitoring"
    verbose_name = _("Đo lường, giám sát")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from motcua.monitoring import config
        from motcua.monitoring.models import Option

        # Changing how deadlines compare changes what every dossier contributes:
        # the cached choice is dropped (and the counters need `motcua kpi rebuild`).
        post_save.connect(config.forget, sender=Option, dispatch_uid="kpi-option-saved")
        post_delete.connect(config.forget, sender=Option, dispatch_uid="kpi-option-deleted")
