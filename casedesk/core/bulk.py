"""Writing many rows at once, for the paths that handle a batch (e-mail intake).

At intake rates the ORM's statement building costs more than the database's work: for a
`bulk_create` of 100 cases it compiles every value of every row through several layers.
`insert` builds the multi-row `INSERT ... RETURNING` itself, each value still prepared by
its own field; `update_rows` sends one prepared UPDATE per set of changed columns and runs
it for every row (executemany).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar, cast

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

M = TypeVar("M", bound=models.Model)


_NEW: dict[type[models.Model], Any] = {}


def new(model: type[M], **values: Any) -> M:
    """`model(**values)`, an unsaved instance with the same attributes, built from the
    model's defaults worked out once per process (the ORM's constructor asks every field
    for its default and goes through each one's descriptor: most of the cost of a row at
    intake rates). Values are given by attribute name (`case_id`) or, for a foreign key,
    as the related object (`case`), set through its descriptor as the ORM does. Anything
    else, a model with `pre_init`/`post_init` receivers or with a field whose attribute
    does more than store its value: the ORM's constructor."""
    spec = _NEW.get(model)
    if spec is None:
        spec = _NEW[model] = _new_spec(model)
    if spec is False or pre_init.has_listeners(model) or post_init.has_listeners(model):
        return model(**values)
    constants, computed, related = spec
    attributes = dict(constants)
    relations = []
    for name, value in values.items():
        if value is models.DEFERRED:
            return model(**values)
        if name in related:
            relations.append((name, value))
        elif name in attributes:
            attributes[name] = value
        else:
            return model(**values)
    for attname, name, field in computed:
        if attname not in values and name not in values:
            attributes[attname] = field.get_default()
    obj = model.__new__(model)
    obj.__dict__.update(attributes)
    obj._state = ModelState()
    for name, value in relations:
        setattr(obj, name, value)
    return obj


def _new_spec(model: type[models.Model]) -> Any:
    """(each attribute's constant default, the fields whose default is computed each time,
    the foreign keys by name), or False when `new` must leave the model to the ORM."""
    meta = model._meta
    if meta.abstract or list(meta.fields) != list(meta.concrete_fields):
        return False
    constants: dict[str, Any] = {}
    computed: list[tuple[str, str, Any]] = []
    related: set[str] = set()
    for field in meta.concrete_fields:
        if field.generated or field.column is None:
            return False
        descriptor = next(
            (k.__dict__[field.attname] for k in model.__mro__ if field.attname in k.__dict__), None
        )
        if field.is_relation:
            if type(descriptor) is not ForeignKeyDeferredAttribute or field.one_to_one:
                return False
            related.add(field.name)
        elif type(descriptor) is not DeferredAttribute:
            return False
        if field.has_default() and callable(field.default):
            computed.append((field.attname, field.name, field))
            constants[field.attname] = None  # replaced per instance unless given
        else:
            constants[field.attname] = field.get_default()
    return constants, computed, related


def insert(objs: Sequence[M], *, unless_taken: str | None = None) -> Sequence[M]:
    """Insert new model instances of one model (as `bulk_create` does, ids set on them),
    with as few statements as the database's parameter limit allows.

    `unless_taken`: a unique field; a row whose value of it is already there (or earlier in
    `objs`) is skipped (`ON CONFLICT DO NOTHING`), so a caller needs no savepoint to catch
    the conflict. Returns the instances inserted."""
    if not objs:
        return objs
    model = type(objs[0])
    for obj in objs:
        cast(Any, obj)._prepare_related_fields_for_save(operation_name="insert")  # ids of saved relations
    db = connections[DEFAULT_DB_ALIAS]
    fields, preps, table, columns, row, returning = _columns(model, db)
    guard = ""
    if unless_taken is not None:
        unique = _field(model, unless_taken)
        guard = f"ON CONFLICT ({db.ops.quote_name(unique.column)}) DO NOTHING "
        returning += f", {db.ops.quote_name(unique.column)}"
    moments: dict[datetime, Any] = {}
    size = max(1, db.ops.bulk_batch_size(fields, objs))
    inserted: list[M] = []
    with db.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            params = [prep(obj, db, moments) for obj in chunk for prep in preps]
            sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(chunk))} {guard}"  # noqa: S608
            cursor.execute(sql + returning, params)
            rows = cursor.fetchall()
            if unless_taken is None:
                done = list(zip(chunk, (new_pk for (new_pk,) in rows), strict=True))
            else:
                done = _matched(chunk, rows, unique.attname)
            for obj, new_pk in done:
                obj.pk = new_pk
                obj._state.adding = False
                obj._state.db = db.alias
                inserted.append(obj)
    return inserted if unless_taken is not None else objs


def _matched(chunk: Sequence[M], rows: Sequence[Sequence[Any]], attname: str) -> list[tuple[M, Any]]:
    """The instances an `ON CONFLICT DO NOTHING` insert wrote, with their ids: a row
    returned is matched by its unique value, the first instance holding it; rows without one
    (NULL never conflicts) in the order returned."""
    by_value = {value: pk for pk, value in rows if value is not None}
    unvalued = iter([pk for pk, value in rows if value is None])
    done = []
    for obj in chunk:
        value = getattr(obj, attname)
        if value is None:
            done.append((obj, next(unvalued)))
        elif value in by_value:
            done.append((obj, by_value.pop(value)))
    return done


