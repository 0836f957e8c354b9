"""The audit log's global chain: every way of rewriting history with SQL is caught by `motcua audit verify`."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from motcua.audit.log import record
from motcua.audit.models import AuditCheckpoint, AuditEntry, AuditSeal
from motcua.audit.seal import seal, verify
from motcua.dossiers import actions
from motcua.identity.models import User
from tests.conftest import BIRTH, BIRTH_COMPONENTS


@pytest.fixture
def log_file(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_LOG = str(tmp_path / "checkpoints.log")
    return tmp_path / "checkpoints.log"


@pytest.fixture
def sealed(demo, log_file) -> list[AuditEntry]:
    """A few dossiers' worth of entries, on top of the demo's, sealed in two rounds."""
    citizen = User.objects.get(username="citizen")
    officer = User.objects.get(username="onestop_anbinh")
    for _ in range(2):
        code = actions.submit(citizen, "1.001193", dict(BIRTH), components=BIRTH_COMPONENTS).code
        actions.perform(code, "receive", officer)
    assert seal() > 0
    actions.perform(code, "start_processing", User.objects.get(username="specialist_anbinh"))
    assert seal() == 1
    report = verify()
    assert report.ok, report.problem
    assert report.unsealed == 0 and report.sealed == AuditEntry.objects.count() and report.checkpoints == 2
    return list(AuditEntry.objects.order_by("id"))


def _sql(statement: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def _broken_at(entry_id: int | None, words: str) -> None:
    report = verify()
    assert not report.ok
    assert report.problem.entry_id == entry_id, report.problem
    assert words in report.problem.message, report.problem
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("audit", "verify")


def test_django_cannot_rewrite_or_remove_an_entry(sealed):
    entry = sealed[3]
    for attempt in (
        lambda: AuditEntry.objects.filter(pk=entry.pk).update(action="x"),
        lambda: AuditEntry.objects.filter(pk=entry.pk).delete(),
        lambda: AuditSeal.objects.all().delete(),
        lambda: AuditCheckpoint.objects.update(signature=""),
        entry.save,
        entry.delete,
    ):
        with pytest.raises(RuntimeError, match="append-only"):
            attempt()
    assert verify().ok


def test_an_edited_entry_is_named(sealed):
    victim = sealed[len(sealed) // 2]
    _sql("UPDATE audit_auditentry SET action = %s WHERE id = %s", ["dossier.nothing", victim.pk])
    _broken_at(victim.pk, "edited")


def test_an_edited_and_rehashed_entry_breaks_the_global_chain(sealed):
    victim = sealed[-4]
    victim.data = {**victim.data, "reason": "sửa lén"}
    _sql("UPDATE audit_auditentry SET data = %s, hash = %s WHERE id = %s",
         [json.dumps(victim.data), victim.compute_hash(), victim.pk])
    _broken_at(victim.pk, "does not follow")


def test_a_rewritten_and_rechained_history_fails_the_signed_checkpoint(sealed):
    victim = sealed[-4]
    victim.data = {**victim.data, "reason": "sửa lén"}
    _sql("UPDATE audit_auditentry SET data = %s, hash = %s WHERE id = %s",
         [json.dumps(victim.data), victim.compute_hash(), victim.pk])
    # Re-chain every seal from the victim on, as an attacker with the database (but not the key) could.
    chain, chains = "", {}
    for s in AuditSeal.objects.select_related("entry").order_by("seq"):
        chain = chains[s.seq] = AuditSeal.link(chain, s.seq, s.entry_id, s.entry.hash)
        _sql("UPDATE audit_auditseal SET chain = %s WHERE seq = %s", [chain, s.seq])
    victim_seq = AuditSeal.objects.get(entry=victim).seq
    signed = AuditCheckpoint.objects.filter(seq__gte=victim_seq).order_by("seq").first()
    _broken_at(AuditSeal.objects.get(seq=signed.seq).entry_id, "signed checkpoint")
    # Re-pointing the checkpoint at the new chain needs the key: its signature fails.
    for checkpoint in AuditCheckpoint.objects.all():
        _sql("UPDATE audit_auditcheckpoint SET chain = %s WHERE id = %s", [chains[checkpoint.seq], checkpoint.pk])
    assert "bad signature" in str(verify().problem)


def test_a_deleted_entry_is_a_missing_seal(sealed):
    victim = sealed[2]
    seq = AuditSeal.objects.get(entry=victim).seq
    _sql("DELETE FROM audit_auditseal WHERE seq = %s", [seq])
    _sql("DELETE FROM audit_auditentry WHERE id = %s", [victim.pk])
    _broken_at(AuditSeal.objects.get(seq=seq + 1).entry_id, f"seal {seq} is missing")


def test_a_deleted_object_chain_is_caught(sealed):
    code = sealed[-1].object_id
    ids = list(AuditEntry.objects.filter(object_type="dossier", object_id=code).values_list("id", flat=True))
    _sql(f"DELETE FROM audit_auditseal WHERE entry_id IN ({','.join(map(str, ids))})")  # noqa: S608 - ints
    _sql(f"DELETE FROM audit_auditentry WHERE id IN ({','.join(map(str, ids))})")  # noqa: S608 - ints
    assert not verify().ok


def test_two_entries_swapped_are_caught(sealed):
    a, b = sealed[2], sealed[3]
    for mine, other in ((a, b), (b, a)):
        _sql("UPDATE audit_auditentry SET action = %s, object_id = %s, data = %s, prev_hash = %s, hash = %s "
             "WHERE id = %s", [other.action, other.object_id, json.dumps(other.data), other.prev_hash, other.hash,
                               mine.pk])
    _broken_at(a.pk, "")


def test_a_truncated_tail_is_caught_by_the_checkpoint_log_outside_the_database(sealed, log_file):
    first_round = AuditCheckpoint.objects.order_by("seq").first()
    tail = list(AuditSeal.objects.filter(seq__gt=first_round.seq).values_list("entry_id", flat=True))
    _sql("DELETE FROM audit_auditcheckpoint WHERE seq > %s", [first_round.seq])
    _sql("DELETE FROM audit_auditseal WHERE seq > %s", [first_round.seq])
    _sql(f"DELETE FROM audit_auditentry WHERE id IN ({','.join(map(str, tail))})")  # noqa: S608 - ints
    # Inside the database alone the shorter history is self-consistent…
    assert verify(checkpoint_log="").ok
    # … the log kept outside it is not.
    assert log_file.read_text().count("\n") == 2
    _broken_at(None, "tail was truncated")


def test_a_truncated_tail_behind_a_kept_checkpoint_is_caught(sealed):
    last = AuditSeal.objects.order_by("-seq").first()
    _sql("DELETE FROM audit_auditseal WHERE seq = %s", [last.seq])
    _sql("DELETE FROM audit_auditentry WHERE id = %s", [last.entry_id])
    report = verify(checkpoint_log="")
    assert "beyond the chain's end" in str(report.problem)


def test_unsealed_entries_keep_their_object_chain(sealed):
    citizen = User.objects.get(username="citizen")
    code = actions.submit(citizen, "1.001193", dict(BIRTH), components=BIRTH_COMPONENTS).code
    actions.perform(code, "receive", User.objects.get(username="onestop_anbinh"))
    actions.perform(code, "start_processing", User.objects.get(username="specialist_anbinh"))
    report = verify()
    assert report.ok and report.unsealed == 3
    middle = AuditEntry.objects.filter(object_id=code).order_by("id")[1]
    _sql("DELETE FROM audit_auditentry WHERE id = %s", [middle.pk])
    _broken_at(AuditEntry.objects.filter(object_id=code).order_by("id").last().pk, "chain is broken")


def test_an_entry_slipped_in_below_the_floor_is_caught(sealed):
    # A round long after the entries were written moves the floor past them.
    record(actor=None, action="test.later", object_type="test", object_id="1", at=timezone.now())
    seal(now=timezone.now() + timedelta(days=1))
    assert AuditCheckpoint.objects.order_by("-seq").first().floor == AuditEntry.objects.order_by("-id").first().pk
    assert verify().ok
    # An INSERT with a hand-picked id below the floor: no round will ever seal it.
    forged = AuditEntry(at=timezone.now(), action="dossier.forged", object_type="dossier", object_id="X", data={})
    forged.hash = forged.compute_hash()
    _sql("INSERT INTO audit_auditentry (id, at, action, object_type, object_id, data, prev_hash, hash) "
         "VALUES (0, %s, %s, 'dossier', 'X', '{}', '', %s)", [forged.at, forged.action, forged.hash])
    _broken_at(0, "behind the sealer")


def test_the_command_seals_and_verifies(sealed, capsys):
    call_command("audit", "seal")
    call_command("audit", "verify")
    assert "the chain holds" in capsys.readouterr().out


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_web_role_cannot_update_delete_or_truncate_audit_rows(sealed):
    from django.db import transaction

    from motcua.audit.management.commands.audit import grants_sql

    role = "motcua_audit_test_web"
    _sql(f"DO $$ BEGIN CREATE ROLE {role}; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    _sql(grants_sql(role))
    entry = sealed[0]
    for statement in (
        f"UPDATE audit_auditentry SET action = 'x' WHERE id = {entry.pk}",  # noqa: S608 - an int
        f"DELETE FROM audit_auditseal WHERE entry_id = {entry.pk}",  # noqa: S608 - an int
        "TRUNCATE audit_auditcheckpoint",
        "DELETE FROM audit_auditcheckpoint",
    ):
        with transaction.atomic():
            _sql(f"SET LOCAL ROLE {role}")
            with pytest.raises(Exception, match="permission denied"), transaction.atomic():
                _sql(statement)
    with transaction.atomic():
        _sql(f"SET LOCAL ROLE {role}")
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM audit_auditentry")
            assert cursor.fetchone()[0] == len(sealed)
        record(actor=None, action="test.append", object_type="test", object_id="1", at=timezone.now())
