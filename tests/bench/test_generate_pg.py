"""bench/generate.py end to end on PostgreSQL, small: loads, rebuilds every index, refuses twice.

Uses two throwaway databases on BENCH_PG_ADMIN_URL's server (default: the local one); skipped
when there is no PostgreSQL to talk to.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SCHEMA_SQL = """
    SELECT 'index', indexdef FROM pg_indexes WHERE tablename LIKE 'orders\\_%%'
    UNION ALL
    SELECT 'constraint', conrelid::regclass::text || ' ' || conname || ' '
           || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE conrelid::regclass::text LIKE 'orders\\_%%'
    ORDER BY 1, 2
"""


def _url(name: str) -> str:
    return urlunsplit(urlsplit(ADMIN_URL)._replace(path=f"/{name}"))


@pytest.fixture
def databases():
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at {ADMIN_URL}: {exc}")
    names = [f"bench_gen_test_{os.getpid()}_{n}" for n in (1, 2)]
    yield [_url(n) for n in names]
    for name in names:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def _generate(url: str, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "bench/generate.py", "--database-url", url, "--orders", "2500"]
    command += ["--big-orders", "300:PARTIAL,200:PENDING", "--workers", "1", *extra]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_generate_loads_consistent_data_and_rebuilds_the_migrated_schema(databases, tmp_path):
    import psycopg

    loaded, migrated_only = databases
    result = _generate(loaded, "--fresh", "--seed", "5", "--json", str(tmp_path / "g.json"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "rows/s" in result.stdout and "Index sizes" in result.stdout
    stats = json.loads((tmp_path / "g.json").read_text())
    env = {**os.environ, "DATABASE_URL": migrated_only}
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{urlsplit(migrated_only).path[1:]}"')
    migrate = [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"]
    subprocess.run(migrate, cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)

    with psycopg.connect(loaded) as conn, psycopg.connect(migrated_only) as fresh:
        # Every index and constraint the migrations made is back, defined identically.
        assert conn.execute(SCHEMA_SQL).fetchall() == fresh.execute(SCHEMA_SQL).fetchall()
        orders, lines, timeline = conn.execute(
            "SELECT (SELECT count(*) FROM orders_order), (SELECT count(*) FROM orders_lineitem),"
            " (SELECT count(*) FROM orders_orderevent)"
        ).fetchone()
        assert (orders, lines, timeline) == tuple(
            stats["rows"][k] for k in ("order", "lineitem", "event")
        )
        statuses = {s for (s,) in conn.execute("SELECT DISTINCT tango_status FROM orders_order")}
        assert statuses >= {"", "PENDING", "QUEUED", "PENDING_MR", "ON_HOLD", "CANCELLED"}
        assert statuses >= {"COMPLETE", "FAILED", "PARTIAL", "DELETED", "PENDING_KYB"}
        states = {s for (s,) in conn.execute("SELECT DISTINCT state FROM orders_order")}
        assert len(states) == 9
        partial_without_failed = conn.execute(
            "SELECT count(*) FROM orders_order o WHERE tango_status = 'PARTIAL' AND NOT EXISTS"
            " (SELECT 1 FROM orders_lineitem l WHERE l.order_id = o.id AND l.status = 'FAILED')"
        ).fetchone()[0]
        assert partial_without_failed == 0
        # Sequences follow the explicit ids: the next ORM insert does not collide.
        next_id = conn.execute(
            "SELECT nextval(pg_get_serial_sequence('orders_lineitem', 'id'))"
        ).fetchone()[0]
        assert next_id == lines + 1

    again = _generate(loaded)
    assert again.returncode != 0 and "not empty" in again.stderr
