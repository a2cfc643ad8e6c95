# ruff: noqa: E501  (one documented column per line reads better than wrapped descriptions)
"""The documented export columns (also rendered at /finance/exports/columns/).

Every text cell that a spreadsheet would read as a formula (starting with =, +, -, @, a tab
or a carriage return) gets a leading apostrophe (OWASP's CSV-injection advice); numbers and
dates are written as numbers and dates, never as text.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import Concat, Left
from django.db.models.lookups import In

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def neutralised(path: str) -> Case:
    """neutralise() in SQL, for the streamed exports (PostgreSQL and SQLite alike): the
    database does it per cell faster than a Python loop over every text column."""
    return Case(
        When(In(Left(path, 1), list(FORMULA_STARTS)), then=Concat(Value("'"), F(path))),
        default=F(path),
        output_field=CharField(),
    )


@dataclass(frozen=True)
class Column:
    header: str
    source: str  # the LineItem path or annotation it reads
    kind: str  # text | money | count | rate | datetime
    description: str
    recipient: bool = False  # contact data: only for users with orders.view_recipient


ORDER_REF = Column(
    "Reference order ID", "order__reference_order_id", "text", "Tango's referenceOrderID."
)
EXTERNAL = Column(
    "External ref ID",
    "order__external_ref_id",
    "text",
    "Our externalRefID (idempotency key at Tango).",
)
ORDERED = Column(
    "Ordered at",
    "order__ordered_at",
    "datetime",
    "Tango's createdAt (our row's time until Tango has the order), in the export's time zone.",
)
ORDER_STATUS = Column("Order status", "order__tango_status", "text", "Tango's orderStatus.")
ACCOUNT = Column("Account", "order__account__identifier", "text", "Tango accountIdentifier.")
CHARGED_IN = Column(
    "Charged in",
    "order__account__currency",
    "text",
    "The account's currency: what value, fee, total, refund and net are in.",
)
CUSTOMER = Column("Customer", "order__customer__identifier", "text", "Tango customerIdentifier.")
REWARD_CURRENCY = Column(
    "Reward currency", "order__currency", "text", "The reward's currency: what face value is in."
)
DELIVERY = Column(
    "Delivery method", "order__delivery_method", "text", "Tango deliveryMethod of the order."
)
CAMPAIGN = Column("Campaign", "order__campaign", "text", "campaign sent with the order.")
PO = Column(
    "PO number", "order__purchase_order_number", "text", "purchaseOrderNumber sent with the order."
)
CREATOR = Column(
    "Created by",
    "order__created_by__username",
    "text",
    "The staff user who created it here (empty: placed elsewhere and synced).",
)
RATE = Column(
    "Exchange rate",
    "order__exchange_rate",
    "rate",
    "amountCharged.exchangeRate captured at order time (reward currency to account currency).",
)
FACE = Column("Face value", "face", "money", "Face value (denomination) in the reward currency.")
VALUE = Column(
    "Charged value",
    "value",
    "money",
    "amountCharged.value: the face value converted to the account currency.",
)
FEE = Column(
    "Fee",
    "fee",
    "money",
    "amountCharged.fee, in the account currency (bulk orders: the order fee pro rata to each line's total).",
)
TOTAL = Column(
    "Total charged", "total", "money", "amountCharged.total = value + fee, in the account currency."
)
REFUND = Column(
    "Refund",
    "refund",
    "money",
    "What Tango refunds: FAILED or CANCELLED order: the total; a FAILED line: its total; a CANCELLED line: its value (fees kept).",
)
NET = Column("Net", "net", "money", "Total charged minus refund.")

ORDER_COLUMNS = [
    ORDER_REF, EXTERNAL, ORDERED, ORDER_STATUS, ACCOUNT, CHARGED_IN, CUSTOMER, REWARD_CURRENCY,
    DELIVERY, CAMPAIGN, PO, CREATOR,
    Column("Rewards", "rewards", "count", "Line items (rewards) in the order."),
    FACE, VALUE, FEE, TOTAL, REFUND, NET, RATE,
]  # fmt: skip

LINE_COLUMNS = [
    ORDER_REF,
    Column("Reference line item ID", "reference_line_item_id", "text", "Tango's referenceLineItemID (the reward ID)."),
    Column("Line", "line_number", "count", "Line number within the order."),
    ORDERED, ORDER_STATUS,
    Column("Line-item status", "status", "text", "Tango's line-item status."),
    Column("Reward status", "reward_status", "text", "Reward status of a COMPLETE line (ACTIVE, FROZEN, REDEEMED...)."),
    ACCOUNT, CHARGED_IN, REWARD_CURRENCY,
    Column("UTID", "utid", "text", "Catalog item (utid)."),
    Column("Reward", "reward_name", "text", "Reward name."),
    Column("Brand", "catalog_item__brand__name", "text", "Brand of the catalog item."),
    Column("Line delivery method", "delivery_method", "text", "Tango deliveryMethod of the line."),
    CAMPAIGN, PO, CREATOR,
    Column("Face value", "amount", "money", FACE.description),
    Column("Charged value", "line_value", "money", VALUE.description),
    Column("Fee", "line_fee", "money", FEE.description),
    Column("Total charged", "line_total", "money", TOTAL.description),
    Column("Refund", "line_refund", "money", REFUND.description),
    Column("Net", "line_net", "money", NET.description),
    RATE,
    Column("Recipient first name", "recipient_first_name", "text", "Recipient.", recipient=True),
    Column("Recipient last name", "recipient_last_name", "text", "Recipient.", recipient=True),
    Column("Recipient email", "recipient_email", "text", "Recipient.", recipient=True),
    Column("Recipient mobile", "recipient_mobile", "text", "Recipient.", recipient=True),
    Column("Street", "address_street1", "text", "Postal address (physical rewards).", recipient=True),
    Column("Street 2", "address_street2", "text", "Postal address.", recipient=True),
    Column("City", "address_city", "text", "Postal address.", recipient=True),
    Column("State", "address_state", "text", "Postal address.", recipient=True),
    Column("Postal code", "address_postal_code", "text", "Postal address.", recipient=True),
    Column("Country", "address_country", "text", "Postal address.", recipient=True),
]  # fmt: skip

REPORT_MONEY = [
    Column("Face value", "face", "money", FACE.description),
    Column("Charged value", "value", "money", VALUE.description),
    Column("Fee", "fee", "money", FEE.description),
    Column("Total charged", "total", "money", TOTAL.description),
    Column("Refunds", "refund", "money", REFUND.description),
    Column("Net", "net", "money", NET.description),
]

TAX_COLUMNS = [
    Column("Recipient email", "email", "text", "Normalised (lower-cased, trimmed); masked without orders.view_recipient."),
    Column("Recipient name", "name", "text", "A name on their rewards (masked without orders.view_recipient)."),
    Column("Year", "year", "count", "Calendar year of the orders (ordered_at in the time zone)."),
    Column("Rewards", "rewards", "count", "COMPLETE rewards received that year, across all accounts."),
    Column("Value received (USD)", "usd", "money", "Face value of USD rewards, plus the charged value of other rewards paid from USD accounts."),
    Column("Not in USD", "other", "count", "Rewards neither in USD nor paid from a USD account (not in the USD total)."),
]  # fmt: skip
