"""`motcua restore PATH`: a backup into an empty database, then the drill (ops/backup.py)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from motcua.ops.backup import BackupError, drill, restore


class Command(BaseCommand):
    help = ("Restore the backup at PATH into this installation's (empty) database and MEDIA_ROOT, then check row "
            "counts against the manifest, the KPI counters against a rebuild, and the audit chain.")

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--force", action="store_true", help="replace a database that already holds data")

    def handle(self, *args, path: Path, force: bool, **options):
        try:
            manifest = restore(path, force=force)
        except BackupError as exc:
            raise CommandError(f"restore: {exc}") from exc
        result = drill(manifest)
        rows = sum(manifest["tables"].values())
        self.stdout.write(f"restore: {path} — {len(manifest['tables'])} tables, {rows:,} rows")
        self.stdout.write(f"  row counts: {'as in the manifest' if not result.tables_differing else result.tables_differing}")
        kpi = ", ".join(f"{k} {v}" for k, v in result.kpi_differences.items())
        self.stdout.write(f"  KPI counters against a rebuild: {kpi} rows differ")
        self.stdout.write(f"  audit chain: {result.audit}")
        if not result.ok:
            raise CommandError("restore: the drill found differences (above)")
        self.stdout.write("restore: the drill passed")
