"""The demo registries over HTTP, as a real registry would answer the HTTP adapter (only with DEMO_REGISTRY_ENABLED)."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from motcua.vault.registries.demo import DATA


def local_call(request: HttpRequest) -> bool:
    """A call from this machine, not relayed by a proxy: the HTTP adapter of a local demo or a test."""
    try:
        loopback = ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False
    return loopback and not any(h in request.headers for h in ("X-Forwarded-For", "Forwarded", "X-Real-Ip"))


@require_safe
def record(request: HttpRequest, code: str, key: str) -> JsonResponse:
    # With DEBUG off (a production-like run, where `check --deploy` already fails on this switch) the demo's
    # people are not handed to anyone on the network: only to this machine's own adapter.
    if not settings.DEBUG and not local_call(request):
        return JsonResponse({"code": "not_found"}, status=404)
    registry = DATA.get(code)
    if registry is None:
        return JsonResponse({"code": "unknown_registry"}, status=404)
    found = registry.get(key)
    if found is None:
        return JsonResponse({"code": "not_found"}, status=404)
    return JsonResponse(dict(found), json_dumps_params={"ensure_ascii": False})
