"""Tango's webhooks at the edge: verify the signature, parse the envelope, type the event.

Receiving (TANGO_API.md §13): the endpoint verifies the HMAC signature (constant time) before
it parses anything, then `parse_envelope` checks the envelope's shape. `parse_event` turns a
stored envelope into one frozen dataclass per event type, so raw Tango dicts stop here.
What an event does to our data is the app's business (orders/webhooks.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from django.conf import settings
from django.utils.dateparse import parse_datetime

SIGNATURE_HEADER = "X-Signed-Payload"


class InvalidWebhook(ValueError):
    """The body is not a Tango webhook envelope (the message says why; it holds no body data)."""


# --- signature ---------------------------------------------------------------------------------


def signing_key() -> bytes | None:
    """The HMAC key from settings.TANGO_WEBHOOK_SECRET (base64), or None if unusable."""
    secret = (settings.TANGO_WEBHOOK_SECRET or "").strip()
    if not secret:
        return None
    try:
        key = base64.b64decode(secret, validate=True)
    except (binascii.Error, ValueError):
        return None
    return key or None


def sign(key: bytes, body: bytes) -> str:
    """base64(HMAC-SHA256(key, raw body)): Tango's HMAC `X-Signed-Payload` (§13.4)."""
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()


def signature_is_valid(*, key: bytes, body: bytes, signature: str | None) -> bool:
    if not signature:
        return False
    # compare_digest: the comparison takes as long for a near miss as for garbage.
    return hmac.compare_digest(sign(key, body).encode(), signature.strip().encode())


# --- the envelope ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Envelope:
    event_id: str
    event_type: str
    category: str
    revision: int | None
    occurred_at: datetime | None
    payload: dict[str, Any]


def _first(value: Any) -> Any:
    # Tango's docs spell some fields as one value and others as arrays (§13.3).
    if isinstance(value, list):
        return value[0] if value else None
    return value


# Tango's envelopes are a few levels deep; a body nested deeper is refused before it is
# stored (JSON 100,000 levels deep would otherwise end in a RecursionError).
MAX_NESTING = 32
# `revision` is stored in a BigIntegerField (a signed 64-bit integer).
MAX_REVISION = 2**63 - 1


def parse_envelope(body: bytes) -> Envelope:
    try:
        payload = json.loads(body)
    except RecursionError as exc:
        raise InvalidWebhook(f"body is nested more than {MAX_NESTING} levels deep") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidWebhook("body is not JSON") from exc
    if not isinstance(payload, dict):
        raise InvalidWebhook("body is not a JSON object")
    if _nested_deeper_than(payload, MAX_NESTING):
        raise InvalidWebhook(f"body is nested more than {MAX_NESTING} levels deep")
    event_id = payload.get("eventId")
    if not isinstance(event_id, str) or not event_id.strip() or len(event_id) > 64:
        raise InvalidWebhook("eventId missing or invalid")
    event_type = _event_type(payload)
    if not isinstance(event_type, str) or not event_type.strip() or len(event_type) > 40:
        raise InvalidWebhook("eventType missing or invalid")
    if not isinstance(payload.get("eventData", {}), dict):
        raise InvalidWebhook("eventData is not an object")
    category = _first(payload.get("category", payload.get("categories")))
    revision = payload.get("revision")
    if not isinstance(revision, int) or isinstance(revision, bool):
        revision = None
    elif not 0 <= revision <= MAX_REVISION:
        raise InvalidWebhook(f"revision out of range (0 to {MAX_REVISION})")
    occurred = payload.get("eventOccurredAt")
    return Envelope(
        event_id=event_id.strip(),
        event_type=event_type.strip(),
        category=str(category or "")[:20],
        revision=revision,
        occurred_at=_parse_moment(occurred),
        payload=payload,
    )


