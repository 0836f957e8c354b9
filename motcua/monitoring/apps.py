from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "motcua.monitoring"
    label = "monitoring"
    verbose_name = _("Đo lường, giám sát")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from motcua.lib import events
        from motcua.monitoring import config, counters
        from motcua.monitoring.models import Option
        from motcua.monitoring.subscribers import on_dossier_changed

        # Changing how deadlines compare changes what every dossier contributes:
        # the cached choice is dropped (and the counters need `motcua kpi rebuild`).
        post_save.connect(config.forget, sender=Option, dispatch_uid="kpi-option-saved")
        post_delete.connect(config.forget, sender=Option, dispatch_uid="kpi-option-deleted")

        # The KPI counters move with the event (counters.py), LAST: their rows (the nation's,
        # the province's…) are shared by every action of the day, and a row stays locked from
        # its upsert to the commit, so nothing else of the transaction runs while holding them.
        # `before`: the dossier's contribution before the change, taken by the actions layer.
        events.subscribe(
            events.DossierChanged, on_dossier_changed, order=90, name="monitoring", before=counters.snapshot
        )
        # The petitions' counters (indicators 5.2, 5.3), the same way (petition_counters.py).
        from motcua.monitoring import petition_counters

        events.subscribe(
            events.PetitionChanged, petition_counters.on_petition_changed, order=90, name="monitoring",
            before=petition_counters.snapshot,
        )
