from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "motcua.catalog"
    label = "catalog"

    def ready(self) -> None:
        from motcua.catalog import checks  # noqa: F401  (registers the catalog's system check)
