"""Importing orders placed outside Rewards Ops (Tango's portal, another tool, the demo seeder).

Called by the order sync for Tango orders that match no local row: one bulk INSERT of orders,
one of their line items and one of `created` timeline rows per page. The account must already
exist locally (the accounts sync creates it); until then the order is skipped and imported by
a later pass.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from orders import events
from orders.models import Account, CatalogItem, LineItem, Order, OrderEvent
from orders.statuses import OrderSource, PlacementState
from orders.sync.changes import SYNC_ACTOR, SyncReport, fit, quantize
from orders.sync.status import order_changes
from tango.types import TangoOrder

logger = logging.getLogger(__name__)


def import_orders(
    to_import: Sequence[TangoOrder],
    taken_ext_ids: set[str],
    *,
    report: SyncReport,
    now: datetime,
) -> list[OrderEvent]:
    """Create local rows for orders placed outside Rewards Ops (one bulk INSERT per table)."""
    if not to_import:
        return []
    accounts = {
        a.identifier: a
        for a in Account.objects.filter(
            identifier__in={t.account_identifier for t in to_import if t.account_identifier}
        )
    }
    catalog = dict(
        CatalogItem.objects.filter(utid__in={t.utid for t in to_import if t.utid}).values_list(
            "utid", "pk"
        )
    )
    new_orders: list[tuple[Order, TangoOrder]] = []
    for tango in to_import:
        account = accounts.get(tango.account_identifier or "")
        if account is None:
            # The accounts sync creates it; the next recent-orders pass imports the order.
            logger.info(
                "sync: skipping import of %s: account %r unknown locally",
                tango.reference_order_id,
                tango.account_identifier,
            )
            report.skipped += 1
            continue
        order = _new_order(tango, account, taken_ext_ids, now)
        # Two accounts may use the same externalRefID at Tango; ours must stay unique.
        taken_ext_ids.add(order.external_ref_id)
        new_orders.append((order, tango))
    if not new_orders:
        return []
    Order.objects.bulk_create([order for order, _ in new_orders])
    LineItem.objects.bulk_create(
        [_new_line_item(order, tango, catalog.get(tango.utid or "")) for order, tango in new_orders]
    )
    report.created += len(new_orders)
    return [
        events.order_created(
            order=order,
            actor=SYNC_ACTOR,
            new_status=order.tango_status,
            message=(
                "Imported from Tango: placed outside Rewards Ops"
                f" (order source {order.order_source})."
            ),
            details={"reference_order_id": order.reference_order_id},
            occurred_at=now,
            save=False,
        )
        for order, _ in new_orders
    ]


def _new_order(tango: TangoOrder, account: Account, taken: set[str], now: datetime) -> Order:
    ext = tango.external_ref_id
    if not ext or ext in taken or len(ext) > 100:
        # Our external_ref_id is unique across accounts; Tango's is unique per account only.
        ext = f"tango-{tango.reference_order_id}"
    denomination, charged = tango.denomination, tango.amount_charged
    amount = (denomination and denomination.value) or (charged and charged.value) or Decimal(0)
    sender, source = tango.sender, tango.order_source
    order = Order(
        external_ref_id=ext,
        reference_order_id=tango.reference_order_id,
        customer_id=account.customer_id,
        account=account,
        amount=quantize(amount),
        currency=(denomination and denomination.currency_code) or account.currency,
        tango_status=fit(Order, "tango_status", tango.status),
        state=PlacementState.PLACED,
        placed_at=tango.created_at or now,
        placement_attempts=0,
        delivery_method=fit(Order, "delivery_method", tango.delivery_method or "EMAIL"),
        order_source=source if source in OrderSource.values else OrderSource.RG,
        # An async (AA) order has several lines: the sync mirrors it through /asyncOrders.
        is_bulk=source == OrderSource.AA,
        sender_first_name=fit(Order, "sender_first_name", sender and sender.first_name),
        sender_last_name=fit(Order, "sender_last_name", sender and sender.last_name),
        sender_email=fit(Order, "sender_email", sender and sender.email),
        email_subject=fit(Order, "email_subject", tango.email_subject),
        message=tango.message or "",
        etid=fit(Order, "etid", tango.etid),
        campaign=fit(Order, "campaign", tango.campaign),
        notes=fit(Order, "notes", tango.notes),
        purchase_order_number=fit(Order, "purchase_order_number", tango.purchase_order_number),
        tango_created_at=tango.created_at,
        last_synced_at=now,
    )
    order_changes(order, tango)  # fills the amountCharged fields exactly as a sync would
    return order


def _new_line_item(order: Order, tango: TangoOrder, catalog_item_id: int | None) -> LineItem:
    recipient = tango.recipient
    address = recipient.address if recipient else None
    denomination = tango.denomination
    charged = tango.amount_charged
    return LineItem(
        order=order,
        # Only the detail view carries referenceLineItemID; the line-item sync fills it in.
        reference_line_item_id=tango.reference_line_item_id,
        line_number=1,
        catalog_item_id=catalog_item_id,
        utid=fit(LineItem, "utid", tango.utid),
        reward_name=fit(LineItem, "reward_name", tango.reward_name),
        amount=order.amount,
        currency=order.currency,
        denomination_value=quantize(denomination.value) if denomination else None,
        denomination_currency=fit(
            LineItem, "denomination_currency", denomination and denomination.currency_code
        ),
        amount_charged_total=quantize(charged.total) if charged else None,
        status=fit(LineItem, "status", tango.line_item_status),
        delivery_method=order.delivery_method,
        recipient_first_name=fit(
            LineItem, "recipient_first_name", recipient and recipient.first_name
        ),
        recipient_last_name=fit(LineItem, "recipient_last_name", recipient and recipient.last_name),
        recipient_email=fit(LineItem, "recipient_email", recipient and recipient.email),
        recipient_mobile=fit(LineItem, "recipient_mobile", recipient and recipient.mobile_number),
        address_company=fit(LineItem, "address_company", address and address.company_name),
        address_street1=fit(LineItem, "address_street1", address and address.street_line1),
        address_street2=fit(LineItem, "address_street2", address and address.street_line2),
        address_city=fit(LineItem, "address_city", address and address.city),
        address_state=fit(LineItem, "address_state", address and address.state_or_province),
        address_postal_code=fit(LineItem, "address_postal_code", address and address.postal_code),
        address_country=fit(LineItem, "address_country", address and address.country),
    )
