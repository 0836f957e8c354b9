from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from motcua.catalog.loader import DefinitionError, load_paths
from motcua.demo.data import load_units_and_users
from motcua.demo.vault import load_vault_documents


class Command(BaseCommand):
    help = "Load the demo province, its staff and citizens, the demo e-ID provider's client, their vault documents, and the shipped procedures."

    def add_arguments(self, parser):
        parser.add_argument("--history", type=int, default=0, metavar="MONTHS",
                            help="also file dossiers over the last MONTHS months through the actions layer "
                                 "(the KPI dashboards' demo data)")

    def handle(self, *args, history: int = 0, **options):
        if not settings.DEMO_IDP_ENABLED:
            raise CommandError("demo data is only for installations with DEMO_IDP_ENABLED=true")
        # Imported here: django-oauth-toolkit is installed only with the demo provider.
        from motcua.demo.idp import load_demo_idp

        pack = settings.COUNTRY_DIR / "demo.yaml"
        if pack.is_file():
            # Another country's pack (COUNTRY_DIR=countries/bd): its units and people are data; the
            # Vietnamese demo's e-ID citizens and vault papers are not loaded.
            from motcua.demo.idp import register_portal_client

            load_units_and_users(pack)
            register_portal_client()
            history = 0
        else:
            load_units_and_users()
            load_demo_idp()
            load_vault_documents()
        try:
            outcomes = load_paths([settings.PROCEDURES_DIR])
        except DefinitionError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"demo units and users loaded; {len(outcomes)} procedures")
        if history:
            from motcua.demo.history import load_history
            from motcua.dossiers.models import Dossier
            from motcua.results import pki
            from motcua.units.models import Unit

            # The units' signing certificates first: the history signs its results under freezegun.
            pki.ensure_units(Unit.objects.all())

            if Dossier.objects.filter(unit__code__endswith=".H99").exists():
                self.stdout.write("demo history: dossiers exist already, none added")
                return
            self.stdout.write(f"demo history: {load_history(months=history)} dossiers filed")
            # Two quarters of step history, in bulk: what the insights' lateness model learns from (step_history.py).
            from motcua.demo.step_history import load_step_history

            self.stdout.write(f"demo step history: {load_step_history()} dossiers written")
            # The insights' tables from that history at once, not at the scheduler's first round (insights/).
            from motcua.insights import build, risk

            self.stdout.write(f"demo insights: {build.build()} finished dossiers traced, {risk.score()} open scored")
            from motcua.demo.petitions import load_petitions

            self.stdout.write(f"demo petitions: {load_petitions()} filed")
