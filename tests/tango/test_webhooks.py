"""The webhook edge (tango/webhooks.py): signature, envelope, and one typed event per type."""

from __future__ import annotations

import base64
import json
from decimal import Decimal

import pytest

from tango import webhooks
from tango.webhooks import (
    AccountStatusChanged,
    AsyncOrderStatusChanged,
    ConnectivityTest,
    InvalidWebhook,
    ItemAvailabilityChanged,
    LineItemDeliveryStatusChanged,
    LowBalance,
    RewardStatusChanged,
    UnknownEvent,
    parse_envelope,
    parse_event,
)

KEY = b"0123456789abcdef0123456789abcdef"


def event(event_type: str | list[str], data: dict, **extra) -> dict:
    key = "eventTypes" if isinstance(event_type, list) else "eventType"
    return {"eventId": "e-1", key: event_type, "eventData": data, **extra}


def test_signature_is_hmac_sha256_base64_and_checked_in_constant_time() -> None:
    body = b'{"eventId": "e-1"}'
    signature = webhooks.sign(KEY, body)
    assert base64.b64decode(signature) and len(base64.b64decode(signature)) == 32
    assert webhooks.signature_is_valid(key=KEY, body=body, signature=signature)
    assert webhooks.signature_is_valid(key=KEY, body=body, signature=f" {signature}\n")
    assert not webhooks.signature_is_valid(key=KEY, body=body + b" ", signature=signature)
    assert not webhooks.signature_is_valid(key=KEY, body=body, signature=None)


def test_signing_key_comes_from_settings_as_base64(settings) -> None:
    settings.TANGO_WEBHOOK_SECRET = base64.b64encode(KEY).decode()
    assert webhooks.signing_key() == KEY
    for unusable in ("", "  ", "not base64!"):
        settings.TANGO_WEBHOOK_SECRET = unusable
        assert webhooks.signing_key() is None


def test_envelope_accepts_both_spellings_and_rejects_what_is_not_one() -> None:
    body = json.dumps(
        {**event(["RewardStatus"], {}), "categories": ["REWARD"], "revision": 2}
    ).encode()
    envelope = parse_envelope(body)
    assert (envelope.event_type, envelope.category, envelope.revision) == (
        "RewardStatus",
        "REWARD",
        2,
    )
    for bad in (b"nope", b"[]", b'{"eventType": "X"}', b'{"eventId": "e", "eventType": ""}'):
        with pytest.raises(InvalidWebhook):
            parse_envelope(bad)


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        (RewardStatusChanged, "referenceLineItemId"),
        (LineItemDeliveryStatusChanged, "referenceLineItemID"),
    ],
)
def test_line_item_events_carry_the_reference_and_the_spelling_used(kind, key) -> None:
    data = {key: "RA1-1", "status": "FROZEN", "action": "FREEZE", "reasonCode": "FRAUD"}
    parsed = parse_event(event(kind.event_type, data))
    assert type(parsed) is kind
    assert (parsed.reference_line_item_id, parsed.status, parsed.reference_key) == (
        "RA1-1",
        "FROZEN",
        key,
    )
    assert parsed.details() == {
        "action": "FREEZE",
        "reasonCode": "FRAUD",
        "type": None,
        "newReferenceLineItemId": None,
    }


def test_async_order_account_item_and_connectivity_events() -> None:
    assert parse_event(
        event("AsyncOrderStatus", {"externalRefId": "ro-1", "accountIdentifier": "a-1"})
    ) == AsyncOrderStatusChanged(external_ref_id="ro-1", account_identifier="a-1", status=None)
    assert parse_event(
        event("AccountStatus", {"accountIdentifier": "a-1", "status": "frozen"})
    ) == AccountStatusChanged(account_identifier="a-1", status="frozen")
    assert parse_event(
        event("ItemAvailability", {"utid": "U1", "status": "inactive"})
    ) == ItemAvailabilityChanged(utid="U1", status="inactive")
    assert parse_event(event("ConnectivityTest", {})) == ConnectivityTest()


@pytest.mark.parametrize(
    ("balance", "expected", "unreadable"),
    [(42.5, Decimal("42.5"), False), (None, None, False), ("lots", None, True), (True, None, True)],
)
def test_low_balance_parses_the_amount_or_says_it_could_not(balance, expected, unreadable) -> None:
    data = {"accountIdentifier": "a-1", "balance": balance, "balanceThreshold": "100"}
    parsed = parse_event(event("LowBalance", data))
    assert isinstance(parsed, LowBalance)
    assert (parsed.balance, parsed.balance_unreadable) == (expected, unreadable)
    assert parsed.balance_threshold == Decimal("100")


def test_unknown_types_and_odd_bodies_become_unknown_events() -> None:
    assert parse_event(event("SomethingNew", {})) == UnknownEvent(type_name="SomethingNew")
    assert parse_event({"eventData": "not an object"}) == UnknownEvent(type_name="")
    # eventData that is not an object parses as empty, never as a crash.
    assert parse_event({"eventType": "AccountStatus", "eventData": []}) == AccountStatusChanged(
        account_identifier="", status=""
    )


def test_every_type_the_app_subscribes_to_has_its_own_class() -> None:
    from orders.webhooks import SUBSCRIBED_EVENT_TYPES

    assert set(SUBSCRIBED_EVENT_TYPES) <= set(webhooks.EVENT_TYPES)


def test_a_transaction_event_is_typed_with_its_signed_amount() -> None:

    deposit = webhooks.parse_event(
        {
            "eventType": "Transaction",
            "eventData": {
                "accountIdentifier": "acme-usd-01",
                "transactionType": "DEPOSIT",
                "transactionId": "T5001",
                "amount": 1500.0,
                "currency": "USD",
            },
        }
    )
    assert isinstance(deposit, webhooks.TransactionPosted)
    assert (deposit.account_identifier, deposit.signed_amount) == ("acme-usd-01", Decimal("1500"))
    out = webhooks.parse_event(
        {"eventType": "Transaction", "eventData": {"transactionType": "WITHDRAWAL", "amount": 5}}
    )
    assert out.signed_amount == Decimal("-5")
    bad = webhooks.parse_event({"eventType": "Transaction", "eventData": {"amount": "x"}})
    assert bad.amount is None
