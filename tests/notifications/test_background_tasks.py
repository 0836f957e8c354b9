"""Background work through the Django Tasks API, run by the real workers.

The database backend (the default: tasks are rows, `motcua db_worker` runs them)
and the RQ backend (Redis, `motcua rqworker default`): each enqueues the deadline
check and the outbox sweep, and a worker in this process runs them against the
test database. Redis is part of CI (`.ci/run` starts it): when it cannot be
reached the RQ test fails, unless MOTCUA_NO_REDIS=1 says to skip it.
"""

from __future__ import annotations

import os
import signal
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

from motcua.api.tasks import prune_idempotency_keys
from motcua.audit.tasks import seal_audit
from motcua.authoring.tasks import apply_catalog_changes
from motcua.dossiers import actions
from motcua.dossiers.models import DeadlineState, Dossier
from motcua.dossiers.tasks import check_deadlines, expire_payments, process_refunds, remind_expiring_results
from motcua.identity.models import User
from motcua.insights.tasks import refresh_insights
from motcua.integrations.tasks import deliver_integrations
from motcua.monitoring.tasks import send_kpi_digests
from motcua.notifications.models import Delivery, OutboxEvent
from motcua.notifications.pruning import prune
from motcua.notifications.tasks import deliver_outbox, prune_history, remind_officers_task
from motcua.ops.management.commands import scheduler
from motcua.vault.tasks import prune_uploads
from tests.conftest import BIRTH, BIRTH_COMPONENTS

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
RECEIVED_AT = datetime(2026, 12, 7, 10, 0, tzinfo=HCM)  # due Tuesday 8 December, 17:00
AT_RISK_AT = datetime(2026, 12, 8, 9, 0, tzinfo=HCM)
EMAIL = "an.nguyen@example.vn"
# A database of its own, emptied before and after (CI may name another one).
TEST_REDIS_URL = os.environ.get("MOTCUA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
RQ_SETTINGS = {
    "TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
    "RQ_QUEUES": {"default": {"URL": TEST_REDIS_URL, "DEFAULT_TIMEOUT": 60}},
}


@pytest.fixture
def _restore_signals():
    # Workers install their own SIGINT/SIGTERM handlers (graceful shutdown); give pytest its own back.
    names = [s for s in ("SIGINT", "SIGTERM", "SIGQUIT", "SIGALRM") if hasattr(signal, s)]
    saved = {name: signal.getsignal(getattr(signal, name)) for name in names}
    yield
    for name, handler in saved.items():
        signal.signal(getattr(signal, name), handler)


def _received_dossier() -> str:
    """A dossier received on Monday at 10:00 by the applicant, who has an e-mail address."""
    citizen = User.objects.get(username="citizen")
    citizen.email = EMAIL
    citizen.save(update_fields=["email"])
    with freeze_time(RECEIVED_AT):
        code = actions.submit(citizen, "1.001193", dict(BIRTH), components=list(BIRTH_COMPONENTS)).code
        actions.perform(code, "receive", User.objects.get(username="onestop_anbinh"))
    return code


def _assert_both_ran(code: str, deadlines_result, outbox_result) -> None:
    assert deadlines_result.status == TaskResultStatus.SUCCESSFUL, deadlines_result.errors
    assert deadlines_result.return_value == {"at_risk": 1, "late": 0}
    assert outbox_result.status == TaskResultStatus.SUCCESSFUL, outbox_result.errors
    assert outbox_result.return_value["failed"] == 0
    # The effects: the dossier is flagged, and every outbox event is delivered, its mail sent once.
    assert Dossier.objects.get(code=code).deadline_state == DeadlineState.AT_RISK
    assert list(OutboxEvent.objects.filter(delivered_at__isnull=True)) == []
    assert list(OutboxEvent.objects.values_list("topic", flat=True)) == [
        "dossier.submit", "dossier.receive", "dossier.deadline_at_risk",
    ]
    assert list(Delivery.objects.values_list("topic", "status", "attempts")) == [
        ("dossier.submit", "sent", 1), ("dossier.receive", "sent", 1),
    ]
    assert sorted(m.subject for m in mail.outbox) == [f"Hồ sơ {code} đã được nộp", f"Hồ sơ {code} đã được tiếp nhận"]
    assert all(m.to == [EMAIL] for m in mail.outbox)


# --- database backend (the default) ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_the_deadline_check_and_the_outbox_sweep(demo, mailoutbox, _restore_signals):
    assert check_deadlines.get_backend().__class__.__name__ == "DatabaseBackend"
    code = _received_dossier()
    # Each action woke the delivery after its commit: two sweeps wait as rows.
    woken = DBTaskResult.objects.filter(task_path=deliver_outbox.module_path, status=TaskResultStatus.READY)
    assert woken.count() == 2

    with freeze_time(AT_RISK_AT):
        deadlines_result = check_deadlines.enqueue()
        outbox_result = deliver_outbox.enqueue()
        assert deadlines_result.status == TaskResultStatus.READY and not mailoutbox
        call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)

    deadlines_result.refresh()
    outbox_result.refresh()
    _assert_both_ran(code, deadlines_result, outbox_result)
    # Nothing left behind: the sweeps woken by the actions, and the one woken by the
    # deadline flag, ran too (finding the work done or doing it).
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {TaskResultStatus.SUCCESSFUL}
    assert DBTaskResult.objects.filter(task_path=deliver_outbox.module_path).count() == 4


