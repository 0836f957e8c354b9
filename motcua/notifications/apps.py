from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "motcua.notifications"
    label = "notifications"

    def ready(self) -> None:
        from motcua.lib import deliveries, events
        from motcua.notifications import checks  # noqa: F401 - registers the phone/SMS settings check
        from motcua.notifications.delivery import QUEUE
        from motcua.notifications.subscribers import on_dossier_changed, on_petition_changed

        events.subscribe(events.DossierChanged, on_dossier_changed, order=20, name="notifications")
        events.subscribe(events.PetitionChanged, on_petition_changed, order=20, name="notifications")
        deliveries.register(QUEUE)