def _nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether JSON `value` has objects or arrays more than `limit` levels deep (no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _event_type(payload: Mapping[str, Any]) -> Any:
    return _first(payload.get("eventType", payload.get("eventTypes")))


def _parse_moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_datetime(value)
    except ValueError:
        return None


# --- typed events --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TangoEvent:
    """What one webhook says, typed. `event_type` is Tango's name for it."""

    event_type: ClassVar[str] = ""


@dataclass(frozen=True)
class _LineItemStatusEvent(TangoEvent):
    reference_line_item_id: str
    status: str
    # Which spelling carried the id ("referenceLineItemId" or "referenceLineItemID"): Tango's
    # docs use both, and the stored payloads are searched by it to spot a newer event.
    reference_key: str
    action: str | None = None
    reason_code: str | None = None
    type: str | None = None
    new_reference_line_item_id: str | None = None

    def details(self) -> dict[str, Any]:
        """The extra facts kept on the timeline row, under Tango's field names."""
        return {
            "action": self.action,
            "reasonCode": self.reason_code,
            "type": self.type,
            "newReferenceLineItemId": self.new_reference_line_item_id,
        }


@dataclass(frozen=True)
class RewardStatusChanged(_LineItemStatusEvent):
    """RewardStatus: a reward was frozen, cancelled, redeemed... (§13.2)."""

    event_type: ClassVar[str] = "RewardStatus"


@dataclass(frozen=True)
class LineItemDeliveryStatusChanged(_LineItemStatusEvent):
    """LineItemDeliveryStatus: a physical (mailed) reward moved on its way."""

    event_type: ClassVar[str] = "LineItemDeliveryStatus"


@dataclass(frozen=True)
class AsyncOrderStatusChanged(TangoEvent):
    """AsyncOrderStatus: a bulk order's lines were processed; the summary must be fetched."""

    event_type: ClassVar[str] = "AsyncOrderStatus"
    external_ref_id: str
    account_identifier: str
    status: str | None = None


@dataclass(frozen=True)
class AccountStatusChanged(TangoEvent):
    event_type: ClassVar[str] = "AccountStatus"
    account_identifier: str
    status: str


@dataclass(frozen=True)
class LowBalance(TangoEvent):
    """LowBalance: the account's balance fell under its alert threshold.

    `balance` is None when Tango sent none; `balance_unreadable` when it sent something that
    is not a number (the raw value is kept in `balance_text` for the log line).
    """

    event_type: ClassVar[str] = "LowBalance"
    account_identifier: str
    balance: Decimal | None
    balance_threshold: Decimal | None
    balance_text: str | None = None
    threshold_text: str | None = None
    balance_unreadable: bool = False


@dataclass(frozen=True)
class TransactionPosted(TangoEvent):
    """Transaction: money moved on an account (a deposit, a transfer in or out).

    `amount` is None when Tango sent none or something that is not a number; `credit` says
    which way it went (a deposit or transfer in adds to the balance)."""

    event_type: ClassVar[str] = "Transaction"
    account_identifier: str
    transaction_type: str
    transaction_id: str
    amount: Decimal | None
    currency: str | None

    @property
    def credit(self) -> bool:
        kind = self.transaction_type.upper()
        return not any(word in kind for word in ("WITHDRAW", "DEBIT", "TRANSFER_OUT", "REVERSAL"))

    @property
    def signed_amount(self) -> Decimal:
        amount = self.amount or Decimal(0)
        return amount if self.credit else -amount


@dataclass(frozen=True)
class ItemAvailabilityChanged(TangoEvent):
    event_type: ClassVar[str] = "ItemAvailability"
    utid: str
    status: str | None


@dataclass(frozen=True)
class ConnectivityTest(TangoEvent):
    event_type: ClassVar[str] = "ConnectivityTest"


@dataclass(frozen=True)
class UnknownEvent(TangoEvent):
    """An event type we do not act on (kept so the caller can say which one)."""

    type_name: str = ""


def parse_event(payload: Mapping[str, Any]) -> TangoEvent:
    """The envelope's event as one of the dataclasses above (UnknownEvent when not ours)."""
    data = payload.get("eventData")
    data = data if isinstance(data, Mapping) else {}
    name = _event_type(payload)
    name = name.strip() if isinstance(name, str) else ""
    parse = _PARSERS.get(name)
    return parse(data) if parse else UnknownEvent(type_name=name)


def _text(value: Any) -> str:
    return str(value or "")


def _optional(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _line_item_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    key = "referenceLineItemId" if "referenceLineItemId" in data else "referenceLineItemID"
    return {
        "reference_line_item_id": _text(
            data.get("referenceLineItemId") or data.get("referenceLineItemID")
        ),
        "status": _text(data.get("status")),
        "reference_key": key,
        "action": _optional(data.get("action")),
        "reason_code": _optional(data.get("reasonCode")),
        "type": _optional(data.get("type")),
        "new_reference_line_item_id": _optional(data.get("newReferenceLineItemId")),
    }


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("not a number")
    return Decimal(str(value))


def _amount(value: Any) -> Decimal | None:
    try:
        amount = None if value is None else _decimal(value)
    except (TypeError, ValueError, ArithmeticError, InvalidOperation):
        return None
    return amount if amount is None or amount.is_finite() else None


def _low_balance(data: Mapping[str, Any]) -> LowBalance:
    raw, threshold = data.get("balance"), data.get("balanceThreshold")
    unreadable = False
    balance = None
    if raw is not None:
        try:
            balance = _decimal(raw)
        except (TypeError, ValueError, ArithmeticError, InvalidOperation):
            unreadable = True
    try:
        limit = None if threshold is None else _decimal(threshold)
    except (TypeError, ValueError, ArithmeticError, InvalidOperation):
        limit = None
    return LowBalance(
        account_identifier=_text(data.get("accountIdentifier")),
        balance=balance if balance is None or balance.is_finite() else None,
        balance_threshold=limit,
        balance_text=_optional(raw),
        threshold_text=_optional(threshold),
        balance_unreadable=unreadable or (balance is not None and not balance.is_finite()),
    )


_PARSERS = {
    RewardStatusChanged.event_type: lambda d: RewardStatusChanged(**_line_item_fields(d)),
    LineItemDeliveryStatusChanged.event_type: lambda d: LineItemDeliveryStatusChanged(
        **_line_item_fields(d)
    ),
    AsyncOrderStatusChanged.event_type: lambda d: AsyncOrderStatusChanged(
        external_ref_id=_text(d.get("externalRefID") or d.get("externalRefId")),
        account_identifier=_text(d.get("accountIdentifier")),
        status=_optional(d.get("status")),
    ),
    AccountStatusChanged.event_type: lambda d: AccountStatusChanged(
        account_identifier=_text(d.get("accountIdentifier")), status=_text(d.get("status"))
    ),
    LowBalance.event_type: _low_balance,
    TransactionPosted.event_type: lambda d: TransactionPosted(
        account_identifier=_text(d.get("accountIdentifier")),
        transaction_type=_text(d.get("transactionType") or d.get("fundingType")),
        transaction_id=_text(d.get("transactionId")),
        amount=_amount(d.get("amount")),
        currency=_optional(d.get("currency")),
    ),
    ItemAvailabilityChanged.event_type: lambda d: ItemAvailabilityChanged(
        utid=_text(d.get("utid")), status=_optional(d.get("status"))
    ),
    ConnectivityTest.event_type: lambda d: ConnectivityTest(),
}

# Every event type Tango can send that we parse into its own class.
EVENT_TYPES = tuple(_PARSERS)