@pytest.mark.django_db
def test_scheduler_once_enqueues_the_deadline_check_and_the_outbox_sweep(capsys):
    call_command("scheduler", "--once")
    rows = list(DBTaskResult.objects.order_by("task_path").values_list("task_path", "status", "queue_name"))
    assert rows == [
        (prune_idempotency_keys.module_path, TaskResultStatus.READY, "default"),
        (seal_audit.module_path, TaskResultStatus.READY, "default"),
        (apply_catalog_changes.module_path, TaskResultStatus.READY, "default"),
        (check_deadlines.module_path, TaskResultStatus.READY, "default"),
        (expire_payments.module_path, TaskResultStatus.READY, "default"),
        (process_refunds.module_path, TaskResultStatus.READY, "default"),
        (remind_expiring_results.module_path, TaskResultStatus.READY, "default"),
        (refresh_insights.module_path, TaskResultStatus.READY, "default"),
        (deliver_integrations.module_path, TaskResultStatus.READY, "default"),
        (send_kpi_digests.module_path, TaskResultStatus.READY, "default"),
        (deliver_outbox.module_path, TaskResultStatus.READY, "default"),
        (prune_history.module_path, TaskResultStatus.READY, "default"),
        (remind_officers_task.module_path, TaskResultStatus.READY, "default"),
        (prune_uploads.module_path, TaskResultStatus.READY, "default"),
    ]
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in out] == [
        ["enqueued", check_deadlines.name], ["enqueued", expire_payments.name], ["enqueued", process_refunds.name],
        ["enqueued", remind_expiring_results.name], ["enqueued", send_kpi_digests.name], ["enqueued", deliver_outbox.name],
        ["enqueued", deliver_integrations.name], ["enqueued", remind_officers_task.name],
        ["enqueued", prune_history.name], ["enqueued", prune_idempotency_keys.name], ["enqueued", seal_audit.name],
        ["enqueued", refresh_insights.name], ["enqueued", apply_catalog_changes.name], ["enqueued", prune_uploads.name],
    ]


def test_pruning_forgets_only_what_is_done_and_old(demo, settings):
    settings.OUTBOX_KEEP_DAYS, settings.TASK_RESULTS_KEEP_DAYS = 30, 7
    code = _received_dossier()
    now = timezone.now()
    events = list(OutboxEvent.objects.filter(key=code).order_by("id"))
    assert len(events) >= 2
    old_delivered, fresh_delivered, *undelivered = events
    OutboxEvent.objects.filter(pk=old_delivered.pk).update(delivered_at=now - timedelta(days=31))
    OutboxEvent.objects.filter(pk=fresh_delivered.pk).update(delivered_at=now - timedelta(days=29))
    # An event never delivered is kept whatever its age: its mail is still owed.
    OutboxEvent.objects.filter(pk__in=[e.pk for e in undelivered]).update(created_at=now - timedelta(days=400))
    # The deliveries the two actions woke (rows of their own transactions, not yet run): kept too.
    woken = set(DBTaskResult.objects.filter(status=TaskResultStatus.READY).values_list("pk", flat=True))
    assert len(woken) == 2

    def result(status: str, age_days: int | None) -> DBTaskResult:
        return DBTaskResult.objects.create(
            status=status, args_kwargs={"args": [], "kwargs": {}}, task_path=deliver_outbox.module_path,
            finished_at=None if age_days is None else now - timedelta(days=age_days), backend_name="default",
        )

    gone = [result(TaskResultStatus.SUCCESSFUL, 8), result(TaskResultStatus.FAILED, 29)]
    kept = [result(TaskResultStatus.SUCCESSFUL, 6), result(TaskResultStatus.FAILED, 27),
            result(TaskResultStatus.READY, None), result(TaskResultStatus.RUNNING, None)]

    def message(status: str, age_days: int) -> Delivery:
        at = now - timedelta(days=age_days)
        return Delivery.objects.create(uid=uuid.uuid4(), topic="dossier.submit", key=code, channel="email",
                                       address=EMAIL, body="x", status=status, created_at=at, next_attempt_at=at,
                                       sent_at=at if status == "sent" else None)

    old_sent = message("sent", 31)
    # Sent lately, or never sent (dead: an administrator may still replay it): kept.
    kept_messages = {message("sent", 29).pk, message("dead", 400).pk, message("failed", 400).pk}

    assert prune(now) == {"outbox": 1, "deliveries": 1, "task_results": 2}
    assert not Delivery.objects.filter(pk=old_sent.pk).exists()
    assert set(Delivery.objects.values_list("pk", flat=True)) == kept_messages
    assert set(OutboxEvent.objects.filter(key=code).values_list("pk", flat=True)) == {e.pk for e in events[1:]}
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {r.pk for r in kept} | woken
    assert not DBTaskResult.objects.filter(pk__in=[r.pk for r in gone]).exists()
    assert prune(now) == {"outbox": 0, "deliveries": 0, "task_results": 0}


