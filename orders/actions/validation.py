"""Would Tango take this order? Every problem, keyed by the field it is about.

`validate_order` is the one validator of an entered order: placement's entry points call it
(create_order, and create_bulk_order once per line), and the order form and the CSV dry run
are meant to, so a person sees every field's problem at once instead of the first one. Keys
are the entry fields: account, utid, amount, delivery_method, recipient_first_name,
recipient_last_name, recipient_email, recipient_mobile, address_<key> (ADDRESS_KEYS) and the
order's details (sender_first_name, sender_last_name, sender_email, email_subject, message,
etid, campaign, notes, purchase_order_number). The rules are Tango's (TANGO_API.md §4.1) as
far as we can check them before sending: what an order needs here, the fields' shapes and
lengths in validation_fields.py; the phone rule is core.phones.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from core import emails, phones
from core.errors import Problems
from orders.actions import validation_fields as shapes
from orders.models import Account, CatalogItem
from orders.statuses import (
    CREATE_DELIVERY_METHODS,
    PHYSICAL_DELIVERY_METHODS,
    AccountStatus,
    DeliveryMethod,
    ValueType,
)

ADDRESS_KEYS = ("company", "street1", "street2", "city", "state", "postal_code", "country")
_ADDRESS_REQUIRED = ("street1", "city", "state", "postal_code", "country")
# Tango requires recipient details for these; NONE/EMBEDDED only store them (§4.1).
_NEEDS_RECIPIENT = frozenset(
    {DeliveryMethod.EMAIL, DeliveryMethod.PHONE, DeliveryMethod.WHATSAPP, DeliveryMethod.ADDRESS}
)
# Catalog attribute a delivery method needs (NONE only needs a digital item).
CHANNEL_FOR_METHOD = {
    DeliveryMethod.EMAIL: "EMAIL",
    DeliveryMethod.PHONE: "PHONE",
    DeliveryMethod.WHATSAPP: "PHONE",
    DeliveryMethod.ADDRESS: "ADDRESS",
    DeliveryMethod.EMBEDDED: "EMBEDDED",
    DeliveryMethod.EMBEDDED_COMPONENT: "EMBEDDED",
}


def clean_address(address: Mapping[str, str] | None) -> dict[str, str]:
    """Every ADDRESS_KEYS key, stripped, "" when not given."""
    return {key: str((address or {}).get(key) or "").strip() for key in ADDRESS_KEYS}


def parse_amount(
    amount: Decimal | str | int, problems: Problems | None = None, *, field: str = "amount"
) -> Decimal | None:
    """The entered amount as a positive Decimal with 2 places; None, and a problem under
    `field`, when it is not one."""
    found = Problems() if problems is None else problems
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        found.add(field, f"Amount {amount!r} is not a number.")
        return None
    if not value.is_finite() or value <= 0:
        found.add(field, "Amount must be greater than zero.")
    elif value != value.quantize(Decimal("0.01")):
        found.add(field, "Amount can have at most 2 decimal places.")
    elif value >= Decimal("1000000"):
        found.add(field, "Amount can have at most 6 digits before the decimal point.")
    else:
        return value.quantize(Decimal("0.01"))
    return None


def validate_order(
    *,
    account: Account | None,
    catalog_item: CatalogItem | None,
    utid: str,
    amount: Decimal | str | int,
    delivery_method: str,
    recipient_first_name: str = "",
    recipient_last_name: str = "",
    recipient_email: str = "",
    recipient_mobile: str = "",
    address: Mapping[str, str] | None = None,
    sender_first_name: str = "",
    sender_last_name: str = "",
    sender_email: str = "",
    email_subject: str = "",
    message: str = "",
    etid: str = "",
    campaign: str = "",
    notes: str = "",
    purchase_order_number: str = "",
) -> Problems:
    """Every reason Tango would refuse this order, in words staff can act on (none: falsy).

    `catalog_item` is the item for `utid` when we know it; an unknown utid is left for Tango
    to judge (the catalog sync may not have it yet). `account` None: none was chosen.
    """
    problems = Problems()
    value = parse_amount(amount, problems)
    check_account(problems, account)
    method_ok = delivery_method in CREATE_DELIVERY_METHODS
    if not method_ok:
        problems.add(
            "delivery_method",
            f"Delivery method {delivery_method or '(none)'} cannot be used for a new order; "
            f"use one of {', '.join(sorted(CREATE_DELIVERY_METHODS))}.",
        )
    else:
        shapes.check_platform_method(problems, delivery_method)
    if not utid.strip():
        problems.add("utid", "A utid is required.")
    shapes.check_utid(problems, utid)
    if catalog_item is not None:
        _check_item(problems, catalog_item, value, delivery_method if method_ok else None)
    entered = clean_address(address)
    _check_recipient(
        problems,
        delivery_method,
        first_name=recipient_first_name,
        last_name=recipient_last_name,
        email=recipient_email,
        mobile=recipient_mobile,
        address=entered,
    )
    shapes.check_recipient_names(
        problems, delivery_method, first_name=recipient_first_name, last_name=recipient_last_name
    )
    shapes.check_text_number(problems, delivery_method, recipient_mobile)
    if delivery_method in PHYSICAL_DELIVERY_METHODS:
        shapes.check_address(problems, entered)
    check_order_details(
        problems,
        {
            "sender_first_name": sender_first_name,
            "sender_last_name": sender_last_name,
            "sender_email": sender_email,
            "etid": etid,
            "email_subject": email_subject,
            "message": message,
            "campaign": campaign,
            "notes": notes,
            "purchase_order_number": purchase_order_number,
        },
    )
    return problems


def required_fields(delivery_method: str) -> set[str]:
    """The entry fields an order with this delivery method cannot go without (the form marks
    the others optional); the rules below say the same."""
    required = {"account", "utid", "amount", "delivery_method"}
    if delivery_method in _NEEDS_RECIPIENT:
        required.add("recipient_first_name")
    if delivery_method == DeliveryMethod.EMAIL:
        required.add("recipient_email")
    if delivery_method in (DeliveryMethod.PHONE, DeliveryMethod.WHATSAPP):
        required.add("recipient_mobile")
    if delivery_method in PHYSICAL_DELIVERY_METHODS:
        required |= {"recipient_last_name", *(f"address_{key}" for key in _ADDRESS_REQUIRED)}
    return required


def check_order_details(problems: Problems, details: Mapping[str, str]) -> None:
    """The per-order fields alone (a bulk order's, said once for all its lines)."""
    shapes.check_sender(
        problems,
        first_name=details.get("sender_first_name", ""),
        last_name=details.get("sender_last_name", ""),
        email=details.get("sender_email", ""),
    )
    shapes.check_details(
        problems,
        etid=details.get("etid", ""),
        **{key: details.get(key, "") for key in shapes.TEXT_MAX},
    )


def methods_for_item(item: CatalogItem | None) -> list[str]:
    """The delivery methods a new order of `item` can use here: the item's channels (all of
    them for an unknown item) and the platform's, in DeliveryMethod's order."""
    channels = {str(c).upper() for c in (item.delivery_methods if item else None) or []}
    allowed = []
    for method in DeliveryMethod.values:
        if method not in CREATE_DELIVERY_METHODS or method not in shapes.platform_methods():
            continue
        if method == DeliveryMethod.NONE:
            if "ADDRESS" not in channels:
                allowed.append(method)
        elif not channels or CHANNEL_FOR_METHOD.get(method) in channels:
            allowed.append(method)
    return allowed


def check_account(problems: Problems, account: Account | None) -> None:
    if account is None:
        problems.add("account", "Choose the account to pay from.")
    elif account.status != AccountStatus.ACTIVE:
        problems.add(
            "account",
            f"Account {account.identifier} is {account.status}; Tango only accepts orders "
            "on ACTIVE accounts.",
        )


def _check_item(
    problems: Problems, item: CatalogItem, amount: Decimal | None, delivery_method: str | None
) -> None:
    name = f"{item.reward_name} ({item.utid})"
    if item.status and item.status.lower() != "active":
        problems.add("utid", f"{name} is {item.status} in Tango's catalog.")
    if amount is not None:
        if item.value_type == ValueType.FIXED_VALUE and item.face_value is not None:
            if amount != item.face_value:
                problems.add(
                    "amount",
                    f"{name} has a fixed value of {item.face_value} {item.currency}; "
                    "the amount must be exactly that.",
                )
        elif item.min_value is not None and amount < item.min_value:
            problems.add(
                "amount", f"{name} starts at {item.min_value} {item.currency}; {amount} is too low."
            )
        elif item.max_value is not None and amount > item.max_value:
            problems.add(
                "amount",
                f"{name} goes up to {item.max_value} {item.currency}; {amount} is too high.",
            )
    if delivery_method is None:  # not a method a new order can use: said once, above
        return
    channels = {str(c).upper() for c in item.delivery_methods or []}
    if delivery_method == DeliveryMethod.NONE:
        if "ADDRESS" in channels:
            problems.add("delivery_method", f"{name} is mailed; NONE delivery is not possible.")
    elif channels and CHANNEL_FOR_METHOD.get(delivery_method) not in channels:
        problems.add(
            "delivery_method",
            f"{name} cannot be delivered by {delivery_method}; it supports "
            f"{', '.join(sorted(channels))}.",
        )


def _check_recipient(
    problems: Problems,
    delivery_method: str,
    *,
    first_name: str,
    last_name: str,
    email: str,
    mobile: str,
    address: dict[str, str],
) -> None:
    if delivery_method in _NEEDS_RECIPIENT and not first_name.strip():
        problems.add("recipient_first_name", "The recipient's first name is required.")
    if delivery_method == DeliveryMethod.EMAIL and not email.strip():
        problems.add("recipient_email", "An email address is required for EMAIL delivery.")
    elif email.strip():
        _check_email(problems, email.strip())
    if delivery_method in (DeliveryMethod.PHONE, DeliveryMethod.WHATSAPP) and not (
        phones.is_mobile(mobile)
    ):
        problems.add(
            "recipient_mobile",
            f"A mobile number in international format (e.g. {phones.EXAMPLE}) is required for "
            f"{delivery_method} delivery.",
        )
    if delivery_method in PHYSICAL_DELIVERY_METHODS:
        if not last_name.strip():
            problems.add("recipient_last_name", "The recipient's last name is required for mail.")
        missing = [key for key in _ADDRESS_REQUIRED if not address[key]]
        if missing:
            # One sentence naming every missing part, under each of their fields.
            sentence = (
                f"The mailing address needs: {', '.join(k.replace('_', ' ') for k in missing)}."
            )
            for key in missing:
                problems.add(f"address_{key}", sentence)
    else:
        for key in (key for key in ADDRESS_KEYS if address[key]):
            problems.add(f"address_{key}", "A mailing address is only used with ADDRESS delivery.")


def _check_email(problems: Problems, email: str) -> None:
    """Tango's email rules are core.emails'; a syntax error is said about the recipient."""
    problem = emails.email_problem(email)
    if problem:
        invalid = "The recipient's email address is not valid."
        problems.add("recipient_email", invalid if problem == emails.NOT_VALID else problem)
