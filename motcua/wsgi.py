import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
application = get_wsgi_application()

# After set-up: the shipped procedures are in the database before the first request.
from motcua.catalog.startup import load_shipped_catalog  # noqa: E402

load_shipped_catalog()

from motcua.vault.checks import warn_if_unscanned  # noqa: E402

warn_if_unscanned()  # the embedded default runs without a virus scanner: said at start-up
