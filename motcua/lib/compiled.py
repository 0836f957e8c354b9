"""Hot queries compiled to SQL once per process, then run again with other values.

Building a queryset and compiling it to SQL is most of the Python time of a short query: the
bearer token's lookup (token, user, citizen profile, home unit and an EXISTS) took 1.3 ms of CPU,
of which 0.2 ms ran the SQL and read the row. The requests every citizen and officer sends (submit,
act) run the same dozen queries with other values; `Compiled` compiles each once and keeps its
SQL, its parameters and Django's own compiler (which knows how to turn a row into instances with
their `select_related` objects), and on each call puts the call's values into the parameters.

How the values are found in the SQL's parameters: the query is built once with unique stand-ins
(sentinels) for the call's values, compiled, and each stand-in must then appear exactly once among
the parameters, as the backend adapts a value of its type. A query where that is not so (a value
the ORM transforms, as `startswith` escapes it, or a type without a unique stand-in such as a
bool) is never cached: every call builds it as usual. Lists (`pk__in`) are cached per length.
Only querysets of model instances or plain `values_list` without prefetching are accepted: the
rows become objects exactly as Django's `ModelIterable` makes them.
"""

from __future__ import annotations

import copy
import math
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.models.signals import post_save, pre_save
from django.db.models.sql.subqueries import InsertQuery, UpdateQuery
from django.db.transaction import TransactionManagementError, mark_for_rollback_on_error

T = TypeVar("T")

# A stand-in of each kind no real call passes: ids near the top of a 32-bit column (Django answers a
# lookup outside a column's range without asking the database, so they stay inside it), text in the
# private use area, dates before any record. `n` makes each stand-in of one query distinct.
_INT_RANGE = (-(2**31), 2**31)
_KINDS = frozenset({int, str, datetime, date})
_BASE_DATETIME = datetime(1900, 1, 1, 0, 0, 0, 123457, tzinfo=UTC)


def _sentinel(kind: type, n: int) -> Any:
    if kind is int:
        return 2_147_000_000 + n
    if kind is str:
        return f"\ue000motcua-{n}\ue001"
    if kind is datetime:
        return _BASE_DATETIME + timedelta(seconds=n)
    if kind is date:
        return date(1900, 1, 1) + timedelta(days=n)
    raise TypeError(kind)


