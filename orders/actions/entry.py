"""Entering orders: a single reward (`create_order`) or a multi-line order (`create_bulk_order`).

Both validate everything first (orders.actions.validation: every problem, keyed by field) and
raise ValidationFailed with all of them; nothing is stored then. The externalRefID is made
when the order row is created, in the same transaction, and never changes: it is what makes
placement exactly-once (orders/actions/placement.py). With `submit`, the placement task is
enqueued after that transaction commits.

A bulk order's problems are keyed per line as `lines[<n>].<field>` (n counted from 1, as
LineItem.line_number and the messages' "Line n: "), plus `lines` / `account` for the order.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, TypedDict, Unpack

from django.conf import settings
from django.db import transaction

from audit.models import AuditAction
from audit.records import record
from core.actor import Actor
from core.errors import Problems, ValidationFailed
from orders import events
from orders.actions.payloads import recipient_fields
from orders.actions.placement import enqueue_placement
from orders.actions.validation import (
    check_account,
    check_order_details,
    clean_address,
    parse_amount,
    validate_order,
)
from orders.models import Account, CatalogItem, LineItem, Order
from orders.statuses import OrderSource
from orders.statuses import PlacementState as _P

MAX_BULK_LINES = 1000


class BulkOrdersNotAllowed(ValidationFailed):
    """The account is not enabled for Tango's async (bulk) orders."""


def new_external_ref_id() -> str:
    return f"{settings.TANGO_EXTERNAL_REF_PREFIX}-{uuid.uuid4().hex}"


class OrderDetails(TypedDict, total=False):
    """What an order carries besides its rewards; each is "" when not given."""

    sender_first_name: str
    sender_last_name: str
    sender_email: str
    email_subject: str
    message: str
    etid: str
    campaign: str
    notes: str
    purchase_order_number: str


def create_order(
    *,
    account: Account,
    utid: str,
    amount: Decimal | str | int,
    delivery_method: str,
    recipient_first_name: str,
    recipient_last_name: str = "",
    recipient_email: str = "",
    recipient_mobile: str = "",
    address: Mapping[str, str] | None = None,
    actor: Actor,
    submit: bool = True,
    external_ref_id: str = "",
    **details: Unpack[OrderDetails],
) -> Order:
    """Validate and store a single-reward order; with `submit`, queue it for placement.

    Keys of `address`: company, street1, street2, city, state, postal_code, country.
    Raises ValidationFailed with every problem, in words staff can act on. `external_ref_id`
    (default: a new one) lets an entry point derive it from a one-time form token, so a
    second submit of the same form hits the unique constraint instead of a second order.
    """
    entered = clean_address(address)
    recipient = {
        "first_name": recipient_first_name,
        "last_name": recipient_last_name,
        "email": recipient_email,
        "mobile": recipient_mobile,
    }
    catalog_item = CatalogItem.objects.filter(utid__iexact=utid).first()
    validate_order(
        account=account,
        catalog_item=catalog_item,
        utid=utid,
        amount=amount,
        delivery_method=delivery_method,
        address=entered,
        **{f"recipient_{key}": value for key, value in recipient.items()},
        **details,
    ).raise_if_any()
    value = parse_amount(amount)
    assert value is not None  # validated just above
    with transaction.atomic():
        order = _new_order(
            account=account,
            actor=actor,
            submit=submit,
            details=details,
            external_ref_id=external_ref_id,
            amount=value,
            currency=catalog_item.currency if catalog_item else account.currency,
            delivery_method=delivery_method,
        )
        LineItem.objects.create(
            order=order,
            line_number=1,
            catalog_item=catalog_item,
            utid=catalog_item.utid if catalog_item else utid.upper(),
            reward_name=catalog_item.reward_name if catalog_item else "",
            amount=value,
            currency=order.currency,
            delivery_method=delivery_method,
            **recipient_fields(address=entered, **recipient),
        )
        _entered(
            order,
            actor=actor,
            submit=submit,
            audit_action=AuditAction.ORDER_CREATE,
            message=f"Created with externalRefID {order.external_ref_id}",
        )
    return order


