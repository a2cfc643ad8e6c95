"""The sync's write path at scale: orders.sync.orders.apply_tango_orders (what every GET
/orders page goes through) on N changed orders, against a naive update_or_create loop, and
the Tango list calls a sync pass makes per synced order. Everything runs in transactions
that are rolled back: the bench database is left as it was.

The "changed" orders are real rows of the database as Tango would list them with a new
amountCharged (+1.00) and their current status, so every row has something to write.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

PAGE = 100  # orders.sync.orders.ORDER_PAGE_SIZE


class Rollback(Exception):
    pass


def _sample(count: int) -> list[dict[str, Any]]:
    from django.db.models import OuterRef, Subquery

    from orders.models import LineItem, Order

    first_line = LineItem.objects.filter(order=OuterRef("pk")).order_by("id").values("status")[:1]
    rows = (
        Order.objects.filter(reference_order_id__isnull=False, tango_status__gt="")
        .annotate(line_status=Subquery(first_line))
        .order_by("-id")
        .values(
            "line_status",
            "reference_order_id",
            "external_ref_id",
            "tango_status",
            "amount_charged_value",
            "tango_created_at",
            "created_at",
            "account__identifier",
            "account__customer__identifier",
        )[:count]
    )
    return list(rows)


def _tango_json(row: dict[str, Any]) -> dict[str, Any]:
    from tango.testing.payloads import tango_order_json

    amount = (row["amount_charged_value"] or Decimal("10")) + Decimal("1.00")
    return tango_order_json(
        row["reference_order_id"],
        created=row["tango_created_at"] or row["created_at"],
        status=row["tango_status"],
        line_status=row["line_status"] or "COMPLETE",
        amount=str(amount),
        external_ref=row["external_ref_id"],
        account=row["account__identifier"],
        customer=row["account__customer__identifier"] or "",
    )


def _vacuum() -> None:
    """A rolled-back UPDATE leaves its row versions and index entries behind until VACUUM: each
    measurement starts from vacuumed tables, not from the previous one's (or run's) leftovers."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("orders_order", "orders_lineitem"):
            cursor.execute(f'VACUUM "{table}"')


def _rolled_back(fn) -> float:
    from django.db import transaction

    started = time.perf_counter()
    try:
        with transaction.atomic():
            fn()
            seconds = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return seconds


def bench_sync(*, orders: int, naive_sample: int, list_sample: int) -> dict[str, Any]:
    from orders.models import Order
    from orders.sync.changes import SyncReport
    from orders.sync.orders import apply_tango_orders
    from tango.types import TangoOrder

    rows = _sample(orders)
    payloads = [_tango_json(row) for row in rows]
    tango_orders = [TangoOrder.from_json(p) for p in payloads]
    report = SyncReport()

    def upsert() -> None:
        for i in range(0, len(tango_orders), PAGE):
            apply_tango_orders(tango_orders[i : i + PAGE], report=report)

    _vacuum()
    upsert_s = _rolled_back(upsert)

    naive_rows = tango_orders[:naive_sample]

    def naive() -> None:
        for tango in naive_rows:
            charged = tango.amount_charged
            Order.objects.update_or_create(
                reference_order_id=tango.reference_order_id,
                defaults={
                    "tango_status": tango.status,
                    "amount_charged_value": charged.value,
                    "amount_charged_total": charged.total,
                    "tango_created_at": tango.created_at,
                },
            )

    _vacuum()
    naive_s = _rolled_back(naive)
    upsert_rate = len(tango_orders) / upsert_s if upsert_s else 0.0
    naive_rate = len(naive_rows) / naive_s if naive_s else 0.0
    result = {
        "orders": len(tango_orders),
        "sync_report": report.as_dict(),
        "upsert_seconds": round(upsert_s, 2),
        "upsert_orders_per_s": round(upsert_rate, 1),
        "naive_sample": len(naive_rows),
        "naive_seconds": round(naive_s, 2),
        "naive_orders_per_s": round(naive_rate, 1),
        "naive_extrapolated_seconds": round(len(tango_orders) / naive_rate, 1)
        if naive_rate
        else None,
        "upsert_vs_naive": round(upsert_rate / naive_rate, 1) if naive_rate else None,
    }
    result.update(_list_calls(payloads[:list_sample]))
    return result


def _list_calls(payloads: list[dict[str, Any]]) -> dict[str, Any]:
    """A sync pass (sync_orders_window) over FakeTango holding `payloads`: list calls made."""
    from django.utils.dateparse import parse_datetime

    from orders.sync.orders import sync_orders_window
    from tango.client import install_client, reset_client
    from tango.testing import FakeTango

    if not payloads:
        return {}
    fake = FakeTango()
    fake.orders = {p["referenceOrderID"]: p for p in payloads}
    moments = [parse_datetime(p["createdAt"]) for p in payloads]
    start, end = min(moments) - timedelta(seconds=1), max(moments) + timedelta(seconds=1)
    holder: dict[str, Any] = {}
    install_client(fake)
    try:
        seconds = _rolled_back(
            lambda: holder.update(report=sync_orders_window(start=start, end=end))
        )
    finally:
        reset_client()
    report = holder["report"]
    return {
        "list_sample": len(payloads),
        "list_calls": report.list_calls,
        "list_calls_ideal": math.ceil(len(payloads) / PAGE),
        "list_calls_per_order": round(report.list_calls / len(payloads), 4),
        "list_windows": report.windows,
        "list_pass_seconds": round(seconds, 2),
        "list_pass_seen": report.seen,
    }