def _adapt(value: Any, connection) -> Any:
    """The value as the backend's operations adapt it for a column of its type (what the ORM passes on)."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


class _Entry:
    __slots__ = ("compiler", "converters", "kind", "locks", "params", "positions", "reader", "sql")

    def __init__(self, compiler, sql: str, params: tuple, positions: list[tuple[int, int, int | None]], kind: type,
                 locks: bool) -> None:
        self.compiler, self.sql, self.params, self.positions = compiler, sql, params, positions
        self.kind, self.locks = kind, locks
        # Found at the first run, as Django finds them at each: the columns' converters (for one
        # connection: the backend's are its methods) and how a row becomes objects (model instances).
        self.converters: tuple[Any, dict] | None = None
        self.reader: tuple | None = None


_UNCACHEABLE = object()


class Compiled(Generic[T]):
    """`build(*values)` → a queryset; `Compiled(build)(*values)` → its rows, compiled once.

    The values are ints, strings, datetimes, dates, or lists of one of these (their length is part of
    what is cached). `build` must use each value only as the value of a lookup (`field=value`,
    `field__gt=value`, `field__in=values`): what it does with them is what any call does.
    """

    def __init__(self, build: Callable[..., QuerySet], using: str = DEFAULT_DB_ALIAS) -> None:
        self.build, self.using = build, using
        self._cache: dict[tuple, Any] = {}
        self._lock = threading.Lock()

    def __call__(self, *values: Any) -> list[T]:
        shape = self._shape(values)
        entry = self._cache.get(shape) if shape is not None else _UNCACHEABLE
        if entry is None:
            with self._lock:
                entry = self._cache.get(shape)
                if entry is None:
                    entry = self._cache[shape] = self._compile(shape)
        if entry is _UNCACHEABLE:
            return list(self.build(*values))
        return self._run(entry, values)

    def first(self, *values: Any) -> T | None:
        """The first row (the builder orders and slices: `[:1]`), or None."""
        rows = self(*values)
        return rows[0] if rows else None

    @staticmethod
    def _shape(values: Sequence[Any]) -> tuple | None:
        """What a compiled query depends on: each value's type, and each list's length (None: not cacheable)."""
        shape = []
        for v in values:
            items = v if isinstance(v, list | tuple) else [v]
            kinds = {type(x) for x in items}
            if len(kinds) != 1 or not kinds <= _KINDS:
                return None  # an empty or mixed list, a bool, None…: built every time
            # An id beyond a 32-bit column: Django may answer such a lookup itself (no row), never the database.
            if any(type(x) is int and not _INT_RANGE[0] <= x < _INT_RANGE[1] for x in items):
                return None
            shape.append((kinds.pop(), len(v) if isinstance(v, list | tuple) else None))
        return tuple(shape)

    def _compile(self, shape: tuple) -> Any:
        connection = connections[self.using]
        stand_ins, n = [], 0
        for kind, length in shape:
            if length is None:
                stand_ins.append(_sentinel(kind, n))
                n += 1
            else:
                stand_ins.append([_sentinel(kind, n + i) for i in range(length)])
                n += length
        qs = self.build(*stand_ins)
        iterable = qs._iterable_class
        if qs._prefetch_related_lookups or qs._known_related_objects or iterable not in (
            ModelIterable, FlatValuesListIterable, ValuesListIterable
        ):
            return _UNCACHEABLE
        query = qs.query
        if iterable is not ModelIterable and (query.extra_select or query.annotation_select or not qs._fields
                                              or list(qs._fields) != list(query.values_select)):
            return _UNCACHEABLE
        compiler = query.get_compiler(using=self.using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # a lookup that can match nothing: built each time, as Django answers it
            return _UNCACHEABLE
        params = tuple(params)
        positions: list[tuple[int, int, int | None]] = []  # (parameter index, value index, item index)
        for i, (value, (_kind, length)) in enumerate(zip(stand_ins, shape, strict=True)):
            items = [(v, None if length is None else j) for j, v in enumerate(value if length is not None else [value])]
            for stand_in, j in items:
                adapted = _adapt(stand_in, connection)
                found = [k for k, p in enumerate(params) if type(p) is type(adapted) and p == adapted]
                if len(found) != 1:
                    return _UNCACHEABLE
                positions.append((found[0], i, j))
        if len(positions) != n:
            return _UNCACHEABLE
        return _Entry(compiler, sql, params, positions, iterable, bool(query.select_for_update))

    def _run(self, entry: _Entry, values: Sequence[Any]) -> list[T]:
        connection = connections[self.using]
        if (entry.locks and connection.features.has_select_for_update and connection.get_autocommit()
                and connection.features.supports_transactions):
            # What the compiler itself checks at each compilation.
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        params = list(entry.params)
        for k, i, j in entry.positions:
            params[k] = _adapt(values[i] if j is None else values[i][j], connection)
        compiler = copy.copy(entry.compiler)
        compiler.connection = connection  # this thread's connection, not the one that compiled it
        sql = entry.sql
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        known = entry.converters
        if known is None or known[0] is not connection:
            fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
            known = entry.converters = (connection, compiler.get_converters(fields))
        converters = known[1]
        compiler.get_converters = lambda expressions: converters
        if entry.kind is FlatValuesListIterable:
            return [row[0] for row in compiler.results_iter(chunked_fetch=False)]
        if entry.kind is ValuesListIterable:
            return list(compiler.results_iter(tuple_expected=True, chunked_fetch=False))
        return list(self._instances(compiler, entry))

    def _instances(self, compiler, entry: _Entry):
        # Django's ModelIterable, for a query without known related objects.
        db = self.using
        results = compiler.execute_sql(chunked_fetch=False)
        if entry.reader is None:
            # What ModelIterable works out at each query; the populators keep no state between rows.
            select, klass_info = compiler.select, compiler.klass_info
            select_fields = klass_info["select_fields"]
            start, end = select_fields[0], select_fields[-1] + 1
            entry.reader = (klass_info["model"], [f[0].target.attname for f in select[start:end]], start, end,
                            get_related_populators(klass_info, select, db), compiler.annotation_col_map)
        model_cls, init_list, start, end, related_populators, annotation_col_map = entry.reader
        for row in compiler.results_iter(results):
            obj = model_cls.from_db(db, init_list, row[start:end])
            for populator in related_populators:
                populator.populate(row, obj)
            if annotation_col_map:
                for attr_name, col_pos in annotation_col_map.items():
                    setattr(obj, attr_name, row[col_pos])
            yield obj


# --- INSERT of one new row ------------------------------------------------------------------------

_INSERTS: dict[tuple[type, str], Any] = {}
_insert_lock = threading.Lock()


def _plain(model: type[Model], pre_save_sent: bool = False) -> bool:
    """A model whose `save()` is only the statement: Django's own save, no signal receiver, no parent.

    A model whose own `save()` only refuses what Django's would do (the audit log's refuses to change a
    stored row) says so with `compiled_save = True`.
    """
    meta = model._meta
    # The class whose save() runs must be Django's, or one that declares itself (not a subclass of it).
    owner = next(c for c in model.__mro__ if "save" in c.__dict__)
    return ((owner is Model or owner.__dict__.get("compiled_save") is True)
            and not meta.parents and not meta.select_on_save and not meta.order_with_respect_to
            and (pre_save_sent or not pre_save.has_listeners(model)) and not post_save.has_listeners(model))


def _new_row(obj: Model) -> bool:
    """`save()` of `obj` would be an INSERT only: an auto id not set yet, or a primary key with a default."""
    meta = obj._meta
    if not obj._state.adding:
        return False
    if meta.auto_field is not None:
        return obj.pk is None
    return meta.pk.has_default() and obj.pk is not None


def insert(obj: Model, using: str = DEFAULT_DB_ALIAS, pre_save_sent: bool = False) -> None:
    """`obj.save()` of a new row (its auto primary key unset, or a primary key by default such as a UUID),
    the INSERT's SQL compiled once per model.

    What `save()` does for such a row, but for compiling the statement: related objects' ids taken
    (and unsaved ones refused), each field's `pre_save` (auto_now_add…) and database value, the
    RETURNING columns set on the object, the object marked saved. Any other case — a model with its
    own `save()`, a signal receiver, a parent model, a primary key already set, an expression as a
    value — is `obj.save()` itself. `pre_save_sent`: the caller has sent `pre_save` for `obj` as save()
    sends it (so its receivers must bear being called twice, should it come to save() after all).
    """
    model = type(obj)
    if not _new_row(obj) or not _plain(model, pre_save_sent):
        obj.save(using=using)
        return
    key = (model, using)
    entry = _INSERTS.get(key)
    if entry is None:
        with _insert_lock:
            entry = _INSERTS.get(key)
            if entry is None:
                entry = _INSERTS[key] = _compile_insert(obj, using)
    if entry is _UNCACHEABLE:
        obj.save(using=using)
        return
    compiler_template, sql, fields = entry
    obj._prepare_related_fields_for_save(operation_name="save")
    connection = connections[using]
    compiler = copy.copy(compiler_template)
    compiler.connection = connection
    values = [field.pre_save(obj, add=True) for field in fields]
    if any(hasattr(v, "resolve_expression") for v in values):
        obj.save(using=using)  # an expression to compile: Django's own path (pre_save again is idempotent)
        return
    params = [field.get_db_prep_save(v, connection=connection) for field, v in zip(fields, values, strict=True)]
    compiler.as_sql = lambda *args, **kwargs: [(sql, params)]
    returning = model._meta.db_returning_fields
    with mark_for_rollback_on_error(using):
        rows = compiler.execute_sql(returning)
    if rows:
        for value, field in zip(rows[0], returning, strict=False):
            setattr(obj, field.attname, value)
    obj._state.adding = False
    obj._state.db = using


def _compile_insert(objs: Model | list[Model], using: str) -> Any:
    """The INSERT of these new rows (one, or a list of one model's), compiled once: (compiler, SQL, fields)."""
    rows = objs if isinstance(objs, list) else [objs]
    meta = rows[0]._meta
    # The columns save() writes for a new row: an auto id is the database's, a primary key by default is ours.
    fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field]
    if any(getattr(f, "get_placeholder", None) is not None for f in fields):
        return _UNCACHEABLE  # a field that writes its own SQL around the value
    query = InsertQuery(type(rows[0]))
    # The statement for template rows: unsaved copies, so the objects saved later are untouched here.
    templates = []
    for obj in rows:
        template = copy.copy(obj)
        template._state = copy.copy(obj._state)
        templates.append(template)
    query.insert_values(fields, templates)
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = meta.db_returning_fields
    try:
        statements = compiler.as_sql()
    except Exception:
        return _UNCACHEABLE
    if len(statements) != 1:
        return _UNCACHEABLE
    sql, params = statements[0]
    if sql.count("%s") == len(fields) * len(rows) == len(params):
        return compiler, sql, fields
    # PostgreSQL's many rows: `SELECT * FROM UNNEST(%s::type[], …)`, one array of every row's values a column.
    if len(rows) > 1 and sql.count("%s") == len(fields) == len(params) and all(isinstance(p, list) for p in params):
        return compiler, sql, fields, True
    return _UNCACHEABLE


