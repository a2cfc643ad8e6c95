"""The columns of a bulk-order file: the template's headers, what each means, which are required.

A file's headers are matched to these after normalising (case, spaces, hyphens: "Delivery
method" is `delivery_method`). `problems` is the column the error file adds; it is ignored on
the way back in, so a fixed error file can be uploaded as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_ROWS = 50_000
PROBLEMS_COLUMN = "problems"


@dataclass(frozen=True)
class Column:
    key: str
    meaning: str
    example: str = ""
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("account", "Tango account identifier the reward is paid from", "acme-usd-01", True),
    Column("utid", "The reward's utid in the catalog", "U100001", True),
    Column("amount", "Face value, e.g. 25.00", "25.00", True),
    Column("currency", "Optional; must be the account's currency when given", "USD"),
    Column("delivery_method", "EMAIL, PHONE, WHATSAPP, ADDRESS, NONE or EMBEDDED", "EMAIL", True),
    Column("recipient_first_name", "Recipient's first name", "Jane", True),
    Column("recipient_last_name", "Recipient's last name (required for mail)", "Doe"),
    Column("recipient_email", "Required for EMAIL delivery", "jane@example.com"),
    Column("recipient_mobile", "International format, for PHONE/WHATSAPP", "+14155550101"),
    Column("address_company", "Mailing address: company"),
    Column("address_street1", "Mailing address: street (required for ADDRESS)"),
    Column("address_street2", "Mailing address: street, second line"),
    Column("address_city", "Mailing address: city (required for ADDRESS)"),
    Column("address_state", "Mailing address: state (required for ADDRESS)"),
    Column("address_postal_code", "Mailing address: postal code (required for ADDRESS)"),
    Column("address_country", "Mailing address: country code (required for ADDRESS)"),
    Column("sender_first_name", "Sender shown to the recipient", "Acme"),
    Column("sender_last_name", "Sender's last name"),
    Column("sender_email", "Sender's email"),
    Column("message", "Message in the reward email", "Thank you!"),
    Column("campaign", "Campaign (reports)", "Q3 thanks"),
    Column("notes", "Internal notes sent with the order"),
    Column("purchase_order_number", "PO number", "PO-1001"),
    Column("client_reference", "Optional: your own id; two rows alike but for it are distinct"),
)
KEYS = tuple(column.key for column in COLUMNS)
REQUIRED = tuple(column.key for column in COLUMNS if column.required)
ADDRESS_PREFIX = "address_"


def normalise_header(header: str) -> str:
    """ "Delivery method" / "delivery-method" / " DELIVERY_METHOD " -> "delivery_method"."""
    return re.sub(r"[\s\-]+", "_", str(header).strip().lower())