# --- RQ backend on Redis ------------------------------------------------------------------------------


@pytest.fixture
def rq_redis():
    """The RQ backend on an empty Redis database; fails (does not skip) when Redis is missing."""
    connection = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.RedisError as exc:
        if os.environ.get("MOTCUA_NO_REDIS") == "1":
            pytest.skip(f"MOTCUA_NO_REDIS=1: Redis tests skipped on request ({TEST_REDIS_URL}: {exc})")
        pytest.fail(
            f"Redis is not reachable at {TEST_REDIS_URL} ({exc}). The RQ backend is tested in CI, where "
            ".ci/run starts redis-server; start one, point MOTCUA_TEST_REDIS_URL at it, "
            "or set MOTCUA_NO_REDIS=1 to skip this test deliberately.",
            pytrace=False,
        )
    connection.flushdb()
    # django_rq brings the rqworker command (settings add it when TASKS_BACKEND=rq).
    from django.contrib import admin

    registered = set(admin.site._registry)
    with override_settings(**RQ_SETTINGS, INSTALLED_APPS=[*django_settings.INSTALLED_APPS, "django_rq"]):
        yield connection
    # django_rq registers its models with the admin when installed; once it is uninstalled again, the
    # admin's index would still list them and fail (KeyError 'django_rq') for the rest of the process.
    for model in set(admin.site._registry) - registered:
        admin.site.unregister(model)
    connection.flushdb()
    connection.close()


@pytest.mark.django_db(transaction=True)
def test_the_rq_worker_runs_the_deadline_check_and_the_outbox_sweep(rq_redis, demo, mailoutbox, _restore_signals):
    assert check_deadlines.get_backend().__class__.__name__ == "RQBackend"
    code = _received_dossier()
    # The actions' wake-ups went to Redis.
    assert rq_redis.llen("rq:queue:default") == 2

    with freeze_time(AT_RISK_AT):
        deadlines_result = check_deadlines.enqueue()
        outbox_result = deliver_outbox.enqueue()
    assert rq_redis.llen("rq:queue:default") == 4
    assert check_deadlines.get_result(deadlines_result.id).status == TaskResultStatus.READY

    # `motcua rqworker default` as in production (the Job class comes from settings.RQ),
    # in burst mode and without forking, so the jobs run here against the test database.
    with freeze_time(AT_RISK_AT, tick=True):
        call_command("rqworker", "default", "--burst", "--worker-class", "rq.worker.SimpleWorker", verbosity=0)

    _assert_both_ran(
        code, check_deadlines.get_result(deadlines_result.id), deliver_outbox.get_result(outbox_result.id)
    )
    assert rq_redis.llen("rq:queue:default") == 0


def test_scheduler_once_fails_loudly_when_the_broker_is_down(settings):
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0", "DEFAULT_TIMEOUT": 60}}
    settings.TASKS = RQ_SETTINGS["TASKS"]
    with pytest.raises(CommandError, match="could not enqueue"):
        call_command("scheduler", "--once")


def test_the_scheduler_keeps_going_while_the_broker_is_down(settings, monkeypatch, caplog):
    # No database here: the RQ backend enqueues to Redis only.
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0", "DEFAULT_TIMEOUT": 60}}
    settings.TASKS = RQ_SETTINGS["TASKS"]
    rounds: list[float] = []

    class Stop(Exception):
        pass

    def sleep(seconds: float) -> None:
        rounds.append(seconds)
        if len(rounds) == 2:
            raise Stop

    monkeypatch.setattr(scheduler.time, "sleep", sleep)
    with pytest.raises(Stop):
        call_command("scheduler", "--interval", "60")
    assert rounds == [60, 60]  # two rounds, each failing for both tasks, and no crash
    warnings = [r.getMessage() for r in caplog.records if r.name == scheduler.__name__]
    assert warnings == [f"could not enqueue {t.name}; trying again next round" for t in scheduler.PERIODIC] * 2
