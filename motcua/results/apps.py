from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "motcua.results"
    label = "results"

    def ready(self) -> None:
        from motcua.results import checks  # noqa: F401 - registers the deployment check
