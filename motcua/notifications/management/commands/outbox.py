"""`motcua outbox status [--json]` and `motcua outbox replay [--queue Q] [--id N…]`: every delivery queue.

The queues are the ones registered in lib/deliveries (the outbox's e-mail and SMS, and any other
room's: webhooks, the national portal's sync); `status` counts pending, delivered and dead
deliveries per queue and channel, `replay` makes the dead ones pending again with a fresh budget.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from motcua.lib import deliveries


class Command(BaseCommand):
    help = "Delivery queues: status (pending, delivered, dead per channel) and replay of dead deliveries."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        status = sub.add_parser("status", help="count deliveries per queue and channel")
        status.add_argument("--json", action="store_true", help="one JSON object")
        replay = sub.add_parser("replay", help="make dead deliveries pending again")
        replay.add_argument("--queue", help="only this queue (default: all)")
        replay.add_argument("--id", type=int, action="append", dest="ids", help="only this delivery (repeatable)")

    def handle(self, *args, what: str, **options):
        queues = deliveries.queues()
        if what == "status":
            return self._status(queues, options["json"])
        if options.get("queue"):
            queues = [q for q in queues if q.name == options["queue"]]
            if not queues:
                raise CommandError(f"no queue {options['queue']!r}; queues: {', '.join(q.name for q in deliveries.queues())}")
        if options.get("ids") and len(queues) != 1:
            raise CommandError("--id needs --queue (ids are a queue's own)")
        total = 0
        for q in queues:
            n = q.replay(options.get("ids"))
            total += n
            self.stdout.write(f"{q.name}: {n} replayed")
        self.stdout.write(f"replayed {total}")
        return None

    def _status(self, queues, as_json: bool) -> None:
        channels: dict[str, dict[str, int]] = {}
        by_queue: dict[str, dict[str, dict[str, int]]] = {}
        for q in queues:
            for channel, c in q.counts().items():
                row = {"pending": c.pending, "delivered": c.delivered, "dead": c.dead}
                by_queue.setdefault(q.name, {})[channel] = row
                total = channels.setdefault(channel, {"pending": 0, "delivered": 0, "dead": 0})
                for k, v in row.items():
                    total[k] += v
        if as_json:
            self.stdout.write(json.dumps({"channels": channels, "queues": by_queue}, sort_keys=True))
            return
        for name, rows in by_queue.items():
            for channel, row in rows.items():
                self.stdout.write(f"{name:14} {channel:10} pending {row['pending']:>7}  delivered {row['delivered']:>9}  "
                                  f"dead {row['dead']:>6}")
