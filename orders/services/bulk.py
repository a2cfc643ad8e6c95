"""Bulk (multi-line) orders through Tango's async API: POST /asyncOrders (TANGO_API.md §7.7).

One local Order (is_bulk, order source AA) with N LineItems, each with its own
externalRefLineItemID. Placement follows the single-order rules (orders/services/placement.py):
claim QUEUED -> PLACING with a conditional UPDATE, call Tango with no transaction open, write the
result back; a retry re-sends the same externalRefID, which Tango answers with the existing
order (200) instead of creating a second one. Tango processes the lines afterwards; their
outcomes are mirrored from GET /asyncOrders/customers/{c}/accounts/{a}/{externalRefID}, on the
AsyncOrderStatus webhook, by the open-orders sync and by "Refresh from Tango" (bulk_mirror.py).
The claim, the write-backs and the recipient/sender builders are placement.py's, shared.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.services import record_action
from orders.models import Account, CatalogItem, LineItem, Order, OrderEvent
from orders.services.bulk_mirror import apply_async_detail, mirror_async_order
from orders.services.placement import (
    ADDRESS_KEYS,
    Outcome,
    PlacementOutcome,
    PlacementValidationError,
    call_tango,
    claim_for_placement,
    enqueue_placement,
    mark_placed,
    new_external_ref_id,
    parse_amount,
    recipient_fields,
    tango_recipient,
    tango_sender,
    validate,
)
from orders.services.sync_changes import (
    Changes,
    bulk_write,
    line_item_event,
)
from orders.services.timeline import actor_or_none, record_event
from orders.statuses import EventSource, LineItemStatus, OrderSource
from orders.statuses import PlacementState as _P
from tango.client import TangoClient, get_client
from tango.errors import TangoAlreadyExists, TangoError, TangoNotFound
from tango.rate_limit import wait_for_order_slot
from tango.types import AsyncOrderAccepted, AsyncOrderDetail

logger = logging.getLogger(__name__)

MAX_BULK_LINES = 1000

# The old name: placement's dispatcher sends a bulk order to place_bulk_order_task by itself.
enqueue_bulk_placement = enqueue_placement


class BulkOrdersNotAllowed(PlacementValidationError):
    """The account is not enabled for Tango's async (bulk) orders."""


