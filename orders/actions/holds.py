"""Submitting, holding and releasing unplaced orders.

`submit_order`, `hold_order` and `release_order` are the writers: each performs its named
transition (orders.state), writes the audit row of a person's action (with the actor's IP)
and enqueues placement where that follows, in one transaction. `hold` and `release` are the
console's actions over them: they add the console's rules (the `*_blocker` functions, which
also disable the buttons with the reason, and a hold needs a reason) and refuse with
ActionNotAllowed in words staff can act on.
"""

from __future__ import annotations

from django.db import transaction

from audit.models import AuditAction
from audit.records import record
from core.actor import Actor
from core.errors import ActionNotAllowed
from orders.actions.placement import enqueue_placement
from orders.models import Order
from orders.state import transition_state
from orders.statuses import HOLD, HOLDABLE, RELEASABLE, RELEASE, SUBMIT, HoldReason
from orders.statuses import PlacementState as _P

MAY_BE_AT_TANGO = (
    "This order may already be at Tango (a placement attempt was made); refresh or wait for "
    "the next sync"
)


def hold_blocker(order: Order) -> str | None:
    if order.state == _P.HELD:
        return "The order is already on hold."
    if order.state == _P.AWAITING_APPROVAL:
        return "An order waiting for approval is approved or rejected, not held."
    if order.state == _P.PLACING:
        return "The order is being placed at Tango right now."
    if order.state not in HOLDABLE:
        return "Only orders not yet placed at Tango can be held (Tango has no hold API)."
    if order.placement_attempts > 0:
        return f"{MAY_BE_AT_TANGO}."
    return None


def release_blocker(order: Order) -> str | None:
    if order.state not in RELEASABLE:
        return "Only held orders (or failed placements, as a retry) can be released."
    return None


def submit_order(*, order_id: int, actor: Actor) -> bool:
    """DRAFT -> QUEUED and enqueue after commit. False when it was not a draft any more."""
    with transaction.atomic():
        moved = transition_state(
            order_id=order_id, transition=SUBMIT, actor=actor, message="Submitted for placement"
        )
        if moved:
            _audit(actor, AuditAction.ORDER_SUBMIT, order_id, _P.DRAFT, _P.QUEUED)
            enqueue_placement(order_id)
    return moved


def hold_order(*, order_id: int, actor: Actor, reason: HoldReason | str, note: str) -> bool:
    """Stop an unplaced order from being placed. False when it is already held.

    Raises ActionNotAllowed when it is too late (placing, placed), too final, or when a
    placement attempt was made: that POST may have created the order at Tango with its answer
    lost, and holding would hide it (the sync adopts such orders instead). A task already in
    the queue for it will lose its claim and do nothing.
    """
    with transaction.atomic():
        # Locked: a worker's claim (which counts the attempt) waits until we have decided.
        state, attempts = (
            Order.objects.select_for_update()
            .filter(pk=order_id)
            .values_list("state", "placement_attempts")
            .get()
        )
        if state in HOLDABLE and attempts > 0:
            raise ActionNotAllowed(f"{MAY_BE_AT_TANGO}.")
        moved = transition_state(
            order_id=order_id,
            transition=HOLD,
            actor=actor,
            message=note,
            details={"reason": str(reason)},
            hold_reason=reason,
            hold_note=note[:500],
        )
        if moved:
            _audit(actor, AuditAction.ORDER_HOLD, order_id, state, _P.HELD, reason=note)
            return True
    current = Order.objects.filter(pk=order_id).values_list("state", flat=True).get()
    if current == _P.HELD:
        return False
    raise ActionNotAllowed(
        f"This order is {_P(current).label.lower()}; only orders not yet sent to Tango can be held."
    )


def release_order(*, order_id: int, actor: Actor, note: str = "") -> bool:
    """HELD (or PLACEMENT_FAILED, as a retry) -> QUEUED, enqueued after commit.

    Safe to retry a failed order: the externalRefID is unchanged, so Tango cannot create a
    second order for it. Returns False, enqueuing nothing, when the order is no longer in one
    of those states (a double click, a second tab).
    """
    with transaction.atomic():
        state = Order.objects.filter(pk=order_id).values_list("state", flat=True).get()
        if state not in RELEASABLE:
            return False
        moved = transition_state(
            order_id=order_id,
            transition=RELEASE,
            expected=state,
            actor=actor,
            message=note or ("Released" if state == _P.HELD else "Placement retried"),
            hold_reason="",
            hold_note="",
            placement_error_key="",
            placement_error="",
        )
        if moved:
            _audit(actor, AuditAction.ORDER_RELEASE, order_id, state, _P.QUEUED, reason=note)
            enqueue_placement(order_id)
    return moved


def hold(*, order_id: int, actor: Actor, note: str) -> Order:
    """The console's hold: refused (ActionNotAllowed) unless possible now and given a reason."""
    order = Order.objects.get(pk=order_id)
    blocker = hold_blocker(order)
    if blocker:
        raise ActionNotAllowed(blocker)
    if not note.strip():
        raise ActionNotAllowed("Give a reason for the hold.")
    if not hold_order(order_id=order_id, actor=actor, reason=HoldReason.STAFF, note=note):
        raise ActionNotAllowed("The order is already on hold.")
    order.refresh_from_db()
    return order


def release(*, order_id: int, actor: Actor, note: str) -> Order:
    """Held (or placement failed) -> queued for placement. A second click is refused, no-op."""
    order = Order.objects.get(pk=order_id)
    blocker = release_blocker(order)
    if blocker:
        raise ActionNotAllowed(blocker)
    if not release_order(order_id=order_id, actor=actor, note=note):
        raise ActionNotAllowed("The order is no longer held (released already?).")
    order.refresh_from_db()
    return order


def _audit(
    actor: Actor, action: AuditAction, order_id: int, old: str, new: str, reason: str = ""
) -> None:
    if actor.is_person:  # the read is not worth it for the system, which is not audited
        record(
            actor=actor,
            action=action,
            obj=Order.objects.get(pk=order_id),
            before={"state": old},
            after={"state": new},
            reason=reason,
        )
