"""Tango-shaped JSON for tests: canned response bodies (shared/TANGO_API.md, with a few unknown
fields on purpose) and builders for the orders and line items FakeTango keeps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

REDEMPTION_URL = "https://sandbox.example/r/SECRET-CODE-abc123"
RECIPIENT_EMAIL = "jane.doe@example.com"
RECIPIENT_MOBILE = "+15551234567"

ORDER_SUMMARY = {
    "referenceOrderID": "RA260506-1401-64",
    "referenceLineItemID": "RA260506-1401-64-1",
    "externalRefID": "ro-2026-000123",
    "customerIdentifier": "acme-main",
    "accountIdentifier": "acme-usd-01",
    "accountNumber": "A32386768",
    "amountCharged": {
        "value": 25.10,
        "currencyCode": "USD",
        "exchangeRate": 1.0,
        "fee": 0.35,
        "total": 25.45,
    },
    "denomination": {"value": 25.10, "currencyCode": "USD", "exchangeRate": 1.0},
    "utid": "U561593",
    "rewardName": "Reward Link",
    "sender": {"firstName": "Acme", "lastName": "Rewards", "email": "rewards@example.com"},
    "recipient": {
        "firstName": "Jane",
        "lastName": "Doe",
        "email": RECIPIENT_EMAIL,
        "mobileNumber": RECIPIENT_MOBILE,
        "address": {
            "streetLine1": "1 Main St",
            "city": "Springfield",
            "stateOrProvince": "IL",
            "postalCode": "62701",
            "country": "US",
            "geo": {"lat": 1},  # unknown nested field
        },
    },
    "emailSubject": "Thanks!",
    "message": "Great work this quarter.",
    "sendEmail": True,
    "deliveryMethod": "EMAIL",
    "etid": "E000000",
    "status": "COMPLETE",
    "orderStatus": "COMPLETE",
    "lineItemStatus": "COMPLETE",
    "campaign": "Q3-recognition",
    "notes": "ticket 4711",
    "purchaseOrderNumber": "PO-9",
    "orderClientSource": "RA",
    "orderExternalRefIdDupe": False,
    "marginShare": {"value": 0.5, "currencyCode": "USD"},  # unknown field
    "brandNewField": ["ignored"],  # unknown field
    "createdAt": "2026-05-06T20:08:59.624Z",
    "reward": {
        "credentials": {"Redemption Link": REDEMPTION_URL},
        "credentialList": [
            {
                "label": "Redemption Link",
                "value": REDEMPTION_URL,
                "type": "url",
                "credentialType": "redemptionUrl",
                "extra": 1,
            }
        ],
        "redemptionInstructions": "<p>Click the link to redeem.</p>",
    },
}


def order_list_item(number: int, **overrides) -> dict:
    item = {
        "referenceOrderID": f"RA260506-{1400 + number}-64",
        "externalRefID": f"ro-{number}",
        "customerIdentifier": "acme-main",
        "accountIdentifier": "acme-usd-01",
        "accountNumber": "A32386768",
        "amountCharged": {"value": 10, "currencyCode": "USD", "total": 10},
        "denomination": {"value": 10, "currencyCode": "USD"},
        "utid": "U100001",
        "rewardName": "Reward Link",
        "recipient": {"firstName": "Jane", "email": RECIPIENT_EMAIL},
        "deliveryMethod": "EMAIL",
        "status": "PENDING",
        "orderStatus": "PENDING",
        "lineItemStatus": "PENDING",
        "orderClientSource": "RA",
        "createdAt": "2026-05-06T20:08:59Z",
    }
    item.update(overrides)
    return item


def order_list(items: list[dict], *, number: int, size: int, total: int) -> dict:
    return {
        "page": {
            "number": number,
            "elementsPerBlock": size,
            "resultCount": len(items),
            "totalCount": total,
        },
        "orders": items,
    }


LINE_ITEM = {
    "referenceLineItemID": "RA260506-1401-64-1",
    "externalReferenceLineItemID": None,
    "referenceOrderID": "RA260506-1401-64",
    "orderSource": "RA",
    "status": "COMPLETE",
    "orderStatus": "COMPLETE",
    "emailStatus": "DELIVERED",
    "deliveryMethod": "EMAIL",
    "deliveryStatus": "DELIVERED",
    "rewardStatus": "ACTIVE",
    "canCancel": True,
    "canFreeze": True,
    "lineNumber": 1,
    "rewardName": "Reward Link",
    "amountIssued": {"value": 25.10, "currencyCode": "USD"},
    "amountCharged": {"value": 25.10, "currencyCode": "USD", "fee": 0, "total": 25.10},
    "remainingBalance": 25.10,
    "dateIssued": "2026-05-06T20:08:59.624578300Z",
    "accountNumber": "A32386768",
    "accountIdentifier": "acme-usd-01",
    "customerIdentifier": "acme-main",
    "utid": "U100001",
    "recipient": {"firstName": "Jane", "lastName": "Doe", "email": RECIPIENT_EMAIL},
    "lineItemErrors": [{"error_code": "E42", "error_message": "bounced once"}],
    "quantity": 1,
    "somethingNew": True,
}

LINE_ITEM_VERBOSE = {
    **LINE_ITEM,
    "reward": {
        "credentialList": [
            {
                "label": "Redemption Link",
                "value": REDEMPTION_URL,
                "type": "url",
                "credentialType": "redemptionUrl",
            }
        ],
        "redemptionInstructions": "<p>Click.</p>",
    },
    "resendHistory": [{"dateIssued": "2026-05-07T10:00:00Z", "deliveryMethod": "EMAIL"}],
    "lineItemActionHistory": [],
}


def line_item_list(items: list[dict], *, next_keys: list[str], total: int) -> dict:
    return {
        "keysetPage": {
            "nextPageKeys": next_keys,
            "previousPageKeys": [],
            "resultCount": len(items),
            "totalCount": total,
        },
        "lineItems": items,
    }


ACCOUNT = {
    "accountIdentifier": "acme-usd-01",
    "accountNumber": "A12345678",
    "displayName": "Acme USD",
    "currencyCode": "USD",
    "currentBalance": 250000.07,
    "status": "ACTIVE",
    "createdAt": "2026-01-01T00:00:00.000Z",
    "contactEmail": "finance@example.com",
    "fundingNotification": [{"emailAddress": "finance@example.com"}],
}

CUSTOMERS = [
    {
        "customerIdentifier": "acme-main",
        "displayName": "Acme Inc",
        "status": "ACTIVE",
        "createdAt": "2026-01-01T00:00:00Z",
        "accounts": [
            {
                "accountIdentifier": "acme-usd-01",
                "displayName": "Acme USD",
                "currencyCode": "USD",
                "currentBalance": 12.5,
                "status": "ACTIVE",
                "createdAt": "2026-01-01T00:00:00Z",
            }
        ],
    }
]

CATALOG = {
    "catalogName": "Rewards Ops",
    "brands": [
        {
            "brandKey": "B000001",
            "brandName": "Reward Link",
            "status": "active",
            "disclaimer": "...",
            "imageUrls": {
                "80w-326ppi": "https://img.example/80.png",
                "300w-326ppi": "https://img.example/300.png",
                "200w-326ppi": "https://img.example/200.png",
            },
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
                    "faceValue": None,
                    "fee": {"type": "FIXED", "value": 0},
                    "attributes": ["EMAIL", "PHONE", "EMBEDDED"],
                },
                {
                    "utid": "U200010",
                    "rewardName": "Starbucks Card $10",
                    "currencyCode": "USD",
                    "status": "active",
                    "valueType": "FIXED_VALUE",
                    "rewardType": "gift card",
                    "faceValue": 10.00,
                    "attributes": ["EMAIL"],
                },
            ],
        }
    ],
}

RESEND = {
    "id": 957806,
    "legacyId": None,
    "createdAt": "2026-05-07T10:00:00.5+00:00",
    "email": RECIPIENT_EMAIL,
    "mobileNumber": None,
    "deliveryMethod": "EMAIL",
}


def envelope(
    http_code: int,
    i18n_key: str | None,
    message: str | None,
    *,
    errors: list[dict] | None = None,
    path: str = "/raas/v2/orders",
    **extra,
) -> dict:
    body = {
        "timestamp": "2026-05-06T19:19:28.564Z",
        "requestId": "82b542f0-ed18-4021-8f8f-d176ae0982cd",
        "path": path,
        "httpCode": http_code,
        "httpPhrase": "Whatever",
    }
    if i18n_key is not None:
        body["i18nKey"] = i18n_key
    if message is not None:
        body["message"] = message
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return body


# --- the fake platform the unit tests talk to ----------------------------------------------

BASE = "https://tango.test/raas/v2"
PLATFORM_NAME = "acme-platform"
PLATFORM_KEY = "pk-live-0123456789abcdef"


def create_kwargs(**overrides) -> dict:
    """Keyword arguments for TangoClient.create_order, overridable per test."""
    from decimal import Decimal

    from tango import Recipient, Sender

    fields = {
        "customer_identifier": "acme-main",
        "account_identifier": "acme-usd-01",
        "utid": "U561593",
        "amount": Decimal("25.10"),
        "delivery_method": "EMAIL",
        "external_ref_id": "ro-2026-000123",
        "recipient": Recipient(first_name="Jane", last_name="Doe", email=RECIPIENT_EMAIL),
        "sender": Sender(first_name="Acme", email="rewards@example.com"),
        "email_subject": "Thanks!",
        "campaign": "Q3-recognition",
    }
    fields.update(overrides)
    return fields


# --- builders FakeTango keeps its state in ------------------------------------------------------


def iso(moment: datetime) -> str:
    """Tango's timestamp format: UTC with milliseconds and a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def tango_order_json(
    ref: str,
    *,
    created: datetime,
    status: str = "COMPLETE",
    line_status: str = "COMPLETE",
    amount: str = "25.00",
    external_ref: str | None = None,
    account: str = "acme-usd-01",
    customer: str = "acme-main",
    source: str = "RA",
) -> dict[str, Any]:
    """An order as GET /orders lists it (OrderListItemView), one Reward Link line."""
    return {
        "referenceOrderID": ref,
        "externalRefID": external_ref,
        "customerIdentifier": customer,
        "accountIdentifier": account,
        "accountNumber": "A10000001",
        "amountCharged": {
            "value": float(amount),
            "currencyCode": "USD",
            "exchangeRate": 1.0,
            "fee": 0.0,
            "total": float(amount),
        },
        "denomination": {"value": float(amount), "currencyCode": "USD", "exchangeRate": 1.0},
        "utid": "U100001",
        "rewardName": "Reward Link",
        "recipient": {"firstName": "Jane", "lastName": "Doe", "email": "jane@example.com"},
        "deliveryMethod": "EMAIL",
        "status": status,
        "orderStatus": status,
        "lineItemStatus": line_status,
        "orderClientSource": source,
        "createdAt": iso(created),
    }


def tango_line_json(order: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """Line 1 of `order` as GET /lineItems lists it (LineItemView); `overrides` win."""
    data = {
        "referenceLineItemID": f"{order['referenceOrderID']}-1",
        "referenceOrderID": order["referenceOrderID"],
        "lineNumber": 1,
        "status": order["lineItemStatus"],
        "orderStatus": order["orderStatus"],
        "emailStatus": "SENT",
        "deliveryMethod": "EMAIL",
        "deliveryStatus": None,
        "rewardStatus": "ACTIVE",
        "canCancel": True,
        "canFreeze": True,
        "rewardName": "Reward Link",
        "utid": "U100001",
        "amountIssued": {"value": order["denomination"]["value"], "currencyCode": "USD"},
        "amountCharged": order["amountCharged"],
        "dateIssued": order["createdAt"],
        "accountIdentifier": order["accountIdentifier"],
    }
    data.update(overrides)
    return data
