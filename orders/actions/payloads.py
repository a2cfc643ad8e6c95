"""What we send Tango for an order, and the line-item columns entered recipients become.

Shared by the single-order path (POST /orders, orders/actions/placement.py), the bulk path
(POST /asyncOrders, orders/actions/bulk_placement.py) and order entry (orders/actions/entry.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core import phones
from orders.actions.validation import ADDRESS_KEYS
from orders.models import LineItem, Order
from tango.types import Address, Recipient, Sender


def recipient_fields(
    *, first_name: str, last_name: str, email: str, mobile: str, address: Mapping[str, str]
) -> dict[str, str]:
    """LineItem's recipient and mailing-address columns from entered (validated) values.

    A mobile number the phone rule accepts is stored in E.164 (what Tango expects).
    """
    return {
        "recipient_first_name": first_name,
        "recipient_last_name": last_name,
        "recipient_email": email,
        "recipient_mobile": phones.as_e164(mobile),
        **{f"address_{key}": address[key] for key in ADDRESS_KEYS if key != "country"},
        "address_country": address["country"].upper(),
    }


def tango_recipient(line_item: LineItem) -> Recipient:
    """The line's recipient (and mailing address) as Tango takes it."""
    address = None
    if line_item.address_street1:
        address = Address(
            company_name=line_item.address_company or None,
            street_line1=line_item.address_street1,
            street_line2=line_item.address_street2 or None,
            city=line_item.address_city,
            state_or_province=line_item.address_state,
            postal_code=line_item.address_postal_code,
            country=line_item.address_country,
        )
    return Recipient(
        first_name=line_item.recipient_first_name or None,
        last_name=line_item.recipient_last_name or None,
        email=line_item.recipient_email or None,
        mobile_number=line_item.recipient_mobile or None,
        address=address,
    )


def tango_sender(order: Order) -> Sender | None:
    if not (order.sender_first_name or order.sender_last_name or order.sender_email):
        return None
    return Sender(
        first_name=order.sender_first_name or None,
        last_name=order.sender_last_name or None,
        email=order.sender_email or None,
    )


def create_order_fields(order: Order, line_item: LineItem) -> dict[str, Any]:
    """Keyword arguments of TangoClient.create_order for a single-reward order."""
    recipient = None
    if line_item.recipient_first_name or line_item.recipient_email or line_item.address_street1:
        recipient = tango_recipient(line_item)
    optional = {
        "email_subject": order.email_subject,
        "message": order.message,
        "etid": order.etid,
        "campaign": order.campaign,
        "notes": order.notes,
        "purchase_order_number": order.purchase_order_number,
    }
    return {
        "customer_identifier": order.customer.identifier,
        "account_identifier": order.account.identifier,
        "utid": line_item.utid,
        "amount": order.amount,
        "delivery_method": order.delivery_method,
        "external_ref_id": order.external_ref_id,
        "recipient": recipient,
        "sender": tango_sender(order),
        **{key: value for key, value in optional.items() if value},
    }


def async_line_fields(order: Order, line: LineItem) -> dict[str, Any]:
    """One line of POST /asyncOrders. Tango takes subject, message and template per line; we
    keep one set per bulk order."""
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