def bulk_insert(objs: list[Model], using: str = DEFAULT_DB_ALIAS) -> None:
    """`Model.objects.bulk_create(objs)` of new rows of one model with auto ids, inside the caller's transaction,
    the multi-row INSERT compiled once per model and number of rows.

    What bulk_create does for such rows (it calls no save() and sends no signal): related objects' ids taken
    (unsaved ones refused), each field's `pre_save` and database value, one `INSERT … VALUES (…), (…)
    RETURNING id`, the ids set and the objects marked saved. A submit's steps (eight rows of some twenty
    columns) took a third of its ORM time to build and compile. Anything else — rows with ids, of several
    models, outside a transaction (bulk_create opens one), more rows than one statement takes, a database
    that cannot return the ids of many rows, an expression as a value — goes to `bulk_create` itself.
    """
    if not objs:
        return
    model = type(objs[0])
    meta = model._meta
    connection = connections[using]
    if (meta.auto_field is None or meta.parents or any(type(o) is not model or o.pk is not None for o in objs)
            or not connection.in_atomic_block or not connection.features.can_return_rows_from_bulk_insert):
        model._default_manager.db_manager(using).bulk_create(objs)
        return
    key = (model, using, len(objs))
    entry = _INSERTS.get(key)
    if entry is None:
        with _insert_lock:
            entry = _INSERTS.get(key)
            if entry is None:
                entry = _INSERTS[key] = _compile_insert(list(objs), using)
                if entry is not _UNCACHEABLE and connection.ops.bulk_batch_size(entry[2], objs) < len(objs):
                    entry = _INSERTS[key] = _UNCACHEABLE  # bulk_create would send it in several statements
    if entry is _UNCACHEABLE:
        model._default_manager.db_manager(using).bulk_create(objs)
        return
    compiler_template, sql, fields, *by_column = entry
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    values = [field.pre_save(obj, add=True) for obj in objs for field in fields]
    if any(hasattr(v, "resolve_expression") for v in values):
        model._default_manager.db_manager(using).bulk_create(objs)
        return
    params = [field.get_db_prep_save(v, connection=connection)
              for field, v in zip(fields * len(objs), values, strict=True)]
    if by_column:
        params = [_pg_array(params[i :: len(fields)]) for i in range(len(fields))]
    compiler = copy.copy(compiler_template)
    compiler.connection = connection
    compiler.as_sql = lambda *args, **kwargs: [(sql, params)]
    returning = meta.db_returning_fields
    with mark_for_rollback_on_error(using):
        rows = compiler.execute_sql(returning)
    for obj, row in zip(objs, rows, strict=True):
        for value, field in zip(row, returning, strict=False):
            setattr(obj, field.attname, value)
        obj._state.adding = False
        obj._state.db = using


