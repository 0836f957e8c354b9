"""The authorization matrix: every page pattern and API operation × 14 roles × two dossiers.

Expected answers are in authz_table.py (one line per endpoint). An endpoint of the URL conf or of the
OpenAPI document without a line FAILS `test_every_endpoint_has_a_line`, naming it. Each request runs in
a rolled-back transaction, so one demo province and two dossiers serve every cell.

This module is the matrix's machinery: the world it asks about (the `world` fixture, tests/security/conftest.py),
the endpoints, how a cell is asked and checked. The cells are asked by the test modules
`test_authorization_matrix_*.py`, each a share of the endpoints (`share`: every endpoint in exactly one), so
`pytest -n 2 --dist loadfile` spreads the matrix's ~5,000 requests over the processes instead of giving them
to one.

AUTHZ_DISCOVER=1 prints, instead of failing, what every cell answered (to write a new endpoint's line;
then check that line says what should be, not merely what is).
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from motcua.authoring import store as authoring
from motcua.dossiers import actions
from motcua.dossiers.actions.counter import on_paper
from motcua.dossiers.models import Dossier
from motcua.drafts.models import Draft
from motcua.identity.models import User
from motcua.integrations.models import WebhookSubscription
from motcua.payments.models import Payment
from motcua.petitions.actions import Filing, file_petition
from motcua.results import links, slips
from motcua.results.models import Result
from motcua.vault import uploads
from motcua.vault.models import VaultDocument
from tests.conftest import BIRTH, BIRTH_COMPONENTS, TINY_PDF, ApiClient
from tests.security import authz, authz_table
from tests.walker import DEFINITIONS, Walker, bundle_at_other_agencies

DISCOVER = os.environ.get("AUTHZ_DISCOVER") == "1"
PARAM = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>\w+)>|\{(?P<api>\w+)\}")
# Parameters that name one of the two objects: an endpoint without any is checked once (relations of dossier A).
OBJECT_PARAMS = {"code", "number", "key", "payment_id", "doc_id", "draft_id", "step_id", "kind", "signature", "txn_no",
                 "sub_id"}


def page_endpoints() -> list[authz.Endpoint]:
    found = []
    for route, name in authz.url_patterns():
        key = name or route
        if route.startswith("admin/") and "<" in route:
            continue  # the admin's object pages: the "admin:*" line covers the admin as a whole
        route = route.replace("^", "").replace("/?$", "/").replace("$", "").replace("\\", "")
        method = authz_table.METHODS.get(key, "GET")
        found.append(authz.Endpoint(key, method, route, api=False))
    return found


def api_endpoints() -> list[authz.Endpoint]:
    from motcua.api.main import api

    schema = api.get_openapi_schema()
    # Routes the document leaves out on purpose (authz_table.API_OUTSIDE_SCHEMA), asked like the others.
    hidden = [authz.Endpoint(key, key.split(" ", 1)[0], key.split(" ", 1)[1], api=True)
              for key in authz_table.API_OUTSIDE_SCHEMA]
    return authz.openapi_operations(schema) + hidden


def line_of(key: str):
    if key in authz_table.PAGES:
        return authz_table.PAGES[key]
    if key in authz_table.API:
        return authz_table.API[key]
    if key in authz_table.API_OUTSIDE_SCHEMA:
        return authz_table.API_OUTSIDE_SCHEMA[key]
    prefix = key.split(":", 1)[0] + ":*"
    return authz_table.PAGES.get(prefix)


def build_world(settings):
    """Dossier A (citizen, An Bình) walked to a returned result; dossier B (citizen2, Hòa Thuận) just filed.

    Each with its birth certificate uploaded as a PDF (the officers' inline preview has a file to show),
    a staged upload of every role's own (the scans digitize takes), and a handover note: A's is that of a
    newborn bundle of the same citizen at An Bình passed on to the commune police and the social insurance
    (the birth registration never leaves the commune); B is asked for that same note, which is not B's.
    Digitizing is for paper: on A's side, a birth registration the same citizen brought to An Bình's counter
    with the certificate kept on paper (B, online, is refused to those who see it).
    """
    settings.RATE_LIMITS_ENABLED = False  # thousands of requests from one address
    # The test client speaks plain http while HTTPS is on: the demo provider's logout would refuse its redirect.
    if hasattr(settings, "OAUTH2_PROVIDER"):
        settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"]}
    walker = Walker(DEFINITIONS["1.001193-dang-ky-khai-sinh.yaml"], applicant="citizen")
    walker.submit(components=list(BIRTH_COMPONENTS))
    walker.walk()
    a = Dossier.objects.get(code=walker.code)
    assert a.unit.code == "000.11.00.H99", a.unit.code
    citizen2 = ApiClient("citizen2")
    r = citizen2.post("/dossiers", {"procedure": "1.001193", "data": BIRTH, "unit": "000.12.00.H99",
                                    "components": citizen2.references(BIRTH_COMPONENTS)})
    assert r.status_code == 201, r.content
    b = Dossier.objects.get(code=r.json()["code"])
    bundle = Dossier.objects.get(code=bundle_at_other_agencies("citizen"))
    handover = slips.handovers(bundle)[0]
    clients = authz.clients()
    params = {"a": _params(a, clients["citizen_a"][0]), "b": _params(b, clients["citizen_b"][0])}
    params["a"] |= {"handover_code": bundle.code, "event": str(handover.pk)}
    params["b"] |= {"handover_code": b.code, "event": str(handover.pk)}
    desk = User.objects.get(username="onestop_anbinh")
    paper = actions.file_at_counter(desk, {"personal_id": params["a"]["personal_id"]}, "1.001193", dict(BIRTH), channel=1,
                                    components=[on_paper("birth_certificate", "Bản chính", desk, timezone.now())])
    params["a"]["paper_code"], params["b"]["paper_code"] = paper.code, b.code
    # Every signed-in role's own staged upload, a PDF (the same for A and B: each request is rolled back).
    staged = {role: uploads.receive(User.objects.get(username=authz.ROLES[role]),
                                    SimpleUploadedFile("ban-quet.pdf", TINY_PDF)).token
              for role in clients if authz.ROLES[role] is not None}
    for obj in params:
        params[obj]["uploads"] = staged
    # A petition and a webhook subscription beside each dossier: filed by its applicant to its unit (not
    # forwarded anywhere), subscribed by the province's unit administrator for its unit.
    admin = User.objects.get(username="admin_province")
    for obj, dossier in (("a", a), ("b", b)):
        petition, _created = file_petition(
            Filing(kind="feedback", subject="Đèn đường hỏng", body="Thôn 2 tối.", unit=dossier.unit.code),
            user=dossier.applicant)
        sub = WebhookSubscription.objects.create(
            unit=dossier.unit, url="https://hooks.example.org/motcua", event_types=["dossier.submitted"],
            secret="whsec_" + "x" * 32, created_by=admin, created_at=timezone.now())
        params[obj] |= {"petition": petition.code, "sub_id": str(sub.pk)}
    # A submitted draft of the province's catalogue (issue 24), written by its editor.
    editor = User.objects.get(username="catalog_editor")
    definition = {**DEFINITIONS["1.001193-dang-ky-khai-sinh.yaml"], "code": "1.999901"}
    catalog_draft = authoring.create(editor, definition)
    authoring.submit(editor, str(catalog_draft.public_id))
    for obj in ("a", "b"):
        params[obj]["catalog_draft"] = str(catalog_draft.public_id)
    cache.clear()
    return clients, params


def _params(dossier: Dossier, owner_client) -> dict[str, str]:
    with transaction.atomic():  # the owner's draft stays: the start page is a POST that makes one
        r = owner_client.post("/procedures/1.001193/start/")
    draft = Draft.objects.filter(owner=dossier.applicant).order_by("-pk").first()
    step = r["Location"].rstrip("/").rsplit("/", 1)[-1] if draft else "x"
    result = Result.objects.filter(dossier=dossier).first()
    kind, number, signature = ("result", result.number, "") if result else ("result", "none", "x")
    if result:
        signature = links.verify_path("result", result.number).rstrip("/").rsplit("/", 1)[-1]
    payment = Payment.objects.filter(dossier=dossier).first()
    document = VaultDocument.objects.filter(owner=dossier.applicant).first()
    components = dossier.components or [{"key": "x"}]
    return {
        "code": dossier.code, "unit": dossier.unit.code, "number": "none", "key": components[0]["key"],
        "payment_id": str(payment.pk if payment else 999999), "doc_id": str(document.pk if document else 999999),
        "draft_id": str(draft.public_id) if draft else "x", "step_id": step, "kind": kind, "signature": signature,
        "result_number": number, "txn_no": "1", "fmt": "csv", "gateway_code": "sandbox", "action": "receive",
        "personal_id": dossier.applicant.citizen.personal_id if hasattr(dossier.applicant, "citizen") else "x",
    }


def _fill(endpoint: authz.Endpoint, params: dict[str, str]) -> str:
    def value(m: re.Match) -> str:
        name = m["name"] or m["api"]
        if (endpoint.key.startswith(("monitoring:", "insights:")) or endpoint.key.startswith("backoffice:unit_admin")) \
                and name == "code":
            return params["unit"]  # the KPI pages and unit administration take a unit's code
        if name == "code" and ("petitions" in endpoint.key or "/petitions/" in endpoint.path_template):
            return params["petition"]
        handover = endpoint.key.startswith("backoffice:print") and endpoint.key.endswith("_event")
        if name == "kind" and endpoint.key.startswith("backoffice:print"):
            return "handover" if handover else "receipt"
        if handover and name in ("code", "event"):
            return params["handover_code" if name == "code" else "event"]  # the note of a dossier passed on
        if name == "code" and endpoint.key in authz_table.PAPER:
            return params["paper_code"]  # a dossier that came on paper (A's side)
        if endpoint.key.startswith("authoring:") or "/catalog/" in endpoint.path_template or \
                "/versions" in endpoint.path_template or endpoint.path_template.endswith("/abolish"):
            # The catalogue's pages and operations: a procedure, its version 1, the province's draft (world).
            value = {"code": "1.001193", "number": "1", "draft_id": params["catalog_draft"], "part": "identity"}.get(name)
            if value is not None:
                return value
        if name in ("slug", "section", "delivery_id"):
            return {"slug": "mine", "section": "staff", "delivery_id": "999999"}[name]
        if endpoint.key == "portal:procedure" or endpoint.key == "portal:start_draft" or (
            endpoint.api and "/procedures/" in endpoint.path_template
        ):
            return "1.001193" if name == "code" else params.get(name, "x")
        if name == "action" and endpoint.key == "petitions:act":
            return "answer"  # an officer's action on a petition
        if name == "action":
            return "no_such_action"  # the catch-all route (a known action has its own operation)
        if endpoint.key == "demo_registry:record":
            return {"code": "population", "key": params["personal_id"]}[name]
        if name == "number" and endpoint.key.startswith("portal:verify"):
            return params["result_number"]
        return params.get(name, "x")

    path = PARAM.sub(value, endpoint.path_template)
    return path if path.startswith("/") else "/" + path


def _body(endpoint: authz.Endpoint, role: str, params: dict) -> bytes:
    """The endpoint's JSON body (authz_table.BODIES), its "{code}", "{key}" and "{upload}" filled for this cell:
    the object's code and component, and the role's own staged upload (authz_table.py)."""
    def filled(value):
        if isinstance(value, dict):
            return {k: filled(v) for k, v in value.items()}
        if isinstance(value, list):
            return [filled(v) for v in value]
        if value == "{upload}":
            return params["uploads"].get(role, "0" * 32)  # the anonymous have none (and are sent to log in)
        if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
            return params[value[1:-1]]
        return value

    return json.dumps(filled(authz_table.BODIES.get(endpoint.key, {}))).encode()


def _expected(line, role: str, obj: str) -> str:
    if isinstance(line, str):
        return line
    relation = authz.RELATIONS[obj][role]
    fallback = authz.FALLBACK.get(relation)
    for key in (f"{role}/{obj}", f"{relation}/{obj}", role, relation, fallback and f"{fallback}/{obj}", fallback,
                "staff" if relation in ("unit_staff", "outsider", "overseer") else None, "*"):
        if key is not None and key in line:
            return line[key]
    raise AssertionError(f"line {line} says nothing for {role} ({relation})")


def _objects(endpoint: authz.Endpoint) -> list[str]:
    names = {m["name"] or m["api"] for m in PARAM.finditer(endpoint.path_template)}
    named = names & OBJECT_PARAMS or endpoint.key in authz_table.PER_CODE  # a bulk body names the dossier
    return ["a", "b"] if named else ["a"]


def check(endpoints: list[authz.Endpoint], world) -> None:
    """Ask every cell of `endpoints` (each role, each dossier) and fail naming every cell that differs."""
    clients, params = world
    wrong: list[str] = []
    csp: list[str] = []
    seen: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)
    for endpoint in endpoints:
        line = line_of(endpoint.key)
        for obj in _objects(endpoint):
            path = _fill(endpoint, params[obj])
            for role, (client, token) in clients.items():
                body = _body(endpoint, role, params[obj])
                response = authz.request(client, endpoint, path, token if endpoint.api else None, body)
                status, location = response.status_code, response.headers.get("Location", "")
                if endpoint.key in authz_table.PER_CODE:
                    status = authz.per_code_status(response)  # a bulk answer: the one dossier's row
                seen[endpoint.key][(role, obj)] = status
                # Every HTML answer, whoever asks: a CSP without 'unsafe-inline' and nothing inline it would block.
                problems = authz.csp_problems(response)
                if endpoint.key.startswith("admin:") or endpoint.key in authz_table.CSP_KNOWN_INLINE:
                    problems = [p for p in problems if not p.startswith("inline")]  # the header is still checked
                csp.extend(f"{endpoint.key} {path} as {role}: {p}" for p in problems)
                if DISCOVER or line is None:
                    continue
                expected = _expected(line, role, obj)
                if expected not in authz.classify(status, location):
                    wrong.append(f"{endpoint.key} {endpoint.method} {path} as {role} (dossier {obj}): "
                                 f"expected {expected}, got {status} {location}")
    if DISCOVER:
        _write_discovered(seen, csp)
        return
    assert not csp, "pages a Content-Security-Policy without 'unsafe-inline' would break:\n" + "\n".join(csp[:40])
    assert not wrong, f"{len(wrong)} cells of the matrix differ:\n" + "\n".join(wrong)


def _answer_class(status: int) -> str:
    if status == 401:
        return "login"
    if status in (404, 403) or status >= 500:
        return str(status)
    return "ok" if status < 400 else "seen"


def _write_discovered(seen: dict, csp: list[str]) -> None:
    """Suggested table lines (by relation where roles of a class agree), into AUTHZ_DISCOVER_OUT."""
    lines = [f"# CSP: {c}" for c in csp]
    for key, cells in seen.items():
        answers = {(role, obj): _answer_class(status) for (role, obj), status in cells.items()}
        if len(set(answers.values())) == 1:
            lines.append(f"    {key!r}: {next(iter(answers.values()))!r},")
            continue
        line: dict[str, str] = {}
        for (role, obj), answer in answers.items():
            relation = authz.RELATIONS[obj][role]
            same = {a for (r, o), a in answers.items() if authz.RELATIONS[o][r] == relation}
            name = relation if len(same) == 1 else role
            if line.get(name, answer) != answer:
                name = f"{role}/{obj}"
            line[name] = answer
        counts: dict[str, int] = defaultdict(int)
        for answer in line.values():
            counts[answer] += 1
        common = max(counts, key=counts.get)
        compact = {k: v for k, v in line.items() if v != common}
        compact["*"] = common
        lines.append(f"    {key!r}: {compact!r},  # raw {dict((f'{r}/{o}', st) for (r, o), st in cells.items())}")
    out = os.environ.get("AUTHZ_DISCOVER_OUT", "/tmp/authz-discovered.txt")
    with open(out, "a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


# The matrix's shares: one test module each (test_authorization_matrix_*.py), so that xdist's --dist loadfile,
# which keeps a module on one process, can give them to different processes.
PAGE_SHARES = 3
API_SHARES = 2


def share(endpoints: list[authz.Endpoint], part: int, parts: int) -> list[authz.Endpoint]:
    """Every `parts`-th endpoint by key from the `part`-th: the shares of a list are disjoint and cover it."""
    return [e for i, e in enumerate(sorted(endpoints, key=lambda e: e.key)) if i % parts == part]


def page_share(part: int) -> list[authz.Endpoint]:
    return share(page_endpoints(), part, PAGE_SHARES)


def api_share(part: int) -> list[authz.Endpoint]:
    return share(api_endpoints(), part, API_SHARES)
