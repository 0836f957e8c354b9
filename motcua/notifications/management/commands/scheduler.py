"""`motcua scheduler`: enqueue the periodic work, on whichever task backend is configured."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from motcua.dossiers.tasks import check_deadlines
from motcua.notifications.tasks import deliver_outbox


class Command(BaseCommand):
    help = "Enqueue the deadline check and the outbox sweep every --interval seconds (run one scheduler)."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=int, default=300, help="seconds between rounds (default 300)")
        parser.add_argument("--once", action="store_true", help="enqueue one round and exit")

    def handle(self, *args, interval: int, once: bool, **options):
        while True:
            for task in (check_deadlines, deliver_outbox):
                result = task.enqueue()
                self.stdout.write(f"enqueued {task.name} {result.id}")
            if once:
                return
            time.sleep(interval)
