"""The order timeline and the placement state machine: the one place state changes happen."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from orders.models import LineItem, Order, OrderEvent
from orders.statuses import EventSource, can_transition


def actor_or_none(acting_user: Any) -> Any:
    """The user to record as actor: None for the system, a task or an anonymous caller."""
    return acting_user if getattr(acting_user, "is_authenticated", False) else None


class InvalidTransition(Exception):
    """The order is not in a state that allows this change (someone else moved it first)."""


def record_event(
    *,
    order: Order | int,
    kind: str,
    source: str,
    message: str = "",
    old_status: str = "",
    new_status: str = "",
    line_item: LineItem | None = None,
    acting_user: Any = None,
    details: dict[str, Any] | None = None,
    occurred_at: Any = None,
) -> OrderEvent:
    return OrderEvent.objects.create(
        order_id=order if isinstance(order, int) else order.pk,
        line_item=line_item,
        kind=kind,
        source=source,
        message=message,
        old_status=old_status,
        new_status=new_status,
        actor=actor_or_none(acting_user),
        details=details or {},
        occurred_at=occurred_at or timezone.now(),
    )


def transition_state(
    *,
    order_id: int,
    expected: str | set[str],
    new: str,
    source: str = EventSource.SYSTEM,
    acting_user: Any = None,
    kind: str = OrderEvent.Kind.STATE_CHANGED,
    message: str = "",
    details: dict[str, Any] | None = None,
    **fields: Any,
) -> bool:
    """Move an order's placement state with a conditional UPDATE (a claim), plus a timeline row.

    Returns False when the order was not in `expected` (another process got there first), so
    callers can treat a lost race as a no-op instead of doing the work twice.
    """
    expected_set = {expected} if isinstance(expected, str) else set(expected)
    for old in expected_set:
        if not can_transition(old, new):
            raise InvalidTransition(f"{old} -> {new} is not an allowed placement transition")
    with transaction.atomic():
        current = Order.objects.filter(pk=order_id).values_list("state", flat=True).first()
        updated = Order.objects.filter(pk=order_id, state__in=expected_set).update(
            state=new, updated_at=timezone.now(), **fields
        )
        if not updated:
            return False
        record_event(
            order=order_id,
            kind=kind,
            source=source,
            old_status=current or "",
            new_status=new,
            acting_user=acting_user,
            message=message,
            details=details,
        )
    return True
