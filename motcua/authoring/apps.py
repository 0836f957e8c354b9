from django.apps import AppConfig


class AuthoringConfig(AppConfig):
    """The catalogue written without code (issue 24): drafts of procedures, review, publication, abolition."""

    name = "motcua.authoring"
    label = "authoring"
