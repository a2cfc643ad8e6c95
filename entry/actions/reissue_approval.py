"""A reissue the approval policy holds: a local order waits for a checker, then the worker
reissues at Tango once.

`hold_for_approval` is called by `entry.actions.reissue.reissue_line_item` inside the
transaction that claimed the reward (LineItem.reissue_requested_at): it writes a DRAFT order
linked to the reward (`reissue_of`) with what Tango will be asked (`reissue_request`) and
evaluates the same policy new orders go through (approvals.policy). No rule hit: the draft is
rolled back (savepoint) and the reissue is made now. A rule hit: approvals.actions.submit
sends the draft to approval (maker-checker and dual approval live there and in
approvals.actions.checker). Rejection or expiry releases the claim (approvals.reissue_claims).

Once approved, placement hands the order to `place_approved_reissue` (the worker): it claims
the order QUEUED -> PLACING (one delivery wins) and calls POST /lineItems/{id}/reissue once,
never POST /orders; a retried delivery (attempt > 1) only looks the reissue up at Tango. The
answer is mirrored onto that same order (reissue_mirror); a lost answer is resolved as for an
immediate reissue.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import transaction

from approvals.actions.submit import OrderOutcome, submit_orders
from approvals.policy import current_policy, evaluate
from core.actor import Actor, ActorPath
from core.jobs import enqueue
from entry.actions.reissue_mirror import find_reissued_order, mirror_reissue, release_claim
from orders.actions.placement import claim_for_placement
from orders.models import LineItem, Order
from orders.state import transition_state
from orders.statuses import FAIL, OrderSource
from orders.statuses import PlacementState as _P
from tango.client import get_client
from tango.errors import TangoError, TangoUnavailable

WORKER = Actor.system(ActorPath.WORKER)


def hold_for_approval(
    *,
    line_item: LineItem,
    actor: Actor,
    reason_code: str,
    other_reason: str,
    amount: Decimal | None,
    delivery_method: str,
    typed: dict[str, str],
) -> OrderOutcome | None:
    """Inside the claiming transaction: the waiting order's outcome, or None (no rule hit:
    nothing written, reissue now)."""
    savepoint = transaction.savepoint()
    order = _draft(line_item, actor, reason_code, other_reason, amount, delivery_method, typed)
    verdict = evaluate(current_policy(), [order])[order.pk]
    if not verdict.needs_approval:
        transaction.savepoint_rollback(savepoint)
        return None
    transaction.savepoint_commit(savepoint)
    return submit_orders([order], actor=actor).for_order(order.pk)


def _draft(
    line_item: LineItem,
    actor: Actor,
    reason_code: str,
    other_reason: str,
    amount: Decimal | None,
    method: str,
    typed: dict[str, str],
) -> Order:
    source = line_item.order
    value = amount if amount is not None else line_item.amount
    order = Order.objects.create(
        external_ref_id=f"reissue-{uuid.uuid4().hex}",
        customer_id=source.customer_id,
        account=source.account,
        amount=value,
        currency=line_item.currency,
        state=_P.DRAFT,
        delivery_method=method or line_item.delivery_method,
        order_source=OrderSource.RA,
        campaign=source.campaign,
        purchase_order_number=source.purchase_order_number,
        notes=source.notes,
        created_by=actor.user_or_none,
        reissue_of=line_item,
        reissue_request={
            "reason_code": reason_code,
            "other_reason": other_reason,
            "amount": str(amount) if amount is not None else None,
            "delivery_method": method or None,
            "recipient_changed": sorted(key for key, v in typed.items() if v),
        },
    )
    LineItem.objects.create(
        order=order,
        line_number=1,
        catalog_item=line_item.catalog_item,
        utid=line_item.utid,
        reward_name=line_item.reward_name,
        amount=value,
        currency=line_item.currency,
        delivery_method=order.delivery_method,
        **{
            f"recipient_{key}": typed[key] or getattr(line_item, f"recipient_{key}")
            for key in typed
        },
    )
    return order


def place_approved_reissue(*, order_id: int) -> str:
    """The worker's half: reissue the approved order's reward at Tango once.

    Returns "not_claimed", "reissued", "adopted", "resolving" or "refused".
    """
    if not claim_for_placement(order_id):
        return "not_claimed"
    order = Order.objects.select_related("reissue_of").get(pk=order_id)
    line_item = order.reissue_of
    if line_item is None:  # released meanwhile: nothing to reissue, never sent
        transition_state(
            order_id=order_id, transition=FAIL, actor=WORKER, message="Reissue released"
        )
        return "refused"
    if order.placement_attempts > 1:
        # An earlier delivery may have posted it and lost the answer: look, never post again.
        return _adopt_or_resolve(line_item, order)
    asked = order.reissue_request or {}
    new_line = order.line_items.get(line_number=1)
    recipient = {
        ("mobile_number" if key == "mobile" else key): getattr(new_line, f"recipient_{key}")
        for key in asked.get("recipient_changed", [])
    }
    try:
        result = get_client().reissue_line_item(
            line_item.reference_line_item_id,
            reason_code=asked.get("reason_code") or "OTHER",
            other_reason=asked.get("other_reason") or None,
            amount=Decimal(asked["amount"]) if asked.get("amount") else None,
            delivery_method=asked.get("delivery_method") or None,
            recipient=recipient or None,
        )
    except TangoUnavailable:
        return _adopt_or_resolve(line_item, order)
    except TangoError as exc:  # refused: nothing happened at Tango
        release_claim(
            line_item_id=line_item.pk,
            actor=WORKER,
            why=f"Tango refused the approved reissue: {exc}",
        )
        return "refused"
    mirror_reissue(line_item_id=line_item.pk, tango=result.order, actor=WORKER)
    return "reissued"


def _adopt_or_resolve(line_item: LineItem, order: Order) -> str:
    try:
        found = find_reissued_order(line_item)
    except TangoError:
        found = None
    if found is not None:
        mirror_reissue(line_item_id=line_item.pk, tango=found, actor=WORKER)
        return "adopted"
    enqueue("entry.tasks.resolve_reissue_task", line_item_id=line_item.pk, actor_id=None)
    return "resolving"
