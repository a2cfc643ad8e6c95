"""The other half of a reissue: mirroring Tango's new order here, or resolving a lost answer.

`mirror_reissue` writes the new order once (a second call, e.g. the resolver after the action,
returns it), links both orders on the timeline and re-reads both from Tango. After a lost
answer `resolve_lost_reissue` reads the original line item (`reissuedToReferenceLineItemId`)
and adopts the new order, or, at last, releases the claim; it never posts the reissue again.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import replace
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.models import AuditAction
from audit.records import record
from core.actor import Actor
from orders import events
from orders.models import LineItem, Order, OrderEvent
from orders.state import transition_state
from orders.statuses import FAIL, MARK_PLACED, OrderSource, PlacementState
from orders.sync.passes import refresh_order
from tango.client import get_client
from tango.errors import TangoError, TangoUnavailable
from tango.types import TangoOrder


def resolve_lost_reissue(*, line_item_id: int, actor: Actor, give_up: bool) -> str:
    """After a lost answer: adopt the reissue's new order if Tango shows it ("adopted"), keep
    waiting ("waiting"), or, with `give_up`, release the claim when Tango shows no reissue
    ("released"). Never posts the reissue again."""
    line_item = LineItem.objects.select_related("order").get(pk=line_item_id)
    if Order.objects.filter(reissue_of=line_item, reference_order_id__isnull=False).exists():
        return "adopted"
    if line_item.reissue_requested_at is None:
        return "released"
    try:
        found = find_reissued_order(line_item)
    except TangoUnavailable:
        return "waiting"
    if found is not None:
        mirror_reissue(line_item_id=line_item_id, tango=found, actor=actor)
        return "adopted"
    if not give_up:
        return "waiting"
    release_claim(
        line_item_id=line_item_id,
        actor=actor,
        why="Tango shows no reissue of this reward after its answer was lost; reissue again "
        "if it is still needed.",
    )
    return "released"


def find_reissued_order(line_item: LineItem) -> TangoOrder | None:
    """The new order of this reward's reissue at Tango, if it happened (read, never posted)."""
    client = get_client()
    original = client.get_line_item(line_item.reference_line_item_id)
    if not original.reissued_to:
        return None
    new_line = client.get_line_item(original.reissued_to)
    if not new_line.reference_order_id:
        return None
    order = client.get_order(new_line.reference_order_id)
    return order if order.reference_line_item_id else _with_line(order, new_line)


def _with_line(order: TangoOrder, line: Any) -> TangoOrder:
    return replace(order, reference_line_item_id=line.reference_line_item_id)


def mirror_reissue(*, line_item_id: int, tango: TangoOrder, actor: Actor) -> Order:
    """The new order here (once: a second call returns it), linked both ways; then both
    orders are re-read from Tango so the cancel and the new statuses are mirrored."""
    with transaction.atomic():
        line_item = (
            LineItem.objects.select_for_update(of=("self",))
            .select_related("order__account", "catalog_item")
            .get(pk=line_item_id)
        )
        existing = Order.objects.filter(
            Q(reissue_of=line_item) | Q(reference_order_id=tango.reference_order_id)
        ).first()
        if existing is not None and existing.reference_order_id is None:
            # The approved reissue waiting here (reissue_approval): Tango's order fills it.
            order = _fill(existing, line_item, tango, actor)
            _link(line_item, order, actor)
        elif existing is not None:
            if existing.reissue_of_id is None:  # the sync imported it first: link it
                Order.objects.filter(pk=existing.pk).update(reissue_of=line_item)
                _link(line_item, existing, actor)
            return existing
        else:
            order = _new_order(line_item, tango, actor)
            _link(line_item, order, actor)
    for order_id in (order.pk, line_item.order_id):
        # The periodic sync reads them again soon if Tango is away; the link is written.
        with suppress(TangoError):
            refresh_order(order_id=order_id)
    return order


def release_claim(
    *, line_item_id: int, actor: Actor, why: str, order_id: int | None = None
) -> None:
    """The reissue did not happen: free the reward for another try, and say why. An approved
    reissue's own order (not placed at Tango) fails and lets go of the reward."""
    with transaction.atomic():
        line_item = LineItem.objects.get(pk=line_item_id)
        LineItem.objects.filter(pk=line_item_id).update(reissue_requested_at=None)
        waiting = Order.objects.filter(reissue_of=line_item, reference_order_id__isnull=True)
        for pending in waiting.values_list("pk", flat=True):
            transition_state(
                order_id=pending, transition=FAIL, actor=actor, message=f"Reissue not made: {why}"
            )
            Order.objects.filter(pk=pending).update(reissue_of=None)
        events.followup_linked(
            OrderEvent.Kind.REISSUE,
            order=line_item.order_id,
            line_item=line_item,
            actor=actor,
            message=f"Reissue of line {line_item.line_number} not made: {why}",
        )


