"""The authorization matrix's machinery: who the roles are, the two objects, every endpoint, and what an answer is.

The expectations themselves are in `authz_table.py` (one line per endpoint); this file enumerates the
endpoints from the URL conf and the OpenAPI document, so an endpoint without a line fails the test.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from motcua.identity.models import ApiToken, User

# The roles of the matrix → the demo user who plays it (None: nobody signed in; "superuser": made by the test).
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "citizen_a": "citizen",                    # applicant of dossier A (An Bình commune)
    "citizen_b": "citizen2",                   # applicant of dossier B (Hòa Thuận ward)
    "onestop": "onestop_anbinh",               # one-stop officer of An Bình
    "specialist": "specialist_anbinh",         # specialist of An Bình (civil status)
    "approver": "approver_anbinh",             # approver of An Bình
    "sibling": "specialist_hoathuan",          # specialist of the sibling commune (Hòa Thuận); also a member of the
                                               # Health Department's inspection group (demo TEAMS): a team seat
                                               # gives him no more of A or B than a plain sibling's
                                               # (tests/dossiers/test_who_scope.py: his team's steps only)
    "sibling_agency": "specialist_police_anbinh",  # specialist of An Bình's commune police (another agency)
    "parent": "onestop_prov",                  # one-stop officer of the parent level (the province's centre)
    "unit_admin": "admin_province",            # unit administrator of the province
    "monitor": "monitor_province",             # monitor of the province
    "superuser": "superuser",                  # Django superuser, member of no unit
    "catalog_editor": "catalog_editor",        # catalogue editor of the province (issue 24): no dossier, no petition
    "catalog_approver": "catalog_approver",    # catalogue approver of the province
}

# How a role stands to each object: the relation classes a table line may name instead of roles.
RELATIONS: dict[str, dict[str, str]] = {
    "a": {
        "anonymous": "anon", "citizen_a": "owner", "citizen_b": "citizen", "onestop": "unit_staff",
        "specialist": "unit_staff", "approver": "unit_staff", "sibling": "outsider", "sibling_agency": "outsider",
        "parent": "overseer", "unit_admin": "overseer", "monitor": "overseer", "superuser": "superuser",
        "catalog_editor": "catalogue", "catalog_approver": "catalogue",
    },
    "b": {
        "anonymous": "anon", "citizen_a": "citizen", "citizen_b": "owner", "onestop": "outsider",
        "specialist": "outsider", "approver": "outsider", "sibling": "unit_staff", "sibling_agency": "outsider",
        "parent": "overseer", "unit_admin": "overseer", "monitor": "overseer", "superuser": "superuser",
        "catalog_editor": "catalogue", "catalog_approver": "catalogue",
    },
}
# A relation a line does not name falls back to another's answer: the catalogue's people hold no grant over
# dossiers or petitions, and are answered there as a signed-in person of no unit (the superuser's class).
FALLBACK = {"catalogue": "superuser"}


@dataclass(frozen=True)
class Endpoint:
    key: str  # the table's key: a URL name ("portal:dossier") or an operation ("GET /api/v1/dossiers/{code}")
    method: str
    path_template: str  # with {name} placeholders
    api: bool


# --- enumeration ---------------------------------------------------------------------------------------------

# Patterns of the URL conf that are not endpoints of their own: the API's routes come from its OpenAPI document.
API_PREFIX = "api/v1/"


def _walk(resolver: URLResolver, prefix: str = "", ns: str = ""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}:{p.namespace}".strip(":") if p.namespace else ns
            yield from _walk(p, prefix + str(p.pattern), inner)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{ns}:{p.name}".strip(":") if p.name else None


def url_patterns() -> list[tuple[str, str | None]]:
    """(route, name) of every page pattern of the URL conf, the API's excepted."""
    return [(route, name) for route, name in _walk(get_resolver()) if not route.startswith(API_PREFIX)]


def api_routes() -> list[str]:
    """Routes of the URL conf under the API (each must be an OpenAPI path, or the document itself)."""
    return [route for route, _name in _walk(get_resolver()) if route.startswith(API_PREFIX)]


