"""The order timeline: one named constructor per kind of event (as Saleor's order/events.py).

Every writer of a timeline row calls one of these instead of building an OrderEvent itself, so
what the timeline says about a kind of event is written once. Each takes the Actor: its person
is the row's actor, its path the row's source (console -> staff, worker, sync, webhook; the
command line and housekeeping -> system). By default the row is saved now; `save=False`
returns it unsaved for writers that insert many at once (`OrderEvent.objects.bulk_create`),
`occurred_at` dates it (the sync dates a page's rows alike).

Placement state changes get their row from orders.state.transition_state (`for_transition`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypedDict, Unpack

from django.utils import timezone

from core.actor import Actor, ActorPath
from orders.models import LineItem, Order, OrderEvent
from orders.statuses import (
    APPROVE,
    CLAIM,
    FAIL,
    HOLD,
    HOLD_FOR_FUNDS,
    RELEASE,
    EventSource,
    Transition,
)

Kind = OrderEvent.Kind

# The row's source says by what path it came; no source of its own for imports yet (uploads
# will decide, with a migration of EventSource's choices).
SOURCE_FOR_PATH: dict[ActorPath, str] = {
    ActorPath.CONSOLE: EventSource.STAFF,
    ActorPath.WORKER: EventSource.WORKER,
    ActorPath.SYNC: EventSource.SYNC,
    ActorPath.WEBHOOK: EventSource.WEBHOOK,
    ActorPath.IMPORT: EventSource.SYSTEM,
    ActorPath.COMMAND: EventSource.SYSTEM,
    ActorPath.SYSTEM: EventSource.SYSTEM,
}

# Line-item fields whose change is worth a timeline row (flags and dates are not).
LINE_ITEM_TIMELINE_FIELDS = ("status", "email_status", "delivery_status", "reward_status")
_LABELS = {
    "status": "line-item status",
    "email_status": "email status",
    "delivery_status": "delivery status",
    "reward_status": "reward status",
}


class Stored(TypedDict, total=False):
    """How a row is stored: its details, when it happened (default now), saved or not."""

    details: dict[str, Any] | None
    occurred_at: datetime | None
    save: bool


def source_for(actor: Actor) -> str:
    return SOURCE_FOR_PATH[actor.path]


def _event(
    kind: str,
    *,
    order: Order | int,
    actor: Actor,
    line_item: LineItem | None = None,
    message: str = "",
    old_status: str = "",
    new_status: str = "",
    details: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
    save: bool = True,
) -> OrderEvent:
    event = OrderEvent(
        order_id=order if isinstance(order, int) else order.pk,
        line_item=line_item,
        kind=kind,
        source=source_for(actor),
        message=message,
        old_status=old_status,
        new_status=new_status,
        actor=actor.user_or_none,
        details=details or {},
        occurred_at=occurred_at or timezone.now(),
    )
    if save:
        event.save()
    return event


def _line_event(kind: str, line_item: LineItem, actor: Actor, **fields: Any) -> OrderEvent:
    return _event(kind, order=line_item.order_id, line_item=line_item, actor=actor, **fields)


# --- the order itself ------------------------------------------------------------------------


def order_created(
    *,
    order: Order,
    actor: Actor,
    message: str,
    new_status: str,
    **stored: Unpack[Stored],
) -> OrderEvent:
    """Entered here, or imported from Tango (placed outside Rewards Ops)."""
    return _event(
        Kind.CREATED, order=order, actor=actor, message=message, new_status=new_status, **stored
    )


def note_added(*, order: Order, actor: Actor, text: str) -> OrderEvent:
    return _event(Kind.NOTE, order=order, actor=actor, message=text)


def stuck_flagged(
    *,
    order_id: int,
    actor: Actor,
    reference_order_id: str,
    created_at: datetime,
    **stored: Unpack[Stored],
) -> OrderEvent:
    """PENDING at Tango for more than one business day (Tango's promise)."""
    return _event(
        Kind.STUCK,
        order=order_id,
        actor=actor,
        old_status="PENDING",
        new_status="PENDING",
        message=(
            "PENDING at Tango for more than one business day (created "
            f"{created_at:%Y-%m-%d %H:%M %Z}). Contact Tango support with Reference "
            f"Order ID {reference_order_id}."
        ),
        details={"reference_order_id": reference_order_id},
        **stored,
    )


def tango_status_changed(
    *,
    order: Order | int,
    actor: Actor,
    old_status: str,
    new_status: str,
    message: str | None = None,
    **stored: Unpack[Stored],
) -> OrderEvent:
    """Tango's order status moved (read by the sync, a webhook, or placement's answer)."""
    return _event(
        Kind.STATUS_CHANGED,
        order=order,
        actor=actor,
        old_status=old_status or "",
        new_status=new_status or "",
        message=message
        or f"Tango order status {old_status or '(none)'} → {new_status or '(none)'}",
        **stored,
    )


# --- placement state (rows written by orders.state.transition_state) -------------------------


def _state_event(kind: str) -> Callable[..., OrderEvent]:
    def constructor(
        *,
        order: Order | int,
        actor: Actor,
        old_status: str,
        new_status: str,
        message: str = "",
        details: dict[str, Any] | None = None,
    ) -> OrderEvent:
        return _event(
            kind,
            order=order,
            actor=actor,
            old_status=old_status,
            new_status=new_status,
            message=message,
            details=details,
        )

    constructor.__name__ = constructor.__qualname__ = str(kind)
    return constructor


state_changed = _state_event(Kind.STATE_CHANGED)
placement_attempted = _state_event(Kind.PLACEMENT_ATTEMPT)  # a worker claimed it
placement_failed = _state_event(Kind.PLACEMENT_FAILED)
held = _state_event(Kind.HELD)
released = _state_event(Kind.RELEASED)
approved = _state_event(Kind.APPROVED)

# The transitions with a row kind of their own; every other one is `state_changed`.
_FOR_TRANSITION: dict[str, Callable[..., OrderEvent]] = {
    CLAIM.name: placement_attempted,
    FAIL.name: placement_failed,
    HOLD.name: held,
    HOLD_FOR_FUNDS.name: held,
    RELEASE.name: released,
    APPROVE.name: approved,
}


def for_transition(transition: Transition, **fields: Any) -> OrderEvent:
    """The row a placement transition writes (see orders.state.transition_state)."""
    return _FOR_TRANSITION.get(transition.name, state_changed)(**fields)


def approval_noted(
    *, order: Order | int, actor: Actor, message: str, details: dict[str, Any] | None = None
) -> OrderEvent:
    """An approval step that did not move the placement state: one approval of two given, an
    approval voided by an edit, an order's amount or recipient edited while it waits."""
    return _event(Kind.APPROVAL, order=order, actor=actor, message=message, details=details)


# --- line items ------------------------------------------------------------------------------


def line_item_changed(
    *,
    line_item: LineItem,
    changes: Mapping[str, tuple[Any, Any]],
    actor: Actor,
    note: str = "",
    **stored: Unpack[Stored],
) -> OrderEvent | None:
    """A row for the status-like fields among `changes` (field -> (old, new)), else None."""
    changed = [name for name in LINE_ITEM_TIMELINE_FIELDS if name in changes]
    if not changed:
        return None
    old, new = changes[changed[0]]
    parts = [
        f"{_LABELS[name]} {changes[name][0] or '(none)'} → {changes[name][1] or '(none)'}"
        for name in changed
    ]
    message = f"{line_item.reference_line_item_id or 'line ' + str(line_item.line_number)}: "
    message += "; ".join(parts)
    if note:
        message += f" ({note})"
    return _line_event(
        Kind.LINE_ITEM_CHANGED,
        line_item,
        actor,
        old_status=str(old or "")[:64],
        new_status=str(new or "")[:64],
        message=message,
        details={"changes": {name: [changes[name][0], changes[name][1]] for name in changed}},
        **stored,
    )


def webhook_received(
    *,
    line_item: LineItem,
    actor: Actor,
    message: str,
    **stored: Unpack[Stored],
) -> OrderEvent:
    """A webhook about a line item that changed nothing we store (already known)."""
    return _line_event(
        Kind.WEBHOOK,
        line_item,
        actor,
        message=message,
        **stored,
    )


def resend_requested(
    *, line_item: LineItem, actor: Actor, where: str, details: dict[str, Any]
) -> OrderEvent:
    # The task reads the target from `details`, so the broker never carries contact data.
    return _line_event(
        Kind.RESEND_REQUESTED,
        line_item,
        actor,
        message=f"Resend of line {line_item.line_number} to {where} requested.",
        details=details,
    )


def resend_throttled(*, request: OrderEvent, actor: Actor, retry_at: datetime) -> OrderEvent:
    """Tango's 30 s window is still closed: when the task tries again (a RESEND_REQUESTED row
    whose details say `throttled_until`; the order page reads it)."""
    return _line_event(
        Kind.RESEND_REQUESTED,
        request.line_item,
        actor,
        message=(
            "Tango allows one resend every 30 seconds; "
            f"retrying at {timezone.localtime(retry_at):%H:%M:%S}."
        ),
        details={"throttled_until": retry_at.isoformat(), "retry_of": request.pk},
    )


def resent(*, request: OrderEvent, actor: Actor, where: str, resend_id: Any) -> OrderEvent:
    line_item = request.line_item
    return _line_event(
        Kind.RESENT,
        line_item,
        actor,
        message=f"Tango resent line {line_item.line_number} to {where}.",
        details={"request_event_id": request.pk, "resend_id": resend_id},
    )


def resend_failed(*, request: OrderEvent, actor: Actor, error: Any) -> OrderEvent:
    return _line_event(
        Kind.RESEND_FAILED,
        request.line_item,
        actor,
        message=f"Resend failed: {error}",
        details={"request_event_id": request.pk, "i18n_key": getattr(error, "i18n_key", None)},
    )


def credential_revealed(*, line_item: LineItem, actor: Actor, reason: str) -> OrderEvent:
    return _line_event(
        Kind.CREDENTIAL_REVEALED,
        line_item,
        actor,
        message=f"Credential of line {line_item.line_number} revealed: {reason}",
    )


def line_item_action_accepted(
    *,
    line_item: LineItem,
    actor: Actor,
    action: str,
    reason_code: str,
    reason_label: str,
    other_reason: str,
    old_status: str,
    new_status: str,
) -> OrderEvent:
    """Tango accepted a cancel, freeze or unfreeze of the reward."""
    suffix = f": {other_reason}" if other_reason else ""
    return _line_event(
        Kind.LINE_ITEM_ACTION,
        line_item,
        actor,
        old_status=old_status,
        new_status=new_status,
        message=(
            f"{action.capitalize()} of line {line_item.line_number} accepted by Tango "
            f"({reason_label}{suffix})."
        ),
        details={"action": action, "reason_code": reason_code},
    )


def followup_linked(
    kind: str,
    *,
    order: Order | int,
    actor: Actor,
    message: str,
    line_item: LineItem | None = None,
    details: dict[str, Any] | None = None,
) -> OrderEvent:
    """A re-order or reissue link, written on both orders ("re-order of ..." on the new one,
    "re-ordered as ..." on the failed one; the same for a reissue)."""
    assert kind in (Kind.REORDER, Kind.REISSUE)
    return _event(
        kind, order=order, actor=actor, line_item=line_item, message=message, details=details
    )
