"""`motcua check` (and every management command that runs the checks) says what is wrong with the catalog."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from motcua.catalog import vocab


@checks.register()
def catalog_files(app_configs=None, **_kwargs) -> list[checks.CheckMessage]:
    _vocabulary, _files, reports = vocab.read(settings.CATALOG_DIRS)
    if not vocab.catalog_files(settings.CATALOG_DIRS):
        return [checks.Error(f"no catalog files in CATALOG_DIRS ({', '.join(map(str, settings.CATALOG_DIRS))})", id="motcua.catalog.E001")]
    return [checks.Error(str(r), id="motcua.catalog.E002") for r in reports]