def create_bulk_order(
    *,
    account: Account,
    lines: Sequence[Mapping[str, Any]],
    acting_user: Any,
    sender_first_name: str = "",
    sender_last_name: str = "",
    sender_email: str = "",
    email_subject: str = "",
    message: str = "",
    etid: str = "",
    campaign: str = "",
    notes: str = "",
    purchase_order_number: str = "",
    submit: bool = True,
) -> Order:
    """Validate and store a multi-line order; with `submit`, queue it for placement.

    Each line is a mapping with the keys of `placement.create_order`: utid, amount,
    delivery_method (default EMAIL), recipient_first_name, recipient_last_name,
    recipient_email, recipient_mobile, address (mapping). Subject, message and template are
    per order (every line gets the same).
    Raises PlacementValidationError (BulkOrdersNotAllowed for the account switch) with a
    message naming the line at fault.
    """
    if not account.async_orders_enabled:
        raise BulkOrdersNotAllowed(
            f"Account {account.identifier} is not enabled for bulk (async) orders at Tango; "
            "place the rewards as single orders or ask Tango to enable async orders."
        )
    if not lines:
        raise PlacementValidationError("A bulk order needs at least one line.")
    if len(lines) > MAX_BULK_LINES:
        raise PlacementValidationError(f"A bulk order can have at most {MAX_BULK_LINES} lines.")
    utids = {str(line.get("utid", "")).upper() for line in lines}
    catalog = {item.utid.upper(): item for item in CatalogItem.objects.filter(utid__in=utids)}
    prepared = [_prepare_line(n, line, account, catalog) for n, line in enumerate(lines, 1)]
    currencies = {line.currency for line in prepared}
    if len(currencies) > 1:
        raise PlacementValidationError(
            "All lines of a bulk order must be in one currency "
            f"(got {', '.join(sorted(currencies))})."
        )
    methods = {line.delivery_method for line in prepared}
    with transaction.atomic():
        order = Order.objects.create(
            external_ref_id=new_external_ref_id(),
            customer_id=account.customer_id,
            account=account,
            amount=sum((line.amount for line in prepared), Decimal("0.00")),
            currency=currencies.pop(),
            state=_P.QUEUED if submit else _P.DRAFT,
            delivery_method=methods.pop() if len(methods) == 1 else prepared[0].delivery_method,
            order_source=OrderSource.AA,
            is_bulk=True,
            sender_first_name=sender_first_name,
            sender_last_name=sender_last_name,
            sender_email=sender_email,
            email_subject=email_subject,
            message=message,
            etid=etid,
            campaign=campaign,
            notes=notes,
            purchase_order_number=purchase_order_number,
            created_by=actor_or_none(acting_user),
        )
        for line in prepared:
            line.order = order
            line.external_ref_line_item_id = f"{order.external_ref_id}-{line.line_number}"
        LineItem.objects.bulk_create(prepared)
        source = EventSource.STAFF if actor_or_none(acting_user) else EventSource.SYSTEM
        record_event(
            order=order,
            kind=OrderEvent.Kind.CREATED,
            source=source,
            new_status=order.state,
            acting_user=acting_user,
            message=(
                f"Bulk order with {len(prepared)} lines created with externalRefID "
                f"{order.external_ref_id}"
            ),
        )
        if actor_or_none(acting_user):
            record_action(
                acting_user=acting_user,
                action="order.create_bulk",
                obj=order,
                after={"state": order.state, "lines": len(prepared)},
            )
        if submit:
            enqueue_placement(order.pk, is_bulk=True)
    return order


def _prepare_line(
    number: int, line: Mapping[str, Any], account: Account, catalog: dict[str, CatalogItem]
) -> LineItem:
    utid = str(line.get("utid", "")).strip().upper()
    item = catalog.get(utid)
    method = str(line.get("delivery_method") or "EMAIL")
    address = {key: str((line.get("address") or {}).get(key, "")).strip() for key in ADDRESS_KEYS}
    recipient = {
        key: str(line.get(f"recipient_{key}", ""))
        for key in ("first_name", "last_name", "email", "mobile")
    }
    try:
        if not utid:
            raise PlacementValidationError("A utid is required.")
        amount = parse_amount(line.get("amount", ""))
        validate(
            account=account,
            catalog_item=item,
            amount=amount,
            delivery_method=method,
            address=address,
            **recipient,
        )
    except PlacementValidationError as exc:
        raise PlacementValidationError(f"Line {number}: {exc}") from exc
    return LineItem(
        line_number=number,
        catalog_item=item,
        utid=item.utid if item else utid,
        reward_name=item.reward_name if item else "",
        amount=amount,
        currency=item.currency if item else account.currency,
        delivery_method=method,
        **recipient_fields(address=address, **recipient),
    )


def place_bulk_order(*, order_id: int) -> PlacementOutcome:
    """Claim a QUEUED bulk order, POST /asyncOrders, write the acceptance back, then mirror.

    Raises TangoUnavailable / TangoAuthError after putting the order back to QUEUED (the task
    retries; the same externalRefID makes the retry safe). Final outcomes are returned.
    """
    if not Order.objects.filter(pk=order_id, is_bulk=True).exists():
        raise ValueError(f"order {order_id} is not a bulk order")
    if not claim_for_placement(order_id):
        return PlacementOutcome(Outcome.NOT_CLAIMED, order_id)
    order = Order.objects.select_related("account", "customer").get(pk=order_id)
    lines = list(order.line_items.order_by("line_number"))
    client = get_client()
    answer = call_tango(order_id, partial(_send, client, order, lines))
    if isinstance(answer, PlacementOutcome):
        return answer
    if isinstance(answer, AsyncOrderDetail):
        return _adopt_existing(order, answer)
    failed = {f.external_ref_line_item_id: f for f in answer.failed_line_items}
    now = timezone.now()
    with transaction.atomic():
        moved = mark_placed(
            order_id,
            message=(
                f"Accepted by Tango's async API ({answer.status or 'accepted'}); "
                f"{len(failed)} of {len(lines)} lines rejected"
            ),
            details={"attempt": order.placement_attempts, "failed_lines": len(failed)},
            placed_at=now,
            tango_created_at=answer.created_at,
        )
        if moved and failed:
            _mark_rejected_lines(lines, failed, now)
    try:
        mirror_async_order(order_id=order_id)
    except TangoError as exc:  # Tango may not have the summary yet; sync and webhook follow up
        logger.info("bulk order %s: first mirror failed: %r", order_id, exc)
    return PlacementOutcome(Outcome.PLACED, order_id)


