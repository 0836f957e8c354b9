"""`motcua catalog validate|import|export`: the procedure catalog as code.

Paths may hold catalog files (vocabularies, `catalog: 1`) beside procedures: `validate` checks the
procedures against those (a whole catalog, e.g. another country's), else against CATALOG_DIRS.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from motcua.catalog.loader import (
    DefinitionError,
    check_files,
    definition_files,
    export,
    load_paths,
    load_zip,
)
from motcua.catalog.zipfiles import NotAZip


class Command(BaseCommand):
    help = "Validate, import or export procedure definitions and catalog files (YAML)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        validate = sub.add_parser("validate", help="check definitions; print every problem with file, line and field")
        validate.add_argument("paths", nargs="*", type=Path)
        load = sub.add_parser("import", help="load definitions; a changed one becomes a new version")
        load.add_argument("paths", nargs="*", type=Path)
        out = sub.add_parser("export", help="write the current version of every procedure to DIR, the catalog to DIR/catalog")
        out.add_argument("directory", type=Path)

    def handle(self, *args, verb: str, **options):
        if verb == "export":
            for path in export(options["directory"]):
                self.stdout.write(str(path))
            return
        paths = options["paths"] or [settings.PROCEDURES_DIR]
        if verb == "import" and len(paths) == 1 and paths[0].suffix == ".zip":
            self._import_zip(paths[0])
            return
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CommandError(f"no such file or directory: {', '.join(missing)}")
        if verb == "validate":
            definitions, reports = check_files(paths)
            for report in reports:
                self.stderr.write(str(report))
            files = len(definition_files(paths))
            if reports:
                raise CommandError(f"{len(reports)} problem(s) in {files} file(s)")
            self.stdout.write(f"{len(definitions)} definition(s) valid")
            return
        try:
            outcomes = load_paths(paths)
        except DefinitionError as exc:
            raise CommandError(f"{exc}\n{len(exc.reports)} problem(s); nothing was loaded") from exc
        for o in outcomes:
            self.stdout.write(f"{o.procedure.code} v{o.version.number} {'new version' if o.created else 'unchanged'}")

    def _import_zip(self, path: Path) -> None:
        """A zip of procedure files: one line per file; all stored, or none when any is refused."""
        try:
            lines, stored = load_zip(path)
        except (NotAZip, OSError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        for line in lines:
            (self.stdout if line.ok else self.stderr).write(str(line))
        if not stored:
            refused = sum(not line.ok for line in lines)
            raise CommandError(f"{refused} of {len(lines)} file(s) refused; nothing was loaded")
        self.stdout.write(f"{len(lines)} file(s) imported")