def _pg_array(values: list) -> Any:
    """A column's values for PostgreSQL's `(%s)::type[]` (the UNNEST of a bulk insert): the array's text
    form, or the list itself (psycopg adapts it) when a value is of a kind not written here.

    psycopg writes a list element by element in Python, escaping each quoted element with a regular
    expression that calls back into Python at every quote and backslash: the nineteen arrays of a
    submit's four steps (their names, three languages of escaped JSON) took ~1 ms to adapt, most of a
    submit's parameter adaptation. Here each element is the text psycopg's dumper gives it (`str()`,
    JSON by the wrapper's own `dumps`, `t`/`f`), quoted and escaped with `str.replace`; the cast to the
    column's array type reads it as it reads psycopg's literal (tests/api/test_compiled_queries.py).
    """
    from psycopg.types.json import Json, Jsonb

    out = []
    for v in values:
        kind = type(v)
        if v is None:
            out.append("NULL")
            continue
        if kind is bool:
            out.append("t" if v else "f")
            continue
        if kind is int:
            out.append(str(v))
            continue
        if kind is float:
            if not math.isfinite(v):
                return values
            out.append(repr(v))
            continue
        if isinstance(v, str):
            text = v
        elif (kind is datetime and v.tzinfo is not None) or kind is date:
            text = str(v)
        elif (kind is Jsonb or kind is Json) and v.dumps is not None:
            text = v.dumps(v.obj)
            if not isinstance(text, str):
                return values
        else:
            return values  # a naive datetime, a decimal, a UUID…: psycopg's own way
        if "\x00" in text:
            return values  # psycopg refuses it with its own error
        out.append('"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(out) + "}"


# --- UPDATE of one stored row ---------------------------------------------------------------------

_UPDATES: dict[tuple, Any] = {}
_update_lock = threading.Lock()


def update(obj: Model, update_fields: Sequence[str] | None = None, using: str = DEFAULT_DB_ALIAS) -> None:
    """`obj.save()` (or `obj.save(update_fields=…)`) of a row already stored, the UPDATE compiled once.

    Django's save of a stored row is one `UPDATE … SET every column (or those named) … WHERE id = %s`;
    building and compiling that statement, some forty columns for a dossier, was most of the CPU of
    `perform`'s save. Here it is compiled once per model, columns and set of NULL values (Django writes
    `= NULL` rather than a parameter), and sent with the row's values prepared as save() prepares them
    (`pre_save`, `get_db_prep_save`). Anything else — a model with its own `save()`, a signal receiver,
    a parent model, deferred fields, an expression as a value, a row not found — is `obj.save()` itself.
    """
    model = type(obj)
    meta = model._meta
    if (obj._state.adding or obj.pk is None or not _plain(model) or meta.auto_field is None
            or (update_fields is None and obj.get_deferred_fields())):
        obj.save(using=using, update_fields=update_fields)
        return
    names = None if update_fields is None else frozenset(update_fields)
    if names is not None and not names:
        return  # save(update_fields=[]) writes nothing
    obj._prepare_related_fields_for_save(operation_name="save")
    fields_key = (model, using, names)
    fields = _UPDATES.get(fields_key)
    if fields is None:
        fields = [f for f in meta.local_concrete_fields
                  if not f.primary_key and not f.generated and (names is None or f.name in names or f.attname in names)]
        if names is not None and len(fields) != len(names):
            fields = _UNCACHEABLE  # a name save() would refuse: let it say so
        elif any(getattr(f, "get_placeholder", None) is not None for f in fields):
            fields = _UNCACHEABLE
        _UPDATES[fields_key] = fields
    if fields is _UNCACHEABLE:
        obj.save(using=using, update_fields=update_fields)
        return
    connection = connections[using]
    raw = [f.pre_save(obj, False) for f in fields]
    if any(hasattr(v, "resolve_expression") or hasattr(v, "prepare_database_save") for v in raw):
        obj.save(using=using, update_fields=update_fields)
        return
    prepared = [f.get_db_prep_save(v, connection=connection) for f, v in zip(fields, raw, strict=True)]
    if any(hasattr(v, "as_sql") for v in prepared):
        obj.save(using=using, update_fields=update_fields)
        return
    nulls = tuple(v is None for v in prepared)
    key = (model, using, names, nulls)
    sql = _UPDATES.get(key)
    if sql is None:
        with _update_lock:
            sql = _UPDATES.get(key)
            if sql is None:
                sql = _UPDATES[key] = _compile_update(model, fields, raw, len(nulls) - sum(nulls), obj.pk, using)
    if sql is _UNCACHEABLE:
        obj.save(using=using, update_fields=update_fields)
        return
    params = [v for v in prepared if v is not None]
    params.append(meta.pk.get_db_prep_value(obj.pk, connection, prepared=False))
    with mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.rowcount
    if found == 0:
        # No such row: what save() does then (an INSERT; with update_fields, an error).
        obj.save(using=using, update_fields=update_fields)
        return
    obj._state.db = using
    obj._state.adding = False


def _compile_update(model: type[Model], fields: list, values: list, given: int, pk: Any, using: str) -> Any:
    """The SQL Django's save sends for these values (only whether each is NULL matters to the text)."""
    query = UpdateQuery(model)
    query.add_update_fields([(f, None, v) for f, v in zip(fields, values, strict=True)])
    query.add_filter("pk", pk)
    try:
        sql, params = query.get_compiler(using=using).as_sql()
    except Exception:
        return _UNCACHEABLE
    if not sql or sql.count("%s") != len(params) or len(params) != given + 1:
        return _UNCACHEABLE
    return sql
