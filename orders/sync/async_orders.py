"""Mirroring a bulk order from Tango's async API into the local order and its line items.

GET /asyncOrders/customers/{c}/accounts/{a}/{externalRefID} (TANGO_API.md §7.7) carries the
order status (COMPLETE / PARTIAL / FAILED, or a pending status while lines are processing) and
each line's status; lines are matched by their externalRefLineItemID. Only changed fields are
written (conditional bulk UPDATE, see changes.bulk_write), each status change with a timeline
row, and no status moves backwards (the statuses go through orders/sync/status.py). Called after
placement, by the AsyncOrderStatus webhook, by the open-orders sync and by "Refresh from Tango".
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from core.actor import Actor
from orders.models import LineItem, Order, OrderEvent
from orders.statuses import LineItemStatus, OrderStatus
from orders.sync.changes import SYNC_ACTOR, Changes, bulk_write, line_item_events, quantize
from orders.sync.status import apply_line_item_status, apply_order_status, write_orders
from tango.client import get_client
from tango.types import AsyncOrderDetail


def mirror_async_order(*, order_id: int, actor: Actor = SYNC_ACTOR, note: str = "") -> Order:
    """GET the async order summary and write its status and its lines' statuses locally."""
    order = Order.objects.select_related("account", "customer").get(pk=order_id)
    apply_async_detail(order, read_async_order(order), actor=actor, note=note)
    return order


def read_async_order(order: Order) -> AsyncOrderDetail:
    """The async order summary Tango has for this (bulk) order."""
    return get_client().get_async_order(
        customer_identifier=order.customer.identifier,
        account_identifier=order.account.identifier,
        external_ref_id=order.external_ref_id,
    )


def apply_async_detail(
    order: Order, detail: AsyncOrderDetail, *, actor: Actor = SYNC_ACTOR, note: str = ""
) -> None:
    now = timezone.now()
    lines = {line.external_ref_line_item_id: line for line in order.line_items.all()}
    changed_lines: list[Changes] = []
    for tango in detail.line_items:
        line = lines.get(tango.external_ref_line_item_id or "")
        if line is None:
            continue
        changes = Changes(line)
        if not apply_line_item_status(changes, tango.line_item_status, ident=line.pk):
            continue
        if line.reference_line_item_id is None and tango.reference_line_item_id:
            changes.set("reference_line_item_id", tango.reference_line_item_id)
        changes.set_str("delivery_status", tango.delivery_status)
        if tango.amount_charged is not None and tango.amount_charged.total is not None:
            changes.set("amount_charged_total", quantize(tango.amount_charged.total))
        if tango.errors:
            changes.set("errors", [{"code": e.code, "message": e.message} for e in tango.errors])
        if changes:
            changed_lines.append(changes)
    order_changes = Changes(order)
    if order.reference_order_id is None and detail.reference_order_id:
        order_changes.set("reference_order_id", detail.reference_order_id)
    status = detail.order_status or _derived_status(lines.values())
    apply_order_status(order_changes, status, ident=order.pk)
    with transaction.atomic():
        # Order before its lines: the same lock order as the order sync (no deadlock).
        _, status_rows = write_orders([order_changes], actor=actor, now=now)
        bulk_write(LineItem, changed_lines, extra={"updated_at": now})
        # After the writes: only what was really written gets a timeline row.
        rows = line_item_events(changed_lines, actor=actor, occurred_at=now, note=note)
        OrderEvent.objects.bulk_create(rows + status_rows)


def _derived_status(lines: Any) -> str | None:
    """COMPLETE / FAILED / PARTIAL from the lines when Tango's summary has no orderStatus."""
    statuses = {line.status for line in lines}
    if not statuses or statuses & {LineItemStatus.PENDING, ""}:
        return None
    if statuses == {LineItemStatus.COMPLETE}:
        return OrderStatus.COMPLETE
    if LineItemStatus.COMPLETE not in statuses:
        return OrderStatus.FAILED
    return OrderStatus.PARTIAL