def _fill(order: Order, line_item: LineItem, tango: TangoOrder, actor: Actor) -> Order:
    """Tango's new order written onto the approved reissue's own order (PLACING -> PLACED)."""
    who = tango.recipient
    denomination = tango.denomination
    amount = (denomination and denomination.value) or order.amount
    transition_state(
        order_id=order.pk,
        transition=MARK_PLACED,
        actor=actor,
        message=f"Reissued at Tango as {tango.reference_order_id}",
        reference_order_id=tango.reference_order_id,
        tango_status=tango.status or "",
        placed_at=tango.created_at or timezone.now(),
        tango_created_at=tango.created_at,
        amount=amount,
    )
    new_line = order.line_items.get(line_number=1)
    LineItem.objects.filter(pk=new_line.pk).update(
        reference_line_item_id=tango.reference_line_item_id,
        status=tango.line_item_status or "",
        amount=amount,
        recipient_first_name=(who and who.first_name) or new_line.recipient_first_name,
        recipient_last_name=(who and who.last_name) or new_line.recipient_last_name,
        recipient_email=(who and who.email) or new_line.recipient_email,
        recipient_mobile=(who and who.mobile_number) or new_line.recipient_mobile,
    )
    record(
        actor=actor,
        action=AuditAction.LINE_ITEM_REISSUE,
        obj=line_item,
        before={"status": line_item.status, "reward_status": line_item.reward_status},
        after={"new_order": order.pk, "reference_order_id": tango.reference_order_id},
    )
    order.refresh_from_db()
    return order


def _new_order(line_item: LineItem, tango: TangoOrder, actor: Actor) -> Order:
    source = line_item.order
    who = tango.recipient
    denomination = tango.denomination
    amount = (denomination and denomination.value) or line_item.amount
    order = Order.objects.create(
        external_ref_id=f"tango-{tango.reference_order_id}",
        reference_order_id=tango.reference_order_id,
        customer_id=source.customer_id,
        account=source.account,
        amount=amount,
        currency=line_item.currency,
        tango_status=tango.status or "",
        state=PlacementState.PLACED,
        placed_at=tango.created_at or timezone.now(),
        tango_created_at=tango.created_at,
        delivery_method=tango.delivery_method or line_item.delivery_method,
        order_source=OrderSource.RA,
        campaign=source.campaign,
        purchase_order_number=source.purchase_order_number,
        notes=tango.notes or source.notes,
        created_by=actor.user_or_none,
        reissue_of=line_item,
    )
    LineItem.objects.create(
        order=order,
        line_number=1,
        reference_line_item_id=tango.reference_line_item_id,
        catalog_item=line_item.catalog_item,
        utid=line_item.utid,
        reward_name=line_item.reward_name,
        amount=amount,
        currency=line_item.currency,
        status=tango.line_item_status or "",
        delivery_method=order.delivery_method,
        recipient_first_name=(who and who.first_name) or line_item.recipient_first_name,
        recipient_last_name=(who and who.last_name) or line_item.recipient_last_name,
        recipient_email=(who and who.email) or line_item.recipient_email,
        recipient_mobile=(who and who.mobile_number) or line_item.recipient_mobile,
    )
    events.order_created(
        order=order,
        actor=actor,
        new_status=order.tango_status,
        message=f"Created by Tango reissuing line {line_item.line_number} of order {source.pk}.",
    )
    record(
        actor=actor,
        action=AuditAction.LINE_ITEM_REISSUE,
        obj=line_item,
        before={"status": line_item.status, "reward_status": line_item.reward_status},
        after={"new_order": order.pk, "reference_order_id": order.reference_order_id},
    )
    return order


def _link(line_item: LineItem, order: Order, actor: Actor) -> None:
    details = {"original_line_item": line_item.pk, "new_order": order.pk}
    events.followup_linked(
        OrderEvent.Kind.REISSUE,
        order=line_item.order_id,
        line_item=line_item,
        actor=actor,
        message=(
            f"Line {line_item.line_number} reissued as order {order.pk} "
            f"({order.reference_order_id}); Tango cancelled this reward."
        ),
        details=details,
    )
    events.followup_linked(
        OrderEvent.Kind.REISSUE,
        order=order,
        actor=actor,
        message=(
            f"Reissue of line {line_item.line_number} of order {line_item.order_id} "
            f"({line_item.order})."
        ),
        details=details,
    )
