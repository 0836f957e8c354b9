"""`motcua kpi rebuild` recomputes the counters from the dossiers; `motcua kpi verify` compares without changing them."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from motcua.monitoring import petition_counters
from motcua.monitoring.rebuild import differences, rebuild


class Command(BaseCommand):
    help = "Decision 766 counters: rebuild them from the raw dossiers, or verify the live ones against a rebuild."

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["rebuild", "verify"])

    def handle(self, *args, what: str, **options):
        if what == "rebuild":
            t = rebuild()
            self.stdout.write(
                f"kpi rebuild: {t.seconds:.2f} s — {t.daily:,} daily rows, {t.monthly:,} monthly rows, {t.open:,} open rows"
            )
            self.stdout.write(f"kpi rebuild: {petition_counters.rebuild():,} petition rows")
            return
        found = {**differences(), **petition_counters.differences()}
        self.stdout.write("kpi verify: " + ", ".join(f"{name} {n} rows differ" for name, n in found.items()))
        if any(found.values()):
            raise CommandError("the counters differ from a rebuild; run `motcua kpi rebuild`")
