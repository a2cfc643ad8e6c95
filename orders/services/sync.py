"""Status sync passes run by Celery beat (CELERY_BEAT_SCHEDULE), and the UI's one-order refresh.

* `sync_open_orders`: placed orders whose Tango status can still change, often (every minute
  by default). A few are fetched one by one; more are covered by GET /orders windows around
  their creation times, so the cost is ceil(N/100) list calls, not N detail calls. Bulk orders
  are mirrored from /asyncOrders.
* `sync_recent_orders`: everything Tango created in the last few days, less often. It catches
  changes to orders we consider final (a COMPLETE line item later CANCELLED...) and imports
  orders placed outside Rewards Ops.
* `sync_recent_line_items`: the same window over GET /lineItems (email, delivery, reward status).
* `flag_stuck_orders`: PENDING for more than one business day -> one `stuck` timeline row.
* `refresh_order`: GET /orders/{id} + its line items, for the "Refresh from Tango" button.

The implementation lives in sync_orders.py, sync_line_items.py and sync_reference.py.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from audit.services import record_action
from core.business_days import stuck_cutoff
from orders.models import Order, OrderEvent
from orders.services.bulk_mirror import mirror_async_order
from orders.services.sync_changes import SyncReport
from orders.services.sync_line_items import apply_tango_line_items, sync_line_items
from orders.services.sync_orders import (
    MAX_WINDOW,
    apply_tango_orders,
    fetch_orders_by_reference,
    sync_orders_window,
)
from orders.services.sync_reference import sync_accounts, sync_catalog
from orders.statuses import EventSource, OrderStatus
from tango.client import get_client
from tango.errors import TangoError, TangoNotFound

logger = logging.getLogger(__name__)

# Up to this many open orders are fetched one by one (GET /orders/{id}); above it, by windows.
PER_ORDER_LIMIT = 10
# Open orders created closer together than this share one GET /orders window.
WINDOW_GAP = timedelta(hours=6)
# Windows are widened by this much on each side: our clock and Tango's differ a little. A
# window never ends after our "now" though: Tango refuses dates in the future (422.045).
WINDOW_MARGIN = timedelta(minutes=1)


class OrderNotPlaced(Exception):
    """The order has no referenceOrderID yet: there is nothing at Tango to refresh from."""


def recent_days() -> int:
    return int(getattr(settings, "TANGO_SYNC_RECENT_DAYS", 7))


def sync_open_orders() -> SyncReport:
    report = SyncReport()
    open_orders = Order.objects.needing_sync()
    for order_id in open_orders.filter(is_bulk=True).values_list("pk", flat=True):
        try:
            mirror_async_order(order_id=order_id)
        except TangoNotFound:
            logger.warning("sync: bulk order %s not found at Tango's async API", order_id)
            report.skipped += 1
        report.detail_calls += 1
    singles = list(
        open_orders.filter(is_bulk=False, reference_order_id__isnull=False)
        .order_by("tango_created_at")
        .values_list("reference_order_id", "tango_created_at")
    )
    if len(singles) <= PER_ORDER_LIMIT:
        fetch_orders_by_reference([ref for ref, _ in singles], report=report)
        return report
    undated = [ref for ref, created in singles if created is None]
    if undated:
        fetch_orders_by_reference(undated, report=report)
    times = [created for _, created in singles if created is not None]
    for start, end in covering_windows(times, now=timezone.now()):
        sync_orders_window(start=start, end=end, report=report)
    return report


def covering_windows(
    times: Sequence[datetime], *, now: datetime, gap: timedelta = WINDOW_GAP
) -> list[tuple[datetime, datetime]]:
    """Few [start, end] windows covering every moment in `times` (sorted ascending).

    Moments closer than `gap` share a window, so one old straggler does not drag in weeks of
    unrelated orders; windows never exceed MAX_WINDOW (GET /orders' period limit).
    """
    windows: list[tuple[datetime, datetime]] = []
    for moment in sorted(times):
        if windows and moment - windows[-1][1] <= gap and moment - windows[-1][0] < MAX_WINDOW:
            windows[-1] = (windows[-1][0], moment)
        else:
            windows.append((moment, moment))
    return [(start - WINDOW_MARGIN, min(end + WINDOW_MARGIN, now)) for start, end in windows]


def sync_recent_orders(*, days: int | None = None, now: datetime | None = None) -> SyncReport:
    now = now or timezone.now()
    start = now - timedelta(days=days if days is not None else recent_days())
    return sync_orders_window(start=start, end=now)


def sync_recent_line_items(*, days: int | None = None, now: datetime | None = None) -> SyncReport:
    now = now or timezone.now()
    start = now - timedelta(days=days if days is not None else recent_days())
    return sync_line_items(start=start, end=now)


def stuck_orders(now: datetime | None = None) -> models.QuerySet[Order]:
    """Orders PENDING at Tango for more than one business day (Tango's promise)."""
    return Order.objects.pending_since(stuck_cutoff(now))


def flag_stuck_orders(*, now: datetime | None = None) -> int:
    """Write one `stuck` timeline row per stuck order (once per order). Returns how many."""
    now = now or timezone.now()
    already = OrderEvent.objects.filter(order=models.OuterRef("pk"), kind=OrderEvent.Kind.STUCK)
    with transaction.atomic():
        # skip_locked: a concurrent run leaves the orders this one is flagging alone.
        orders = list(
            stuck_orders(now)
            .filter(~models.Exists(already))
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", "reference_order_id", "tango_created_at")
        )
        OrderEvent.objects.bulk_create(
            [
                OrderEvent(
                    order_id=pk,
                    kind=OrderEvent.Kind.STUCK,
                    source=EventSource.SYSTEM,
                    old_status=OrderStatus.PENDING,
                    new_status=OrderStatus.PENDING,
                    message=(
                        "PENDING at Tango for more than one business day (created "
                        f"{created:%Y-%m-%d %H:%M %Z}). Contact Tango support with Reference "
                        f"Order ID {ref}."
                    ),
                    details={"reference_order_id": ref},
                    occurred_at=now,
                )
                for pk, ref, created in orders
            ]
        )
    if orders:
        logger.warning("sync: %d order(s) flagged as stuck in PENDING", len(orders))
    return len(orders)


def refresh_order(*, order_id: int, acting_user: Any = None) -> Order:
    """Re-read one order and its line items from Tango now (the UI's "Refresh" button)."""
    order = Order.objects.select_related("account").get(pk=order_id)
    client = get_client()
    report = SyncReport()
    tango_order = None
    if order.is_bulk:
        # Bulk orders: the async summary has every line's outcome; GET /orders has one row.
        mirror_async_order(order_id=order.pk, acting_user=acting_user)
        order.refresh_from_db(fields=["reference_order_id"])
    elif not order.reference_order_id:
        raise OrderNotPlaced(f"Order {order.external_ref_id} has not been placed at Tango yet.")
    else:
        tango_order = client.get_order(order.reference_order_id)
    items = []
    if order.reference_order_id:
        items = list(client.iter_line_items(reference_order_id=order.reference_order_id))
    now = timezone.now()
    with transaction.atomic():
        if tango_order is not None:
            apply_tango_orders([tango_order], report=report, acting_user=acting_user, now=now)
        apply_tango_line_items(items, report=report, acting_user=acting_user, now=now)
        # A staff refresh is an explicit read: record when it happened even if nothing changed.
        Order.objects.filter(pk=order.pk).update(last_synced_at=now)
        if getattr(acting_user, "is_authenticated", False):
            record_action(
                acting_user=acting_user,
                action="order.refresh",
                obj=order,
                after={"updated": report.updated, "events": report.events},
            )
    return Order.objects.get(pk=order.pk)


__all__ = [
    "OrderNotPlaced",
    "SyncReport",
    "TangoError",
    "covering_windows",
    "flag_stuck_orders",
    "refresh_order",
    "stuck_orders",
    "sync_accounts",
    "sync_catalog",
    "sync_open_orders",
    "sync_orders_window",
    "sync_recent_line_items",
    "sync_recent_orders",
]
