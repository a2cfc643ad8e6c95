"""The database side of the load: indexes off, TRUNCATE + COPY FREEZE, indexes back on.

Everything from ``drop_indexes`` to ``restore_indexes`` runs in the caller's one transaction:
if anything fails the database is left as it was (empty tables with every index). Index and
constraint definitions are read from the catalog (pg_get_indexdef / pg_get_constraintdef), so
whatever the migrations created is exactly what is rebuilt. Building an index once over the
loaded table is much faster than maintaining it row by row during COPY; COPY FREEZE (allowed
after a TRUNCATE in the same transaction) writes the rows frozen and all-visible, so the first
reads do not rewrite every page to set hint bits.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

TUNING = (
    "SET LOCAL maintenance_work_mem = '1GB'",
    "SET LOCAL max_parallel_maintenance_workers = 2",
    "SET LOCAL synchronous_commit = off",
)


@dataclass
class Saved:
    """What was dropped, in the order it must come back."""

    keys: list[tuple[str, str, str]] = field(default_factory=list)  # (table, name, def): p/u
    indexes: list[tuple[str, str, str]] = field(default_factory=list)  # (table, name, def)
    foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)  # their user triggers are off until restored


def drop_indexes(cursor, tables: list[str]) -> Saved:
    """Drop every index, key and foreign key of `tables` (and FKs pointing at them)."""
    # Check the ORM's deferred foreign keys now: ALTER TABLE refuses pending trigger events.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for statement in TUNING:
        cursor.execute(statement)
    saved = Saved()
    cursor.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE (c.contype IN ('p', 'u') AND c.conrelid = ANY(%s::regclass[]))
           OR (c.contype = 'f' AND (c.conrelid = ANY(%s::regclass[])
                                    OR c.confrelid = ANY(%s::regclass[])))
        ORDER BY c.contype = 'p' DESC, c.oid
        """,
        [tables, tables, tables],
    )
    for table, name, contype, definition in cursor.fetchall():
        target = saved.foreign_keys if contype == "f" else saved.keys
        target.append((table, name, definition))
    cursor.execute(
        """
        SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text,
               pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[])
          AND NOT EXISTS (
            SELECT 1 FROM pg_constraint c
            WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid
              AND c.contype IN ('p', 'u', 'x'))
        ORDER BY i.indexrelid
        """,
        [tables],
    )
    saved.indexes = list(cursor.fetchall())
    for table, name, _ in saved.foreign_keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for table, name, _ in saved.keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for _, name, _ in saved.indexes:
        cursor.execute(f"DROP INDEX {name}")
    cursor.execute("TRUNCATE " + ", ".join(tables))
    saved.tables = list(tables)
    for table in tables:  # the facet triggers: the generator writes line_statuses itself
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    return saved


def restore_indexes(cursor, saved: Saved) -> tuple[dict[str, float], list[tuple[str, float]]]:
    """Rebuild keys, then indexes, then foreign keys; seconds per table and per statement."""
    per_table: dict[str, float] = defaultdict(float)
    per_statement: list[tuple[str, float]] = []

    def run(table: str, name: str, sql: str) -> None:
        t0 = time.perf_counter()
        cursor.execute(sql)
        seconds = time.perf_counter() - t0
        per_table[table] += seconds
        per_statement.append((name, seconds))

    for table, name, definition in saved.keys:
        run(table, name, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for table, name, definition in saved.indexes:
        run(table, name, definition)
    for table, name, definition in saved.foreign_keys:
        run(table, name, f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for table in saved.tables:
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    return dict(per_table), per_statement


def copy_rows(raw_cursor, sql: str, data: bytes) -> float:
    t0 = time.perf_counter()
    with raw_cursor.copy(sql) as copy:
        copy.write(data)
    return time.perf_counter() - t0


def reset_sequences(connection, models) -> None:
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def vacuum_analyze(connection, tables: list[str]) -> float:
    """VACUUM (ANALYZE) each table: statistics for the planner and a current visibility map."""
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'VACUUM (ANALYZE) "{table}"')
    return time.perf_counter() - t0


def sizes(connection, tables: list[str]) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.reltuples::bigint, pg_relation_size(c.oid),
                   pg_indexes_size(c.oid), pg_total_relation_size(c.oid)
            FROM pg_class c WHERE c.relname = ANY(%s) ORDER BY pg_total_relation_size(c.oid) DESC
            """,
            [tables],
        )
        table_rows = cursor.fetchall()
        cursor.execute(
            """
            SELECT t.relname, x.relname, pg_relation_size(x.oid)
            FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
            JOIN pg_class x ON x.oid = i.indexrelid
            WHERE t.relname = ANY(%s) ORDER BY t.relname, pg_relation_size(x.oid) DESC
            """,
            [tables],
        )
        index_rows = cursor.fetchall()
        cursor.execute("SELECT pg_database_size(current_database())")
        database = cursor.fetchone()[0]
    return {
        "tables": [
            {"table": t, "rows": r, "heap": h, "indexes": i, "total": tot}
            for t, r, h, i, tot in table_rows
        ],
        "indexes": [{"table": t, "index": x, "bytes": b} for t, x, b in index_rows],
        "database": database,
    }
