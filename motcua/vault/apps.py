from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "motcua.vault"
    label = "vault"

    def ready(self) -> None:
        from motcua.vault import checks  # noqa: F401 - registers the start-up warning about virus scanning
