"""A reissue that waited for approval and will not be made: its reward is free again.

Called inside the transaction of a rejection or an expiry. The waiting order lets go of the
reward (`reissue_of` cleared: the link stays on both timelines) and the reward's claim
(LineItem.reissue_requested_at) is cleared, so it can be reissued again.
"""

from __future__ import annotations

from core.actor import Actor
from orders import events
from orders.models import LineItem, Order, OrderEvent


def release_reissue_claim(*, order_id: int, actor: Actor, why: str) -> None:
    order = Order.objects.select_related("reissue_of").get(pk=order_id)
    line_item = order.reissue_of
    if line_item is None or order.reference_order_id:
        return
    LineItem.objects.filter(pk=line_item.pk).update(reissue_requested_at=None)
    Order.objects.filter(pk=order_id).update(reissue_of=None)
    details = {"original_line_item": line_item.pk, "new_order": order_id}
    events.followup_linked(
        OrderEvent.Kind.REISSUE,
        order=line_item.order_id,
        line_item=line_item,
        actor=actor,
        message=f"Reissue of line {line_item.line_number} as order {order_id} not made: {why}",
        details=details,
    )
    events.followup_linked(
        OrderEvent.Kind.REISSUE,
        order=order_id,
        actor=actor,
        message=(
            f"Reissue of line {line_item.line_number} of order {line_item.order_id} not made: "
            f"{why}; the reward is free to reissue again."
        ),
        details=details,
    )
