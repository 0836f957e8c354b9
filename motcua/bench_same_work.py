"""The same-work ceiling (issue 22): the rows one submit and one receive write, in hand-written SQL.

Served only by the benchmark's URL configuration (motcua.bench_urls, MOTCUA_BENCH=true). Each view
writes, in one transaction, exactly the rows the real action writes for the bench's dossier (a birth
registration whose files the citizen reuses from the vault), with the values the real action would
compute, but none of what the framework adds: no authentication, no schema validation, no model
instances, no events dispatched. `tests/ops/test_bench_same_work.py` proves the rows are the same,
table by table, against `actions.submit` and `receive`. The distance between a real action and this
ceiling is what the ORM path and the request cost; this ceiling is the limit of the design.

The request names what the real action reads or derives (the applicant, the unit, the procedure
version): it is looked up once per process, as the real path keeps its caches warm.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache

from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

DELIVERY_TASK = "motcua.notifications.tasks.deliver_outbox"


@dataclass(frozen=True)
class Version:
    procedure_id: int
    version_id: int
    number: int
    steps: tuple[dict, ...]


@dataclass(frozen=True)
class Place:
    unit_id: int
    code: str
    ancestors: tuple[int, ...]  # the root first, the unit itself last


@cache
def _version(code: str) -> Version:
    from motcua.catalog.models import Procedure

    procedure = Procedure.objects.select_related("current").get(code=code)
    definition = procedure.current.definition
    return Version(procedure.pk, procedure.current.pk, procedure.current.number, tuple(definition["workflow"]["steps"]))


@cache
def _place(unit_id: int) -> Place:
    from motcua.units.models import Unit

    unit = Unit.objects.get(pk=unit_id)
    return Place(unit.pk, unit.code, tuple(unit.ancestor_ids))


def _ts(moment: datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def _day(day: date):
    return connection.ops.adapt_datefield_value(day)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _audit_hash(at: datetime, actor: int | None, action: str, code: str, data: dict, prev: str) -> str:
    # The same text AuditEntry.compute_hash hashes (an entry that differed would fail `audit verify`).
    payload = json.dumps({"at": at.astimezone(UTC).isoformat(), "actor": actor, "action": action,
                          "object": ["dossier", code], "data": data, "prev": prev},
                         sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _history(cur, dossier_id: int, code: str, action: str, before: int | None, after: int, actor: int,
             now: datetime, data: dict, prev: str) -> None:
    """Event, audit entry, outbox row and the delivery task: what the event's subscribers write."""
    cur.execute("INSERT INTO dossiers_dossierevent (dossier_id, action, from_status, to_status, actor_id, at, reason, "
                "data) VALUES (%s, %s, %s, %s, %s, %s, '', %s)",
                [dossier_id, action, before, after, actor, _ts(now), _json(data)])
    audit = {"from": before, "to": after, "reason": "", **data}
    cur.execute("INSERT INTO audit_auditentry (at, actor_id, action, object_type, object_id, data, prev_hash, hash) "
                "VALUES (%s, %s, %s, 'dossier', %s, %s, %s, %s)",
                [_ts(now), actor, f"dossier.{action}", code, _json(audit), prev,
                 _audit_hash(now, actor, f"dossier.{action}", code, audit, prev)])
    payload = {"code": code, "status": after, "from_status": before, "at": now.isoformat(), "reason": "", **data}
    cur.execute("INSERT INTO notifications_outboxevent (topic, key, payload, created_at, attempts, last_error) "
                "VALUES (%s, %s, %s, %s, 0, '')", [f"dossier.{action}", code, _json(payload), _ts(now)])
    cur.execute("INSERT INTO django_tasks_database_dbtaskresult (id, status, enqueued_at, args_kwargs, priority, "
                "task_path, worker_ids, queue_name, backend_name, run_after, exception_class_path, traceback) "
                "VALUES (%s, 'READY', %s, %s, 0, %s, '[]', 'default', 'default', %s, '', '')",
                [uuid.uuid4().hex, _ts(now), _json({"args": [], "kwargs": {}}), DELIVERY_TASK,
                 _ts(datetime(9999, 1, 1, tzinfo=UTC))])


