"""Issue 11's benchmark (Deliver item 2): the console's pages next to Django admin's and to
their own bare SQL, in one run, on one database; plus the sync's upsert rate.

    python bench/generate.py --database-url postgres://postgres@127.0.0.1:5432/rewards_bench  # once
    python bench/run.py [--database-url URL] [--requests 30] [--cases list,facets,...] [--quick]

Each case: >= --requests timed requests after warm-up through Django's test Client in this
process (no network, no gunicorn), logged in as a superuser; the same view through Django
admin's changelist / change view with equivalent filters; and the page's main query (the
slowest SELECT captured with CaptureQueriesContext, bookkeeping queries aside) executed and
fetched on its own. Ratios are on p50. Facet cases clear the cache before every request.
Then the sync write path (bench/runner/sync.py), rolled back. Prints a table and writes the
figures as JSON to bench/results/<UTC date>.json (or --json). Timings depend on the machine
and its load: compare ratios within one run.

Writes to the database: one superuser (bench-admin) and the export's audit rows; the sync
benchmark's writes are rolled back.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.generate import DEFAULT_URL, setup_django  # noqa: E402

RESULTS = REPO_ROOT / "bench" / "results"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--requests", type=int, default=30, help="timed requests per cell")
    parser.add_argument(
        "--slow-requests", type=int, help="timed requests for the ~2,000-line order page"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=60,
        help="seconds per cell after which it stops (with >= 5 timings; 0: never)",
    )
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first")
    parser.add_argument(
        "--cases",
        default="",
        help="comma-separated words; only cases whose name contains one (e.g. list,facets,"
        "order,finance,export,sync)",
    )
    parser.add_argument("--deep-pages", type=int, default=2000, help="`after` cursors to follow")
    parser.add_argument("--sync-orders", type=int, default=100_000)
    parser.add_argument("--naive-sample", type=int, default=2_000, help="naive loop's sample")
    parser.add_argument("--list-sample", type=int, default=20_000, help="orders in the list pass")
    parser.add_argument("--quick", action="store_true", help="smoke test: few requests, tiny sync")
    parser.add_argument("--json", type=Path, help="default bench/results/<UTC date>.json")
    args = parser.parse_args(argv)
    if args.slow_requests is None:
        args.slow_requests = args.requests
    if args.quick:
        args.requests, args.warmup, args.deep_pages = min(args.requests, 3), 1, 8
        args.slow_requests = min(args.slow_requests, 2)
        args.sync_orders, args.naive_sample, args.list_sample = 200, 20, 200
    return args


def wanted(name: str, selection: list[str]) -> bool:
    return not selection or any(word in name.lower() for word in selection)


def bench_user():
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.update_or_create(
        username="bench-admin",
        defaults={"is_staff": True, "is_superuser": True, "is_active": True},
    )
    return user


def run_case(case, client, args) -> dict:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.runner.timing import main_query, measure, time_sql

    clear = cache.clear if case.clear_cache else None
    row: dict = {"case": case.name, **case.info}
    if case.slow:
        args = argparse.Namespace(**{**vars(args), "requests": args.slow_requests})
        row["requests"] = args.requests
    if case.note:
        row["note"] = case.note
    try:
        row["console"] = measure(
            lambda: case.console(client),
            requests=args.requests,
            warmup=args.warmup,
            budget=args.budget,
            before=clear,
        )
        if clear:
            clear()
        with CaptureQueriesContext(connection) as captured:
            case.console(client)
        row["console_queries"] = len(captured.captured_queries)
        sql = case.bare_sql() if case.bare_sql else main_query(captured.captured_queries, case.main)
        if sql:
            row["sql"] = time_sql(
                sql, requests=args.requests, warmup=args.warmup, budget=args.budget
            )
            row["sql_text"] = sql[:2000]
        if case.admin:
            row["admin_url"] = case.admin

            def admin_get():
                response = client.get(case.admin)
                if response.status_code != 200:
                    raise RuntimeError(f"{case.admin}: HTTP {response.status_code}")

            row["admin"] = measure(
                admin_get,
                requests=args.requests,
                warmup=args.warmup,
                budget=args.budget,
                before=clear,
            )
            with CaptureQueriesContext(connection) as captured:
                admin_get()
            row["admin_queries"] = len(captured.captured_queries)
            admin_sql = main_query(captured.captured_queries)
            if admin_sql:
                row["admin_sql"] = time_sql(
                    admin_sql, requests=args.requests, warmup=args.warmup, budget=args.budget
                )
    except Exception as exc:  # a failing case is reported, the run goes on
        row["error"] = f"{type(exc).__name__}: {exc}"[:500]
    return row


def save(path: Path, results: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django(args.database_url)
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from bench.runner.cases import build_cases, reference_data
    from bench.runner.table import ratios, render
    from bench.runner.timing import cpu_gauge

    # Pages render as in production: no setup_test_environment(), whose instrumented
    # template rendering sends a signal per template; only the test Client's host is allowed.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    started = time.perf_counter()
    selection = [w.strip().lower() for w in args.cases.split(",") if w.strip()]
    client = Client()
    client.force_login(bench_user())
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM orders_order")
        (orders,) = cursor.fetchone()
    ref = reference_data()
    gc.collect()  # as rewards_admin/wsgi.py does once a web process has loaded
    gc.freeze()
    results: dict = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": connection.settings_dict["NAME"],
        "orders": orders,
        "requests": args.requests,
        "warmup": args.warmup,
        "quick": args.quick,
        "cpu_gauge_ms": {"start": cpu_gauge()},
        "reference": {k: v for k, v in ref.items() if k != "email"},
        "cases": [],
    }
    path = args.json or RESULTS / f"{datetime.now(UTC).date().isoformat()}.json"
    deep = args.deep_pages if wanted("list: page", selection) else 0
    for case in build_cases(client, ref, deep_pages=deep):
        if wanted(case.name, selection):
            row = run_case(case, client, args)
            row.update(ratios(row))
            results["cases"].append(row)
            save(path, results)  # a crash later still leaves the cases measured so far
            print(f"  {case.name}: done", file=sys.stderr, flush=True)
    if wanted("sync", selection):
        from bench.runner.sync import bench_sync

        results["sync"] = bench_sync(
            orders=args.sync_orders, naive_sample=args.naive_sample, list_sample=args.list_sample
        )
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["cpu_gauge_ms"]["end"] = cpu_gauge()
    text = render(results)
    gauge = results["cpu_gauge_ms"]
    print(f"{orders:,} orders in {results['database']}, {results['started_at']}")
    print(
        f"CPU gauge (bench/runner/timing.py, lower is faster): {gauge['start']} ms at the start,"
        f" {gauge['end']} ms at the end\n"
    )
    print(text)
    save(path, results)
    print(f"\nJSON: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
