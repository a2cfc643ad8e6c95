"""The console's "Refresh from Tango": read the order now and write what changed, audited.

The read and the write are the sync's (orders.sync.passes.read_order / apply_order_read):
first the HTTP calls, with no transaction open, then one transaction with what Tango said
(timeline rows through the sync path, the person as their actor) and this action's audit row.
"""

from __future__ import annotations

from django.db import transaction

from audit.models import AuditAction
from audit.records import record
from core.actor import Actor, ActorPath
from core.errors import ActionNotAllowed
from orders.models import Order
from orders.statuses import PlacementState
from orders.sync import passes


def refresh_blocker(order: Order) -> str | None:
    if not order.reference_order_id and order.state != PlacementState.PLACED:
        return "The order has not been placed at Tango yet."
    return None


def refresh_order(*, order_id: int, actor: Actor) -> Order:
    """Re-read the order (and its line items) from Tango now; Tango's errors propagate."""
    order = Order.objects.get(pk=order_id)
    blocker = refresh_blocker(order)
    if blocker:
        raise ActionNotAllowed(blocker)
    try:
        read = passes.read_order(order_id=order_id)  # HTTP: no transaction
    except passes.OrderNotPlaced as exc:
        raise ActionNotAllowed(str(exc)) from exc
    with transaction.atomic():
        report = passes.apply_order_read(read, actor=actor.via(ActorPath.SYNC))
        record(
            actor=actor,
            action=AuditAction.ORDER_REFRESH,
            obj=order,
            after={"updated": report.updated, "events": report.events},
        )
    return Order.objects.get(pk=order_id)
