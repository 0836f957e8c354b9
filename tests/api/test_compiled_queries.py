"""Hot queries compiled once (motcua/lib/compiled.py): the same rows and objects as the queryset, and the
same answer where the queryset answers without asking the database (issue 22: the CPU of a request)."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.run import _vault_components
from motcua.catalog.models import Procedure
from motcua.dossiers import actions
from motcua.dossiers.models import Dossier, DossierEvent, Task
from motcua.identity.models import ApiToken, User
from motcua.lib.compiled import _UNCACHEABLE, Compiled, insert, update
from motcua.notifications.models import OutboxEvent
from motcua.units.models import Membership, Unit
from tests.conftest import BIRTH


def _dossier() -> Dossier:
    citizen = User.objects.get(username="citizen")
    version = Procedure.objects.select_related("current").get(code="1.001193").current
    return actions.submit(citizen, "1.001193", dict(BIRTH), components=_vault_components(citizen, version.definition))


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname in obj.__dict__}


@pytest.mark.django_db
def test_the_same_objects_as_the_queryset_with_their_related_objects_and_annotations(demo):
    build = lambda username, now: (  # noqa: E731
        User.objects.filter(username=username, date_joined__lt=now).select_related("citizen__home_unit").order_by("pk")[:1]
    )
    compiled = Compiled(build)
    now = timezone.now()
    for username in ("citizen", "onestop_anbinh", "citizen", "nobody"):
        expected = list(build(username, now))
        with CaptureQueriesContext(connection) as queries:
            got = compiled(username, now)
        assert len(queries) == 1
        assert [_fields(u) for u in got] == [_fields(u) for u in expected]
        for mine, theirs in zip(got, expected, strict=True):
            citizen = getattr(theirs, "citizen", None)
            if citizen is not None:
                # The select_related objects are there, read in the same statement.
                with CaptureQueriesContext(connection) as after:
                    assert _fields(mine.citizen) == _fields(citizen)
                    assert _fields(mine.citizen.home_unit) == _fields(citizen.home_unit)
                assert len(after) == 0
            assert mine._state.db == "default" and not mine._state.adding
    assert len(compiled._cache) == 1  # one statement for every call of the same shape


@pytest.mark.django_db
def test_lists_are_compiled_per_length_and_values_lists_come_back_as_values(demo):
    units = list(Unit.objects.order_by("pk").values_list("pk", flat=True)[:5])
    by_ids = Compiled(lambda ids: Unit.objects.filter(pk__in=ids).order_by("pk").values_list("code", flat=True))
    pairs = Compiled(lambda ids: Unit.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "code"))
    for ids in (units[:2], units[2:4], units[:3], units[1:2]):
        assert by_ids(ids) == list(Unit.objects.filter(pk__in=ids).order_by("pk").values_list("code", flat=True))
        assert pairs(ids) == list(Unit.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "code"))
    assert len(by_ids._cache) == 3  # lengths 2, 3 and 1
    assert by_ids([]) == []  # an empty list: the queryset's own answer, nothing cached for it


@pytest.mark.django_db
def test_values_django_answers_itself_are_never_sent_to_the_database(demo):
    # An id beyond the column's range: Django answers "no row" without asking (PostgreSQL would refuse it).
    compiled = Compiled(lambda pk: Procedure.objects.filter(pk=pk)[:1])
    assert compiled.first(10**30) is None
    some = Procedure.objects.order_by("pk").first()
    assert compiled.first(some.pk) == some
    # A value the ORM transforms (startswith escapes it): never cached, each call built as usual.
    prefix = Compiled(lambda code: Procedure.objects.filter(code__startswith=code).order_by("code").values_list("code", flat=True))
    assert prefix("1.0011") == list(Procedure.objects.filter(code__startswith="1.0011").order_by("code")
                                    .values_list("code", flat=True))
    assert list(prefix._cache.values()) == [_UNCACHEABLE]


@pytest.mark.django_db(transaction=True)
def test_locking_outside_a_transaction_is_refused_as_django_refuses_it(demo):
    if not connection.features.has_select_for_update:
        pytest.skip("SQLite has no SELECT … FOR UPDATE: nothing to refuse")
    code = _dossier().code
    locked = Compiled(lambda c: Dossier.objects.select_for_update(of=("self",)).filter(code=c).order_by("pk")[:1])
    with transaction.atomic():
        assert locked.first(code).code == code
        with CaptureQueriesContext(connection) as queries:
            locked.first(code)
        assert "FOR UPDATE" in queries[0]["sql"]
    with pytest.raises(TransactionManagementError):
        locked.first(code)


@pytest.mark.django_db
def test_the_token_lookup_finds_live_tokens_only(demo):
    user = User.objects.get(username="citizen")
    raw = ApiToken.issue(user, label="test")
    found = ApiToken.user_for(raw)
    assert found == user and found.citizen.home_unit == user.citizen.home_unit and found.serves_units is False
    officer = ApiToken.user_for(ApiToken.issue(User.objects.get(username="onestop_anbinh")))
    assert officer.serves_units is True and Membership.objects.filter(user=officer).exists()
    ApiToken.objects.filter(digest__isnull=False, user=user).update(revoked_at=timezone.now())
    assert ApiToken.user_for(raw) is None
    expired = ApiToken.issue(user)
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert ApiToken.user_for(expired) is None


@pytest.mark.django_db
def test_insert_writes_what_save_writes(demo):
    now = timezone.now()
    mine = OutboxEvent(topic="test.compiled", key="K-1", payload={"a": [1, "ạ"]}, created_at=now)
    insert(mine)
    theirs = OutboxEvent(topic="test.compiled", key="K-1", payload={"a": [1, "ạ"]}, created_at=now)
    theirs.save()
    assert mine.pk is not None and not mine._state.adding and mine._state.db == "default"
    stored = {f: v for f, v in _fields(OutboxEvent.objects.get(pk=mine.pk)).items() if f != "id"}
    assert stored == {f: v for f, v in _fields(OutboxEvent.objects.get(pk=theirs.pk)).items() if f != "id"}
    assert stored == {f: v for f, v in _fields(mine).items() if f != "id"}
    # The related object's id is taken as save() takes it; an unsaved one is refused as save() refuses it.
    dossier = _dossier()
    event = DossierEvent(dossier=dossier, action="note", from_status=dossier.status, to_status=dossier.status, at=now)
    insert(event)
    assert DossierEvent.objects.get(pk=event.pk).dossier_id == dossier.pk
    with pytest.raises(ValueError, match="unsaved related object"):
        insert(DossierEvent(dossier=Dossier(code="X"), action="note", to_status=1, at=now))
    # A model with its own save() goes through it (the audit log refuses to change a row).
    unit = Unit.objects.first()
    unit.name = unit.name + " (đổi)"
    insert(unit)  # not new: save() itself, an UPDATE
    assert Unit.objects.get(pk=unit.pk).name == unit.name


@pytest.mark.django_db
def test_update_sends_what_save_sends_and_writes_what_save_writes(demo):
    """`update(obj)` is `obj.save()` of a stored row: the same statement, text and values, NULLs included."""
    # Both read from the database: the same values (the submit's own object holds some as Python gave them).
    dossier = Dossier.objects.get(pk=_dossier().pk)
    twin = Dossier.objects.get(pk=dossier.pk)
    for changes in ({"status": 2, "received_at": timezone.now(), "deadline_state": "at_risk"},
                    {"received_at": None, "data": {"a": ["ạ", 1]}, "paused_days": 3}):
        for name, value in changes.items():
            setattr(dossier, name, value)
            setattr(twin, name, value)
        with CaptureQueriesContext(connection) as theirs:
            twin.save()
        with CaptureQueriesContext(connection) as mine:
            update(dossier)
        assert [q["sql"] for q in mine.captured_queries] == [q["sql"] for q in theirs.captured_queries]
        assert len(mine) == 1
        assert _fields(Dossier.objects.get(pk=dossier.pk)) == _fields(twin)
    # Some columns (update_fields), as save(update_fields=…) names them (a relation by its name).
    task = Task.objects.filter(dossier=dossier).order_by("pk").first()
    twin_task = Task.objects.get(pk=task.pk)
    officer = User.objects.get(username="onestop_anbinh")
    done_at = timezone.now()
    for t in (task, twin_task):
        t.status, t.done_by, t.done_at = "done", officer, done_at
    with CaptureQueriesContext(connection) as theirs:
        twin_task.save(update_fields=["status", "done_by", "done_at"])
    with CaptureQueriesContext(connection) as mine:
        update(task, ["status", "done_by", "done_at"])
    assert [q["sql"] for q in mine.captured_queries] == [q["sql"] for q in theirs.captured_queries]
    assert Task.objects.get(pk=task.pk).done_by_id == officer.pk
    # What save() refuses, update() refuses alike: an unknown column, a row that is gone with update_fields.
    with pytest.raises(ValueError, match="do not exist"):
        update(task, ["no_such_field"])
    gone = Task.objects.get(pk=task.pk)
    Task.objects.filter(pk=gone.pk).delete()
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        update(gone, ["status"])


@pytest.mark.django_db
def test_insert_of_a_row_whose_key_is_a_default_and_of_the_audit_log(demo):
    from django_tasks_db.compat import task_enqueued
    from django_tasks_db.models import DBTaskResult, get_date_max

    from motcua.audit.models import AppendOnly, AuditEntry
    from motcua.notifications.tasks import deliver_outbox

    # The task backend's row (a UUID key by default): written by the compiled INSERT, read back whole;
    # the task's result built once, the same in the library's signal and in the answer.
    heard = []
    receiver = lambda sender, task_result, **kwargs: heard.append(task_result)  # noqa: E731
    task_enqueued.connect(receiver)
    try:
        with CaptureQueriesContext(connection) as queries:
            result = deliver_outbox.enqueue()
    finally:
        task_enqueued.disconnect(receiver)
    assert [q["sql"].split()[:3] for q in queries.captured_queries] == [["INSERT", "INTO", '"django_tasks_database_dbtaskresult"']]
    assert heard == [result]
    row = DBTaskResult.objects.get(pk=result.id)
    stored = row.task_result  # what the library makes of the stored row
    assert (result.id, result.status, result.task, result.args, result.kwargs, result.backend, result.enqueued_at) == (
        stored.id, stored.status, stored.task, stored.args, stored.kwargs, stored.backend, stored.enqueued_at)
    assert row.task_path == deliver_outbox.module_path and row.status == "READY" and row.enqueued_at is not None
    assert row.run_after == get_date_max()  # the library's pre_save receiver ran: a task to run at once
    # The audit log: a new entry through the compiled INSERT, a stored one still refused.
    entry = AuditEntry(at=timezone.now(), action="test", object_type="t", object_id="1", data={"x": 1}, hash="h")
    insert(entry)
    assert AuditEntry.objects.get(pk=entry.pk).data == {"x": 1}
    with pytest.raises(AppendOnly):
        insert(entry)


@pytest.mark.django_db(transaction=True)
def test_bulk_insert_sends_what_bulk_create_sends(demo):
    """A submit's steps: the same statement as `bulk_create` (PostgreSQL's UNNEST of a column's values
    included), the ids set, the rows equal; outside a transaction it is bulk_create itself."""
    from motcua.lib.compiled import bulk_insert

    dossier = _dossier()
    base = list(Task.objects.filter(dossier=dossier).order_by("pk"))

    def copies() -> list[Task]:
        # The same steps for another dossier (a step is unique in its dossier).
        other = Dossier.objects.create(**{f.attname: getattr(dossier, f.attname) for f in Dossier._meta.concrete_fields
                                          if not f.primary_key and f.name != "code"}, code=f"T-{Dossier.objects.count()}")
        made = []
        for t in base:
            fields = {f.attname: getattr(t, f.attname) for f in Task._meta.concrete_fields if not f.primary_key}
            made.append(Task(**{**fields, "dossier_id": other.pk}))
        return made

    for _ in range(2):  # compiled the first time, reused the second
        mine, theirs = copies(), copies()
        with transaction.atomic():
            with CaptureQueriesContext(connection) as sent_theirs:
                Task.objects.bulk_create(theirs)
            with CaptureQueriesContext(connection) as sent_mine:
                bulk_insert(mine)
        assert len(sent_mine) == len(sent_theirs) == 1
        strip = lambda sql: sql.split(" VALUES ")[0].split(" SELECT ")[0]  # noqa: E731 - the values differ (ids)
        assert strip(sent_mine[0]["sql"]) == strip(sent_theirs[0]["sql"])
        assert all(t.pk is not None and not t._state.adding and t._state.db == "default" for t in mine)
        stored = {t.pk: _fields(t) for t in Task.objects.filter(pk__in=[t.pk for t in mine + theirs])}
        assert [{k: v for k, v in stored[t.pk].items() if k not in ("id", "dossier_id")} for t in mine] == \
            [{k: v for k, v in stored[t.pk].items() if k not in ("id", "dossier_id")} for t in theirs]
    outside = copies()
    bulk_insert(outside)  # autocommit: bulk_create's own transaction
    assert Task.objects.filter(pk__in=[t.pk for t in outside]).count() == len(base)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's UNNEST of arrays")
@pytest.mark.django_db
def test_a_bulk_inserts_arrays_written_as_text_read_as_psycopg_writes_them():
    """`_pg_array`: the text form of a column's values is read by PostgreSQL as psycopg's own adaptation of
    the list is, for every kind it writes (quotes, backslashes, braces, commas, blanks, "NULL", the empty
    string, JSON with escapes, aware datetimes, dates, floats); other kinds are left to psycopg."""
    from datetime import UTC, date, datetime
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    from psycopg.types.json import Jsonb

    from motcua.lib.compiled import _pg_array

    hcm = ZoneInfo("Asia/Ho_Chi_Minh")
    texts = ['say "hi"', "back\\slash", "{braces}", "a,b", " blank ", "NULL", "null", "", "Tiếp nhận hồ sơ", "\t\n",
             None, "\u3000", "\u2028"]
    columns = {
        "bigint": [1, -2, 2**40, None],
        "varchar": texts,
        "text": texts,
        "boolean": [True, False, None, True],
        "double precision": [0.25, -1e300, 1 / 3, None],
        "smallint": [None, None, 7, 0],
        "timestamp with time zone": [datetime(2026, 12, 5, 11, 43, 2, 371478, tzinfo=UTC), None,
                                     datetime(2026, 12, 7, 17, 0, tzinfo=hcm), datetime(1900, 1, 1, tzinfo=UTC)],
        "date": [date(2026, 12, 5), None, date(1, 1, 1), date(9999, 12, 31)],
        "jsonb": [Jsonb(v, dumps=__import__("json").dumps) for v in (
            {"vi": "Tiếp nhận", "bn": "আবেদন গ্রহণ", "q": 'say "hi" \\ {x}', "n": [1, None, True]}, [], ["receive"], "NULL", None, 0)],
    }
    for kind, values in columns.items():
        text = _pg_array(values)
        assert isinstance(text, str), kind
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT (%s)::{kind}[] = (%s)::{kind}[], (%s)::{kind}[]::text", [text, values, text])
            same, shown = cursor.fetchone()
        assert same, (kind, shown)
    # Kinds psycopg writes its own way: the list is passed on as it is.
    for values in ([datetime(2026, 1, 1)], [Decimal("1.5")], [float("nan")], [float("inf")], ["a\x00b"], [b"x"],
                   [Jsonb({}, dumps=None)]):
        assert _pg_array(values) is values


@pytest.mark.django_db
def test_the_online_unit_is_read_by_a_compiled_query_with_the_same_rows(demo):
    """`filing._implementing_near` (compiled) reads what `implementing_units(…)` narrowed to the units over the
    applicant's home reads: for every procedure, every receiver it may choose, homes in several places, and
    with a unit that stopped offering it."""
    from django.db.models import Q

    from motcua.catalog.models import ProcedureOffer
    from motcua.catalog.search import implementing_units
    from motcua.dossiers.actions import filing

    def expected(procedure, chosen, home):
        ancestors = home.ancestor_ids
        found = implementing_units(procedure, [chosen] if chosen else None)
        return sorted(found.filter(Q(pk__in=ancestors) | Q(parent_id__in=ancestors)).values_list("pk", flat=True))

    homes = list(Unit.objects.filter(kind__in=["commune", "province", "ward"]).order_by("pk")[:6])
    compared = 0
    for stopped in (False, True):
        if stopped:  # the homes stop offering every procedure: they are left out alike
            for home in homes:
                for procedure in Procedure.objects.filter(current__isnull=False):
                    ProcedureOffer.objects.update_or_create(procedure=procedure, unit=home, defaults={"offered": False})
        for procedure in Procedure.objects.select_related("current").filter(current__isnull=False).order_by("code"):
            definition = procedure.current.definition
            for chosen in [None, *definition.get("receivers", [])]:
                for home in homes:
                    applicant = SimpleNamespace(citizen=SimpleNamespace(home_unit=home))
                    got = filing._implementing_near(procedure, chosen, applicant)
                    if got is None:
                        continue  # several receivers, none chosen, or a list of units: the queryset's own path
                    assert sorted(u.pk for u in got) == expected(procedure, chosen, home), (procedure.code, chosen)
                    compared += 1
    assert compared > 50
