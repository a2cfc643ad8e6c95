"""Placing bulk (multi-line) orders through Tango's async API: POST /asyncOrders (§7.7).

One local Order (is_bulk, order source AA) with N LineItems, each with its own
externalRefLineItemID (orders/actions/entry.py). Placement follows the single-order rules
(orders/actions/placement.py, whose claim and write-backs it shares): claim QUEUED -> PLACING
with a conditional UPDATE, call Tango with no transaction open, write the result back; a retry
re-sends the same externalRefID, which Tango answers with the existing order (200) instead of
creating a second one. Tango processes the lines afterwards; their outcomes are mirrored from
GET /asyncOrders/customers/{c}/accounts/{a}/{externalRefID} (orders/sync/async_orders.py),
on the AsyncOrderStatus webhook, by the open-orders sync and by "Refresh from Tango".
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from orders.actions.payloads import async_line_fields, tango_sender
from orders.actions.placement import (
    WORKER,
    Outcome,
    PlacementOutcome,
    call_tango,
    claim_for_placement,
    mark_placed,
)
from orders.models import LineItem, Order, OrderEvent
from orders.statuses import LineItemStatus
from orders.sync.async_orders import apply_async_detail, mirror_async_order
from orders.sync.changes import Changes, bulk_write, line_item_events
from tango.client import TangoClient, get_client
from tango.errors import TangoAlreadyExists, TangoError, TangoNotFound
from tango.rate_limit import wait_for_order_slot
from tango.types import AsyncOrderAccepted, AsyncOrderDetail

logger = logging.getLogger(__name__)


def place_bulk_order(*, order_id: int) -> PlacementOutcome:
    """Claim a QUEUED bulk order, POST /asyncOrders, write the acceptance back, then mirror.

    Raises TangoUnavailable / TangoAuthError after putting the order back to QUEUED (the task
    retries; the same externalRefID makes the retry safe). Final outcomes are returned.
    """
    if not Order.objects.filter(pk=order_id, is_bulk=True).exists():
        raise ValueError(f"order {order_id} is not a bulk order")
    if not claim_for_placement(order_id):
        return PlacementOutcome(Outcome.NOT_CLAIMED, order_id)
    order = Order.objects.select_related("account", "customer").get(pk=order_id)
    lines = list(order.line_items.order_by("line_number"))
    answer = call_tango(order_id, partial(_send, get_client(), order, lines))
    if isinstance(answer, PlacementOutcome):
        return answer
    if isinstance(answer, AsyncOrderDetail):
        return _adopt_existing(order, answer)
    failed = {f.external_ref_line_item_id: f for f in answer.failed_line_items}
    now = timezone.now()
    with transaction.atomic():
        moved = mark_placed(
            order_id,
            message=(
                f"Accepted by Tango's async API ({answer.status or 'accepted'}); "
                f"{len(failed)} of {len(lines)} lines rejected"
            ),
            details={"attempt": order.placement_attempts, "failed_lines": len(failed)},
            placed_at=now,
            tango_created_at=answer.created_at,
        )
        if moved and failed:
            _mark_rejected_lines(lines, failed, now)
    try:
        mirror_async_order(order_id=order_id)
    except TangoError as exc:  # Tango may not have the summary yet; sync and webhook follow up
        logger.info("bulk order %s: first mirror failed: %r", order_id, exc)
    return PlacementOutcome(Outcome.PLACED, order_id)


def _send(
    client: TangoClient, order: Order, lines: list[LineItem]
) -> AsyncOrderAccepted | AsyncOrderDetail:
    """POST /asyncOrders; on 409.024 "already exists", the order Tango already has."""
    wait_for_order_slot()  # POST /asyncOrders shares Tango's order-creation TPS limit
    try:
        return client.create_async_order(
            customer_identifier=order.customer.identifier,
            account_identifier=order.account.identifier,
            external_ref_id=order.external_ref_id,
            line_items=[async_line_fields(order, line) for line in lines],
            sender=tango_sender(order),
            campaign=order.campaign or None,
            purchase_order_number=order.purchase_order_number or None,
            notes=order.notes or None,
        )
    except TangoAlreadyExists as exc:
        try:
            return client.get_async_order(
                customer_identifier=order.customer.identifier,
                account_identifier=order.account.identifier,
                external_ref_id=order.external_ref_id,
            )
        except TangoNotFound:
            raise exc from None  # not on this account after all: final, staff must see it


def _adopt_existing(order: Order, detail: AsyncOrderDetail) -> PlacementOutcome:
    with transaction.atomic():
        moved = mark_placed(
            order.pk,
            message=f"Found at Tango as {detail.reference_order_id} (already existed): adopted",
            details={"attempt": order.placement_attempts, "outcome": str(Outcome.ADOPTED)},
            placed_at=timezone.now(),
        )
    if moved:
        apply_async_detail(order, detail, actor=WORKER)
    else:
        logger.warning("bulk order %s is at Tango but no longer ours to write", order.pk)
    return PlacementOutcome(Outcome.ADOPTED, order.pk, reference_order_id=detail.reference_order_id)


def _mark_rejected_lines(
    lines: list[LineItem], failed: dict[str | None, Any], now: datetime
) -> None:
    changed: list[Changes] = []
    for line in lines:
        rejection = failed.get(line.external_ref_line_item_id)
        if rejection is None:
            continue
        changes = Changes(line)
        changes.set("status", LineItemStatus.FAILED)
        changes.set("errors", [{"code": e.code, "message": e.message} for e in rejection.errors])
        changed.append(changes)
    events = line_item_events(
        changed,
        actor=WORKER,
        occurred_at=now,
        note="rejected by Tango when the bulk order was accepted",
    )
    bulk_write(LineItem, changed, extra={"updated_at": now})
    OrderEvent.objects.bulk_create(events)
