"""bench/run.py --quick end to end on a tiny generated PostgreSQL database: every case is
measured on the console, on Django admin where it has an equivalent, and as bare SQL, and the
table and JSON have that shape (never the timings). Skipped without PostgreSQL."""

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
CELL = {"n", "p50_ms", "p95_ms", "mean_ms"}
WITH_ADMIN = ("list:", "facets:", "order page:")


@pytest.fixture
def database():
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at {ADMIN_URL}: {exc}")
    name = f"bench_run_test_{os.getpid()}"
    yield urlunsplit(urlsplit(ADMIN_URL)._replace(path=f"/{name}"))
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def test_quick_run_prints_the_table_and_writes_every_figure(database, tmp_path):
    generate = [sys.executable, "bench/generate.py", "--database-url", database, "--fresh"]
    generate += ["--orders", "1500", "--big-orders", "60:PARTIAL", "--workers", "0"]
    subprocess.run(generate, cwd=ROOT, check=True, capture_output=True, timeout=300)
    out = tmp_path / "run.json"
    command = [sys.executable, "bench/run.py", "--database-url", database, "--quick"]
    result = subprocess.run(
        [*command, "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(out.read_text())

    assert figures["orders"] == 1500 and figures["quick"] is True
    assert figures["cpu_gauge_ms"]["start"] > 0 and figures["cpu_gauge_ms"]["end"] > 0
    assert "CPU gauge" in result.stdout
    names = [row["case"] for row in figures["cases"]]
    for expected in (
        "list: no filter",
        "list: PENDING",
        "list: PARTIAL + FAILED lines",
        "list: account + last 30 days",
        "list: exact email",
        "facets: no filter (cold)",
        "facets: PARTIAL + FAILED (cold)",
        "finance reports (cold)",
        "export: orders CSV (account, 30 days)",
    ):
        assert expected in names
    assert any(name.startswith("list: page ") for name in names)
    assert sum(name.startswith("order page:") for name in names) >= 2  # 3 and >= 40 lines
    for row in figures["cases"]:
        assert "error" not in row, row
        assert set(row["console"]) == CELL and row["console"]["n"] == figures["requests"]
        assert set(row["sql"]) == CELL and row["console_vs_sql"] is not None
        if row["case"].startswith(WITH_ADMIN):
            assert set(row["admin"]) == CELL and set(row["admin_sql"]) == CELL
            assert row["console_vs_admin"] is not None
    deep = next(row for row in figures["cases"] if row["case"].startswith("list: page "))
    assert deep["rows_skipped"] > 0  # `after` cursors were followed

    sync = figures["sync"]
    assert sync["orders"] == 200 and sync["naive_sample"] == 20
    assert sync["sync_report"]["seen"] == 200
    assert sync["list_calls"] >= sync["list_calls_ideal"] == 2
    assert sync["upsert_orders_per_s"] > 0 and sync["upsert_vs_naive"] is not None

    table = result.stdout
    assert "console/admin" in table and "console/SQL" in table
    for name in names:
        assert name in table
    assert "Sync upsert" in table and "Tango list calls" in table