@csrf_exempt
@require_POST
def submit(request: HttpRequest) -> JsonResponse:
    """`{"procedure", "applicant", "unit", "data", "registries", "components": [{"key", "vault_document"}]}` → 201.

    `registries`: `{field: registry}`, the form's values the real submit takes from registries for this
    applicant (one access-log row per registry, as `vault.submission.record` writes).
    """
    body = json.loads(request.body)
    version, place = _version(body["procedure"]), _place(int(body["unit"]))
    applicant, data, reused = int(body["applicant"]), body["data"], body.get("components", [])
    now = timezone.now()
    day = timezone.localdate(now)
    components = [{"key": c["key"], "source": "vault", "vault_document": c["vault_document"]} for c in reused]
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("INSERT INTO dossiers_dailysequence (unit_id, day, last) VALUES (%s, %s, 1) ON CONFLICT (unit_id, day) "
                    "DO UPDATE SET last = dossiers_dailysequence.last + 1 RETURNING last", [place.unit_id, _day(day)])
        code = f"{place.code}-{day:%y%m%d}-{cur.fetchone()[0]:04d}"
        cur.execute(
            "INSERT INTO dossiers_dossier (code, procedure_id, procedure_version_id, unit_id, applicant_id, channel, status, "
            "data, components, fee, submitted_at, updated_at, paused_days, supplement_count, apology_count, payment_due, "
            "deadline_state, component_sources, paid_online, vneid_auth, disliked, complained, decisions) "
            "VALUES (%s, %s, %s, %s, %s, 2, 1, %s, %s, 0, %s, %s, 0, 0, 0, 0, 'on_time', 0, 0, true, false, false, '{}') "
            "RETURNING id",
            [code, version.procedure_id, version.version_id, place.unit_id, applicant, _json(data), _json(components),
             _ts(now), _ts(now)])
        dossier_id = cur.fetchone()[0]
        rows, params = [], []
        for s in version.steps:
            first = not s.get("after")
            rows.append("(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, false)")
            params += [dossier_id, s["id"], _json(s["name"]), place.unit_id, s["role"], _json(s.get("after", [])),
                       float(s["days"]), bool(s.get("end")), bool(s.get("may_request_supplement")),
                       "open" if first else "waiting", _ts(now) if first else None,
                       _ts(now + timedelta(days=max(1, float(s["days"])))) if first else None, str(s.get("team", ""))]
        columns = ("dossier_id, step, name, unit_id, role, after, days, is_end, may_request_supplement, status, opened_at, "
                   "due_at, team, elsewhere")
        cur.execute(f"INSERT INTO dossiers_task ({columns}) VALUES {', '.join(rows)}", params)  # noqa: S608 - placeholders
        read: dict[str, list[str]] = {}
        for field, registry in sorted(body.get("registries", {}).items()):
            read.setdefault(registry, []).append(field)
        log = [(None, "registry", registry, registry, None, fields) for registry, fields in read.items()]
        log += [(applicant, "vault", c.get("title", ""), "", c["vault_document"], []) for c in reused]
        for actor, kind, what, registry, document, fields in log:
            cur.execute("INSERT INTO vault_accesslog (citizen_id, actor_id, actor_label, kind, what, registry, document_id, "
                        "fields, dossier, draft, purpose, at) VALUES (%s, %s, '', %s, %s, %s, %s, %s, %s, '', %s, %s)",
                        [applicant, actor, kind, what, registry, document, _json(fields), code, body["procedure"], _ts(now)])
        _history(cur, dossier_id, code, "submit", None, 1, applicant, now, {"version": version.number}, "")
    return JsonResponse({"code": code}, status=201)


@csrf_exempt
@require_POST
def receive(request: HttpRequest, code: str) -> JsonResponse:
    """`{"officer"}` → 200 `{"code", "due_at"}`: the first step done, the next opened, the clock started, the counters."""
    officer = int(json.loads(request.body)["officer"])
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cur:
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        cur.execute(f"SELECT id, unit_id, procedure_id, status FROM dossiers_dossier WHERE code = %s{lock}", [code])  # noqa: S608
        found = cur.fetchone()
        if found is None or found[3] != 1:
            return JsonResponse({"code": "not_found"}, status=404)
        dossier_id, unit_id, procedure_id, _ = found
        place = _place(unit_id)
        cur.execute("SELECT id, step, after, days FROM dossiers_task WHERE dossier_id = %s ORDER BY id", [dossier_id])
        tasks = cur.fetchall()
        first = tasks[0]
        cur.execute("UPDATE dossiers_task SET status = 'done', assignee_id = %s, claimed_at = %s, done_at = %s, "
                    "done_by_id = %s WHERE id = %s", [officer, _ts(now), _ts(now), officer, first[0]])
        total_days = sum(float(t[3]) for t in tasks)
        due = now + timedelta(days=max(1, round(total_days * 7 / 5)))  # working days, roughly: the row, not the calendar
        for task_id, _step, after, days in tasks[1:]:
            if first[1] in (json.loads(after) if isinstance(after, str) else after):
                cur.execute("UPDATE dossiers_task SET status = 'open', opened_at = %s, due_at = %s WHERE id = %s",
                            [_ts(now), _ts(now + timedelta(days=max(1, float(days)))), task_id])
        cur.execute("UPDATE dossiers_dossier SET status = 2, received_at = %s, due_at = %s, legal_due_at = %s, "
                    "updated_at = %s WHERE id = %s", [_ts(now), _ts(due), _ts(due), _ts(now), dossier_id])
        cur.execute("SELECT hash FROM audit_auditentry WHERE object_type = 'dossier' AND object_id = %s "
                    "ORDER BY id DESC LIMIT 1", [code])
        prev = cur.fetchone()
        _history(cur, dossier_id, code, "receive", 1, 2, officer, now,
                 {"due_at": due.isoformat(), "steps": [first[1]]}, prev[0] if prev else "")
        _count(place, procedure_id, timezone.localdate(now), timezone.localdate(due))
    return JsonResponse({"code": code, "due_at": due.isoformat()})


def _count(place: Place, procedure_id: int, day: date, due_day: date) -> None:
    """The KPI counters a receipt moves, with the counters' own SQL (monitoring/counters.py: one statement on
    PostgreSQL): received online and fully online that day, one more open dossier ending on its due day."""
    from motcua.monitoring.counters import add
    from motcua.monitoring.models import NATIONAL

    cells = {(day, c): 1 for c in ("received", "online", "full_eligible", "full_online", "citizen_data")}
    add([NATIONAL, *place.ancestors], procedure_id, {**cells, (due_day, "open_in_time_ends"): 1}, Counter({due_day: 1}))
