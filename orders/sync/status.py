"""Where an order's Tango status changes: every read of Tango applies statuses here.

`Order.tango_status` is Tango's to decide; we mirror it. Every read that brings one applies it
through `apply_order_status` and writes it with `write_orders` (one `status_changed` timeline
row per status really written):

* the GET /orders windows and one-order reads (the open and recent passes, "Refresh from Tango"
  of a single-reward order): `order_changes`, called by orders/sync/orders.py;
* the async order summary (after a bulk placement, the AsyncOrderStatus webhook, the open-orders
  pass, "Refresh from Tango" of a bulk order): orders/sync/async_orders.py.

The rule they share: a status read never goes back (statuses.order_status_goes_back: a read
that started before a newer one was applied is older, TANGO_API.md §9.8), and a line item's
status likewise (`apply_line_item_status`). The only other writes of `tango_status`: the first
status, written with the placement that learnt it (orders.actions.placement), and orders the
sync imports (orders/sync/imports.py) created with theirs. Our own placement state
(`Order.state`) changes only in orders/state.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from core.actor import Actor
from orders import events
from orders.models import Order, OrderEvent
from orders.statuses import line_item_status_goes_back, order_status_goes_back
from orders.sync.changes import RATE, Changes, bulk_write, quantize
from tango.types import TangoOrder

logger = logging.getLogger(__name__)


def log_stale(kind: str, ident: Any, stored: str, read: str | None) -> None:
    logger.info(
        "sync: ignored an older read of %s %s: %s -> %s (statuses never go back, "
        "TANGO_API.md §9.8)",
        kind,
        ident,
        stored,
        read,
    )


def apply_order_status(changes: Changes, status: str | None, *, ident: Any) -> bool:
    """Tango's `status` for the order in `changes`; False (nothing set) if it would go back."""
    return _apply(changes, "tango_status", status, order_status_goes_back, "order", ident)


def apply_line_item_status(changes: Changes, status: str | None, *, ident: Any) -> bool:
    """Tango's `status` for the line item in `changes`; False (nothing set) if it would go back."""
    return _apply(changes, "status", status, line_item_status_goes_back, "line item", ident)


def _apply(
    changes: Changes,
    field: str,
    status: str | None,
    goes_back: Callable[[str, str | None], bool],
    kind: str,
    ident: Any,
) -> bool:
    stored = getattr(changes.obj, field)
    if goes_back(stored, status):
        log_stale(kind, ident, stored, status)
        return False
    changes.set_str(field, status)
    return True


def order_changes(order: Order, tango: TangoOrder) -> Changes:
    """What GET /orders says about an order, applied to the row (tracked in `Changes`).

    Empty when the read is older than the row: its amounts are just as old.
    """
    changes = Changes(order)
    if not apply_order_status(changes, tango.status, ident=order.reference_order_id):
        return changes
    if order.reference_order_id is None:
        changes.set("reference_order_id", tango.reference_order_id)
    charged = tango.amount_charged
    if charged is not None:
        if charged.value is not None:
            changes.set("amount_charged_value", quantize(charged.value))
        if charged.fee is not None:
            changes.set("amount_charged_fee", quantize(charged.fee))
        if charged.total is not None:
            changes.set("amount_charged_total", quantize(charged.total))
        changes.set_str("amount_charged_currency", charged.currency_code)
        if charged.exchange_rate is not None:
            changes.set("exchange_rate", quantize(charged.exchange_rate, RATE))
    if tango.created_at is not None:
        changes.set("tango_created_at", tango.created_at)
    return changes


def write_orders(
    changed: list[Changes], *, actor: Actor, now: datetime
) -> tuple[int, list[OrderEvent]]:
    """Write the orders' changes (orders.sync.changes.bulk_write: only fields nobody changed
    meanwhile) and return (rows written, unsaved `status_changed` rows for the statuses that
    were really written)."""
    written = bulk_write(Order, changed, extra={"last_synced_at": now, "updated_at": now})
    rows = [
        events.tango_status_changed(
            order=changes.obj.pk,
            actor=actor,
            old_status=changes.old("tango_status"),
            new_status=changes.obj.tango_status,
            details={"reference_order_id": changes.obj.reference_order_id},
            occurred_at=now,
            save=False,
        )
        for changes in changed
        if "tango_status" in changes.fields
    ]
    return written, rows
