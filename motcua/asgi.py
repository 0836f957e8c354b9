import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
application = get_asgi_application()

# After set-up: the shipped procedures are in the database before the first request.
from motcua.catalog.startup import load_shipped_catalog  # noqa: E402

load_shipped_catalog()
