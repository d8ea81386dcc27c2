"""Writing many rows at once, for the paths that handle a batch (e-mail intake).

`update_rows` sends one prepared UPDATE per set of changed columns and runs it for every
row (executemany): at intake rates the ORM's query building for one UPDATE per row would
cost more than the database does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, cast

from django.db import connection, models


def update_rows(model: type[models.Model], rows: Iterable[tuple[int, Mapping[str, Any]]]) -> int:
    """Set `{field: value}` on the row with each primary key. Values go through each
    field's own database preparation (time zones, JSON, booleans), as the ORM's would."""
    groups: dict[tuple[str, ...], list[list[Any]]] = defaultdict(list)
    meta = model._meta
    for pk, values in rows:
        if not values:
            continue
        names = tuple(sorted(values))
        params = [_field(model, name).get_db_prep_save(values[name], connection) for name in names]
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


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """A concrete column of the model, by field name or attribute name ("case_id")."""
    if name == "pk":
        return cast("models.Field[Any, Any]", model._meta.pk)
    return cast("models.Field[Any, Any]", model._meta.get_field(name))
