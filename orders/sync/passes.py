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
* `read_order` / `apply_order_read` (`refresh_order` is both): GET /orders/{id} + its line
  items, for the "Refresh from Tango" button (orders.actions.refresh).

The reads themselves live beside this module: orders.py (GET /orders), line_items.py
(GET /lineItems), async_orders.py (bulk orders) and reference.py (accounts, catalog; their
passes are run by the tasks directly).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.actor import Actor, ActorPath
from orders import events
from orders.models import Order, OrderEvent
from orders.sync.async_orders import apply_async_detail, mirror_async_order, read_async_order
from orders.sync.changes import SYNC_ACTOR, SyncReport
from orders.sync.line_items import apply_tango_line_items, sync_line_items
from orders.sync.orders import (
    MAX_WINDOW,
    apply_tango_orders,
    fetch_orders_by_reference,
    sync_orders_window,
)
from tango.client import get_client
from tango.errors import TangoNotFound
from tango.types import AsyncOrderDetail, TangoLineItem, TangoOrder

logger = logging.getLogger(__name__)

# Up to this many open orders are fetched one by one (GET /orders/{id}); above it, by windows.
PER_ORDER_LIMIT = 10
# Open orders created closer together than this share one GET /orders window.
WINDOW_GAP = timedelta(hours=6)
# Windows are widened by this much on each side: our clock and Tango's differ a little. A
# window never ends after our "now" though: Tango refuses dates in the future (422.045).
WINDOW_MARGIN = timedelta(minutes=1)


# The stuck flag is housekeeping (source "system" on the timeline), not a read of Tango.
HOUSEKEEPING = Actor.system(ActorPath.SYSTEM)


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


def flag_stuck_orders(*, now: datetime | None = None) -> int:
    """Write one `stuck` timeline row per stuck order (once per order). Returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        # skip_locked: a concurrent run leaves the orders this one is flagging alone.
        orders = list(
            Order.objects.stuck(now)
            .not_flagged_stuck()
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", "reference_order_id", "tango_created_at")
        )
        OrderEvent.objects.bulk_create(
            [
                events.stuck_flagged(
                    order_id=pk,
                    actor=HOUSEKEEPING,
                    reference_order_id=ref,
                    created_at=created,
                    occurred_at=now,
                    save=False,
                )
                for pk, ref, created in orders
            ]
        )
    if orders:
        logger.warning("sync: %d order(s) flagged as stuck in PENDING", len(orders))
    return len(orders)


@dataclass(frozen=True)
class OrderRead:
    """What Tango says about one order right now (read_order), to apply in one transaction."""

    order: Order
    tango_order: TangoOrder | None = None  # GET /orders/{id} (single-reward orders)
    async_detail: AsyncOrderDetail | None = None  # the async summary (bulk orders)
    line_items: list[TangoLineItem] = field(default_factory=list)


def read_order(*, order_id: int) -> OrderRead:
    """Read one order and its line items from Tango (HTTP only: nothing is written).

    Raises OrderNotPlaced for a single-reward order without a referenceOrderID.
    """
    order = Order.objects.select_related("account", "customer").get(pk=order_id)
    client = get_client()
    read = OrderRead(order=order)
    reference = order.reference_order_id
    if order.is_bulk:
        # Bulk orders: the async summary has every line's outcome; GET /orders has one row.
        read = replace(read, async_detail=read_async_order(order))
        reference = reference or read.async_detail.reference_order_id
    elif not reference:
        raise OrderNotPlaced(f"Order {order.external_ref_id} has not been placed at Tango yet.")
    else:
        read = replace(read, tango_order=client.get_order(reference))
    if reference:
        read = replace(read, line_items=list(client.iter_line_items(reference_order_id=reference)))
    return read


def apply_order_read(read: OrderRead, *, actor: Actor = SYNC_ACTOR) -> SyncReport:
    """Write what `read_order` found, in one transaction (the caller's, if it has one)."""
    report = SyncReport()
    now = timezone.now()
    with transaction.atomic():
        if read.async_detail is not None:
            apply_async_detail(read.order, read.async_detail, actor=actor)
        if read.tango_order is not None:
            apply_tango_orders([read.tango_order], report=report, actor=actor, now=now)
        apply_tango_line_items(read.line_items, report=report, actor=actor, now=now)
        # A refresh is an explicit read: record when it happened even if nothing changed.
        Order.objects.filter(pk=read.order.pk).update(last_synced_at=now)
    return report


def refresh_order(*, order_id: int, actor: Actor = SYNC_ACTOR) -> Order:
    """Re-read one order and its line items from Tango now, and write what changed.

    The console's "Refresh from Tango" is orders.actions.refresh.refresh_order (the same read
    and write, plus its audit row in the same transaction).
    """
    apply_order_read(read_order(order_id=order_id), actor=actor)
    return Order.objects.get(pk=order_id)


__all__ = [
    "OrderNotPlaced",
    "OrderRead",
    "apply_order_read",
    "covering_windows",
    "flag_stuck_orders",
    "read_order",
    "refresh_order",
    "sync_open_orders",
    "sync_recent_line_items",
    "sync_recent_orders",
]
