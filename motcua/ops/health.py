"""/healthz (the process answers) and /readyz (it can serve: database, migrations, Redis).

A load balancer sends traffic only to ready processes and restarts live ones
that stop answering; neither check needs a login, and neither says more than
which check failed.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse

log = logging.getLogger(__name__)
# Once every migration is applied it stays so for this process's life (a new release
# with new migrations starts new processes): the migration graph is read only until then.
_migrated = False


def healthz(request: HttpRequest) -> JsonResponse:
    return _answer({"process": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    return _answer({"database": _database(), "migrations": _migrations(), **_redis()})


def _answer(checks: dict[str, str]) -> JsonResponse:
    ok = all(v == "ok" for v in checks.values())
    response = JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)
    response["Cache-Control"] = "no-store"  # a cached "ok" would hide an outage
    return response


def _database() -> str:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:  # any driver error means "not reachable" here
        log.warning("readyz: database unreachable", exc_info=True)
        return "unreachable"


def _migrations() -> str:
    global _migrated
    if _migrated:
        return "ok"
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        log.warning("readyz: cannot read the migration state", exc_info=True)
        return "unknown"
    if plan:
        return "pending"
    _migrated = True
    return "ok"


def _redis() -> dict[str, str]:
    """Redis, when the task queue (TASKS_BACKEND=rq) or the cache uses it."""
    checks: dict[str, str] = {}
    if settings.TASKS_BACKEND == "rq":
        checks["redis"] = _ping(settings.REDIS_URL)
    cache = settings.CACHES.get("default", {})
    if "redis" in cache.get("BACKEND", "").lower():
        location = cache.get("LOCATION")
        checks["cache"] = _ping(location[0] if isinstance(location, list | tuple) else location)
    return checks


def _ping(url: str) -> str:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
        finally:
            client.close()
        return "ok"
    except redis.RedisError:
        log.warning("readyz: redis unreachable at %s", url.split("@")[-1])
        return "unreachable"


class HealthCheckMiddleware:
    """Answers /healthz and /readyz first: a load balancer probes by IP over plain HTTP,
    which the host check and the HTTPS redirect further down would turn away."""

    PATHS = {"/healthz": healthz, "/readyz": readyz}

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        view = self.PATHS.get(request.path_info)
        if view is not None and request.method in ("GET", "HEAD"):
            return view(request)
        return self.get_response(request)
