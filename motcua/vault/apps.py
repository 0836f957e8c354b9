from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "motcua.vault"
    label = "vault"

    def ready(self) -> None:
        from motcua.lib import events
        from motcua.vault import checks  # noqa: F401 - registers the start-up warning about virus scanning
        from motcua.vault.store import on_citizen_signed_in

        # A citizen signed in with the e-ID: the results kept for their identity number become theirs too.
        events.subscribe(events.CitizenSignedIn, on_citizen_signed_in, order=10, name="vault")
