import logging

from django.apps import AppConfig
from django.conf import settings


class OpsConfig(AppConfig):
    """Running the service: health checks, metrics, request logs."""

    name = "motcua.ops"
    label = "ops"

    def ready(self) -> None:
        from motcua.ops import checks  # noqa: F401 - registers the deployment check
        if settings.LOG_FORMAT == "json":
            # Python warnings too, as JSON lines, not bare text among them.
            logging.captureWarnings(True)
