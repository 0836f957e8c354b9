"""`motcua authoring apply-due`: versions and abolitions whose effective day has come take effect now."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from motcua.authoring import store


class Command(BaseCommand):
    help = "The catalogue's scheduled changes: `apply-due` makes the versions and abolitions whose day has come take effect."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("apply-due", help="apply the versions and abolitions whose effective day has come")

    def handle(self, *args, verb: str, **options):
        versions, abolished = store.apply_due()
        self.stdout.write(f"{versions} version(s) made current, {abolished} procedure(s) abolished")
