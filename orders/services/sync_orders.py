"""Order status sync: GET /orders by date windows, diffed in Python, written in bulk.

Per page of up to 100 Tango orders the pass runs a fixed number of queries (matching orders,
their line items, and only when something is new or changed: accounts, inserts, one bulk
UPDATE, one bulk INSERT of timeline rows), never a query per row. Rows are matched by
referenceOrderID, or by externalRefID for our own orders whose reference is not known yet;
orders that exist only at Tango (placed in Tango's portal, by another tool, by the demo
seeder) are imported. The transaction per page is short and holds no lock across HTTP calls.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from orders.models import LineItem, Order, OrderEvent
from orders.services.sync_changes import (
    SYNC,
    Changes,
    SyncReport,
    bulk_write,
    line_item_event,
    order_changes,
    status_event,
)
from orders.services.sync_import import import_orders
from orders.statuses import PlacementState
from orders.tango.client import TangoClient, get_client
from orders.tango.types import TangoOrder

logger = logging.getLogger(__name__)

ORDER_PAGE_SIZE = 100  # Tango's maximum elementsPerBlock (422.042 above it)
# GET /orders reaches at most 10,000 results (TANGO_API.md §5.1, 400.021 beyond). Read at call
# time so tests can lower it.
MAX_RESULT_WINDOW = 10_000
# Tango's 2020 message catalog caps one query at 100 days (422.043); stay under it.
MAX_WINDOW = timedelta(days=90)
MIN_WINDOW = timedelta(seconds=2)


def sync_orders_window(
    *,
    start: datetime,
    end: datetime,
    client: TangoClient | None = None,
    report: SyncReport | None = None,
) -> SyncReport:
    """Bring every order Tango created in [start, end] up to date locally.

    A window whose first page reports more than MAX_RESULT_WINDOW matches is split in halves
    (recursively) before paging, so no page ever lies beyond Tango's reachable result window.
    """
    client = client or get_client()
    report = report or SyncReport()
    chunk_start = start
    while chunk_start < end:
        chunk_end = min(chunk_start + MAX_WINDOW, end)
        _sync_window(client, chunk_start, chunk_end, report)
        chunk_start = chunk_end
    return report


def _sync_window(client: TangoClient, start: datetime, end: datetime, report: SyncReport) -> None:
    page = client.list_orders(
        page=0, elements_per_block=ORDER_PAGE_SIZE, start_date=start, end_date=end
    )
    report.list_calls += 1
    if page.total_count > MAX_RESULT_WINDOW:
        if end - start > MIN_WINDOW:
            middle = start + (end - start) / 2
            _sync_window(client, start, middle, report)
            _sync_window(client, middle, end, report)
            return
        logger.warning(
            "sync: %d orders in %s..%s exceed Tango's result window; syncing the first %d",
            page.total_count,
            start.isoformat(),
            end.isoformat(),
            MAX_RESULT_WINDOW,
        )
    report.windows += 1
    reachable = min(page.total_count, MAX_RESULT_WINDOW)
    seen = 0
    while True:
        apply_tango_orders(page.orders, report=report)
        seen += len(page.orders)
        if not page.orders or seen >= reachable:
            break
        page = client.list_orders(
            page=page.number + 1,
            elements_per_block=ORDER_PAGE_SIZE,
            start_date=start,
            end_date=end,
        )
        report.list_calls += 1


def apply_tango_orders(
    tango_orders: Iterable[TangoOrder],
    *,
    report: SyncReport,
    acting_user: Any = None,
    now: datetime | None = None,
) -> None:
    """Upsert one batch of Tango orders: bulk UPDATE the changed rows, import unknown ones."""
    by_ref = {t.reference_order_id: t for t in tango_orders if t.reference_order_id}
    if not by_ref:
        return
    report.seen += len(by_ref)
    now = now or timezone.now()
    ext_ids = [t.external_ref_id for t in by_ref.values() if t.external_ref_id]
    local = list(
        Order.objects.filter(
            Q(reference_order_id__in=list(by_ref)) | Q(external_ref_id__in=ext_ids)
        )
        .select_related("account")
        .order_by()
    )
    by_local_ref = {o.reference_order_id: o for o in local if o.reference_order_id}
    by_local_ext = {o.external_ref_id: o for o in local}

    matched: list[tuple[Order, TangoOrder]] = []
    to_import: list[TangoOrder] = []
    taken_ext_ids: set[str] = set()
    for ref, tango in by_ref.items():
        order = by_local_ref.get(ref)
        if order is None and tango.external_ref_id in by_local_ext:
            candidate = by_local_ext[tango.external_ref_id]
            if _is_ours_to_attach(candidate, tango):
                order = candidate
            elif candidate.reference_order_id is None:
                # Placement is still deciding this order (or a retry is in flight): the placement
                # worker and its sweeper own it until it is PLACED.
                report.skipped += 1
                continue
            else:
                taken_ext_ids.add(tango.external_ref_id or "")
        if order is None:
            to_import.append(tango)
        else:
            matched.append((order, tango))

    with transaction.atomic():
        events = _update_matched(matched, report=report, now=now, acting_user=acting_user)
        events += import_orders(to_import, taken_ext_ids, report=report, now=now)
        if events:
            OrderEvent.objects.bulk_create(events)
            report.events += len(events)


def _is_ours_to_attach(order: Order, tango: TangoOrder) -> bool:
    """A placed order of ours whose referenceOrderID we have not stored yet (e.g. async)."""
    return (
        order.reference_order_id is None
        and order.state == PlacementState.PLACED
        and (tango.account_identifier in (None, order.account.identifier))
    )


def _update_matched(
    matched: Sequence[tuple[Order, TangoOrder]],
    *,
    report: SyncReport,
    now: datetime,
    acting_user: Any,
) -> list[OrderEvent]:
    if not matched:
        return []
    events: list[OrderEvent] = []
    changed_orders: list[Changes] = []
    for order, tango in matched:
        changes = order_changes(order, tango)
        if changes:
            changed_orders.append(changes)
            if "tango_status" in changes.fields:
                events.append(
                    status_event(
                        order=order,
                        old=changes.old("tango_status"),
                        new=order.tango_status,
                        source=SYNC,
                        occurred_at=now,
                        acting_user=acting_user,
                    )
                )
    report.updated += bulk_write(
        Order, changed_orders, extra={"last_synced_at": now, "updated_at": now}
    )
    events += _update_single_line_items(matched, report=report, now=now, acting_user=acting_user)
    return events


def _update_single_line_items(
    matched: Sequence[tuple[Order, TangoOrder]],
    *,
    report: SyncReport,
    now: datetime,
    acting_user: Any,
) -> list[OrderEvent]:
    """GET /orders carries `lineItemStatus`: keep one-line orders' line item in step with it.

    Multi-line (bulk) orders get their line items from GET /lineItems or /asyncOrders instead,
    where each line has its own status.
    """
    single = {order.pk: tango for order, tango in matched if not order.is_bulk}
    if not single:
        return []
    lines: dict[int, list[LineItem]] = {}
    for line in LineItem.objects.filter(order_id__in=list(single)).order_by():
        lines.setdefault(line.order_id, []).append(line)
    changed: list[Changes] = []
    events: list[OrderEvent] = []
    for order_id, tango in single.items():
        if len(lines.get(order_id, [])) != 1:
            continue
        line = lines[order_id][0]
        changes = Changes(line)
        if line.reference_line_item_id is None and tango.reference_line_item_id:
            changes.set("reference_line_item_id", tango.reference_line_item_id)
        changes.set_str("status", tango.line_item_status)
        if changes:
            changed.append(changes)
            event = line_item_event(
                line_item=line,
                changes=changes,
                source=SYNC,
                occurred_at=now,
                acting_user=acting_user,
            )
            if event is not None:
                events.append(event)
    bulk_write(LineItem, changed, extra={"updated_at": now})
    return events


def fetch_orders_by_reference(
    references: Sequence[str], *, client: TangoClient | None = None, report: SyncReport
) -> None:
    """GET /orders/{id} for a few orders, then one bulk apply (cheaper than a window for k<10).

    What was fetched before a retryable failure is still applied, so progress is kept.
    """
    from orders.tango.errors import TangoNotFound

    client = client or get_client()
    fetched: list[TangoOrder] = []
    try:
        for reference in references:
            try:
                fetched.append(client.get_order(reference))
            except TangoNotFound:
                logger.warning("sync: order %s not found at Tango", reference)
                report.skipped += 1
            report.detail_calls += 1
    finally:
        apply_tango_orders(fetched, report=report)


__all__ = [
    "MAX_RESULT_WINDOW",
    "ORDER_PAGE_SIZE",
    "SyncReport",
    "apply_tango_orders",
    "fetch_orders_by_reference",
    "sync_orders_window",
]
