"""TangoClient parsing (`responses`): Tango JSON → frozen dataclasses, Decimal, aware datetimes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from responses import matchers

from tango import (
    Recipient,
    TangoRejected,
)
from tango.errors import TangoRewardStatusRefused
from tango.testing import payloads as p
from tango.testing.payloads import BASE, create_kwargs

# --- parsing --------------------------------------------------------------------------------


def test_create_order_201_is_created_and_fully_parsed(tango, mocked):
    mocked.post(f"{BASE}/orders", json=p.ORDER_SUMMARY, status=201)

    result = tango.create_order(**create_kwargs())

    assert result.created is True
    order = result.order
    assert order.reference_order_id == "RA260506-1401-64"
    assert order.reference_line_item_id == "RA260506-1401-64-1"
    assert order.external_ref_id == "ro-2026-000123"
    assert (order.customer_identifier, order.account_identifier) == ("acme-main", "acme-usd-01")
    assert order.account_number == "A32386768"
    charged = order.amount_charged
    assert charged is not None
    assert charged.value == Decimal("25.10")
    assert isinstance(charged.value, Decimal)
    assert (charged.currency_code, charged.fee, charged.total) == (
        "USD",
        Decimal("0.35"),
        Decimal("25.45"),
    )
    assert charged.exchange_rate == Decimal("1.0")
    assert order.denomination is not None and order.denomination.total is None
    assert (order.utid, order.reward_name, order.delivery_method) == (
        "U561593",
        "Reward Link",
        "EMAIL",
    )
    assert (order.status, order.line_item_status) == ("COMPLETE", "COMPLETE")
    assert order.recipient is not None
    assert order.recipient.email == p.RECIPIENT_EMAIL
    assert order.recipient.mobile_number == p.RECIPIENT_MOBILE
    assert order.recipient.address is not None
    assert order.recipient.address.postal_code == "62701"
    assert order.sender is not None and order.sender.last_name == "Rewards"
    assert (order.email_subject, order.message, order.etid) == (
        "Thanks!",
        "Great work this quarter.",
        "E000000",
    )
    assert (order.campaign, order.notes, order.purchase_order_number) == (
        "Q3-recognition",
        "ticket 4711",
        "PO-9",
    )
    assert order.order_source == "RA"
    assert order.created_at == datetime(2026, 5, 6, 20, 8, 59, 624000, tzinfo=UTC)
    assert order.reward is not None
    (credential,) = order.reward.credentials
    assert (credential.label, credential.value, credential.type, credential.credential_type) == (
        "Redemption Link",
        p.REDEMPTION_URL,
        "url",
        "redemptionUrl",
    )
    assert order.reward.redemption_instructions == "<p>Click the link to redeem.</p>"


def test_create_order_200_is_an_existing_order(tango, mocked):
    mocked.post(f"{BASE}/orders", json=p.ORDER_SUMMARY, status=200)
    result = tango.create_order(**create_kwargs())
    assert result.created is False
    assert result.order.reference_order_id == "RA260506-1401-64"


def test_frozen_dataclasses(tango, mocked):
    mocked.get(f"{BASE}/orders/RA1", json=p.ORDER_SUMMARY)
    order = tango.get_order("RA1")
    with pytest.raises(AttributeError):
        order.status = "FAILED"  # type: ignore[misc]


def test_legacy_credentials_map_is_used_without_credential_list(tango, mocked):
    body = {**p.ORDER_SUMMARY, "reward": {"credentials": {"Card Number": "4111", "PIN": "9"}}}
    mocked.get(f"{BASE}/orders/RA1", json=body)
    reward = tango.get_order("RA1").reward
    assert reward is not None
    assert [(c.label, c.value) for c in reward.credentials] == [
        ("Card Number", "4111"),
        ("PIN", "9"),
    ]


def test_reprs_mask_credentials_and_contact_details(tango, mocked):
    mocked.get(f"{BASE}/orders/RA1", json=p.ORDER_SUMMARY)
    order = tango.get_order("RA1")
    text = repr(order)
    assert p.REDEMPTION_URL not in text
    assert "SECRET-CODE" not in text
    assert p.RECIPIENT_EMAIL not in text
    assert p.RECIPIENT_MOBILE not in text
    assert "1 Main St" not in text
    assert "Redemption Link" in text  # labels are fine, values are not
    assert order.reward is not None
    assert p.REDEMPTION_URL not in repr(order.reward.credentials[0])


def test_get_line_item_verbose_has_reward(tango, mocked):
    mocked.get(f"{BASE}/lineItems/RA260506-1401-64-1", json=p.LINE_ITEM_VERBOSE)
    item = tango.get_line_item("RA260506-1401-64-1")
    assert item.reward is not None
    assert item.reward.credentials[0].value == p.REDEMPTION_URL
    assert item.recipient is not None and item.recipient.first_name == "Jane"


@pytest.mark.parametrize("action", ["cancel", "freeze", "unfreeze"])
def test_line_item_actions_post_reason(tango, mocked, action):
    mocked.post(
        f"{BASE}/lineItems/RA1-1/{action}",
        body="Accepted",  # not even JSON-quoted: the body is not needed
        status=202,
        match=[matchers.json_params_matcher({"reasonCode": "OTHER", "otherReason": "asked"})],
    )
    method = getattr(tango, f"{action}_line_item")
    assert method("RA1-1", reason_code="OTHER", other_reason="asked") is None


def test_cannot_cancel_is_rejected(tango, mocked):
    mocked.post(
        f"{BASE}/lineItems/RA1-1/cancel",
        json=p.envelope(403, "403.010", "Cannot cancel reward with status CANCELLED"),
        status=403,
    )
    with pytest.raises(TangoRejected) as info:
        tango.cancel_line_item("RA1-1", reason_code="DUPLICATE")
    assert type(info.value) is TangoRewardStatusRefused


def test_resend_order_and_line_item(tango, mocked):
    mocked.post(
        f"{BASE}/orders/RA1/resends",
        json=p.RESEND,
        status=201,
        match=[matchers.json_params_matcher({})],
    )
    mocked.post(
        f"{BASE}/lineItems/RA1-1/resends",
        json=p.RESEND,
        status=201,
        match=[
            matchers.json_params_matcher(
                {
                    "newEmail": "new@example.com",
                    "newMobileNumber": "+15550000000",
                    "newDeliveryMethod": "PHONE",
                    "reasonCode": "NOT_RECEIVED",
                }
            )
        ],
    )

    result = tango.resend_order("RA1")
    tango.resend_line_item(
        "RA1-1",
        new_email="new@example.com",
        new_mobile_number="+15550000000",
        new_delivery_method="PHONE",
        reason_code="NOT_RECEIVED",
    )

    assert result.id == 957806
    assert result.created_at == datetime(2026, 5, 7, 10, 0, 0, 500000, tzinfo=UTC)
    assert (result.email, result.delivery_method) == (p.RECIPIENT_EMAIL, "EMAIL")
    assert p.RECIPIENT_EMAIL not in repr(result)


def test_resend_order_new_mobile_field_name(tango, mocked):
    mocked.post(
        f"{BASE}/orders/RA1/resends",
        json=p.RESEND,
        status=201,
        match=[matchers.json_params_matcher({"newMobile": "+15550000000"})],
    )
    tango.resend_order("RA1", new_mobile="+15550000000")


def test_accounts(tango, mocked):
    mocked.get(f"{BASE}/accounts", json=[p.ACCOUNT, {**p.ACCOUNT, "accountIdentifier": "b"}])
    mocked.get(f"{BASE}/accounts/acme-usd-01", json=p.ACCOUNT)

    accounts = tango.list_accounts()
    account = tango.get_account("acme-usd-01")

    assert [a.account_identifier for a in accounts] == ["acme-usd-01", "b"]
    assert account.current_balance == Decimal("250000.07")
    assert (account.currency_code, account.status, account.display_name) == (
        "USD",
        "ACTIVE",
        "Acme USD",
    )
    assert account.account_number == "A12345678"
    assert account.contact_email == "finance@example.com"
    assert account.customer_identifier is None
    assert account.created_at == datetime(2026, 1, 1, tzinfo=UTC)


def test_customers(tango, mocked):
    mocked.get(f"{BASE}/customers", json=p.CUSTOMERS)
    (customer,) = tango.list_customers()
    assert (customer.customer_identifier, customer.display_name, customer.status) == (
        "acme-main",
        "Acme Inc",
        "ACTIVE",
    )
    (account,) = customer.accounts
    assert account.customer_identifier == "acme-main"  # filled from the parent customer
    assert account.current_balance == Decimal("12.5")


def test_catalog(tango, mocked):
    mocked.get(f"{BASE}/catalogs", json=p.CATALOG)
    (brand,) = tango.get_catalog()
    assert (brand.brand_key, brand.brand_name, brand.status) == (
        "B000001",
        "Reward Link",
        "active",
    )
    assert brand.image_url == "https://img.example/300.png"  # the largest rendition
    variable, fixed = brand.items
    assert (variable.utid, variable.value_type, variable.reward_type) == (
        "U100001",
        "VARIABLE_VALUE",
        "reward link",
    )
    assert (variable.min_value, variable.max_value, variable.face_value) == (
        Decimal("1"),
        Decimal("2000"),
        None,
    )
    assert variable.attributes == ("EMAIL", "PHONE", "EMBEDDED")
    assert fixed.face_value == Decimal("10.00")


def test_async_order_create_and_detail(tango, mocked):
    mocked.post(
        f"{BASE}/asyncOrders",
        status=202,
        json={
            "externalRefID": "bulk-1",
            "status": "ACCEPTED",
            "totalLineItems": 2,
            "createdAt": "2026-05-06T20:08:59Z",
            "failedLineItems": [
                {
                    "lineItemId": "2",
                    "externalRefLineItemID": "bulk-1-2",
                    "utid": "U999",
                    "errors": [
                        {
                            "field": "utid",
                            "errorCodeValue": "422.024",
                            "errorCodeName": "INVALID_UTID",
                            "message": "bad utid",
                        }
                    ],
                }
            ],
        },
        match=[
            matchers.json_params_matcher(
                {
                    "externalRefID": "bulk-1",
                    "customerIdentifier": "acme-main",
                    "accountIdentifier": "acme-usd-01",
                    "lineItems": [
                        {
                            "externalRefLineItemID": "bulk-1-1",
                            "utid": "U100001",
                            "amount": 5.5,
                            "deliveryMethod": "EMAIL",
                            "recipient": {"firstName": "Jane", "email": p.RECIPIENT_EMAIL},
                        }
                    ],
                }
            )
        ],
    )
    mocked.get(
        f"{BASE}/asyncOrders/customers/acme-main/accounts/acme-usd-01/bulk-1",
        json={
            "referenceOrderID": "AA260506-1-1",
            "externalRefID": "bulk-1",
            "orderStatus": "COMPLETE",
            "lineItems": [
                {
                    "referenceLineItemId": "AA260506-1-1-1",
                    "externalRefLineItemID": "bulk-1-1",
                    "lineItemStatus": "COMPLETE",
                    "amount": 5.5,
                    "quantity": 1,
                }
            ],
        },
    )

    accepted = tango.create_async_order(
        customer_identifier="acme-main",
        account_identifier="acme-usd-01",
        external_ref_id="bulk-1",
        line_items=[
            {
                "external_ref_line_item_id": "bulk-1-1",
                "utid": "U100001",
                "amount": Decimal("5.50"),
                "delivery_method": "EMAIL",
                "recipient": Recipient(first_name="Jane", email=p.RECIPIENT_EMAIL),
            }
        ],
    )
    detail = tango.get_async_order(
        customer_identifier="acme-main", account_identifier="acme-usd-01", external_ref_id="bulk-1"
    )

    assert (accepted.status, accepted.total_line_items) == ("ACCEPTED", 2)
    assert accepted.failed_line_items[0].errors[0].code == "422.024"
    assert detail.order_status == "COMPLETE"
    assert detail.line_items[0].amount == Decimal("5.5")
    assert detail.line_items[0].reference_line_item_id == "AA260506-1-1-1"


def test_get_async_order_follows_the_summary_pages(tango, mocked, caplog):
    url = f"{BASE}/asyncOrders/customers/acme-main/accounts/acme-usd-01/bulk-2"

    def page(lines, cursor):
        return {
            "referenceOrderID": "AA260506-2-1",
            "externalRefID": "bulk-2",
            "orderStatus": "COMPLETE",
            "pagination": {"nextCursor": cursor, "nextPageAvailable": cursor is not None},
            "lineItems": [
                {"externalRefLineItemID": f"bulk-2-{n}", "lineItemStatus": "COMPLETE"}
                for n in lines
            ],
        }

    first = mocked.get(url, json=page([1, 2], "2"), match=[matchers.query_param_matcher({})])
    second = mocked.get(
        url, json=page([3, 4], "4"), match=[matchers.query_param_matcher({"nextCursor": "2"})]
    )
    # The last page points back at an earlier cursor: reading stops instead of looping.
    last = mocked.get(
        url, json=page([5], "2"), match=[matchers.query_param_matcher({"nextCursor": "4"})]
    )

    detail = tango.get_async_order(
        customer_identifier="acme-main", account_identifier="acme-usd-01", external_ref_id="bulk-2"
    )

    assert [li.external_ref_line_item_id for li in detail.line_items] == [
        f"bulk-2-{n}" for n in range(1, 6)
    ]
    assert detail.next_cursor is None and detail.order_status == "COMPLETE"
    assert (first.call_count, second.call_count, last.call_count) == (1, 1, 1)
    assert "repeated a page cursor" in caplog.text


def test_webhooks(tango, mocked):
    mocked.post(
        f"{BASE}/webhooks",
        status=201,
        json={"webhookId": "wh-1", "expiresAt": "2027-05-06T00:00:00Z"},
        match=[
            matchers.json_params_matcher(
                {
                    "url": "https://ops.example/webhooks/tango/",
                    "eventTypes": ["RewardStatus"],
                    "payloadVerificationMethod": "HMAC",
                    "hmacSharedSecretKey": "c2VjcmV0",
                }
            )
        ],
    )
    mocked.get(
        f"{BASE}/webhooks",
        json={
            "items": [{"webhookId": "wh-1", "url": "https://a/"}],
            "nextCursor": "c2",
            "nextPageAvailable": True,
        },
        match=[matchers.query_param_matcher({"maxResults": "200"})],
    )
    mocked.get(
        f"{BASE}/webhooks",
        json={"items": [{"webhookId": "wh-2", "url": "https://b/"}], "nextPageAvailable": False},
        match=[matchers.query_param_matcher({"maxResults": "200", "nextCursor": "c2"})],
    )

    created = tango.create_webhook(
        url="https://ops.example/webhooks/tango/",
        hmac_secret_b64="c2VjcmV0",
        event_types=["RewardStatus"],
    )
    listed = tango.list_webhooks()

    assert created.webhook_id == "wh-1"
    assert created.url == "https://ops.example/webhooks/tango/"
    assert created.expires_at == datetime(2027, 5, 6, tzinfo=UTC)
    assert [w.webhook_id for w in listed] == ["wh-1", "wh-2"]
