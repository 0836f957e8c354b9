"""`motcua insights build|rebuild|score|backtest`: the step-time tables, the risks, and their back-test."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError

from motcua.insights import backtest, build, risk, sqlbuild
from motcua.monitoring import query
from motcua.units.models import Unit


class Command(BaseCommand):
    help = ("build: trace the finished dossiers not traced yet (incremental); rebuild: empty the tables first; "
            "score: the lateness risk of the open dossiers (--all: every one, not only the stale); "
            "backtest: predicted risk at past dates against what happened.")

    def add_arguments(self, parser):
        parser.add_argument("what", choices=("build", "rebuild", "score", "backtest"))
        parser.add_argument("--all", action="store_true", help="score: every open dossier")
        parser.add_argument("--from", dest="start", help="backtest: first day (YYYY-MM-DD; default 180 days ago)")
        parser.add_argument("--to", dest="end", help="backtest: last day (default yesterday)")
        parser.add_argument("--every", type=int, default=5, help="backtest: a snapshot every N working days (default 5)")
        parser.add_argument("--unit", help="backtest: a unit's code (its subtree); default every dossier")
        parser.add_argument("--min-history", type=int, default=None,
                            help=f"backtest: similar finished dossiers needed for a figure (default {risk.MIN_HISTORY}); "
                                 "a lower bar shows what a short history gives, and says so")

    def handle(self, *args, what: str, **options):
        if what in ("build", "rebuild"):
            # Set-based on PostgreSQL (insights/sqlbuild.py: a first build of millions in minutes), the Python
            # build for the rest and on SQLite; the scheduler's rounds keep the Python build's small increments.
            t = sqlbuild.build_all(rebuild=what == "rebuild")
            self.stdout.write(f"traced {t.dossiers} finished dossiers ({t.steps} step rows) in {t.seconds:.1f} s")
        elif what == "score":
            self.stdout.write(f"scored {risk.score(everything=options['all'])} open dossiers")
        else:
            today = query.today()
            try:
                start = date.fromisoformat(options["start"]) if options["start"] else today - timedelta(days=180)
                end = date.fromisoformat(options["end"]) if options["end"] else today - timedelta(days=1)
            except ValueError as exc:
                raise CommandError(f"dates are YYYY-MM-DD: {exc}") from None
            if options["every"] < 1:
                raise CommandError("--every is at least 1")
            path = None
            if options["unit"]:
                unit = Unit.objects.filter(code=options["unit"]).first()
                if unit is None:
                    raise CommandError(f"no unit {options['unit']}")
                path = unit.path
            if options["min_history"] is not None:
                if options["min_history"] < 1:
                    raise CommandError("--min-history is at least 1")
                risk.MIN_HISTORY = options["min_history"]  # this process only: the command's own run
                self.stdout.write(f"(similar dossiers needed for a figure: {risk.MIN_HISTORY})")
            build.build()  # the history the back-test reads, up to date
            self.stdout.write(backtest.table(backtest.run(start, end, options["every"], unit_path=path)))
