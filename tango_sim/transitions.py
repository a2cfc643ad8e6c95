"""Admin-forced transitions (``/__sim/orders/{ref}/transition``) and the release of ON_HOLD
line items when an account is funded.

The admin transition accepts any status string. The 11 documented order statuses and the 6
line-item statuses have side effects (credentials, refunds, re-charges, see README); any other
value (e.g. ``SCHEDULED DELIVERY``) is stored and returned exactly as given, touching nothing
else, so a client can be tested against vocabulary it does not know.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import ledger
from .records import PENDING_ORDER_STATUSES, get_line, get_order, lines_for_order, save_line
from .scenarios import complete_line, drop_timers, end_line, hold_line, settle_order

if TYPE_CHECKING:
    from .app import Simulator

DEFAULT_LINE_STATUS = {
    "COMPLETE": "COMPLETE",
    "FAILED": "FAILED",
    "CANCELLED": "CANCELLED",
    "DELETED": "DELETED",
}


def transition(
    sim: Simulator, order: dict[str, Any], order_status: str, line_status: str | None
) -> None:
    """Admin move of an order (and its line items) to any status."""
    at = sim.store.now_us()
    default_line = DEFAULT_LINE_STATUS.get(order_status)
    if order_status in PENDING_ORDER_STATUSES:
        default_line = "PENDING"
    target = line_status or default_line
    for line in lines_for_order(sim.store, order["id"]):
        drop_timers(sim, line["id"], ("complete", "fail"))
        if (target is not None and line["status"] != target) or target == "PENDING":
            _move_line(sim, line, target, order_status, at)
        if order_status in ("FAILED", "CANCELLED") and ledger.refund_line(sim, line):
            save_line(sim.store, line)
    settle_order(sim, order["id"], at, forced=order_status)


def _move_line(
    sim: Simulator, line: dict[str, Any], target: str | None, hold: str, at: int
) -> None:
    if target in ("PENDING", "COMPLETE", "RETURNED"):
        ledger.recharge_line(sim, line, at)
    if target == "PENDING":
        hold_line(sim, line, hold if hold in PENDING_ORDER_STATUSES else "PENDING")
    elif target == "COMPLETE":
        complete_line(sim, line, at)
    elif target == "RETURNED":
        line["status"] = "RETURNED"
        line["delivery_status"] = "FAILED"
        save_line(sim.store, line)
    elif target in ("FAILED", "CANCELLED", "DELETED"):
        end_line(sim, line, target, at)
    elif target is not None:  # unknown vocabulary: stored as is, nothing else changes
        line["status"] = target
        save_line(sim.store, line)


def release_on_hold(sim: Simulator, account_id: str) -> list[str]:
    """Funding an account completes its ON_HOLD line items; returns the order refs touched."""
    at = sim.store.now_us()
    rows = sim.store.all(
        "SELECT id FROM line_items WHERE account = ? AND status = 'PENDING' AND hold = 'ON_HOLD'"
        " ORDER BY id",
        (account_id,),
    )
    order_ids: list[int] = []
    for row in rows:
        line = get_line(sim.store, row["id"])
        assert line is not None
        complete_line(sim, line, at)
        if line["order_id"] not in order_ids:
            order_ids.append(line["order_id"])
    refs = []
    for order_id in order_ids:
        settle_order(sim, order_id, at)
        order = get_order(sim.store, order_id)
        refs.append(order["ref"] if order else "")
    return refs
