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

from django.db import connection, models

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
    preps = [_preparer(f) for f in fields]
    ops = connection.ops
    table = ops.quote_name(meta.db_table)
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, ops.bulk_batch_size(fields, objs))
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            params = [prep(obj) for obj in chunk for prep in preps]
            sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(chunk))} "  # noqa: S608
            cursor.execute(sql + f"RETURNING {ops.quote_name(pk.column)}", params)
            for obj, (new_pk,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = new_pk
                obj._state.adding = False
                obj._state.db = connection.alias
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


def _preparer(field: models.Field[Any, Any]) -> Any:
    """How one field's value becomes a statement parameter."""
    attname = field.attname
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)
    if type(field).__name__ in _PLAIN_COLUMNS and type(field).__module__.startswith("django.db.models"):

        def plain(obj: Any) -> Any:
            value = getattr(obj, attname)
            if value is None or type(value) in _PLAIN_TYPES:
                return value
            return field.get_db_prep_save(value, connection)

        return plain
    if type(field) is models.DateTimeField:
        # An aware datetime needs only the backend's adaptation (the field's own preparation
        # is there to convert strings and warn of naive values); a case row has a dozen.
        adapt = connection.ops.adapt_datetimefield_value

        def moment(obj: Any) -> Any:
            value = getattr(obj, attname)
            if type(value) is datetime and value.tzinfo is not None:
                return adapt(value)
            return field.get_db_prep_save(value, connection)

        return moment
    return lambda obj: field.get_db_prep_save(getattr(obj, attname), connection)


def update_rows(model: type[models.Model], rows: Iterable[tuple[int, Mapping[str, Any]]]) -> int:
    """Set `{field: value}` on the row with each primary key. Values go through each
    field's own database preparation (time zones, JSON, booleans), as the ORM's would."""
    groups: dict[tuple[str, ...], list[list[Any]]] = defaultdict(list)
    meta = model._meta
    for pk, values in rows:
        if not values:
            continue
        names = tuple(sorted(values))
        params = [_prepared(model, name, values[name]) for name in names]
        groups[names].append([*params, pk])
    table = connection.ops.quote_name(meta.db_table)
    done = 0
    with connection.cursor() as cursor:
        for names, params in groups.items():
            quoted = [connection.ops.quote_name(_field(model, name).column) for name in names]
            columns = ", ".join(f"{column} = %s" for column in quoted)
            pk_column = connection.ops.quote_name(_field(model, "pk").column)
            cursor.executemany(f"UPDATE {table} SET {columns} WHERE {pk_column} = %s", params)  # noqa: S608
            done += len(params)
    return done


def _prepared(model: type[models.Model], name: str, value: Any) -> Any:
    if isinstance(value, models.Model):  # a relation set by name ("duplicate_of")
        value = value.pk
    return _field(model, name).get_db_prep_save(value, connection)


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """A concrete column of the model, by field name or attribute name ("case_id")."""
    if name == "pk":
        return cast("models.Field[Any, Any]", model._meta.pk)
    return cast("models.Field[Any, Any]", model._meta.get_field(name))
