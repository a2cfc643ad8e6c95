"""What bench/generate.py loaded: the data mix in SQL, and the console rendering it.

    python bench/check_data.py [--database-url postgres://postgres@127.0.0.1:5432/rewards_bench]
                               [--no-render] [--json PATH]

Prints the status mixes, PARTIAL orders with FAILED lines, orders per quarter, the non-USD
share, the biggest bulk orders, recipient reuse and the account / brand skew; then renders the
orders list, its facet counts and the page of a PARTIAL 40-line order with Django's test client
as the generator's superuser (bench-admin), one request each, and reports status, size and
time. Read-only apart from the login session the test client stores.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.generate import DEFAULT_URL, setup_django  # noqa: E402

QUERIES = {
    "orders by placement state and Tango status": """
        SELECT state, tango_status, count(*) AS orders,
               round(100.0 * count(*) / sum(count(*)) OVER (), 3) AS pct,
               count(reference_order_id) AS with_reference_id
        FROM orders_order GROUP BY 1, 2 ORDER BY 1 DESC, 3 DESC""",
    "line items by status": """
        SELECT status, count(*), round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS pct
        FROM orders_lineitem GROUP BY 1 ORDER BY 2 DESC""",
    "line items by email status": """
        SELECT email_status, count(*) FROM orders_lineitem GROUP BY 1 ORDER BY 2 DESC""",
    "line items by delivery status": """
        SELECT delivery_status, count(*) FROM orders_lineitem GROUP BY 1 ORDER BY 2 DESC""",
    "line items by reward status": """
        SELECT reward_status, count(*) FROM orders_lineitem GROUP BY 1 ORDER BY 2 DESC""",
    "line items by delivery method": """
        SELECT delivery_method, count(*) FROM orders_lineitem GROUP BY 1 ORDER BY 2 DESC""",
    "PARTIAL orders and their lines": """
        SELECT count(*) AS partial_orders,
               count(*) FILTER (WHERE failed > 0) AS with_failed_lines,
               count(*) FILTER (WHERE failed > 0 AND complete > 0) AS with_failed_and_complete,
               sum(failed) AS failed_lines, sum(n) AS lines,
               count(*) FILTER (WHERE n = 40) AS with_40_lines
        FROM (SELECT o.id, count(*) AS n,
                     count(*) FILTER (WHERE l.status = 'FAILED') AS failed,
                     count(*) FILTER (WHERE l.status = 'COMPLETE') AS complete
              FROM orders_order o JOIN orders_lineitem l ON l.order_id = o.id
              WHERE o.tango_status = 'PARTIAL' GROUP BY o.id) x""",
    "orders per quarter": """
        SELECT to_char(date_trunc('quarter', created_at), 'YYYY-"Q"Q') AS quarter, count(*),
               round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct
        FROM orders_order GROUP BY 1 ORDER BY 1""",
    "date range": """
        SELECT min(created_at), max(created_at), min(tango_created_at), max(tango_created_at)
        FROM orders_order""",
    "currency (reward -> charged)": """
        SELECT currency, amount_charged_currency AS charged_in, count(*),
               round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS pct,
               round(avg(exchange_rate), 4) AS avg_rate, round(sum(amount_charged_fee), 2) AS fees
        FROM orders_order GROUP BY 1, 2 ORDER BY 3 DESC""",
    "non-USD share": """
        SELECT round(100.0 * count(*) FILTER (WHERE currency <> 'USD') / count(*), 2) AS pct
        FROM orders_order""",
    "line counts per order": """
        SELECT CASE WHEN n = 1 THEN '1' WHEN n <= 3 THEN '2-3' WHEN n <= 10 THEN '4-10'
                    WHEN n <= 50 THEN '11-50' WHEN n <= 200 THEN '51-200' ELSE '>200' END AS lines,
               count(*) AS orders, sum(n) AS line_items
        FROM (SELECT order_id, count(*) AS n FROM orders_lineitem GROUP BY 1) x
        GROUP BY 1 ORDER BY min(n)""",
    "biggest bulk orders": """
        SELECT o.id, o.tango_status, o.order_source, o.is_bulk, count(*) AS lines,
               count(*) FILTER (WHERE l.status = 'FAILED') AS failed, o.amount, o.currency,
               o.created_at::date
        FROM orders_order o JOIN orders_lineitem l ON l.order_id = o.id
        GROUP BY o.id ORDER BY count(*) DESC LIMIT 6""",
    "stuck PENDING (older than 2 days)": """
        SELECT count(*) FROM orders_order
        WHERE tango_status = 'PENDING' AND tango_created_at < now() - interval '2 days'""",
    "timeline rows per order": """
        SELECT n AS rows_per_order, count(*) AS orders FROM (
            SELECT o.id, count(e.id) AS n FROM orders_order o
            LEFT JOIN orders_orderevent e ON e.order_id = o.id GROUP BY o.id) x
        GROUP BY 1 ORDER BY 1""",
    "timeline rows by source and kind": """
        SELECT source, kind, count(*) FROM orders_orderevent GROUP BY 1, 2 ORDER BY 3 DESC""",
    "recipient reuse": """
        SELECT count(*) AS line_items, count(DISTINCT lower(recipient_email)) AS emails,
               count(DISTINCT (recipient_first_name, recipient_last_name)) AS names
        FROM orders_lineitem""",
    "top accounts (orders)": """
        SELECT a.identifier, a.currency, count(*),
               round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct
        FROM orders_order o JOIN orders_account a ON a.id = o.account_id
        GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 6""",
    "top brands (orders' first line)": """
        SELECT b.name, count(*), round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS pct
        FROM orders_lineitem l JOIN orders_catalogitem c ON c.id = l.catalog_item_id
        JOIN orders_brand b ON b.id = c.brand_id WHERE l.line_number = 1
        GROUP BY 1 ORDER BY 2 DESC LIMIT 6""",
    "consistency (all should be 0)": """
        SELECT count(*) FILTER (WHERE o.amount <> s.total) AS amount_not_sum_of_lines,
               count(*) FILTER (WHERE o.amount_charged_total
                                      <> o.amount_charged_value + o.amount_charged_fee)
                   AS charged_total_mismatch,
               count(*) FILTER (WHERE o.state = 'placed' AND o.reference_order_id IS NULL)
                   AS placed_without_reference,
               count(*) FILTER (WHERE o.state <> 'placed'
                                AND (o.reference_order_id IS NOT NULL OR o.tango_status <> ''))
                   AS unplaced_with_tango_ids,
               count(*) FILTER (WHERE o.updated_at < o.created_at) AS updated_before_created,
               count(*) FILTER (WHERE o.created_at > now()) AS in_the_future
        FROM orders_order o
        JOIN (SELECT order_id, sum(amount) AS total FROM orders_lineitem GROUP BY 1) s
          ON s.order_id = o.id""",
}


def run_queries(out=print) -> dict:
    from django.db import connection

    results = {}
    with connection.cursor() as cursor:
        for title, sql in QUERIES.items():
            cursor.execute(sql)
            names = [c.name for c in cursor.description]
            rows = cursor.fetchall()
            results[title] = [dict(zip(names, row, strict=True)) for row in rows]
            out(f"\n== {title}")
            out("  " + " | ".join(names))
            for row in rows:
                out("  " + " | ".join("" if v is None else str(v) for v in row))
    return results


def render(out=print) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    from orders.models import Order

    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    if admin is None:
        raise SystemExit("no superuser: was the database made by bench/generate.py?")
    client = Client()
    client.force_login(admin)
    partial_40 = (
        Order.objects.filter(tango_status="PARTIAL", is_bulk=True)
        .annotate(n=Count("line_items"))
        .filter(n=40)
        .order_by("-created_at")
        .values_list("pk", flat=True)
        .first()
    )
    pages = [("orders list", reverse("orders:list"), {})]
    htmx = {"HTTP_HX_REQUEST": "true"}
    pages.append(("orders list fragment (HTMX)", reverse("orders:list"), htmx))
    pages.append(("facet counts", reverse("orders:facets"), htmx))
    if partial_40:
        pages.append(("PARTIAL order, 40 lines", reverse("orders:detail", args=[partial_40]), {}))
    results = []
    out("")
    for title, url, headers in pages:
        t0 = time.perf_counter()
        response = client.get(url, **headers)
        ms = (time.perf_counter() - t0) * 1000
        results.append({"page": title, "url": url, "status": response.status_code, "ms": ms})
        size = len(response.content)
        out(f"{title:<30} GET {url:<20} -> {response.status_code}, {size:>9,} bytes, {ms:6.0f} ms")
        if response.status_code != 200:
            raise SystemExit(f"{title}: HTTP {response.status_code}")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--no-render", action="store_true", help="SQL only")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    setup_django(args.database_url)
    from orders.models import Order

    print(f"Order.objects.count() = {Order.objects.count():,}")
    results = {"queries": run_queries()}
    if not args.no_render:
        results["pages"] = render()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
