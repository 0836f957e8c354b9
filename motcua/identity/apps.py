from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "motcua.identity"
    label = "identity"

    def ready(self) -> None:
        from motcua.identity import checks, language  # noqa: F401 - registers the deployment check and the login receiver
