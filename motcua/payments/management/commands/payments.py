"""`motcua payments sandbox-config --json` and `motcua payments reconcile --date D`."""

from __future__ import annotations

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from motcua.payments import reconcile, sandbox


class Command(BaseCommand):
    help = "Payments: the sandbox gateway's merchant configuration; the reconciliation of a day."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        cfg = sub.add_parser("sandbox-config", help="the demo sandbox's tmn_code, hash_secret, ipn_url, return_url")
        cfg.add_argument("--json", action="store_true")
        rec = sub.add_parser("reconcile", help="the day's payments against the gateway (querydr)")
        rec.add_argument("--date", required=True, help="YYYY-MM-DD (local day)")
        rec.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):
        if opts["what"] == "sandbox-config":
            cfg = sandbox.config()
            if opts["json"]:
                self.stdout.write(json.dumps(cfg, indent=2))
            else:
                for k, v in cfg.items():
                    self.stdout.write(f"{k}: {v}")
            return
        try:
            day = date.fromisoformat(opts["date"])
        except ValueError as err:
            raise CommandError(f"--date: {err}") from err
        found = reconcile.reconcile(day)
        if opts["json"]:
            self.stdout.write(json.dumps(reconcile.as_dicts(found), indent=2))
        else:
            for m in found:
                self.stdout.write(f"{m.kind}\t{m.order_ref}\t{m.dossier}\tours={m.ours}\ttheirs={m.theirs}\t{m.amount}")
            self.stdout.write(f"{len(found)} mismatch(es)")
        if found:
            raise SystemExit(1)
