"""Export-job benchmark (issue 10): a 200,000-row export job's peak memory, and its rate next
to PostgreSQL's own `COPY (same query) TO STDOUT`.

    URL=postgres://postgres@127.0.0.1:5432/ro_finance_bench
    python bench/generate.py --database-url $URL --orders 200000 --fresh   # once
    python bench/export_bench.py --database-url $URL [--rows 200000] [--kind orders|lines] \
        [--format csv|xlsx] [--json PATH]

The job is finance.actions.exports.run_export_job, exactly what the Celery task calls, run in
a fresh child process so its peak RSS (ru_maxrss: Django, the query, the writer) is the job's
own; the file goes to a temporary folder. Then the same SQL (the job's queryset, compiled)
runs as COPY (...) TO STDOUT WITH (FORMAT csv) into a file, and the two rates are compared.
Targets: peak memory < 250 MB, rate >= 0.3x COPY. It writes one bench user and one ExportJob
row per run, nothing else; the orders are only read (the million-order rewards_bench made by
bench/generate.py serves as well).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.generate import setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ro_finance_bench"
MEMORY_TARGET_MB = 250
RATE_TARGET = 0.3


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--rows", type=int, default=200_000, help="rows to export")
    parser.add_argument("--kind", choices=["orders", "lines"], default="orders")
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)  # internal: run one job
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def query_for(kind: str, rows: int) -> str:
    """An orders-list filter selecting about `rows` rows: the oldest orders up to a day."""
    from orders.models import LineItem, Order

    model = Order if kind == "orders" else LineItem
    field = "ordered_at" if kind == "orders" else "order__ordered_at"
    total = model.objects.count()
    if total < rows:
        raise SystemExit(f"{total} {kind} in the database, fewer than --rows {rows}")
    last = model.objects.order_by(field).values_list(field, flat=True)[rows - 1]
    return f"tz=UTC&ordered_to={last.date().isoformat()}"


def child(job_id: int, folder: str) -> None:
    """Run one export job in this process and print its figures as JSON."""
    from django.conf import settings

    from finance.actions.exports import run_export_job

    settings.FINANCE_EXPORT_DIR = Path(folder)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    job = run_export_job(job_id=job_id)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    size = (Path(folder) / job.file_name).stat().st_size
    print(
        json.dumps(
            {
                "status": job.status,
                "rows": job.done_rows,
                "seconds": seconds,
                "peak_rss_mb": peak / 1024,
                "baseline_rss_mb": baseline / 1024,
                "bytes": size,
            }
        )
    )


def copy_same_query(source, path: Path) -> float:
    """COPY (the job's compiled SQL) TO STDOUT WITH (FORMAT csv) into `path`; seconds."""
    from django.db import connection
    from psycopg import ClientCursor

    sql, params = source.queryset.query.sql_with_params()
    connection.ensure_connection()
    raw = connection.connection
    literal = ClientCursor(raw).mogrify(sql, params)
    started = time.perf_counter()
    command = f"COPY ({literal}) TO STDOUT WITH (FORMAT csv)"
    with raw.cursor() as cursor, path.open("wb") as out, cursor.copy(command) as copy:
        for block in copy:
            out.write(block)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django(args.database_url)
    if args.child is not None:
        child(args.child, args.folder)
        return 0

    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from core.roles import ensure_roles
    from finance.exports.sources import build_source
    from finance.models import ExportJob

    user, _ = get_user_model().objects.get_or_create(
        username="export-bench", defaults={"is_staff": True}
    )
    user.groups.set([ensure_roles()["Finance"]])
    query = query_for(args.kind, args.rows)
    source = build_source(
        kind=args.kind, scope="list", query_string=query, user=user, include_recipients=False
    )
    rows = source.count()
    job = ExportJob.objects.create(
        owner=user,
        kind=args.kind,
        file_format=args.format,
        query_string=f"scope=list&{query}",
        total_rows=rows,
        expires_at=timezone.now() + timedelta(hours=1),
    )
    with tempfile.TemporaryDirectory(prefix="export-bench-") as folder:
        command = [sys.executable, __file__, "--database-url", args.database_url]
        command += ["--child", str(job.pk), "--folder", folder]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode:
            raise SystemExit(f"the export job failed:\n{result.stderr[-3000:]}")
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        if figures["status"] != "done":
            raise SystemExit(f"the export job ended {figures['status']}: {result.stderr[-3000:]}")
        copy_path = Path(folder) / "copy.csv"
        copy_seconds = copy_same_query(source, copy_path)
        copy_bytes = copy_path.stat().st_size
    job_rate = figures["rows"] / figures["seconds"]
    copy_rate = rows / copy_seconds
    report = {
        "kind": args.kind,
        "format": args.format,
        "filter": query,
        "rows": figures["rows"],
        "job_seconds": round(figures["seconds"], 2),
        "job_rows_per_s": round(job_rate),
        "job_file_mb": round(figures["bytes"] / 2**20, 1),
        "peak_rss_mb": round(figures["peak_rss_mb"], 1),
        "rss_before_job_mb": round(figures["baseline_rss_mb"], 1),
        "copy_seconds": round(copy_seconds, 2),
        "copy_rows_per_s": round(copy_rate),
        "copy_file_mb": round(copy_bytes / 2**20, 1),
        "rate_vs_copy": round(job_rate / copy_rate, 2),
        "memory_ok": figures["peak_rss_mb"] < MEMORY_TARGET_MB,
        "rate_ok": job_rate / copy_rate >= RATE_TARGET,
    }
    width = max(len(key) for key in report)
    for key, value in report.items():
        print(f"{key:<{width}}  {value}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0 if report["memory_ok"] and report["rate_ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