def _send(
    client: TangoClient, order: Order, lines: list[LineItem]
) -> AsyncOrderAccepted | AsyncOrderDetail:
    """POST /asyncOrders; on 409.024 "already exists", the order Tango already has."""
    wait_for_order_slot()  # POST /asyncOrders shares Tango's order-creation TPS limit
    try:
        return client.create_async_order(
            customer_identifier=order.customer.identifier,
            account_identifier=order.account.identifier,
            external_ref_id=order.external_ref_id,
            line_items=[_line_payload(order, line) for line in lines],
            sender=tango_sender(order),
            campaign=order.campaign or None,
            purchase_order_number=order.purchase_order_number or None,
            notes=order.notes or None,
        )
    except TangoAlreadyExists as exc:
        try:
            return client.get_async_order(
                customer_identifier=order.customer.identifier,
                account_identifier=order.account.identifier,
                external_ref_id=order.external_ref_id,
            )
        except TangoNotFound:
            raise exc from None  # not on this account after all: final, staff must see it


def _adopt_existing(order: Order, detail: AsyncOrderDetail) -> PlacementOutcome:
    with transaction.atomic():
        moved = mark_placed(
            order.pk,
            message=f"Found at Tango as {detail.reference_order_id} (already existed): adopted",
            details={"attempt": order.placement_attempts, "outcome": str(Outcome.ADOPTED)},
            placed_at=timezone.now(),
        )
    if moved:
        apply_async_detail(order, detail, source=EventSource.WORKER)
    else:
        logger.warning("bulk order %s is at Tango but no longer ours to write", order.pk)
    return PlacementOutcome(Outcome.ADOPTED, order.pk, reference_order_id=detail.reference_order_id)


def _line_payload(order: Order, line: LineItem) -> dict[str, Any]:
    # Tango takes subject, message and template per line; we keep one set per bulk order.
    return {
        "external_ref_line_item_id": line.external_ref_line_item_id,
        "utid": line.utid,
        "amount": line.amount,
        "delivery_method": line.delivery_method,
        "email_subject": order.email_subject or None,
        "message": order.message or None,
        "etid": order.etid or None,
        "recipient": tango_recipient(line),
    }


def _mark_rejected_lines(lines: list[LineItem], failed: dict[str | None, Any], now: Any) -> None:
    changed: list[Changes] = []
    events: list[OrderEvent] = []
    for line in lines:
        rejection = failed.get(line.external_ref_line_item_id)
        if rejection is None:
            continue
        changes = Changes(line)
        changes.set("status", LineItemStatus.FAILED)
        changes.set("errors", [{"code": e.code, "message": e.message} for e in rejection.errors])
        changed.append(changes)
        event = line_item_event(
            line_item=line,
            changes=changes,
            source=EventSource.WORKER,
            occurred_at=now,
            note="rejected by Tango when the bulk order was accepted",
        )
        if event is not None:
            events.append(event)
    bulk_write(LineItem, changed, extra={"updated_at": now})
    OrderEvent.objects.bulk_create(events)


__all__ = [
    "BulkOrdersNotAllowed",
    "apply_async_detail",
    "create_bulk_order",
    "enqueue_bulk_placement",
    "mirror_async_order",
    "place_bulk_order",
]
