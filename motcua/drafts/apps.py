from django.apps import AppConfig


class DraftsConfig(AppConfig):
    """Citizens' applications being filled in, kept on the server (portal step pages and /api/v1/drafts)."""

    name = "motcua.drafts"
    label = "drafts"