def create_bulk_order(
    *,
    account: Account,
    lines: Sequence[Mapping[str, Any]],
    actor: Actor,
    submit: bool = True,
    external_ref_id: str = "",
    **details: Unpack[OrderDetails],
) -> Order:
    """Validate and store a multi-line order (Tango's async API); with `submit`, queue it.

    Each line is a mapping with the keys of `create_order`: utid, amount, delivery_method
    (default EMAIL), recipient_first_name, recipient_last_name, recipient_email,
    recipient_mobile, address (mapping), and optionally external_ref_line_item_id (default
    "<order's externalRefID>-<n>"; an upload gives each row's own, deterministic one). Subject,
    message and template are per order (every line gets the same). Raises ValidationFailed
    with every problem of every line (BulkOrdersNotAllowed when the account is not enabled for
    async orders).
    """
    problems = Problems()
    check_account(problems, account)
    check_order_details(problems, details)
    refs = [str(line.get("external_ref_line_item_id") or "") for line in lines]
    given = [ref for ref in refs if ref]
    if len(set(given)) < len(given) or any(len(ref) > 100 for ref in given):
        problems.add(
            "lines", "Each line's externalRefLineItemID must be unique and at most 100 characters."
        )
    if not account.async_orders_enabled:
        problems.add(
            "account",
            f"Account {account.identifier} is not enabled for bulk (async) orders at Tango; "
            "place the rewards as single orders or ask Tango to enable async orders.",
        )
    if not lines:
        problems.add("lines", "A bulk order needs at least one line.")
    if len(lines) > MAX_BULK_LINES:
        problems.add("lines", f"A bulk order can have at most {MAX_BULK_LINES} lines.")
        lines = []  # a thousand lines of problems would say nothing more
    utids = {str(line.get("utid", "")).upper() for line in lines}
    catalog = {item.utid.upper(): item for item in CatalogItem.objects.filter(utid__in=utids)}
    prepared = [
        _prepare_line(n, line, account, catalog, problems) for n, line in enumerate(lines, 1)
    ]
    currencies = {line.currency for line in prepared}
    if len(currencies) > 1:
        problems.add(
            "lines",
            "All lines of a bulk order must be in one currency "
            f"(got {', '.join(sorted(currencies))}).",
        )
    if problems:
        error = BulkOrdersNotAllowed if not account.async_orders_enabled else ValidationFailed
        raise error(problems)
    methods = {line.delivery_method for line in prepared}
    with transaction.atomic():
        order = _new_order(
            account=account,
            actor=actor,
            submit=submit,
            details=details,
            amount=sum((line.amount for line in prepared), Decimal("0.00")),
            currency=currencies.pop(),
            delivery_method=methods.pop() if len(methods) == 1 else prepared[0].delivery_method,
            order_source=OrderSource.AA,
            is_bulk=True,
            external_ref_id=external_ref_id,
        )
        for line, ref in zip(prepared, refs, strict=True):
            line.order = order
            line.external_ref_line_item_id = ref or f"{order.external_ref_id}-{line.line_number}"
        LineItem.objects.bulk_create(prepared)
        _entered(
            order,
            actor=actor,
            submit=submit,
            audit_action=AuditAction.ORDER_CREATE_BULK,
            message=(
                f"Bulk order with {len(prepared)} lines created with externalRefID "
                f"{order.external_ref_id}"
            ),
            lines=len(prepared),
        )
    return order


def _new_order(
    *,
    account: Account,
    actor: Actor,
    submit: bool,
    details: OrderDetails,
    external_ref_id: str = "",
    **columns: Any,
) -> Order:
    """The order row, with its externalRefID (made here unless given, never changed)."""
    unknown = set(details) - set(OrderDetails.__annotations__)
    if unknown:
        raise TypeError(f"unexpected order details: {', '.join(sorted(unknown))}")
    return Order.objects.create(
        external_ref_id=external_ref_id or new_external_ref_id(),
        customer_id=account.customer_id,
        account=account,
        state=_P.QUEUED if submit else _P.DRAFT,
        created_by=actor.user_or_none,
        **details,
        **columns,
    )


def _entered(
    order: Order,
    *,
    actor: Actor,
    submit: bool,
    audit_action: AuditAction,
    message: str,
    **audit_after: Any,
) -> None:
    """The new order's timeline row and audit row; with `submit`, its placement after commit."""
    events.order_created(order=order, actor=actor, new_status=order.state, message=message)
    record(actor=actor, action=audit_action, obj=order, after={"state": order.state, **audit_after})
    if submit:
        enqueue_placement(order.pk, is_bulk=order.is_bulk)


def _prepare_line(
    number: int,
    line: Mapping[str, Any],
    account: Account,
    catalog: dict[str, CatalogItem],
    problems: Problems,
) -> LineItem:
    """The unsaved LineItem for one entered line; its problems go into `problems`."""
    utid = str(line.get("utid", "")).strip().upper()
    item = catalog.get(utid)
    method = str(line.get("delivery_method") or "EMAIL")
    address = clean_address(line.get("address"))
    recipient = {
        key: str(line.get(f"recipient_{key}", ""))
        for key in ("first_name", "last_name", "email", "mobile")
    }
    found = validate_order(
        account=account,
        catalog_item=item,
        utid=utid,
        amount=line.get("amount", ""),
        delivery_method=method,
        address=address,
        **{f"recipient_{key}": value for key, value in recipient.items()},
    )
    found.pop("account")  # the account's state is the order's problem, said once (above)
    problems.extend(found, prefix=f"lines[{number}].", message_prefix=f"Line {number}: ")
    return LineItem(
        line_number=number,
        catalog_item=item,
        utid=item.utid if item else utid,
        reward_name=item.reward_name if item else "",
        amount=parse_amount(line.get("amount", "")) or Decimal("0.00"),
        currency=item.currency if item else account.currency,
        delivery_method=method,
        **recipient_fields(address=address, **recipient),
    )
