"""Load a realistic Rewards Ops database at scale (issue 11, Deliver item 1), with COPY.

    python bench/generate.py --database-url postgres://postgres@127.0.0.1:5432/rewards_bench \
        --orders 1000000 [--seed 1] [--fresh] [--workers N] [--now 2026-12-02T03:00:00Z]

What it loads: staff users, customers, accounts, brands and catalog items through the ORM;
then orders, their line items (~1.2 per order, bulk orders up to 200 lines plus 3 x 2,000 and
1 x 5,000) and 1-3 timeline rows per order with COPY ... FROM STDIN (FREEZE). Two years of
dates ending at --now, skewed accounts and brands, every order / line-item / email / delivery
/ reward status and placement state, PARTIAL orders mixing COMPLETE and FAILED lines, reused
recipients, ~10 % non-USD. The same --seed, --orders and --now give the same rows.

How: worker processes (no Django) generate chunks of rows as COPY text while the main process
streams finished chunks into PostgreSQL; the big tables' indexes and constraints are dropped
first and rebuilt after, all in one transaction (a failure leaves the database unchanged).
COPY column lists come from the models' concrete fields (bench/datagen/copyplan.py), so a
column added later is filled with its default. Then sequences are reset and VACUUM (ANALYZE)
runs. Prints rows/s per table, phase times and table / index sizes.

--fresh drops and re-creates the database (WITH (FORCE): other sessions are disconnected);
without it the database is created if missing, migrated, and must hold no orders, customers,
accounts, brands or catalog items yet.
"""

from __future__ import annotations

