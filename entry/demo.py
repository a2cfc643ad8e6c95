"""The follow-ups demo (`seed_demo`): failed rewards staff can re-order, and one already
re-ordered so both links show. orders.demo already makes FAILED orders (the simulator's
.17 / .18 amounts) and PARTIAL bulk orders; this checks they can be re-ordered (reward in the
synced catalog, account active, recipient complete) and re-orders one, at .00 (the
simulator's "success"), as `support`. Local rows only; the worker places the re-order like any
queued order. Seeded once (skipped when a re-order exists)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model

from core.actor import Actor, ActorPath
from core.errors import ActionNotAllowed, ValidationFailed
from entry.actions.reorder import (
    REORDERABLE_ORDER_STATUSES,
    ReorderLine,
    reorder_failed,
    reorderable_lines,
)
from orders.models import Order


@dataclass
class FollowupsDemo:
    reorderable: int = 0  # failed rewards that can be re-ordered now
    reordered: int = 0  # re-orders made by the demo


def seed_followups_demo() -> FollowupsDemo:
    report = FollowupsDemo()
    failed_orders = Order.objects.with_status(REORDERABLE_ORDER_STATUSES).with_line_item_status(
        ["FAILED"]
    )
    candidates = [(order, reorderable_lines(order)) for order in failed_orders.order_by("pk")]
    candidates = [(order, lines) for order, lines in candidates if lines]
    report.reorderable = sum(len(lines) for _, lines in candidates)
    support = get_user_model().objects.filter(username="support").first()
    if Order.objects.filter(reorder_of__isnull=False).exists() or support is None:
        return report
    for order, lines in candidates:
        if order.is_bulk:
            continue  # leave the PARTIAL bulk orders for staff to try
        line = lines[0]
        # Same reward and recipient; the cents set to .00 so the simulator issues it.
        amount = line.amount.to_integral_value() or Decimal("1")
        try:
            reorder_failed(
                order_id=order.pk,
                lines=[ReorderLine(**{**ReorderLine.same_as(line).__dict__, "amount": amount})],
                actor=Actor.for_user(support, path=ActorPath.COMMAND),
                batch_label="Demo re-order",
            )
        except (ActionNotAllowed, ValidationFailed):
            continue
        report.reordered += 1
        report.reorderable -= 1
        break
    return report
