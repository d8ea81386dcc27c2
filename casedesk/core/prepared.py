"""Reads whose SQL is built once per process, for the paths that run the same look-ups for
every received message (e-mail intake and the case actions it calls).

At a message's rate the ORM's building and compiling of a queryset (filters resolved,
joins set up, columns listed, ordering checked) costs more than the database's answer.
A `Prepared` read builds its queryset and compiles it the first time it is asked for a
shape (how many values each list has), finds where each value went among the statement's
parameters, and afterwards only puts the new values there and reads the rows as the ORM
does (its converters, `from_db`, the `select_related` objects). Nothing about the data is
kept, only the statement: there is nothing to invalidate. A shape whose values cannot be
found again among the parameters (a lookup that transforms them) is never kept, and runs
through the ORM each time.

A list's length is rounded up to a bucket (powers of two up to `BUCKETS_UP_TO`), the
extra places holding its last value again, which an `__in` lookup matches no more rows
for: groups of messages of every size share a handful of statements, each compiled once,
instead of one compiled for every new length.

On PostgreSQL the statement is also prepared on the server at its second run on a
connection (one opened for a single request prepares nothing, which would cost it a round
trip more): the database then plans it once instead of at every run. Planning a case
page's joins took longer than running them, 2 ms against 0.3 ms at a million cases. Only
these reads are prepared; every other statement keeps Django's client-side binding. A
pooler that cannot carry prepared statements across transactions (PgBouncer before 1.21
in transaction mode) turns this off with `CASEDESK_PG_PREPARED=0`.

Supported: querysets of model instances (with `select_related`, `select_for_update`) and
`values_list()` tuples; not `prefetch_related`, `values()` or known related objects.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any, Generic, TypeVar

from django.db import connections, transaction
from django.db.backends.utils import CursorDebugWrapper
from django.db.models import QuerySet
from django.db.models.query import (  # type: ignore[attr-defined]  # not in the stubs
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M")

_NO_STATEMENT = object()  # the shape is not kept: run through the ORM

_WARMED: list[Prepared[Any]] = []  # those given examples, for `warm_all`
_REGISTRY_LOCK = threading.Lock()

# Longer lists go as they are: a padded one could pass the database's parameter limit.
BUCKETS_UP_TO = 1024


def bucket(length: int) -> int:
    """The length a list of `length` values is padded to (`length` itself past the buckets)."""
    if length > BUCKETS_UP_TO:
        return length
    size = 1
    while size < length:
        size *= 2
    return size


class _Statement:
    """A compiled queryset and where each value goes among its parameters."""

    def __init__(
        self,
        queryset: QuerySet[Any],
        compiled: tuple[SQLCompiler, str, Sequence[Any]],
        slots: list[tuple[int, int, bool]],
    ) -> None:
        compiler, self.sql, params = compiled
        self.params = list(params)
        self.slots = slots  # (parameter position, value number, as a datetime)
        self.db = queryset.db
        self.tuples = queryset._iterable_class is ValuesListIterable
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        self.converters = compiler.get_converters(fields)
        self.compiler = compiler
        if not self.tuples:
            klass_info, select = compiler.klass_info, compiler.select
            assert klass_info is not None
            self.model = klass_info["model"]
            fields_at = klass_info["select_fields"]
            self.start, self.end = fields_at[0], fields_at[-1] + 1
            self.init_list = [f[0].target.attname for f in select[self.start : self.end]]
            self.populators = get_related_populators(klass_info, select, self.db)
            self.annotations = dict(compiler.annotation_col_map or {})

    def run(self, values: list[Any]) -> list[Any]:
        params = list(self.params)
        connection = connections[self.db]
        for position, number, is_datetime in self.slots:
            value = values[number]
            params[position] = connection.ops.adapt_datetimefield_value(value) if is_datetime else value
        with _cursor(connection) as cursor:
            cursor.execute(self.sql, params)
            rows: list[Any] = cursor.fetchall()
        if self.converters:
            rows = list(self.compiler.apply_converters(rows, self.converters))
        if self.tuples:
            return [tuple(row) for row in rows]
        out = []
        for row in rows:
            obj = self.model.from_db(self.db, self.init_list, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, at in self.annotations.items():
                setattr(obj, name, row[at])
            out.append(obj)
        return out


# psycopg keeps 100 prepared statements a connection and deallocates the least used past
# that; an intake's buckets alone come near it, and one re-prepared at every message
# would cost more than planning it.
PREPARED_PER_CONNECTION = 500


def cursor(using: str = "default") -> Any:
    """A cursor for a statement of fixed text written by hand (a search document's upsert),
    prepared on the server as the kept reads are; a text that varies belongs in Django's
    own cursor, which prepares nothing."""
    return _cursor(connections[using])


def _cursor(connection: Any) -> Any:
    """A cursor that prepares on the server what it runs again, where the connection allows
    it (PostgreSQL with `prepare_threshold` set, see the settings); else the usual cursor.
    Either is Django's wrapper, so query counts and logs see the statement."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        return connection.cursor()
    connection.validate_thread_sharing()
    if (raw.prepared_max or 0) < PREPARED_PER_CONNECTION:
        raw.prepared_max = PREPARED_PER_CONNECTION
    with connection.wrap_database_errors:
        cursor = _preparing_cursor()(raw)
    if connection.queries_logged:
        return _Logged(cursor, connection)
    return connection.make_cursor(cursor)


class _Logged(CursorDebugWrapper):
    """Logs the statement with its values, as Django's own cursors do (a server-bound
    cursor keeps no client-side text of what it ran)."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return self._execute_with_wrappers(sql, params, many=False, executor=self._execute)


@cache
def _preparing_cursor() -> type:
    """psycopg's server-side binding cursor: psycopg prepares a statement it has run as
    often as the connection's `prepare_threshold` says (Django's own cursors bind on the
    client, which never prepares). Its statements' texts are converted to the server's
    placeholders once: psycopg converts those over 4 kB (a case page's joins) anew at every
    run, since an ORM's long texts seldom repeat; kept statements always do, and there are
    a bounded number of them."""
    import psycopg
    from psycopg import _queries  # psycopg's own conversion, pinned with psycopg

    converted = lru_cache(maxsize=4096)(_queries._query2pg_nocache)

    class KeptQuery(_queries.PostgresQuery):
        def convert(self, query: Any, vars: Any) -> None:
            text = self._ensure_bytes(query)
            self.query, self._want_formats, self._order, self._parts = converted(text, self._tx.encoding)
            self.dump(vars)

    class PreparingCursor(psycopg.Cursor[Any]):
        _query_cls = KeptQuery

    return PreparingCursor


def _placeholder(number: int, example: Any, variant: int) -> Any:
    """A value of the example's type that no real query uses, to find where it goes; the
    two variants of one number differ, so that a value derived from it shows as such."""
    if isinstance(example, bool):
        raise TypeError("booleans cannot be told apart; give them as part of the queryset")
    if isinstance(example, int):
        return -7_319_000_000_000 - 1_000_000 * variant - number
    if isinstance(example, str):
        return f"\x00prepared-{variant}-{number}\x00"
    if isinstance(example, datetime):
        return datetime(1901 + variant, 1, 1, 0, 0, 0, number + 1, tzinfo=UTC)
    raise TypeError(f"a prepared read takes ints, strings and datetimes, not {type(example).__name__}")


class Prepared(Generic[M]):
    """`Prepared(lambda ids, name: Model.objects.filter(pk__in=ids, name=name))`, then
    `read(ids, name)`: the rows, as `list(queryset)` would give them. Each argument is a
    value (int, str, datetime) or a collection of them for an `__in` lookup (duplicates
    and None left out, as the ORM does; empty: no rows, no statement)."""

    def __init__(
        self, build: Callable[..., QuerySet[Any]], using: str = "default", *, warm: Sequence[Any] = ()
    ) -> None:
        """`warm`: an example of each argument (a list of one value for a list), for
        `warm_all` to compile its buckets ahead, when a long-running intake starts."""
        self.build = build
        self.using = using
        self.examples = tuple(warm)
        self._statements: dict[tuple[Any, ...], Any] = {}
        self._lock = threading.Lock()
        if warm:
            with _REGISTRY_LOCK:
                _WARMED.append(self)

    def warm(self, largest: int) -> int:
        """Compile the statements of every bucket up to `largest` values (each list of the
        examples that size, the others of one value), so that no message waits for them;
        how many were compiled."""
        sizes = sorted({bucket(n) for n in range(1, largest + 1)})
        lists = [at for at, example in enumerate(self.examples) if isinstance(example, list)]
        shapes = {tuple(1 for _ in lists)}
        for size in sizes:
            shapes.add(tuple(size for _ in lists))
            shapes.update(tuple(size if at == first else 1 for at in lists) for first in lists)
        connection = connections[self.using]
        done = 0
        for lengths in sorted(shapes):
            size_of = dict(zip(lists, lengths, strict=True))
            shaped = [
                [example[0]] * size_of[at] if at in size_of else example
                for at, example in enumerate(self.examples)
            ]
            shape = tuple(
                (type(arg[0]).__name__, len(arg)) if isinstance(arg, list) else type(arg).__name__
                for arg in shaped
            )
            key = (connection.vendor, connection.alias, shape)
            if key not in self._statements:
                statement = self._prepare(shaped)
                with self._lock:
                    self._statements[key] = statement
                done += 1
        return done

    def __call__(self, *args: Any) -> list[M]:
        given: list[Any] = []  # as the caller gave them, duplicates and None left out
        shaped: list[Any] = []  # lists padded to their bucket
        flat: list[Any] = []
        shape: list[Any] = []
        for arg in args:
            if isinstance(arg, str | int | datetime):
                given.append(arg)
                shaped.append(arg)
                flat.append(arg)
                shape.append(type(arg).__name__)
            else:
                values = [v for v in dict.fromkeys(arg) if v is not None]
                if not values:
                    return []
                padded = values + [values[-1]] * (bucket(len(values)) - len(values))
                given.append(values)
                shaped.append(padded)
                flat.extend(padded)
                shape.append((type(values[0]).__name__, len(padded)))
        connection = connections[self.using]
        key = (connection.vendor, connection.alias, tuple(shape))
        statement = self._statements.get(key)
        if statement is None:
            statement = self._prepare(shaped)
            with self._lock:
                self._statements[key] = statement
        if statement is _NO_STATEMENT:
            return list(self.build(*given))
        return statement.run(flat)

    def _prepare(self, shaped: list[Any]) -> Any:
        """Compile the shape with two sets of placeholders and find them among the
        parameters; every other parameter must be the same in both (a value the builder
        derived from an argument, `since + day`, would be kept as a constant otherwise)."""
        compiled = [self._compile(shaped, variant) for variant in (0, 1)]
        if any(c is None for c in compiled):
            return _NO_STATEMENT
        (queryset, compiler, sql, params, slots), (_, _, sql_b, params_b, slots_b) = compiled  # type: ignore[misc]
        if sql != sql_b or slots != slots_b or len(params) != len(params_b):
            return _NO_STATEMENT
        placed = {position for position, _, _ in slots}
        for position, (a, b) in enumerate(zip(params, params_b, strict=True)):
            if position not in placed and (type(a) is not type(b) or a != b):
                return _NO_STATEMENT
        return _Statement(queryset, (compiler, sql, params), slots)

    def _compile(self, shaped: list[Any], variant: int) -> tuple[Any, ...] | None:
        number = 0
        markers: list[Any] = []
        placeholders: list[Any] = []
        for arg in shaped:
            if isinstance(arg, list):
                group = []
                for value in arg:
                    group.append(_placeholder(number, value, variant))
                    number += 1
                markers.extend(group)
                placeholders.append(group)
            else:
                marker = _placeholder(number, arg, variant)
                number += 1
                markers.append(marker)
                placeholders.append(marker)
        queryset = self.build(*placeholders)
        if queryset._iterable_class not in (ModelIterable, ValuesListIterable):
            return None
        if getattr(queryset, "_prefetch_related_lookups", ()) or getattr(
            queryset, "_known_related_objects", {}
        ):
            return None
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        connection = connections[queryset.db]
        wanted: dict[Any, tuple[int, bool]] = {}
        for at, marker in enumerate(markers):
            wanted[(type(marker), marker)] = (at, False)
            if isinstance(marker, datetime):
                adapted = connection.ops.adapt_datetimefield_value(marker)
                wanted[(type(adapted), adapted)] = (at, True)
        slots: list[tuple[int, int, bool]] = []
        for position, param in enumerate(params):
            try:
                found = wanted.get((type(param), param))
            except TypeError:  # an unhashable parameter (a list, for an array lookup)
                return None
            if found is not None:
                slots.append((position, *found))
        if {number for _, number, _ in slots} != set(range(len(markers))):
            return None  # a value went in transformed: not kept
        return queryset, compiler, sql, list(params), slots


def warm_all(largest: int) -> int:
    """`Prepared.warm` for every read given examples (in the modules imported so far): what
    a long-running intake does when it starts. How many statements were compiled."""
    with _REGISTRY_LOCK:
        reads = list(_WARMED)
    # Compiled, not run: inside a transaction only because the ORM refuses to compile a
    # `select_for_update` outside one (on PostgreSQL; SQLite has no row locks to refuse).
    with transaction.atomic():
        return sum(read.warm(largest) for read in reads)
