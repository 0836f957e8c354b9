"""What the OpenAPI document says beyond the routers: links between operations and the Idempotency-Key header.

Links (OpenAPI 3 `links`) name the operation a client calls next with a value of the answer: a filed
dossier's `code` leads to the dossier, its payments, its result and every action on it; a draft's `id`
to the draft and its submission, whose dossier leads on like a filed one; a petition's `code` to the
petition and its actions; a webhook subscription's `id` to the subscription. The lists lead to their
first item the same way. Schemathesis's stateful phase walks them (tests/api/test_schemathesis.py),
and a client generator can too.

The `Idempotency-Key` header is declared on exactly the operations that honour it (api/idempotency.py,
PATHS), so a client sees where a retry is safe.
"""

from __future__ import annotations

import re
from typing import Any

from motcua.api.idempotency import PATHS

# What an answer gives: (method, path) → (kind of object, where its identifier is in the answer).
SOURCES: dict[tuple[str, str], tuple[str, str]] = {
    ("post", "/api/v1/dossiers"): ("dossier", "$response.body#/code"),
    ("get", "/api/v1/dossiers"): ("dossier", "$response.body#/0/code"),
    ("get", "/api/v1/dossiers/{code}"): ("dossier", "$response.body#/code"),
    ("post", "/api/v1/drafts/{draft_id}/submit"): ("dossier", "$response.body#/code"),
    ("post", "/api/v1/drafts"): ("draft", "$response.body#/id"),
    ("get", "/api/v1/drafts"): ("draft", "$response.body#/0/id"),
    ("post", "/api/v1/petitions"): ("petition", "$response.body#/code"),
    ("get", "/api/v1/petitions/public"): ("petition", "$response.body#/items/0/code"),
    ("post", "/api/v1/webhooks"): ("webhook", "$response.body#/id"),
    ("get", "/api/v1/webhooks"): ("webhook", "$response.body#/0/id"),
}
# Where each kind leads: the operations under this path that take no other path parameter.
TARGETS: dict[str, tuple[str, str]] = {
    "dossier": ("/api/v1/dossiers/{code}", "code"),
    "draft": ("/api/v1/drafts/{draft_id}", "draft_id"),
    "petition": ("/api/v1/petitions/{code}", "code"),
    "webhook": ("/api/v1/webhooks/{sub_id}", "sub_id"),
}
PATH_PARAM = re.compile(r"\{(\w+)\}")
METHODS = frozenset({"get", "put", "post", "delete", "patch"})

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "Makes a retry safe (IETF draft-ietf-httpapi-idempotency-key-header): the same key with the same request "
        "replays the first answer (header Idempotent-Replayed: true) without doing the work again; the same key "
        "with another request is 422 idempotency_key_reused; while the first is in flight, 409. A Structured "
        "Field string (\"…\") or a bare token: 1–128 visible ASCII characters but \" and \\. Kept 24 hours, per user."
    ),
    "schema": {"type": "string", "pattern": r'^(?:"[!#-\[\]-~]{1,128}"|[!#-\[\]-~]{1,128})$'},
}


def honours_idempotency_key(method: str, path: str) -> bool:
    """Whether the middleware (api/idempotency.py) takes a key on this operation of the document."""
    return method == "post" and bool(PATHS.match(PATH_PARAM.sub("x", path)))


def add_links_and_headers(schema: dict[str, Any]) -> None:
    paths: dict[str, dict[str, Any]] = schema.get("paths", {})
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            if honours_idempotency_key(method, path):
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name") == IDEMPOTENCY_KEY["name"] for p in parameters):
                    parameters.append(dict(IDEMPOTENCY_KEY))
            source = SOURCES.get((method, path))
            if source is None:
                continue
            kind, expression = source
            links = _links_to(kind, expression, paths, exclude=operation.get("operationId"))
            for status, answer in operation.get("responses", {}).items():
                if str(status).startswith("2") and links:
                    answer["links"] = {**answer.get("links", {}), **links}


def _links_to(kind: str, expression: str, paths: dict[str, dict[str, Any]], exclude: str | None) -> dict[str, Any]:
    prefix, name = TARGETS[kind]
    found: dict[str, Any] = {}
    for path, operations in paths.items():
        if not (path == prefix or path.startswith(prefix + "/")) or set(PATH_PARAM.findall(path)) != {name}:
            continue
        for method, operation in operations.items():
            operation_id = operation.get("operationId") if method in METHODS else None
            if operation_id and operation_id != exclude:
                found[operation_id] = {"operationId": operation_id, "parameters": {name: expression}}
    return found