import argparse
import collections
import json
import multiprocessing
import os
import secrets
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.datagen import chunk, events, lines, loader, schedule  # noqa: E402
from bench.datagen.report import print_report  # noqa: E402
from bench.datagen.text import to_us  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/rewards_bench"
BIG_TABLES = ("order", "lineitem", "event")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fresh", action="store_true", help="drop and re-create the database")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="row-generating processes (0: in the main process)",
    )
    parser.add_argument("--chunk-size", type=int, default=20_000, help="orders per chunk")
    parser.add_argument(
        "--now",
        help="end of the two years of dates (ISO 8601, UTC); default: the current hour",
    )
    parser.add_argument(
        "--big-orders",
        default=schedule.DEFAULT_BIG_ORDERS,
        help="bulk orders with thousands of lines, LINES:STATUS,... ('' for none)",
    )
    parser.add_argument(
        "--recipients", type=int, help="recipient pool size (default: 35 %% of --orders)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    return parser.parse_args(argv)


def parse_now(value: str | None) -> datetime:
    if not value:
        return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def ensure_database(url: str, fresh: bool) -> None:
    """Create the database if missing (drop it first with --fresh)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if fresh:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(drop.format(sql.Identifier(name)))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rewards_admin.settings")
    # No requests are served: a throwaway key keeps settings from warning about a missing one.
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    import django

    django.setup()


def check_empty() -> None:
    from orders.models import Account, Brand, CatalogItem, Customer, LineItem, Order, OrderEvent

    busy = [
        m._meta.db_table
        for m in (Order, LineItem, OrderEvent, Customer, Account, Brand, CatalogItem)
        if m.objects.exists()
    ]
    if busy:
        raise SystemExit(f"not empty: {', '.join(busy)}; use --fresh to start over")


def models_by_key():
    from orders.models import LineItem, Order, OrderEvent

    return {"order": Order, "lineitem": LineItem, "event": OrderEvent}


def build_plans() -> dict:
    from bench.datagen.copyplan import build_plan

    known = {
        "order": chunk.KNOWN_FIELDS,
        "lineitem": lines.KNOWN_FIELDS,
        "event": events.KNOWN_FIELDS,
    }
    return {key: build_plan(model, known[key]) for key, model in models_by_key().items()}


def plan_notes(plans: dict) -> list[str]:
    notes = []
    for plan in plans.values():
        if plan.missing:
            notes.append(f"{plan.table}: fields no longer in the model, skipped: {plan.missing}")
        if plan.filled:
            filled = ", ".join(f"{c}={v or repr('')}" for c, v in plan.filled.items())
            notes.append(f"{plan.table}: columns the generator does not know, defaults: {filled}")
    return notes


def run_chunks(tasks, spec, workers: int, on_result) -> float:
    """Generate chunks (in `workers` processes) and hand each to `on_result` in order.

    Returns the seconds the main process spent waiting for a chunk to be ready.
    """
    waited = 0.0
    if workers <= 0:
        chunk.init_worker(spec)
        for task in tasks:
            t0 = time.perf_counter()
            result = chunk.generate_chunk(task)
            waited += time.perf_counter() - t0
            on_result(result)
        return waited
    context = multiprocessing.get_context("spawn")  # children never share our DB socket
    with context.Pool(workers, initializer=chunk.init_worker, initargs=(spec,)) as pool:
        pending: collections.deque = collections.deque()
        queue = iter(tasks)
        for task in queue:
            pending.append(pool.apply_async(chunk.generate_chunk, (task,)))
            if len(pending) >= workers + 1:
                break
        while pending:
            t0 = time.perf_counter()
            result = pending.popleft().get()
            waited += time.perf_counter() - t0
            task = next(queue, None)
            if task is not None:
                pending.append(pool.apply_async(chunk.generate_chunk, (task,)))
            on_result(result)
    return waited


def load(args: argparse.Namespace) -> dict:
    from dataclasses import asdict

    from django.conf import settings
    from django.db import connection, transaction

    from bench.datagen.reference import create_reference
    from orders.models import Account, Brand, CatalogItem, Customer

    started = time.perf_counter()
    now = parse_now(args.now)
    now_us = to_us(now)
    phases: dict[str, float] = {}
    stats: dict = {"orders": args.orders, "seed": args.seed, "now": now.isoformat()}
    t0 = time.perf_counter()
    plan = schedule.build_plan(args.orders, args.seed, now_us, args.big_orders)
    tasks = schedule.chunk_tasks(plan, args.chunk_size)
    phases["plan (dates, shapes)"] = time.perf_counter() - t0
    plans = build_plans()
    stats["notes"] = plan_notes(plans)
    models = models_by_key()
    tables = [models[key]._meta.db_table for key in BIG_TABLES]
    rows = dict.fromkeys(BIG_TABLES, 0)
    sent = dict.fromkeys(BIG_TABLES, 0)
    copy_seconds = dict.fromkeys(BIG_TABLES, 0.0)
    gen_cpu = [0.0]
    expected_line_id = [1]
    with transaction.atomic():
        t0 = time.perf_counter()
        ref = create_reference(args.seed, now, settings.TANGO_EXTERNAL_REF_PREFIX)
        phases["reference rows (ORM)"] = time.perf_counter() - t0
        stats["reference"] = dict(ref.counts, staff_users=len(ref.staff) + 2)
        with connection.cursor() as cursor:
            t0 = time.perf_counter()
            saved = loader.drop_indexes(cursor, tables)
            phases["drop indexes + truncate"] = time.perf_counter() - t0
            raw = cursor.cursor
            copy_sql = {key: p.copy_sql() for key, p in plans.items()}

            def on_result(result: dict) -> None:
                gen_cpu[0] += result["gen_seconds"]
                expected_line_id[0] += result["rows"]["lineitem"]
                assert result["next_line_id"] == expected_line_id[0], "line ids out of step"
                for key in BIG_TABLES:
                    data = result["data"][key]
                    if data:
                        copy_seconds[key] += loader.copy_rows(raw, copy_sql[key], data)
                    rows[key] += result["rows"][key]
                    sent[key] += len(data)
                done = rows["order"]
                if result["k"] % 10 == 9 or done == args.orders:
                    elapsed = time.perf_counter() - started
                    print(
                        f"  {done:>10,} orders  {rows['lineitem']:>10,} lines  "
                        f"{rows['event']:>10,} events  {elapsed:6.1f} s",
                        flush=True,
                    )

            spec = {
                "seed": args.seed,
                "now_us": now_us,
                "recipient_pool": args.recipients or max(1000, int(args.orders * 0.35)),
                "ref": asdict(ref),
                "plans": {key: p.spec() for key, p in plans.items()},
            }
            t0 = time.perf_counter()
            waited = run_chunks(tasks, spec, args.workers, on_result)
            phases["generate + COPY"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            index_seconds, index_statements = loader.restore_indexes(cursor, saved)
            phases["indexes + constraints"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            # the facet rollup from the loaded rows (line_statuses came with them)
            cursor.execute("SELECT orders_facets_rebuild(false)")
            phases["facet rollup"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        small_models = [Customer, Account, Brand, CatalogItem]
        loader.reset_sequences(connection, [*models.values(), *small_models])
        phases["sequences"] = time.perf_counter() - t0
        t0 = time.perf_counter()
    phases["commit"] = time.perf_counter() - t0
    small = [m._meta.db_table for m in small_models]
    phases["VACUUM (ANALYZE)"] = loader.vacuum_analyze(connection, tables + small)
    stats.update(
        rows=rows,
        bytes=sent,
        copy_seconds=copy_seconds,
        index_seconds=index_seconds,
        index_statements=index_statements,
        phases=phases,
        gen_cpu_seconds=gen_cpu[0],
        wait_seconds=waited,
        workers=args.workers,
        total_seconds=time.perf_counter() - started,
        sizes=loader.sizes(connection, tables + small),
    )
    return stats


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    ensure_database(args.database_url, args.fresh)
    setup_django(args.database_url)
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrate_seconds = time.perf_counter() - t0
    check_empty()
    print(f"Generating {args.orders:,} orders into {urlsplit(args.database_url).path[1:]} ...")
    stats = load(args)
    stats["phases"] = {"migrate": migrate_seconds, **stats["phases"]}
    stats["total_seconds"] = time.perf_counter() - started
    print_report(stats)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(stats, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
