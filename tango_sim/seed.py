"""Deterministic seed data: customers, accounts and the catalog.

Customers / accounts (``currentBalance`` at seed time, low-balance alert threshold):

============  ==================  ========  =========  =========  ========
customer      account             currency  balance    threshold  status
============  ==================  ========  =========  =========  ========
acme-main     acme-usd-01         USD       250000.00  1000.00    ACTIVE
acme-main     acme-usd-02         USD          500.00   100.00    ACTIVE
acme-main     acme-eur-01         EUR         5000.00   500.00    ACTIVE
globex-eu     globex-eur-01       EUR       100000.00  1000.00    ACTIVE
globex-eu     globex-usd-01       USD        20000.00   500.00    ACTIVE
initech-co    initech-usd-01      USD         1000.00     0.00    INACTIVE
============  ==================  ========  =========  =========  ========

Catalog (``utid``: name, currency, value, delivery ``attributes``; * = Choice Product, i.e.
line items can be cancelled/frozen; fees are charged in the account currency):

* U100001* Reward Link, USD, variable 1-2000, EMAIL PHONE EMBEDDED
* U100002* Reward Link EUR, EUR, variable 1-1500, EMAIL PHONE EMBEDDED
* U100003* Global Choice Link, USD, variable 5-1000, EMAIL EMBEDDED
* U100004* Promo Link, USD, variable 1-500, EMAIL
* U200001  Amazon.com Gift Card, USD, variable 0.01-2000, EMAIL PHONE EMBEDDED
* U200010  Starbucks Card $10, USD, fixed 10, EMAIL PHONE
* U200025  Starbucks Card $25, USD, fixed 25, EMAIL PHONE
* U200050  Starbucks Card $50, USD, fixed 50, EMAIL PHONE
* U200101  Target Gift Card, USD, variable 5-500, EMAIL EMBEDDED
* U200201  Apple Gift Card $25, USD, fixed 25, EMAIL
* U200202  Apple Gift Card $50, USD, fixed 50, EMAIL
* U200301  Uber Gift Card, USD, variable 15-200, EMAIL PHONE EMBEDDED
* U200401  Virtual Visa Prepaid, USD, variable 5-1000, EMAIL EMBEDDED, fee 2 %
* U200501  Home Depot Gift Card, USD, variable 5-2000, EMAIL
* U200999  Discontinued Card, USD, variable 5-100, EMAIL, status inactive (-> 422.030)
* U300001  Physical Visa Prepaid Card, USD, variable 10-1000, ADDRESS, fee 3.95
* U300002  Physical Amazon.com Card $50, USD, fixed 50, ADDRESS
* U400001  Zalando Gutschein, EUR, variable 5-250, EMAIL EMBEDDED
* U400002  Zalando Gutschein EUR 25, EUR, fixed 25, EMAIL
* U400010  Amazon.de Gutschein, EUR, variable 1-1000, EMAIL PHONE EMBEDDED
* U400020  Physical IKEA Card, EUR, variable 10-500, ADDRESS
* U500001  American Red Cross Donation, USD, variable 1-1000, EMAIL

``NONE`` delivery is allowed for every digital item. Exchange rates are fixed: 1 USD = 0.92 EUR.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .store import Store, to_cents

EXCHANGE_RATES: dict[tuple[str, str], float] = {
    ("USD", "USD"): 1.0,
    ("EUR", "EUR"): 1.0,
    ("USD", "EUR"): 0.92,  # one USD of reward costs 0.92 EUR
    ("EUR", "USD"): 1.087,
}

SEED_EPOCH_US = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z: fixed createdAt for seed rows


@dataclass(frozen=True)
class Item:
    utid: str
    reward_name: str
    brand_key: str
    brand_name: str
    currency: str
    min_value: float | None
    max_value: float | None
    face_value: float | None
    attributes: tuple[str, ...]
    reward_type: str = "gift card"
    choice: bool = False
    status: str = "active"
    fee_type: str | None = None  # "FIXED" (account currency) or "PERCENTAGE"
    fee_value: float = 0.0

    @property
    def value_type(self) -> str:
        return "FIXED_VALUE" if self.face_value is not None else "VARIABLE_VALUE"

    @property
    def physical(self) -> bool:
        return "ADDRESS" in self.attributes

    def fee_cents(self, charged_cents: int) -> int:
        if self.fee_type == "FIXED":
            return to_cents(self.fee_value)
        if self.fee_type == "PERCENTAGE":
            return round(charged_cents * self.fee_value / 100)
        return 0

    def to_json(self) -> dict[str, Any]:
        return {
            "utid": self.utid,
            "rewardName": self.reward_name,
            "currencyCode": self.currency,
            "status": self.status,
            "valueType": self.value_type,
            "rewardType": self.reward_type,
            "isExpirable": False,
            "isWholeAmountValueRequired": False,
            "exchangeRateRule": "1",
            "minValue": self.min_value,
            "maxValue": self.max_value,
            "faceValue": self.face_value,
            "fee": {"type": self.fee_type or "FIXED", "value": self.fee_value},
            "quantityConstraints": {"minQuantity": 1, "maxQuantity": 100},
            "countries": ["US"] if self.currency == "USD" else ["DE", "FR", "NL"],
            "credentialTypes": ["redemptionUrl"] if self.choice else ["cardNumber", "PIN"],
            "redemptionInstructions": redemption_instructions(self),
            "fulfillmentType": "PHYSICAL" if self.physical else "DIGITAL",
            "attributes": list(self.attributes),
            "createdDate": "2026-01-01T00:00:00.000Z",
            "lastUpdateDate": "2026-01-01T00:00:00.000Z",
        }


def redemption_instructions(item: Item) -> str:
    if item.choice:
        return "<p>Click the link and choose your reward.</p>"
    if item.physical:
        return "<p>Your card arrives by mail; activate it before use.</p>"
    return f"<p>Redeem your {item.brand_name} card online or in store.</p>"


_DIGITAL = ("EMAIL", "PHONE", "EMBEDDED")
_E, _EE, _EP, _A = ("EMAIL",), ("EMAIL", "EMBEDDED"), ("EMAIL", "PHONE"), ("ADDRESS",)
_RL, _PHYS = "reward link", "physical gift card"
# fmt: off
ITEMS: tuple[Item, ...] = (
    Item("U100001", "Reward Link", "B000001", "Reward Link", "USD", 1, 2000, None, _DIGITAL, _RL,
         choice=True),
    Item("U100002", "Reward Link EUR", "B000001", "Reward Link", "EUR", 1, 1500, None, _DIGITAL,
         _RL, choice=True),
    Item("U100003", "Global Choice Link", "B000001", "Reward Link", "USD", 5, 1000, None, _EE,
         _RL, choice=True),
    Item("U100004", "Promo Link", "B000001", "Reward Link", "USD", 1, 500, None, _E, "promo",
         choice=True),
    Item("U200001", "Amazon.com Gift Card", "B000010", "Amazon.com", "USD", 0.01, 2000, None,
         _DIGITAL),
    Item("U200010", "Starbucks Card $10", "B000020", "Starbucks", "USD", None, None, 10, _EP),
    Item("U200025", "Starbucks Card $25", "B000020", "Starbucks", "USD", None, None, 25, _EP),
    Item("U200050", "Starbucks Card $50", "B000020", "Starbucks", "USD", None, None, 50, _EP),
    Item("U200101", "Target Gift Card", "B000030", "Target", "USD", 5, 500, None, _EE),
    Item("U200201", "Apple Gift Card $25", "B000040", "Apple", "USD", None, None, 25, _E),
    Item("U200202", "Apple Gift Card $50", "B000040", "Apple", "USD", None, None, 50, _E),
    Item("U200301", "Uber Gift Card", "B000050", "Uber", "USD", 15, 200, None, _DIGITAL),
    Item("U200401", "Virtual Visa Prepaid", "B000060", "Visa", "USD", 5, 1000, None, _EE,
         "payment card", fee_type="PERCENTAGE", fee_value=2.0),
    Item("U200501", "Home Depot Gift Card", "B000070", "The Home Depot", "USD", 5, 2000, None, _E),
    Item("U200999", "Discontinued Card", "B000080", "Discontinued", "USD", 5, 100, None, _E,
         status="inactive"),
    Item("U300001", "Physical Visa Prepaid Card", "B000060", "Visa", "USD", 10, 1000, None, _A,
         _PHYS, fee_type="FIXED", fee_value=3.95),
    Item("U300002", "Physical Amazon.com Card $50", "B000010", "Amazon.com", "USD", None, None,
         50, _A, _PHYS),
    Item("U400001", "Zalando Gutschein", "B000090", "Zalando", "EUR", 5, 250, None, _EE),
    Item("U400002", "Zalando Gutschein EUR 25", "B000090", "Zalando", "EUR", None, None, 25, _E),
    Item("U400010", "Amazon.de Gutschein", "B000100", "Amazon.de", "EUR", 1, 1000, None, _DIGITAL),
    Item("U400020", "Physical IKEA Card", "B000110", "IKEA", "EUR", 10, 500, None, _A, _PHYS),
    Item("U500001", "American Red Cross Donation", "B000120", "American Red Cross", "USD", 1,
         1000, None, _E, "donation"),
)
# fmt: on

ITEMS_BY_UTID: dict[str, Item] = {item.utid.upper(): item for item in ITEMS}


def find_item(utid: str) -> Item | None:
    return ITEMS_BY_UTID.get(utid.upper())


CUSTOMERS = (
    ("acme-main", "Acme Corporation", "ACTIVE"),
    ("globex-eu", "Globex Europe GmbH", "ACTIVE"),
    ("initech-co", "Initech Company", "ACTIVE"),
)

# identifier, customer, account number, display name, currency, balance, threshold, status
ACCOUNTS = (
    ("acme-usd-01", "acme-main", "A10000001", "Acme USD main", "USD", 250000, 1000, "ACTIVE"),
    ("acme-usd-02", "acme-main", "A10000002", "Acme USD petty", "USD", 500, 100, "ACTIVE"),
    ("acme-eur-01", "acme-main", "A10000003", "Acme EUR", "EUR", 5000, 500, "ACTIVE"),
    ("globex-eur-01", "globex-eu", "A20000001", "Globex EUR main", "EUR", 100000, 1000, "ACTIVE"),
    ("globex-usd-01", "globex-eu", "A20000002", "Globex USD", "USD", 20000, 500, "ACTIVE"),
    ("initech-usd-01", "initech-co", "A30000001", "Initech USD", "USD", 1000, 0, "INACTIVE"),
)


def seed(store: Store) -> None:
    """Insert the seed rows (call inside a transaction on an empty database)."""
    for identifier, name, status in CUSTOMERS:
        store.execute(
            "INSERT INTO customers(identifier, display_name, status, created_us) VALUES(?,?,?,?)",
            (identifier, name, status, SEED_EPOCH_US),
        )
    for ident, customer, number, name, currency, balance, threshold, status in ACCOUNTS:
        store.execute(
            "INSERT INTO accounts(identifier, customer, account_number, display_name, currency,"
            " balance_cents, status, created_us, contact_email, low_balance_cents)"
            " VALUES(?,?,?,?,?,?,?,?,?,?)",
            (
                ident,
                customer,
                number,
                name,
                currency,
                to_cents(balance),
                status,
                SEED_EPOCH_US,
                f"finance@{customer}.example",
                to_cents(threshold),
            ),
        )
    store.kv_set("seeded", "1")


def catalog_json(query: dict[str, list[str]]) -> dict[str, Any]:
    """GET /catalogs: brands -> items, with the simple filters applied."""

    def first(name: str) -> str | None:
        values = query.get(name)
        return values[0] if values else None

    utid, currency, status = first("utid"), first("currencyCode"), first("status")
    brand_key, reward_name = first("brandKey"), first("rewardName")
    attributes = set(query.get("itemAttribute", []))
    brands: dict[str, dict[str, Any]] = {}
    for item in ITEMS:
        if utid and item.utid.upper() != utid.upper():
            continue
        if currency and item.currency != currency.upper():
            continue
        if status and item.status != status.lower():
            continue
        if brand_key and item.brand_key != brand_key:
            continue
        if reward_name and reward_name.lower() not in item.reward_name.lower():
            continue
        if attributes and not attributes & set(item.attributes):
            continue
        brand = brands.setdefault(
            item.brand_key,
            {
                "brandKey": item.brand_key,
                "brandName": item.brand_name,
                "disclaimer": "",
                "description": f"{item.brand_name} rewards (simulated).",
                "shortDescription": item.brand_name,
                "terms": "Simulated terms.",
                "createdDate": "2026-01-01T00:00:00.000Z",
                "lastUpdateDate": "2026-01-01T00:00:00.000Z",
                "brandRequirements": {
                    "displayInstructions": "",
                    "termsAndConditionsInstructions": "",
                    "disclaimerInstructions": "",
                    "alwaysShowDisclaimer": False,
                },
                "imageUrls": {},
                "status": "active",
                "categories": [],
                "items": [],
            },
        )
        brand["items"].append(item.to_json())
    return {"catalogName": "Rewards Ops Simulator Catalog", "brands": list(brands.values())}
