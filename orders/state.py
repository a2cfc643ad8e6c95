"""Where an order's placement state changes: `transition_state`, the only UPDATE of Order.state.

A change is one of the named transitions in orders/statuses.py, performed as a conditional
UPDATE (a claim, as django-oscar's set_status without holding a lock): it happens only if the
order is still in one of the transition's source states, and its timeline row
(orders.events.for_transition) is written in the same transaction. Actions and the sync call it;
nothing else writes `state` (an order is created in its first state by orders.actions.entry and
by the sync's import).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.actor import Actor
from orders import events, statuses
from orders.models import Order
from orders.statuses import Transition


class InvalidTransition(Exception):
    """The caller asked for a move the named transition does not allow (a bug, not a race)."""


def transition_state(
    *,
    order_id: int,
    transition: Transition | str,
    actor: Actor,
    expected: str | Iterable[str] | None = None,
    message: str = "",
    details: dict[str, Any] | None = None,
    **fields: Any,
) -> bool:
    """Perform `transition` (named, or its name) on the order, plus its timeline row.

    `expected` narrows the transition's source states to what the caller read (e.g. release
    from HELD only); it may never widen them. Other keyword arguments are columns written by
    the same UPDATE. Returns False when the order was not in those states (another process got
    there first), so callers treat a lost race as a no-op instead of doing the work twice.
    """
    named = statuses.transition(transition)
    if expected is None:
        sources = named.sources
    else:
        sources = frozenset({expected} if isinstance(expected, str) else expected)
    if not sources <= named.sources:
        raise InvalidTransition(
            f"{', '.join(sorted(sources - named.sources))} -> {named.target} is not part of "
            f"the {named.name!r} transition"
        )
    with transaction.atomic():
        current = Order.objects.filter(pk=order_id).values_list("state", flat=True).first()
        updated = Order.objects.filter(pk=order_id, state__in=sources).update(
            state=named.target, updated_at=timezone.now(), **fields
        )
        if not updated:
            return False
        events.for_transition(
            named,
            order=order_id,
            actor=actor,
            old_status=current or "",
            new_status=named.target,
            message=message,
            details=details,
        )
    return True
