from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "motcua.audit"
    label = "audit"

    def ready(self) -> None:
        from motcua.audit.subscribers import on_dossier_changed, on_petition_changed, on_result_revoked
        from motcua.lib import events

        # First: the entry records the change as the actions layer made it, before anything else runs.
        events.subscribe(events.DossierChanged, on_dossier_changed, order=10, name="audit")
        events.subscribe(events.ResultRevoked, on_result_revoked, order=10, name="audit")
        events.subscribe(events.PetitionChanged, on_petition_changed, order=10, name="audit")
