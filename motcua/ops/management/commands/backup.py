"""`motcua backup PATH`: the database and the files into a new directory (ops/backup.py)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from motcua.ops.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and MEDIA_ROOT into the new directory PATH, with a manifest to check a restore against."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)

    def handle(self, *args, path: Path, **options):
        try:
            manifest = backup(path)
        except BackupError as exc:
            raise CommandError(f"backup: {exc}") from exc
        rows = sum(manifest["tables"].values())
        self.stdout.write(f"backup: {path} — {manifest['engine']}, {len(manifest['tables'])} tables, {rows:,} rows")
