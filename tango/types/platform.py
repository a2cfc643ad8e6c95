"""Accounts, customers, the catalog and webhook subscriptions (shared/TANGO_API.md §13-§14)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from .values import (
    Json,
    as_list,
    as_object,
    parse_datetime,
    parse_decimal,
    parse_str,
)


@dataclass(frozen=True)
class TangoAccount:
    account_identifier: str
    customer_identifier: str | None
    display_name: str | None
    account_number: str | None
    currency_code: str | None
    current_balance: Decimal | None
    status: str | None
    contact_email: str | None
    created_at: datetime | None

    @classmethod
    def from_json(cls, data: Json, *, customer_identifier: str | None = None) -> TangoAccount:
        return cls(
            account_identifier=str(data.get("accountIdentifier") or ""),
            customer_identifier=parse_str(data.get("customerIdentifier") or customer_identifier),
            display_name=parse_str(data.get("displayName")),
            account_number=parse_str(data.get("accountNumber")),
            currency_code=parse_str(data.get("currencyCode")),
            current_balance=parse_decimal(data.get("currentBalance")),
            status=parse_str(data.get("status")),
            contact_email=parse_str(data.get("contactEmail")),
            created_at=parse_datetime(data.get("createdAt")),
        )


@dataclass(frozen=True)
class TangoCustomer:
    customer_identifier: str
    display_name: str | None
    status: str | None
    created_at: datetime | None
    accounts: tuple[TangoAccount, ...]

    @classmethod
    def from_json(cls, data: Json) -> TangoCustomer:
        ident = str(data.get("customerIdentifier") or "")
        return cls(
            customer_identifier=ident,
            display_name=parse_str(data.get("displayName")),
            status=parse_str(data.get("status")),
            created_at=parse_datetime(data.get("createdAt")),
            accounts=tuple(
                TangoAccount.from_json(as_object(a), customer_identifier=ident)
                for a in as_list(data.get("accounts"))
            ),
        )


@dataclass(frozen=True)
class CatalogEntry:
    utid: str
    reward_name: str | None
    currency_code: str | None
    status: str | None
    value_type: str | None  # FIXED_VALUE (face_value) | VARIABLE_VALUE (min..max)
    reward_type: str | None
    face_value: Decimal | None
    min_value: Decimal | None
    max_value: Decimal | None
    attributes: tuple[str, ...]  # delivery channels: EMAIL, PHONE, ADDRESS, EMBEDDED
    # The catalog's `fee {type, value}`: FIXED (account currency) or PERCENTAGE of the value.
    fee_type: str | None = None
    fee_value: Decimal | None = None

    @classmethod
    def from_json(cls, data: Json) -> CatalogEntry:
        fee = as_object(data.get("fee"))
        return cls(
            utid=str(data.get("utid") or ""),
            reward_name=parse_str(data.get("rewardName")),
            currency_code=parse_str(data.get("currencyCode")),
            status=parse_str(data.get("status")),
            value_type=parse_str(data.get("valueType")),
            reward_type=parse_str(data.get("rewardType")),
            face_value=parse_decimal(data.get("faceValue")),
            min_value=parse_decimal(data.get("minValue")),
            max_value=parse_decimal(data.get("maxValue")),
            attributes=tuple(str(a) for a in as_list(data.get("attributes"))),
            fee_type=(parse_str(fee.get("type")) or "").upper() or None,
            fee_value=parse_decimal(fee.get("value")),
        )


def _image_width(key: str) -> int:
    match = re.match(r"(\d+)w", key)
    return int(match.group(1)) if match else 0


@dataclass(frozen=True)
class CatalogBrand:
    brand_key: str
    brand_name: str | None
    status: str | None
    image_url: str | None
    items: tuple[CatalogEntry, ...]

    @classmethod
    def from_json(cls, data: Json) -> CatalogBrand:
        images = as_object(data.get("imageUrls"))
        # imageUrls is keyed by size ("80w-326ppi", "300w-326ppi"...): keep the largest.
        best = max(images, key=_image_width, default=None)
        return cls(
            brand_key=str(data.get("brandKey") or ""),
            brand_name=parse_str(data.get("brandName")),
            status=parse_str(data.get("status")),
            image_url=parse_str(images[best]) if best is not None else None,
            items=tuple(
                CatalogEntry.from_json(as_object(item)) for item in as_list(data.get("items"))
            ),
        )


@dataclass(frozen=True)
class Webhook:
    webhook_id: str
    url: str | None
    expires_at: datetime | None

    @classmethod
    def from_json(cls, data: Json, *, url: str | None = None) -> Webhook:
        # POST /webhooks answers only {webhookId, expiresAt}; the caller supplies the url.
        return cls(
            webhook_id=str(data.get("webhookId") or data.get("id") or ""),
            url=parse_str(data.get("url") or url),
            expires_at=parse_datetime(data.get("expiresAt")),
        )


@dataclass(frozen=True)
class WebhookReplay:
    """POST /webhooks/{id}/replay's answer: how many stored events Tango will redeliver."""

    webhook_id: str
    from_revision: int | None
    to_revision: int | None
    number_of_events: int

    @classmethod
    def from_json(cls, data: Json) -> WebhookReplay:
        def revision(value: Any) -> int | None:
            try:
                return None if value is None else int(value)
            except (TypeError, ValueError):
                return None

        return cls(
            webhook_id=str(data.get("webhookId") or ""),
            from_revision=revision(data.get("fromRevision")),
            to_revision=revision(data.get("toRevision")),
            number_of_events=revision(data.get("numberOfEvents")) or 0,
        )


@dataclass(frozen=True)
class ExchangeRate:
    """One row of GET /exchangerates (§14.3): one unit of `reward_currency` costs `base_fx`
    of `base_currency` (the account's)."""

    reward_currency: str
    base_currency: str
    base_fx: Decimal | None
    last_modified: datetime | None

    @classmethod
    def from_json(cls, data: Json) -> ExchangeRate:
        return cls(
            reward_currency=str(data.get("rewardCurrency") or "").upper(),
            base_currency=str(data.get("baseCurrency") or "").upper(),
            base_fx=parse_decimal(data.get("baseFx")),  # a string in [REF], a number in [SWG]
            last_modified=parse_datetime(data.get("lastModifiedDate")),
        )
