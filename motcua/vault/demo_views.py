"""The demo registries over HTTP, as a real registry would answer the HTTP adapter (only with DEMO_REGISTRY_ENABLED)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from motcua.vault.registries.demo import DATA


@require_safe
def record(request: HttpRequest, code: str, key: str) -> JsonResponse:
    registry = DATA.get(code)
    if registry is None:
        return JsonResponse({"code": "unknown_registry"}, status=404)
    found = registry.get(key)
    if found is None:
        return JsonResponse({"code": "not_found"}, status=404)
    return JsonResponse(dict(found), json_dumps_params={"ensure_ascii": False})
