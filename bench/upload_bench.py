"""Bulk-upload dry-run benchmark (issue 12): a N-row file's read + store time, dry-run time
and the process's peak memory.

    createdb -h 127.0.0.1 -U postgres ro_uploads_bench
    python bench/upload_bench.py [--database-url URL] [--rows 10000] [--json PATH]

It migrates the database, makes one account, a small catalog and a bench user (get_or_create),
writes a CSV of `--rows` rows (about 1 in 10 with a problem: unknown utid, bad email, amount
out of range, a repeated row), then runs exactly what the upload view and the Celery task run:
uploads.actions.upload.create_upload and uploads.actions.dry_run.run_dry_run. Peak memory is
ru_maxrss of this process (Django, the file, the rows); the target for 50,000 rows is 250 MB.
Each run adds one upload and its rows; nothing is placed.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import resource
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.generate import setup_django  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ro_uploads_bench"
MEMORY_TARGET_MB = 250
HEADERS = [
    "account",
    "utid",
    "amount",
    "currency",
    "delivery_method",
    "recipient_first_name",
    "recipient_last_name",
    "recipient_email",
    "campaign",
    "client_reference",
]


def make_file(rows: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for n in range(rows):
        utid, amount, email = "U100001", f"{10 + n % 90}.00", f"person{n}@example.com"
        if n % 40 == 1:
            utid = "U999999"
        elif n % 40 == 2:
            email = "not-an-email"
        elif n % 40 == 3:
            amount = "5000"
        ref = "" if n % 40 == 4 else str(n)  # n % 40 == 4 repeats the row before it
        if n % 40 == 4:
            writer.writerow(last)  # noqa: F821 - set on the previous line
            continue
        last = ["bench-usd", utid, amount, "USD", "EMAIL", "Pat", "Lee", email, "bench", ref]
        writer.writerow(last)
    return buffer.getvalue().encode()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    setup_django(args.database_url)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from core.actor import Actor
    from orders.models import Account, Brand, CatalogItem, Customer
    from uploads.actions.dry_run import run_dry_run
    from uploads.actions.upload import create_upload

    customer, _ = Customer.objects.get_or_create(
        identifier="bench-customer", defaults={"display_name": "Bench", "status": "ACTIVE"}
    )
    Account.objects.get_or_create(
        identifier="bench-usd",
        defaults={
            "customer": customer,
            "display_name": "Bench USD",
            "currency": "USD",
            "current_balance": 10_000_000,
            "status": "ACTIVE",
        },
    )
    brand, _ = Brand.objects.get_or_create(brand_key="BBENCH", defaults={"name": "Bench"})
    CatalogItem.objects.get_or_create(
        utid="U100001",
        defaults={
            "brand": brand,
            "reward_name": "Reward Link",
            "currency": "USD",
            "value_type": "VARIABLE_VALUE",
            "min_value": 1,
            "max_value": 2000,
            "delivery_methods": ["EMAIL", "PHONE"],
            "status": "active",
        },
    )
    user, _ = get_user_model().objects.get_or_create(username="upload-bench")
    data = make_file(args.rows)
    before = rss_mb()
    start = time.perf_counter()
    upload = create_upload(name="bench.csv", data=data, actor=Actor.for_user(user))
    stored = time.perf_counter()
    upload = run_dry_run(upload_id=upload.pk)
    done = time.perf_counter()
    figures = {
        "rows": args.rows,
        "file_mb": round(len(data) / 1_048_576, 2),
        "read_and_store_s": round(stored - start, 2),
        "dry_run_s": round(done - stored, 2),
        "rows_per_s": round(args.rows / (done - stored)),
        "valid": upload.summary["valid"],
        "invalid": upload.summary["invalid"],
        "rss_before_mb": round(before),
        "peak_rss_mb": round(rss_mb()),
        "memory_target_mb": MEMORY_TARGET_MB,
    }
    for key, value in figures.items():
        print(f"{key:>18}: {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    main()
