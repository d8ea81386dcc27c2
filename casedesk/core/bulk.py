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

M = TypeVar("M", bound=models.Model)


def insert(objs: Sequence[M]) -> Sequence[M]:
    """Insert new model instances of one model (as `bulk_create` does, ids set on them),
    with as few statements as the database's parameter limit allows."""
    if not objs:
        return objs
    model = type(objs[0])
    meta = model._meta
    pk = _field(model, "pk")
    fields = [f for f in meta.concrete_fields if f is not pk]
    for obj in objs:
        cast(Any, obj)._prepare_related_fields_for_save(operation_name="insert")  # ids of saved relations
    db = connections[DEFAULT_DB_ALIAS]
    moments: dict[datetime, Any] = {}
    preps = [_preparer(f, db, moments) for f in fields]
    ops = db.ops
    table = ops.quote_name(meta.db_table)
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, ops.bulk_batch_size(fields, objs))
    with db.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            params = [prep(obj) for obj in chunk for prep in preps]
            sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(chunk))} "  # noqa: S608
            cursor.execute(sql + f"RETURNING {ops.quote_name(pk.column)}", params)
            for obj, (new_pk,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = new_pk
                obj._state.adding = False
                obj._state.db = db.alias
    return objs


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


def _preparer(field: models.Field[Any, Any], db: Any, moments: dict[datetime, Any]) -> Any:
    """How one field's value on an instance becomes a statement parameter."""
    attname = field.attname
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), db)
    prepare = _value_preparer(field, db, moments)
    return lambda obj: prepare(getattr(obj, attname))


def _value_preparer(field: models.Field[Any, Any], db: Any, moments: dict[datetime, Any]) -> Any:
    """How one value of the field becomes a statement parameter. `moments`: the aware
    datetimes adapted so far by the caller's statement (a batch's rows share a few)."""
    if type(field).__name__ in _PLAIN_COLUMNS and type(field).__module__.startswith("django.db.models"):

        def plain(value: Any) -> Any:
            if value is None or type(value) in _PLAIN_TYPES:
                return value
            return field.get_db_prep_save(value, db)

        return plain
    if type(field) is models.DateTimeField:
        # An aware datetime needs only the backend's adaptation (the field's own preparation
        # is there to convert strings and warn of naive values); a case row has a dozen.
        # Equal aware datetimes are the same instant, which is all the adaptation reads.
        adapt = db.ops.adapt_datetimefield_value

        def moment(value: Any) -> Any:
            if type(value) is datetime and value.tzinfo is not None:
                done = moments.get(value, _MISSING)
                if done is _MISSING:
                    done = moments[value] = adapt(value)
                return done
            return field.get_db_prep_save(value, db)

        return moment
    return lambda value: field.get_db_prep_save(value, db)


_MISSING = object()


def update_rows(model: type[models.Model], rows: Iterable[tuple[int, Mapping[str, Any]]]) -> int:
    """Set `{field: value}` on the row with each primary key. Values go through each
    field's own database preparation (time zones, JSON, booleans), as the ORM's would."""
    groups: dict[tuple[str, ...], list[list[Any]]] = defaultdict(list)
    db = connections[DEFAULT_DB_ALIAS]
    moments: dict[datetime, Any] = {}
    preparers: dict[str, Any] = {}
    for pk, values in rows:
        if not values:
            continue
        names = tuple(sorted(values))
        params = []
        for name in names:
            prepare = preparers.get(name)
            if prepare is None:
                prepare = preparers[name] = _value_preparer(_field(model, name), db, moments)
            value = values[name]
            if isinstance(value, models.Model):  # a relation set by name ("duplicate_of")
                value = value.pk
            params.append(prepare(value))
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
