from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from motcua.catalog.loader import DefinitionError, load_paths


class Command(BaseCommand):
    help = "Load procedure definitions (YAML) from files or directories; a changed file makes a new version."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path)

    def handle(self, *args, **options):
        try:
            outcomes = load_paths(options["paths"] or [settings.PROCEDURES_DIR])
        except DefinitionError as exc:
            raise CommandError(str(exc)) from exc
        for o in outcomes:
            state = "new version" if o.created else "unchanged"
            self.stdout.write(f"{o.procedure.code} v{o.version.number} {state}")