_COLUMNS: dict[tuple[type[models.Model], str], tuple[Any, ...]] = {}


def _columns(model: type[models.Model], db: Any) -> tuple[Any, ...]:
    """A model's insert, worked out once per process and database kind: its columns, how
    each value is prepared, and the statement's fixed parts (a lone message inserts a
    handful of rows of several models)."""
    key = (model, db.vendor)
    found = _COLUMNS.get(key)
    if found is None:
        pk = _field(model, "pk")
        fields = [f for f in model._meta.concrete_fields if f is not pk]
        ops = db.ops
        found = (
            fields,
            [_preparer(f) for f in fields],
            ops.quote_name(model._meta.db_table),
            ", ".join(ops.quote_name(f.column) for f in fields),
            "(" + ", ".join(["%s"] * len(fields)) + ")",
            f"RETURNING {ops.quote_name(pk.column)}",
        )
        _COLUMNS[key] = found
    return found


# Values of these types go to the driver as they are for the plain column kinds below;
# `get_db_prep_save` would hand them on unchanged after several calls each.
_PLAIN_TYPES = (str, int, bool, float)
_PLAIN_COLUMNS = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "EmailField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}
_TEXT_COLUMNS = {"CharField", "EmailField", "SlugField", "TextField"}


def _preparer(field: models.Field[Any, Any]) -> Any:
    """How one field's value on an instance becomes a statement parameter:
    `prepare(obj, connection, moments)`."""
    attname = field.attname
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj, db, moments: field.get_db_prep_save(field.pre_save(obj, True), db)
    prepare = _value_preparer(field)
    return lambda obj, db, moments: prepare(getattr(obj, attname), db, moments)


def _value_preparer(field: models.Field[Any, Any]) -> Any:
    """How one value of the field becomes a statement parameter: `prepare(value,
    connection, moments)`; `moments`, the aware datetimes adapted so far by the caller's
    statement (a batch's rows share a few)."""
    if type(field).__name__ in _PLAIN_COLUMNS and type(field).__module__.startswith("django.db.models"):
        textual = type(field).__name__ in _TEXT_COLUMNS

        def plain(value: Any, db: Any, moments: dict[datetime, Any]) -> Any:
            if value is None or type(value) in _PLAIN_TYPES:
                return value
            if textual and isinstance(value, str):
                return value  # a choice (a str enum): the field hands any str on as it is
            return field.get_db_prep_save(value, db)

        return plain
    if type(field) is models.DateTimeField:
        # An aware datetime needs only the backend's adaptation (the field's own preparation
        # is there to convert strings and warn of naive values); a case row has a dozen.
        # Equal aware datetimes are the same instant, which is all the adaptation reads.

        def moment(value: Any, db: Any, moments: dict[datetime, Any]) -> Any:
            if value is None:
                return None  # what the field's preparation makes of it
            if type(value) is datetime and value.tzinfo is not None:
                done = moments.get(value, _MISSING)
                if done is _MISSING:
                    done = moments[value] = db.ops.adapt_datetimefield_value(value)
                return done
            return field.get_db_prep_save(value, db)

        return moment
    return lambda value, db, moments: field.get_db_prep_save(value, db)


_MISSING = object()


_UPDATED: dict[tuple[type[models.Model], str], Any] = {}  # (model, name): its value's preparer


def update_rows(model: type[models.Model], rows: Iterable[tuple[int, Mapping[str, Any]]]) -> int:
    """Set `{field: value}` on the row with each primary key. Values go through each
    field's own database preparation (time zones, JSON, booleans), as the ORM's would."""
    groups: dict[tuple[str, ...], list[list[Any]]] = defaultdict(list)
    db = connections[DEFAULT_DB_ALIAS]
    moments: dict[datetime, Any] = {}
    for pk, values in rows:
        if not values:
            continue
        names = tuple(sorted(values))
        params = []
        for name in names:
            prepare = _UPDATED.get((model, name))
            if prepare is None:
                prepare = _UPDATED[(model, name)] = _value_preparer(_field(model, name))
            value = values[name]
            if isinstance(value, models.Model):  # a relation set by name ("duplicate_of")
                value = value.pk
            params.append(prepare(value, db, moments))
        groups[names].append([*params, pk])
    meta = model._meta
    table = db.ops.quote_name(meta.db_table)
    done = 0
    with db.cursor() as cursor:
        for names, params in groups.items():
            quoted = [db.ops.quote_name(_field(model, name).column) for name in names]
            columns = ", ".join(f"{column} = %s" for column in quoted)
            pk_column = db.ops.quote_name(_field(model, "pk").column)
            cursor.executemany(f"UPDATE {table} SET {columns} WHERE {pk_column} = %s", params)  # noqa: S608
            done += len(params)
    return done


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """A concrete column of the model, by field name or attribute name ("case_id")."""
    if name == "pk":
        return cast("models.Field[Any, Any]", model._meta.pk)
    return cast("models.Field[Any, Any]", model._meta.get_field(name))
