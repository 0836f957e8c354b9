"""Operations: /healthz, /readyz, Prometheus /metrics and JSON request logs."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError, connections
from django.test import Client
from django.utils import timezone

from motcua.notifications.models import OutboxEvent
from motcua.ops import health
from motcua.ops.logs import json_formatter
from tests.conftest import BIRTH, BIRTH_COMPONENTS, ApiClient

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())  # wherever the module sits


def metric(text: str, name: str, labels: str = "") -> float | None:
    """The value of one sample in Prometheus text, or None."""
    pattern = re.escape(name) + (r"\{" + re.escape(labels) + r"\}" if labels else r"(?:\{\})?") + r" (\S+)"
    found = re.search(r"^" + pattern + "$", text, re.M)
    return float(found.group(1)) if found else None


# --- health ----------------------------------------------------------------------------------------


def test_healthz_answers_whatever_the_host_and_scheme(db, settings):
    # A load balancer probes by IP over plain HTTP: neither the host check nor the HTTPS redirect applies.
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"process": "ok"}}
    assert response["Cache-Control"] == "no-store"


def test_readyz_checks_the_database_and_the_migrations(db):
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}


def test_readyz_is_503_when_the_database_is_unreachable(db):
    with mock.patch.object(connections["default"], "cursor", side_effect=OperationalError("down")):
        response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unreachable"
    assert response.json()["status"] == "unavailable"


def test_readyz_is_503_while_migrations_are_pending(db, monkeypatch):
    monkeypatch.setattr(health, "_migrated", False)
    with mock.patch("motcua.ops.health.MigrationExecutor.migration_plan", return_value=[("a", False)]):
        response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "pending"


def test_readyz_checks_redis_when_tasks_go_through_it(db, settings):
    settings.TASKS_BACKEND = "rq"
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "unreachable"
    settings.TASKS_BACKEND = "database"
    assert Client().get("/readyz").json()["checks"] == {"database": "ok", "migrations": "ok"}


# --- metrics ---------------------------------------------------------------------------------------


@pytest.fixture
def fresh_metrics(monkeypatch):
    from motcua.ops import metrics

    monkeypatch.setattr(metrics._database, "_at", 0.0)  # no figure cached by an earlier test
    return metrics


def test_metrics_count_dossiers_by_status_requests_and_outbox_lag(demo, fresh_metrics):
    citizen = ApiClient("citizen")
    components = citizen.references(BIRTH_COMPONENTS)
    assert citizen.post("/dossiers", {"procedure": "1.001193", "data": BIRTH, "components": components}).status_code == 201
    OutboxEvent.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    # The submit woke the delivery in its own transaction (database backend): one task row waits.
    text = Client().get("/metrics").content.decode()
    assert metric(text, "motcua_dossiers", 'status="1"') == 1
    assert metric(text, "motcua_dossiers", 'status="10"') == 0
    assert metric(text, "motcua_outbox_undelivered") == OutboxEvent.objects.count() > 0
    assert 295 < metric(text, "motcua_outbox_lag_seconds") < 400
    # The delivery task waits for a worker (database backend).
    assert metric(text, "motcua_task_queue_depth", 'queue="default"') == 1
    # Requests are counted by route pattern, never by path.
    assert metric(text, "motcua_http_request_duration_seconds_count",
                  'method="POST",route="api/v1/dossiers",status="2xx"') >= 1


def test_request_latency_is_observed_by_route(db, fresh_metrics):
    client = Client()
    before = metric(client.get("/metrics").content.decode(), "motcua_http_request_duration_seconds_count",
                    'method="GET",route="",status="2xx"') or 0
    client.get("/")
    client.get("/")
    text = client.get("/metrics").content.decode()
    assert metric(text, "motcua_http_request_duration_seconds_count", 'method="GET",route="",status="2xx"') == before + 2
    assert "/my/dossiers/" not in text  # a path with a code in it would be a new series per dossier


def test_metrics_are_refused_to_other_addresses_unless_they_bring_the_token(db, settings, fresh_metrics):
    outsider = Client(REMOTE_ADDR="203.0.113.9")
    assert outsider.get("/metrics").status_code == 404
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    assert outsider.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    answer = outsider.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape-token"})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain")
    import ipaddress

    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOW = [ipaddress.ip_network("203.0.113.0/24")]
    assert outsider.get("/metrics").status_code == 200
    assert Client().get("/metrics").status_code == 404  # loopback is no longer listed


def test_metrics_through_a_proxy_need_the_token(db, settings, fresh_metrics):
    # A reverse proxy on the same host makes every visitor look like 127.0.0.1.
    proxied = Client(HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert proxied.get("/metrics").status_code == 404
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    assert proxied.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape-token"}).status_code == 200


# --- request logs ---------------------------------------------------------------------------------


def test_one_log_record_per_request_with_its_id(db, settings, caplog):
    settings.LOG_REQUESTS = True
    with caplog.at_level(logging.INFO, logger="motcua.request"):
        response = Client().get("/", headers={"X-Request-ID": "lb-1234"})
    records = [r for r in caplog.records if r.name == "motcua.request"]
    assert len(records) == 1
    line = json.loads(json_formatter().format(records[0]))
    assert line["request_id"] == "lb-1234" == response["X-Request-ID"]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/", 200)
    assert line["duration_ms"] > 0
    assert line["level"] == "INFO" and line["logger"] == "motcua.request"


def test_an_insane_request_id_is_replaced(db):
    response = Client().get("/healthz")
    assert "X-Request-ID" not in response  # health checks answer before the request middleware
    response = Client().get("/", headers={"X-Request-ID": "bad id\nwith a newline"})
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_log_format_json_writes_json_lines(tmp_path):
    """A real process started with LOG_FORMAT=json: each line on stderr is one JSON object."""
    script = (
        "import django, logging; django.setup();"
        "from django.test import Client;"
        "Client().get('/api/v1/openapi.json');"
        "logging.getLogger('motcua.test').warning('ngày hẹn trả %s', 'ok')"
    )
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="motcua.settings", LOG_FORMAT="json", MOTCUA_VAR_DIR=str(tmp_path),
               CATALOG_LOAD_ON_START="false", DEBUG="false", HTTPS="false", ALLOWED_HOSTS="testserver",
               DATABASE_URL=f"sqlite:///{tmp_path}/x.db")
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stderr.splitlines() if line.strip()]
    request = next(line for line in lines if line["logger"] == "motcua.request")
    assert request["path"] == "/api/v1/openapi.json" and request["status"] == 200
    assert request["method"] == "GET" and request["request_id"] and "duration_ms" in request
    mine = next(line for line in lines if line["logger"] == "motcua.test")
    assert mine["message"] == "ngày hẹn trả ok" and mine["level"] == "WARNING"


def test_storage_s3_puts_files_in_the_object_store(tmp_path):
    """STORAGE=s3 selects django-storages' S3 backend with the bucket, endpoint and prefix given."""
    script = (
        "import django; django.setup();"
        "from django.core.files.storage import storages; s = storages['default'];"
        "print(type(s).__name__, s.bucket_name, s.endpoint_url, s.location, s.default_acl)"
    )
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="motcua.settings", MOTCUA_VAR_DIR=str(tmp_path), STORAGE="s3",
               S3_BUCKET="motcua-results", S3_ENDPOINT_URL="http://127.0.0.1:9000", S3_PREFIX="prod",
               DATABASE_URL=f"sqlite:///{tmp_path}/x.db")
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["S3Storage", "motcua-results", "http://127.0.0.1:9000", "prod", "None"]
