"""`motcua scheduler`: enqueue the periodic work, on whichever task backend is configured.

It lives in ops, above every room, because it names the tasks of several (dossiers and
their payments, monitoring, notifications, integrations); none of them imports another to be scheduled.
"""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from motcua.api.tasks import prune_idempotency_keys
from motcua.audit.tasks import seal_audit
from motcua.authoring.tasks import apply_catalog_changes
from motcua.dossiers.tasks import check_deadlines, expire_payments, process_refunds, remind_expiring_results
from motcua.insights.tasks import refresh_insights
from motcua.integrations.tasks import deliver_integrations
from motcua.monitoring.tasks import send_kpi_digests
from motcua.notifications.tasks import deliver_outbox, prune_history, remind_officers_task
from motcua.vault.tasks import prune_uploads

log = logging.getLogger(__name__)
PERIODIC = (
    check_deadlines, expire_payments, process_refunds, remind_expiring_results, send_kpi_digests, deliver_outbox,
    deliver_integrations, remind_officers_task, prune_history, prune_idempotency_keys, seal_audit, refresh_insights,
    apply_catalog_changes, prune_uploads,
)


class Command(BaseCommand):
    help = ("Enqueue the deadline check, the results' expiry reminders, the payment sweeps (expiry, refunds), the KPI digests, "
            "the outbox sweep, the webhooks and national sync sweep, the insights' step times and lateness risks, the officers' "
            "reminders, the catalogue's versions and abolitions due, the pruning (of delivered events, idempotency keys and unused uploads) and the audit log's sealing "
            "every --interval seconds (run one scheduler).")

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=int, default=300, help="seconds between rounds (default 300)")
        parser.add_argument("--once", action="store_true", help="enqueue one round and exit")

    def handle(self, *args, interval: int, once: bool, **options):
        while True:
            for task in PERIODIC:
                try:
                    result = task.enqueue()
                except Exception as exc:
                    if once:
                        raise CommandError(f"could not enqueue {task.name}: {exc}") from exc
                    # A broker that is down for a while must not stop the scheduler:
                    # the next round enqueues again, and both tasks catch up on what they missed.
                    log.warning("could not enqueue %s; trying again next round", task.name, exc_info=True)
                    continue
                self.stdout.write(f"enqueued {task.name} {result.id}")
            if once:
                return
            time.sleep(interval)
            # A long-lived process: drop a connection the database closed meanwhile
            # (restart, failover) or that outlived DB_CONN_MAX_AGE, as a request would.
            close_old_connections()
