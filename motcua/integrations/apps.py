from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Webhooks for integrators and the national portal's sync (docs/api.md, docs/operations.md)."""

    name = "motcua.integrations"
    label = "integrations"

    def ready(self) -> None:
        from motcua.integrations import queues
        from motcua.integrations.subscribers import on_dossier_changed, on_result_revoked
        from motcua.lib import deliveries, events

        # After the audit entry (10) and the outbox (20), before the KPI counters (90); in the same transaction, so a
        # rolled-back action leaves no delivery behind.
        events.subscribe(events.DossierChanged, on_dossier_changed, order=40, name="integrations")
        events.subscribe(events.ResultRevoked, on_result_revoked, order=40, name="integrations")
        deliveries.register(queues.WebhookQueue())
        deliveries.register(queues.NationalQueue())
