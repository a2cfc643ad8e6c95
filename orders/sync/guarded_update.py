"""bulk_write's PostgreSQL path: one statement per batch that locks, checks and writes.

    WITH cur AS MATERIALIZED (        -- lock the rows in pk order, read what they hold now
        SELECT pk, c0, c1, ... FROM table WHERE pk = ANY(%s) ORDER BY pk FOR UPDATE),
    v AS MATERIALIZED (               -- per row and changed field: set?, old value, new value
        SELECT * FROM unnest(%s::bigint[], %s::boolean[], %s::numeric[], %s::numeric[], ...)
        AS v(pk, s0, o0, n0, s1, o1, n1, ...)),
    w AS MATERIALIZED (               -- per field: still holds the old value (w_i) or not (d_i)
        SELECT v.pk, (s_i AND cur.c_i IS NOT DISTINCT FROM o_i) AS w_i, ... FROM v JOIN cur),
    upd AS (UPDATE table AS t SET c_i = CASE WHEN w.w_i THEN v.n_i ELSE t.c_i END, ..., <extra>
            FROM w JOIN v WHERE t.pk = w.pk AND (w.w0 OR w.w1 ...) RETURNING t.pk)
    SELECT w.pk, upd.pk IS NOT NULL, w.w0, <cur.c0 if d0>, ... FROM w JOIN cur LEFT JOIN upd

`FOR UPDATE` returns each row's latest committed version (it waits for a writer holding the
row, then reads what that writer committed), so `cur` is what the rows hold now and nobody can
change them until the page's transaction ends; the UPDATE writes a field only where `cur` still
holds the value the diff was made against (`w_i`), and a row where no field does is not written
at all (no `updated_at` bump). The final SELECT tells, per row, which fields were written and
what the dropped ones hold, as the portable path's separate SELECT FOR UPDATE does. Values are
bound as one array per column (the statement's text depends only on the changed fields, never
on the row count), cast to the column's type (CharField as plain varchar and DecimalField as
plain numeric, so the column's own length check and rounding apply as in any UPDATE).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

# Rows per statement: its arrays (1 + 3 per changed field) are interpolated client-side by
# psycopg, so this only bounds one statement's size and the time its row locks are taken in.
MAX_ROWS = 1000


def write_batch(
    model: type[models.Model], batch: list[Any], extra: dict[str, Any]
) -> list[tuple[Any, bool, dict[str, tuple[bool, Any]]]]:
    """Run the guarded UPDATE for `batch` (Changes with a pk, distinct pks).

    Returns, per row still there: (pk, written, {field name: (written, stored)}), `stored`
    being what a field the row changed but that was not written holds (None otherwise). A row
    missing from the answer was deleted meanwhile.
    """
    conn = connections[DEFAULT_DB_ALIAS]  # not the proxy: it is read per value below
    names = tuple(sorted({name for change in batch for name in change.fields}))
    fields = [model._meta.get_field(name) for name in names]
    pk_prep = model._meta.pk.get_db_prep_value
    pks = [pk_prep(change.obj.pk, conn) for change in batch]
    params: list[Any] = [pks, pks]  # cur's = ANY(...), then unnest(pk, s0, o0, n0, s1, ...)
    for name, field in zip(names, fields, strict=True):
        prep = field.get_db_prep_value
        flags, olds, news = [], [], []
        for change in batch:
            old_new = change.fields.get(name)
            if old_new is None:
                flags.append(False)
                olds.append(None)
                news.append(None)
            else:
                old, new = old_new
                flags.append(True)
                olds.append(None if old is None else prep(old, conn))
                news.append(None if new is None else prep(new, conn))
        params += [flags, olds, news]
    for name, value in extra.items():
        params.append(model._meta.get_field(name).get_db_prep_value(value, conn))
    with conn.cursor() as cursor:
        cursor.execute(_statement(model, names, tuple(extra)), params)
        rows = cursor.fetchall()
    converters = [_converters(field, conn) for field in fields]
    result = []
    for row in rows:
        per_field = {}
        for i, name in enumerate(names):
            stored = row[3 + 2 * i]
            if stored is not None:
                for convert in converters[i]:
                    stored = convert(stored)
            per_field[name] = (row[2 + 2 * i], stored)
        result.append((row[0], row[1], per_field))
    return result


@lru_cache(maxsize=256)
def _statement(model: type[models.Model], names: tuple[str, ...], extra: tuple[str, ...]) -> str:
    """The statement for these changed fields; its text does not depend on the row count."""
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in names]
    table, pk_col = quote(model._meta.db_table), quote(model._meta.pk.column)
    cols = [quote(field.column) for field in fields]
    pk_array = f"%s::{_cast(model._meta.pk)}[]"
    arrays = [pk_array]
    for field in fields:
        cast = _cast(field)
        arrays += ["%s::boolean[]", f"%s::{cast}[]", f"%s::{cast}[]"]
    count = range(len(fields))
    v_names = ", ".join(["pk"] + [f"s{i}, o{i}, n{i}" for i in count])
    cur_cols = ", ".join(f"{col} AS c{i}" for i, col in enumerate(cols))
    holds = ", ".join(
        f"(v.s{i} AND cur.c{i} IS NOT DISTINCT FROM v.o{i}) AS w{i},"
        f" (v.s{i} AND cur.c{i} IS DISTINCT FROM v.o{i}) AS d{i}"
        for i in count
    )
    sets = [f"{col} = CASE WHEN w.w{i} THEN v.n{i} ELSE t.{col} END" for i, col in enumerate(cols)]
    for name in extra:
        field = model._meta.get_field(name)
        sets.append(f"{quote(field.column)} = %s::{_cast(field)}")
    any_written = " OR ".join(f"w.w{i}" for i in count)
    # A stored value is sent back only for a field dropped (d_i): the rest are NULL.
    answer = ", ".join(f"w.w{i}, CASE WHEN w.d{i} THEN cur.c{i} END" for i in count)
    # Only quoted identifiers from the model's _meta go into the text; values are parameters.
    return (
        f"WITH cur AS MATERIALIZED (SELECT {pk_col} AS pk, {cur_cols} FROM {table}"  # noqa: S608
        f" WHERE {pk_col} = ANY({pk_array}) ORDER BY {pk_col} FOR UPDATE),"
        f" v AS MATERIALIZED (SELECT * FROM unnest({', '.join(arrays)}) AS v({v_names})),"
        f" w AS MATERIALIZED (SELECT v.pk, {holds} FROM v JOIN cur ON cur.pk = v.pk),"
        f" upd AS (UPDATE {table} AS t SET {', '.join(sets)}"
        f" FROM w JOIN v ON v.pk = w.pk WHERE t.{pk_col} = w.pk AND ({any_written})"
        f" RETURNING t.{pk_col} AS pk)"
        f" SELECT w.pk, upd.pk IS NOT NULL, {answer}"
        " FROM w JOIN cur ON cur.pk = w.pk LEFT JOIN upd ON upd.pk = w.pk"
    )


def _cast(field: models.Field) -> str:
    """The type a parameter is cast to: the column's, without a length or precision."""
    kind = field.get_internal_type()
    if kind in ("CharField", "EmailField", "SlugField", "URLField"):
        return "varchar"
    if kind == "DecimalField":
        return "numeric"
    # rel_db_type: a serial / identity pk's plain type; a foreign key's is its target's.
    if field.is_relation:
        return field.target_field.rel_db_type(connection)
    return field.rel_db_type(connection)


def _converters(field: models.Field, conn: Any) -> list[Callable[[Any], Any]]:
    """What the ORM applies to a value read from this column (e.g. JSONField's from_db_value)."""
    col = field.get_col(field.model._meta.db_table)
    found = conn.ops.get_db_converters(col) + field.get_db_converters(conn)
    return [partial(_convert, converter, col, conn) for converter in found]


def _convert(converter: Callable[..., Any], col: Any, conn: Any, value: Any) -> Any:
    return converter(value, col, conn)
