"""Reference data (orders/sync/reference.py): customers and accounts, the catalog and its
interval.
"""

from __future__ import annotations

from decimal import Decimal

from approvals.funds import catalog_fee
from orders.models import Account, Brand, CatalogItem, Customer
from orders.sync import reference
from tango.testing import FakeTango


def test_accounts_sync_creates_and_updates(fake_tango: FakeTango, account: Account) -> None:
    fake_tango.customers = [
        {
            "customerIdentifier": "acme-main",
            "displayName": "Acme",
            "status": "ACTIVE",
            "accounts": [{"accountIdentifier": "acme-usd-01"}],
        },
        {
            "customerIdentifier": "globex-eu",
            "displayName": "Globex",
            "status": "ACTIVE",
            "accounts": [{"accountIdentifier": "globex-eur-01"}],
        },
    ]
    fake_tango.accounts = [
        {
            "accountIdentifier": "acme-usd-01",
            "displayName": "Acme USD",
            "currencyCode": "USD",
            "currentBalance": 1234.5,
            "status": "ACTIVE",
            "accountNumber": "A10000001",
        },
        {
            "accountIdentifier": "globex-eur-01",
            "displayName": "Globex EUR",
            "currencyCode": "EUR",
            "currentBalance": 99.99,
            "status": "FROZEN",
            "accountNumber": "A2",
        },
    ]

    report = reference.sync_accounts()

    account.refresh_from_db()
    assert account.current_balance == Decimal("1234.50") and account.balance_synced_at
    globex = Account.objects.get(identifier="globex-eur-01")
    assert (globex.customer.identifier, globex.status, globex.currency) == (
        "globex-eu",
        "FROZEN",
        "EUR",
    )
    assert report.created == 2  # the globex customer and its account
    assert Customer.objects.get(identifier="acme-main").display_name == "Acme"


def test_catalog_sync_upserts_and_respects_the_interval(fake_tango: FakeTango, db) -> None:
    fake_tango.catalog = [
        {
            "brandKey": "B1",
            "brandName": "Reward Link",
            "status": "active",
            "items": [
                {
                    "utid": "U100001",
                    "rewardName": "Reward Link",
                    "currencyCode": "USD",
                    "status": "active",
                    "valueType": "VARIABLE_VALUE",
                    "rewardType": "reward link",
                    "minValue": 1,
                    "maxValue": 2000,
                    "attributes": ["EMAIL", "PHONE"],
                }
            ],
        },
    ]

    reference.sync_catalog()
    reference.sync_catalog()  # within MIN_CATALOG_INTERVAL: no second GET /catalogs

    assert fake_tango.count("get_catalog") == 1
    item = CatalogItem.objects.get(utid="U100001")
    assert (item.brand, item.min_value, item.delivery_methods) == (
        Brand.objects.get(brand_key="B1"),
        Decimal("1.00"),
        ["EMAIL", "PHONE"],
    )
    reference.sync_catalog(force=True)
    assert fake_tango.count("get_catalog") == 2


def test_catalog_sync_keeps_the_catalogs_fee_for_cost_previews(fake_tango: FakeTango, db) -> None:
    def item(utid: str, fee: dict | None) -> dict:
        entry = {"utid": utid, "rewardName": utid, "currencyCode": "USD", "faceValue": 25}
        return entry | ({"fee": fee} if fee is not None else {})

    fake_tango.catalog = [
        {
            "brandKey": "B1",
            "items": [
                item("U1", {"type": "PERCENTAGE", "value": 2.5}),
                item("U2", {"type": "fixed", "value": "3.95"}),
                item("U3", None),
            ],
        }
    ]
    reference.sync_catalog()

    fees = {i.utid: (i.fee_type, i.fee_value) for i in CatalogItem.objects.all()}
    assert fees == {
        "U1": ("PERCENTAGE", Decimal("2.5")),
        "U2": ("FIXED", Decimal("3.95")),
        "U3": ("", None),
    }
    assert catalog_fee(CatalogItem.objects.get(utid="U1"), Decimal("100.00")) == Decimal("2.50")
    assert catalog_fee(CatalogItem.objects.get(utid="U3"), Decimal("100.00")) is None
