from django.apps import AppConfig


class WebConfig(AppConfig):
    """What the citizens' pages and the officers' pages share: presentation, the dossier page, files, base template."""

    name = "motcua.web"
    label = "web"
