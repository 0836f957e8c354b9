"""Prometheus metrics at /metrics: request latency, dossiers by status, task queue depth, outbox lag.

Request latency is observed in every process (ops.middleware); under gunicorn set
PROMETHEUS_MULTIPROC_DIR to an empty directory writable by the workers (the
gunicorn config `motcua/ops/gunicorn.py` does it and cleans up after dead
workers), so one scrape sums every worker. The database figures are read at
scrape time, at most every METRICS_CACHE_SECONDS per process.

Access: METRICS_TOKEN (a bearer token the scraper sends) or a client address in
METRICS_ALLOW (addresses or networks, default loopback) for a request that did not
come through a proxy (no X-Forwarded-For); anything else gets 404.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Count, Min
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

REQUEST_SECONDS = Histogram(
    "motcua_http_request_duration_seconds",
    "Time to answer an HTTP request, by route pattern, method and status class.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


class DatabaseCollector(Collector):
    """Figures read from the database when scraped (cached briefly: scrapes may come often)."""

    def __init__(self) -> None:
        self._at = 0.0
        self._families: list[GaugeMetricFamily] = []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if time.monotonic() - self._at > settings.METRICS_CACHE_SECONDS:
            self._families = list(self._read())
            self._at = time.monotonic()
        yield from self._families

    def _read(self) -> Iterator[GaugeMetricFamily]:
        from motcua.dossiers.models import Dossier, Status
        from motcua.notifications.models import OutboxEvent

        by_status = GaugeMetricFamily("motcua_dossiers", "Dossiers by national status code.", labels=["status"])
        counts = dict(Dossier.objects.order_by().values_list("status").annotate(n=Count("id")))
        for status in Status:
            by_status.add_metric([str(status.value)], counts.get(status.value, 0))
        yield by_status
        waiting = OutboxEvent.objects.filter(delivered_at__isnull=True)
        oldest = waiting.aggregate(at=Min("created_at"))["at"]
        yield GaugeMetricFamily("motcua_outbox_undelivered", "Outbox events not delivered yet.", value=waiting.count())
        yield GaugeMetricFamily(
            "motcua_outbox_lag_seconds", "Age of the oldest undelivered outbox event (0: none waiting).",
            value=max(0.0, (timezone.now() - oldest).total_seconds()) if oldest else 0.0,
        )
        depth = GaugeMetricFamily("motcua_task_queue_depth", "Background tasks waiting to run.", labels=["queue"])
        for queue, n in queue_depths().items():
            depth.add_metric([queue], n)
        yield depth


def queue_depths() -> dict[str, int]:
    """Tasks waiting, per queue, in whichever backend TASKS_BACKEND chose."""
    queues = settings.TASKS["default"].get("QUEUES", ["default"])
    if settings.TASKS_BACKEND == "database":
        from django_tasks_db.models import DBTaskResult

        rows = DBTaskResult.objects.ready().order_by().values_list("queue_name").annotate(n=Count("id"))
        found = dict(rows)
        return {q: found.get(q, 0) for q in queues}
    if settings.TASKS_BACKEND == "rq":
        import django_rq

        return {q: django_rq.get_queue(q).count for q in queues}
    return {q: 0 for q in queues}  # immediate: nothing ever waits


_database = DatabaseCollector()


def allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    if "HTTP_X_FORWARDED_FOR" in request.META:
        # Came through a reverse proxy, whose own address (often loopback) is all we see:
        # the address says nothing about the client, only the token counts.
        return False
    try:
        client = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(client in network for network in settings.METRICS_ALLOW)


def metrics(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        raise Http404  # the endpoint's existence is nobody else's business
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    output = generate_latest(registry) + generate_latest(_database_registry())
    response = HttpResponse(output, content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response


_db_registry: CollectorRegistry | None = None


def _database_registry() -> CollectorRegistry:
    global _db_registry
    if _db_registry is None:
        _db_registry = CollectorRegistry(auto_describe=False)
        _db_registry.register(_database)
    return _db_registry
