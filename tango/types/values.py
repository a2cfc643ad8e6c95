"""Value objects shared by orders and line items, plus the parsing rules for every type.

Parsing rules, so that raw dicts never travel inward:
* unknown fields are ignored (Tango adds fields without notice, §2.3);
* money is ``Decimal`` (the client decodes JSON numbers straight to Decimal, never float);
* timestamps are aware datetimes (ISO 8601 with ``Z``/offset, any fractional digits; a value
  without an offset is taken as UTC).

Reward credentials, recipients' emails and phone numbers are masked in ``repr`` so that a
stray ``logger.info("%r", order)`` cannot leak them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

Json = Mapping[str, Any]

_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        return None
    try:
        # str() first: Decimal(0.1) would carry the binary float error into money.
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def parse_datetime(value: Any) -> datetime | None:
    """ISO 8601 / RFC 3339 → aware datetime; None when absent or unparseable."""
    if not value or not isinstance(value, str):
        return None
    text = _FRACTION.sub(r"\1", value.strip())  # nanoseconds → microseconds
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text[:10]), datetime.min.time())
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_str(value: Any) -> str | None:
    return None if value is None else str(value)


def parse_int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def as_object(value: Any) -> Json:
    return value if isinstance(value, Mapping) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def mask_email(email: str | None) -> str | None:
    if not email:
        return email
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_phone(number: str | None) -> str | None:
    return f"***{number[-2:]}" if number else number


@dataclass(frozen=True)
class Money:
    value: Decimal | None
    currency_code: str | None
    exchange_rate: Decimal | None = None
    fee: Decimal | None = None
    total: Decimal | None = None

    @classmethod
    def from_json(cls, data: Any) -> Money | None:
        if not isinstance(data, Mapping) or not data:
            return None
        return cls(
            value=parse_decimal(data.get("value")),
            currency_code=parse_str(data.get("currencyCode")),
            exchange_rate=parse_decimal(data.get("exchangeRate")),
            fee=parse_decimal(data.get("fee")),
            total=parse_decimal(data.get("total")),
        )


@dataclass(frozen=True)
class Address:
    street_line1: str | None = field(default=None, repr=False)
    street_line2: str | None = field(default=None, repr=False)
    city: str | None = None
    state_or_province: str | None = None
    postal_code: str | None = field(default=None, repr=False)
    country: str | None = None
    company_name: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Address | None:
        if not isinstance(data, Mapping) or not data:
            return None
        return cls(
            street_line1=parse_str(data.get("streetLine1")),
            street_line2=parse_str(data.get("streetLine2")),
            city=parse_str(data.get("city")),
            state_or_province=parse_str(data.get("stateOrProvince")),
            postal_code=parse_str(data.get("postalCode")),
            country=parse_str(data.get("country")),
            company_name=parse_str(data.get("companyName")),
        )

    def to_json(self) -> dict[str, Any]:
        data = {
            "companyName": self.company_name,
            "streetLine1": self.street_line1,
            "streetLine2": self.street_line2,
            "city": self.city,
            "stateOrProvince": self.state_or_province,
            "postalCode": self.postal_code,
            "country": self.country,
        }
        return {key: value for key, value in data.items() if value is not None}


@dataclass(frozen=True)
class Recipient:
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    mobile_number: str | None = None
    address: Address | None = None

    def __repr__(self) -> str:
        return (
            f"Recipient(first_name={self.first_name!r}, last_name={self.last_name!r}, "
            f"email={mask_email(self.email)!r}, mobile_number={mask_phone(self.mobile_number)!r}, "
            f"address={self.address!r})"
        )

    @classmethod
    def from_json(cls, data: Any) -> Recipient | None:
        if not isinstance(data, Mapping) or not data:
            return None
        return cls(
            first_name=parse_str(data.get("firstName")),
            last_name=parse_str(data.get("lastName")),
            email=parse_str(data.get("email")),
            mobile_number=parse_str(data.get("mobileNumber")),
            address=Address.from_json(data.get("address")),
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "firstName": self.first_name,
            "lastName": self.last_name,
            "email": self.email,
            "mobileNumber": self.mobile_number,
            "address": self.address.to_json() if self.address else None,
        }
        return {key: value for key, value in data.items() if value is not None}


@dataclass(frozen=True)
class Sender:
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> Sender | None:
        if not isinstance(data, Mapping) or not data:
            return None
        return cls(
            first_name=parse_str(data.get("firstName")),
            last_name=parse_str(data.get("lastName")),
            email=parse_str(data.get("email")),
        )

    def to_json(self) -> dict[str, Any]:
        data = {"firstName": self.first_name, "lastName": self.last_name, "email": self.email}
        return {key: value for key, value in data.items() if value is not None}


@dataclass(frozen=True)
class Credential:
    """One reward credential (``credentialList[]``): a card number, PIN, redemption URL..."""

    label: str | None
    value: str | None
    type: str | None = None  # text | url | barcode | date
    credential_type: str | None = None  # cardNumber, PIN, redemptionUrl, ...

    def __repr__(self) -> str:
        shown = "***" if self.value else self.value
        return (
            f"Credential(label={self.label!r}, value={shown!r}, type={self.type!r}, "
            f"credential_type={self.credential_type!r})"
        )

    @classmethod
    def from_json(cls, data: Json) -> Credential:
        return cls(
            label=parse_str(data.get("label")),
            value=parse_str(data.get("value")),
            type=parse_str(data.get("type")),
            credential_type=parse_str(data.get("credentialType")),
        )


@dataclass(frozen=True)
class Reward:
    credentials: tuple[Credential, ...]
    redemption_instructions: str | None = None

    def __repr__(self) -> str:
        labels = [cred.label for cred in self.credentials]
        return f"Reward(credentials=<{len(self.credentials)} masked: {labels!r}>)"

    @classmethod
    def from_json(cls, data: Any, *, instructions: Any = None) -> Reward | None:
        if not isinstance(data, Mapping) or not data:
            return None
        items = as_list(data.get("credentialList"))
        if items:
            credentials = tuple(Credential.from_json(as_object(item)) for item in items)
        else:
            # `credentials` is the deprecated label→value map (a bare string in one schema).
            legacy = data.get("credentials")
            if isinstance(legacy, Mapping):
                credentials = tuple(
                    Credential(label=str(label), value=parse_str(value))
                    for label, value in legacy.items()
                )
            elif legacy:
                credentials = (Credential(label="credentials", value=str(legacy)),)
            else:
                credentials = ()
        return cls(
            credentials=credentials,
            redemption_instructions=parse_str(data.get("redemptionInstructions") or instructions),
        )
