from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from motcua.catalog.loader import DefinitionError, load_paths
from motcua.demo.data import load_units_and_users
from motcua.demo.vault import load_vault_documents


class Command(BaseCommand):
    help = "Load the demo province, its staff and citizens, the demo e-ID provider's client, their vault documents, and the shipped procedures."

    def handle(self, *args, **options):
        if not settings.DEMO_IDP_ENABLED:
            raise CommandError("demo data is only for installations with DEMO_IDP_ENABLED=true")
        # Imported here: django-oauth-toolkit is installed only with the demo provider.
        from motcua.demo.idp import load_demo_idp

        load_units_and_users()
        load_demo_idp()
        load_vault_documents()
        try:
            outcomes = load_paths([settings.PROCEDURES_DIR])
        except DefinitionError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"demo units and users loaded; {len(outcomes)} procedures")