def openapi_operations(schema: dict) -> list[Endpoint]:
    found = []
    for path, item in schema["paths"].items():
        for method in item:
            if method in ("get", "post", "put", "patch", "delete"):
                found.append(Endpoint(f"{method.upper()} {path}", method.upper(), path, api=True))
    return found


# --- answers -------------------------------------------------------------------------------------------------

# What a cell may say:
#   ok      2xx, or a redirect that is not to a login page
#   seen    anything but 401, 404, a login redirect or a 5xx: the caller is let in (403 for a wrong role,
#           409 or 422 for a state or input the action refuses)
#   login   a redirect to a login page, or 401
#   404     not found: also what a caller gets for an object they may not know exists
#   403     refused, where existence is not a secret (a page of a role the caller lacks)
#   any     anything but a 5xx (protocol endpoints whose answer depends on the input, not on the caller)
#   <n>     exactly that status
def classify(status: int, location: str) -> set[str]:
    login = status == 401 or (status in (301, 302, 303) and ("/accounts/login/" in location or "/admin/login/" in location))
    found = {str(status)}
    if status < 500:
        found.add("any")
    if login:
        found.add("login")
    elif status < 400:
        found.add("ok")
    if status < 500 and status not in (401, 404) and not login:
        found.add("seen")
    return found


def per_code_status(response) -> int:
    """A bulk action's answer (200, one row per code) as the status the action on that one dossier would get.

    A bulk request answers 200 whoever asks; each row says what happened to its dossier, and a dossier the
    caller may not see is refused exactly like one that does not exist (`dossier_not_found`): 404. Done: 200;
    refused for the role or the state: 409 (let in, then refused). Not a 200: the answer itself (422, 401…).
    """
    if response.status_code != 200:
        return response.status_code
    (row,) = response.json()["results"]
    if row["ok"]:
        return 200
    return 404 if row["error"] == "dossier_not_found" else 409


def request(client: Client, endpoint: Endpoint, path: str, token: str | None, body: bytes = b"{}"):
    """One request, rolled back: no answer changes what the next cell sees (API bodies: `body`, JSON)."""
    headers: dict[str, Any] = {"Authorization": f"Bearer {token}"} if token else {}
    cookies = copy.deepcopy(client.cookies)  # a logout endpoint would sign the role out for the next cells
    with transaction.atomic():
        if endpoint.method == "GET":
            r = client.get(path, headers=headers)
        elif endpoint.api:
            r = client.generic(endpoint.method, path, body, content_type="application/json", headers=headers)
        else:
            r = client.generic(endpoint.method, path, b"", content_type="application/x-www-form-urlencoded",
                               headers=headers)
        transaction.set_rollback(True)
    client.cookies = cookies
    return r


def clients() -> dict[str, tuple[Client, str | None]]:
    """A page client (session) and an API token for every role."""
    found: dict[str, tuple[Client, str | None]] = {}
    for role, username in ROLES.items():
        client = Client(raise_request_exception=False)  # a 500 is a cell's answer, not the end of the walk
        token = None
        if username == "superuser":
            user = User.objects.create_superuser("superuser", "root@example.invalid", "x-unused-password")
        elif username:
            user = User.objects.get(username=username)
        else:
            user = None
        if user is not None:
            client.force_login(user)
            token = ApiToken.issue(user)
        found[role] = (client, token)
    return found


INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style[\s>]|\sstyle=|\son[a-z]+=\s*[\"']|href=[\"']javascript:", re.IGNORECASE
)


def csp_problems(response) -> list[str]:
    """What a CSP without 'unsafe-inline' would block or not have: the header, inline scripts, styles, handlers."""
    if not response.get("Content-Type", "").startswith("text/html"):
        return []
    policy = response.get("Content-Security-Policy", "")
    problems = []
    if not policy:
        problems.append("no Content-Security-Policy")
    if "unsafe-inline" in policy or "unsafe-eval" in policy:
        problems.append(f"an unsafe policy: {policy}")
    if "frame-ancestors 'none'" not in policy:
        problems.append("no frame-ancestors 'none'")
    body = response.content.decode(errors="replace") if not getattr(response, "streaming", False) else ""
    problems += [f"inline {m.group(0)!r}" for m in INLINE.finditer(body)][:3]
    return problems
