"""Bulk (multi-line) orders through Tango's async API: POST /asyncOrders (TANGO_API.md §7.7).

One local Order (is_bulk, order source AA) with N LineItems, each with its own
externalRefLineItemID. Placement follows the single-order rules (orders/services/placement.py):
claim QUEUED -> PLACING with a conditional UPDATE, call Tango with no transaction open, write the
result back; a retry re-sends the same externalRefID, which Tango answers with the existing
order (200) instead of creating a second one. Tango processes the lines afterwards; their
outcomes are mirrored from GET /asyncOrders/customers/{c}/accounts/{a}/{externalRefID}, on the
AsyncOrderStatus webhook, by the open-orders sync and by "Refresh from Tango" (bulk_mirror.py).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.services import record_action
from orders.models import Account, CatalogItem, LineItem, Order, OrderEvent
from orders.services.bulk_mirror import apply_async_detail, mirror_async_order
from orders.services.placement import (
    Outcome,
    PlacementOutcome,
    PlacementValidationError,
    _parse_amount,
    _validate,
    new_external_ref_id,
)
from orders.services.rate_limit import wait_for_order_slot
from orders.services.sync_changes import (
    Changes,
    actor_or_none,
    bulk_write,
    line_item_event,
)
from orders.services.timeline import record_event, transition_state
from orders.statuses import EventSource, HoldReason, LineItemStatus, OrderSource
from orders.statuses import PlacementState as _P
from orders.tango.client import TangoClient, get_client
from orders.tango.errors import TangoError, TangoInsufficientFunds, TangoRejected, TangoUnavailable
from orders.tango.types import Address, Recipient, Sender

logger = logging.getLogger(__name__)

MAX_BULK_LINES = 1000
_ADDRESS_KEYS = ("company", "street1", "street2", "city", "state", "postal_code", "country")


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
            enqueue_bulk_placement(order.pk)
    return order


def _prepare_line(
    number: int, line: Mapping[str, Any], account: Account, catalog: dict[str, CatalogItem]
) -> LineItem:
    utid = str(line.get("utid", "")).strip().upper()
    item = catalog.get(utid)
    method = str(line.get("delivery_method") or "EMAIL")
    address = {key: str((line.get("address") or {}).get(key, "")).strip() for key in _ADDRESS_KEYS}
    try:
        if not utid:
            raise PlacementValidationError("A utid is required.")
        amount = _parse_amount(line.get("amount", ""))
        _validate(
            account=account,
            catalog_item=item,
            amount=amount,
            delivery_method=method,
            first_name=str(line.get("recipient_first_name", "")),
            last_name=str(line.get("recipient_last_name", "")),
            email=str(line.get("recipient_email", "")),
            mobile=str(line.get("recipient_mobile", "")),
            address=address,
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
        recipient_first_name=str(line.get("recipient_first_name", "")),
        recipient_last_name=str(line.get("recipient_last_name", "")),
        recipient_email=str(line.get("recipient_email", "")),
        recipient_mobile=str(line.get("recipient_mobile", "")),
        address_company=address["company"],
        address_street1=address["street1"],
        address_street2=address["street2"],
        address_city=address["city"],
        address_state=address["state"],
        address_postal_code=address["postal_code"],
        address_country=address["country"].upper(),
    )


def enqueue_bulk_placement(order_id: int) -> None:
    """Queue the bulk placement task once the current transaction commits."""
    from orders.tasks.sync import place_bulk_order_task

    transaction.on_commit(partial(place_bulk_order_task.delay, order_id))


def place_bulk_order(*, order_id: int, client: TangoClient | None = None) -> PlacementOutcome:
    """Claim a QUEUED bulk order, POST /asyncOrders, write the acceptance back, then mirror.

    Raises TangoUnavailable / TangoAuthError after putting the order back to QUEUED (the task
    retries; the same externalRefID makes the retry safe). Final outcomes are returned.
    """
    if not Order.objects.filter(pk=order_id, is_bulk=True).exists():
        raise ValueError(f"order {order_id} is not a bulk order")
    claimed = transition_state(
        order_id=order_id,
        expected=_P.QUEUED,
        new=_P.PLACING,
        source=EventSource.WORKER,
        kind=OrderEvent.Kind.PLACEMENT_ATTEMPT,
        placement_attempts=F("placement_attempts") + 1,
        placing_since=timezone.now(),
    )
    if not claimed:
        return PlacementOutcome(Outcome.NOT_CLAIMED, order_id)
    order = Order.objects.select_related("account", "customer").get(pk=order_id)
    lines = list(order.line_items.order_by("line_number"))
    client = client or get_client()
    try:
        wait_for_order_slot()  # POST /asyncOrders shares Tango's order-creation TPS limit
        accepted = client.create_async_order(
            customer_identifier=order.customer.identifier,
            account_identifier=order.account.identifier,
            external_ref_id=order.external_ref_id,
            line_items=[_line_payload(order, line) for line in lines],
            sender=_sender(order),
            campaign=order.campaign or None,
            purchase_order_number=order.purchase_order_number or None,
            notes=order.notes or None,
        )
    except TangoRejected as exc:
        held = isinstance(exc, TangoInsufficientFunds)
        _finish_rejected(order, exc, held=held)
        return PlacementOutcome(
            Outcome.HELD if held else Outcome.FAILED, order_id, message=exc.message
        )
    except BaseException as exc:
        _requeue(order_id, exc)
        raise
    failed = {f.external_ref_line_item_id: f for f in accepted.failed_line_items}
    now = timezone.now()
    with transaction.atomic():
        moved = transition_state(
            order_id=order_id,
            expected={_P.PLACING, _P.QUEUED},
            new=_P.PLACED,
            source=EventSource.WORKER,
            message=(
                f"Accepted by Tango's async API ({accepted.status or 'accepted'}); "
                f"{len(failed)} of {len(lines)} lines rejected"
            ),
            details={"attempt": order.placement_attempts, "failed_lines": len(failed)},
            placed_at=now,
            placing_since=None,
            placement_error_key="",
            placement_error="",
            tango_created_at=accepted.created_at,
        )
        if moved and failed:
            _mark_rejected_lines(lines, failed, now)
    try:
        mirror_async_order(order_id=order_id, client=client)
    except TangoError as exc:  # Tango may not have the summary yet; sync and webhook follow up
        logger.info("bulk order %s: first mirror failed: %r", order_id, exc)
    return PlacementOutcome(Outcome.PLACED, order_id)


def _line_payload(order: Order, line: LineItem) -> dict[str, Any]:
    # Tango takes subject, message and template per line; we keep one set per bulk order.
    address = None
    if line.address_street1:
        address = Address(
            company_name=line.address_company or None,
            street_line1=line.address_street1,
            street_line2=line.address_street2 or None,
            city=line.address_city,
            state_or_province=line.address_state,
            postal_code=line.address_postal_code,
            country=line.address_country,
        )
    return {
        "external_ref_line_item_id": line.external_ref_line_item_id,
        "utid": line.utid,
        "amount": line.amount,
        "delivery_method": line.delivery_method,
        "email_subject": order.email_subject or None,
        "message": order.message or None,
        "etid": order.etid or None,
        "recipient": Recipient(
            first_name=line.recipient_first_name or None,
            last_name=line.recipient_last_name or None,
            email=line.recipient_email or None,
            mobile_number=line.recipient_mobile or None,
            address=address,
        ),
    }


def _sender(order: Order) -> Sender | None:
    if not (order.sender_first_name or order.sender_last_name or order.sender_email):
        return None
    return Sender(
        first_name=order.sender_first_name or None,
        last_name=order.sender_last_name or None,
        email=order.sender_email or None,
    )


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


def _finish_rejected(order: Order, exc: TangoRejected, *, held: bool) -> None:
    fields: dict[str, Any] = {
        "placing_since": None,
        "placement_error_key": (exc.i18n_key or "")[:20],
        "placement_error": str(exc),
    }
    if held:
        fields.update(hold_reason=HoldReason.INSUFFICIENT_FUNDS, hold_note=exc.message[:500])
    transition_state(
        order_id=order.pk,
        expected=_P.PLACING,
        new=_P.HELD if held else _P.PLACEMENT_FAILED,
        source=EventSource.WORKER,
        kind=OrderEvent.Kind.HELD if held else OrderEvent.Kind.PLACEMENT_FAILED,
        message=(f"Insufficient funds: {exc.message}" if held else str(exc)),
        details={"i18n_key": exc.i18n_key, "status_code": exc.status_code},
        **fields,
    )


def _requeue(order_id: int, exc: BaseException) -> None:
    level = logging.INFO if isinstance(exc, TangoUnavailable) else logging.ERROR
    logger.log(level, "bulk order %s placement attempt failed, requeued: %r", order_id, exc)
    try:
        transition_state(
            order_id=order_id,
            expected=_P.PLACING,
            new=_P.QUEUED,
            source=EventSource.WORKER,
            message=str(exc)[:1000] if isinstance(exc, TangoError) else type(exc).__name__,
            placing_since=None,
        )
    except Exception:  # the database may be what failed; the placement sweeper re-drives it
        logger.exception("bulk order %s could not be requeued", order_id)


__all__ = [
    "BulkOrdersNotAllowed",
    "apply_async_detail",
    "create_bulk_order",
    "enqueue_bulk_placement",
    "mirror_async_order",
    "place_bulk_order",
]
