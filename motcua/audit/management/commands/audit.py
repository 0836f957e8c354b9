"""`motcua audit seal|verify|grants`: the audit log's global chain, and who may touch its tables."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from motcua.audit.models import AuditCheckpoint, AuditEntry, AuditSeal
from motcua.audit.seal import seal, verify

AUDIT_MODELS = (AuditEntry, AuditSeal, AuditCheckpoint)


class Command(BaseCommand):
    help = ("Audit log: `seal` appends new entries to the global chain, `verify` checks all of it (exit 1 and the "
            "first broken entry when it does not hold), `grants ROLE` prints the PostgreSQL grants that keep the "
            "web's role from rewriting it.")

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["seal", "verify", "grants"])
        parser.add_argument("role", nargs="?", help="grants: the role the web and workers connect as")
        parser.add_argument("--checkpoint-log", help="verify: the checkpoint log kept outside the database "
                            "(default AUDIT_CHECKPOINT_LOG)")

    def handle(self, *args, what: str, role: str | None, checkpoint_log: str | None, **options):
        if what == "seal":
            self.stdout.write(f"audit seal: {seal()} entries sealed")
        elif what == "verify":
            report = verify(checkpoint_log)
            summary = (f"{report.sealed:,} sealed entries, {report.unsealed:,} not sealed yet, "
                       f"{report.checkpoints:,} checkpoints")
            if not report.ok:
                raise CommandError(f"audit verify: BROKEN at {report.problem} ({summary})")
            self.stdout.write(f"audit verify: the chain holds — {summary}")
        else:
            if not role:
                raise CommandError("audit grants: name the role, e.g. `motcua audit grants motcua_web`")
            self.stdout.write(grants_sql(role))


def grants_sql(role: str) -> str:
    """SQL for an administrator: the role reads and appends audit rows, and can never change or remove one."""
    qn = connection.ops.quote_name
    lines = [f"-- The audit tables: {role} may read and append, never UPDATE, DELETE or TRUNCATE."]
    for model in AUDIT_MODELS:
        table = qn(model._meta.db_table)
        lines.append(f"REVOKE ALL ON {table} FROM {qn(role)};")
        lines.append(f"GRANT SELECT, INSERT ON {table} TO {qn(role)};")
    lines.append(f"GRANT USAGE ON SEQUENCE {qn(AuditEntry._meta.db_table + '_id_seq')} TO {qn(role)};")
    checkpoint = AuditCheckpoint._meta.db_table
    lines.append(f"GRANT USAGE ON SEQUENCE {qn(checkpoint + '_id_seq')} TO {qn(role)};")
    return "\n".join(lines) + "\n"
