"""Staff actions on an order's placement: hold, release (or retry a failed placement), refresh.

The state changes themselves belong to orders.services.placement (hold_order/release_order,
which also write the timeline and audit rows) and orders.services.sync (refresh_order); these
wrappers add the console's rules, refuse with a message staff can act on, and record the
request's IP on the audit row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import record_action
from core.errors import ActionNotAllowed
from orders.models import Order
from orders.services import sync
from orders.services.placement import (
    MAY_BE_AT_TANGO,
    PlacementValidationError,
    hold_order,
    release_order,
)
from orders.services.timeline import InvalidTransition
from orders.statuses import HoldReason, PlacementState

HOLDABLE_STATES = frozenset(
    {PlacementState.DRAFT, PlacementState.AWAITING_APPROVAL, PlacementState.QUEUED}
)
# Releasing a failed placement retries it with the same externalRefID (placement service).
RELEASABLE_STATES = frozenset({PlacementState.HELD, PlacementState.PLACEMENT_FAILED})


def hold_blocker(order: Order) -> str | None:
    if order.state == PlacementState.HELD:
        return "The order is already on hold."
    if order.state == PlacementState.PLACING:
        return "The order is being placed at Tango right now."
    if order.state not in HOLDABLE_STATES:
        return "Only orders not yet placed at Tango can be held (Tango has no hold API)."
    if order.placement_attempts > 0:
        return f"{MAY_BE_AT_TANGO}."
    return None


def release_blocker(order: Order) -> str | None:
    if order.state not in RELEASABLE_STATES:
        return "Only held orders (or failed placements, as a retry) can be released."
    return None


def refresh_blocker(order: Order) -> str | None:
    if not order.reference_order_id and order.state != PlacementState.PLACED:
        return "The order has not been placed at Tango yet."
    return None


def _audit_with_ip(
    *,
    acting_user: Any,
    action: str,
    obj: Order,
    since: datetime,
    ip_address: str | None,
    **row: Any,
) -> None:
    """The placement service writes the audit row but does not know the request: add its IP.

    Falls back to writing the row when the service did not (keeps "every action audited").
    """
    entry = (
        AuditEntry.objects.filter(
            action=action, object_id=str(obj.pk), at__gte=since, ip_address__isnull=True
        )
        .filter(actor=acting_user)
        .order_by("-id")
        .first()
    )
    if entry is None:
        record_action(acting_user=acting_user, action=action, obj=obj, ip_address=ip_address, **row)
    elif ip_address:
        AuditEntry.objects.filter(pk=entry.pk).update(ip_address=ip_address)


def hold(*, order_id: int, acting_user: Any, note: str, ip_address: str | None) -> Order:
    order = Order.objects.get(pk=order_id)
    blocker = hold_blocker(order)
    if blocker:
        raise ActionNotAllowed(blocker)
    if not note.strip():
        raise ActionNotAllowed("Give a reason for the hold.")
    since = timezone.now()
    try:
        with transaction.atomic():
            if not hold_order(
                order_id=order_id, acting_user=acting_user, reason=HoldReason.STAFF, note=note
            ):
                raise ActionNotAllowed("The order is already on hold.")
            _audit_with_ip(
                acting_user=acting_user,
                action="order.hold",
                obj=order,
                since=since,
                ip_address=ip_address,
                before={"state": order.state},
                after={"state": PlacementState.HELD},
                reason=note,
            )
    except (PlacementValidationError, InvalidTransition) as exc:
        raise ActionNotAllowed(str(exc) or "The order moved on before it could be held.") from exc
    order.refresh_from_db()
    return order


def release(*, order_id: int, acting_user: Any, note: str, ip_address: str | None) -> Order:
    """Held (or placement failed) -> queued for placement. A second click is refused, no-op."""
    order = Order.objects.get(pk=order_id)
    blocker = release_blocker(order)
    if blocker:
        raise ActionNotAllowed(blocker)
    since = timezone.now()
    with transaction.atomic():
        if not release_order(order_id=order_id, acting_user=acting_user, note=note):
            raise ActionNotAllowed("The order is no longer held (released already?).")
        _audit_with_ip(
            acting_user=acting_user,
            action="order.release",
            obj=order,
            since=since,
            ip_address=ip_address,
            before={"state": order.state},
            after={"state": PlacementState.QUEUED},
            reason=note,
        )
    order.refresh_from_db()
    return order


def refresh(*, order_id: int, acting_user: Any, ip_address: str | None) -> Order:
    """Re-read the order from Tango now (one GET; the sync service writes what changed)."""
    order = Order.objects.get(pk=order_id)
    blocker = refresh_blocker(order)
    if blocker:
        raise ActionNotAllowed(blocker)
    since = timezone.now()
    try:
        sync.refresh_order(order_id=order_id, acting_user=acting_user)  # HTTP: no transaction
    except sync.OrderNotPlaced as exc:
        raise ActionNotAllowed(str(exc)) from exc
    order.refresh_from_db()
    _audit_with_ip(
        acting_user=acting_user,
        action="order.refresh",
        obj=order,
        since=since,
        ip_address=ip_address,
        after={"tango_status": order.tango_status},
    )
    return order
