"""Request validation for POST /orders and POST /asyncOrders line items (TANGO_API.md §4.1).

Shape problems (missing field, wrong type, pattern) -> HTTP 400 with ``errors[]`` (keys may be
``422.*``, as in Tango's own example); business rules (unknown utid, amount out of range,
recipient incomplete for the delivery method, address rules) -> HTTP 422 with a top-level key.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import errors as E
from .errors import ApiError, FieldError
from .records import CREATE_DELIVERY_METHODS
from .seed import Item, find_item
from .store import to_cents

IDENT_RE = re.compile(r"^[-a-zA-Z0-9]{5,100}$")
UTID_RE = re.compile(r"^[uU]\d{1,9}$")
ETID_RE = re.compile(r"^[eE]\d{6}$")
EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
MOBILE_RE = re.compile(r"^\+\d{1,3}\d{4,14}$")
ADDRESS_REQUIRED = ("streetLine1", "city", "stateOrProvince", "postalCode", "country")
# Delivery method -> catalog attribute the utid must list.
CHANNEL = {
    "EMAIL": "EMAIL",
    "PHONE": "PHONE",
    "WHATSAPP": "PHONE",
    "EMBEDDED": "EMBEDDED",
    "EMBEDDED_COMPONENT": "EMBEDDED",
    "ADDRESS": "ADDRESS",
}


def parse_json(raw: bytes) -> Any:
    """Body -> JSON with decimals kept exact; malformed -> 400 400.009."""
    try:
        return json.loads(raw or b"null", parse_float=Decimal)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ApiError(400, E.MALFORMED_JSON, f"Could not parse the request body: {exc}") from exc


def parse_object(raw: bytes, *, allow_empty: bool = False) -> dict[str, Any]:
    if allow_empty and not raw.strip():
        return {}
    body = parse_json(raw)
    if body is None and allow_empty:
        return {}
    if not isinstance(body, dict):
        raise ApiError(400, E.MALFORMED_JSON, "The request body must be a JSON object")
    return body


def plain(value: Any) -> Any:
    """Decimals -> float so request fragments can be stored as JSON."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def check_string(
    body: dict[str, Any],
    key: str,
    errors: list[FieldError],
    *,
    path: str = "",
    required: bool = False,
    max_len: int | None = None,
    pattern: re.Pattern[str] | None = None,
    key_pattern: str = E.FIELD_PATTERN,
    key_len: str = E.FIELD_PATTERN,
) -> str | None:
    full = f"{path}{key}"
    value = body.get(key)
    if value is None or value == "":
        if required:
            errors.append(FieldError(full, E.FIELD_REQUIRED, "may not be empty", value, "NotNull"))
        return None
    if not isinstance(value, str):
        errors.append(FieldError(full, E.FIELD_TYPE, "must be a string", plain(value), "Type"))
        return None
    if max_len is not None and len(value) > max_len:
        errors.append(
            FieldError(full, key_len, f"size must be between 0 and {max_len}", value, "Size")
        )
    elif pattern is not None and not pattern.match(value):
        errors.append(
            FieldError(full, key_pattern, f"must match {pattern.pattern}", value, "Pattern")
        )
    return value


def check_identity(body: dict[str, Any], errors: list[FieldError]) -> tuple[str, str]:
    customer = check_string(body, "customerIdentifier", errors, required=True, pattern=IDENT_RE)
    account = check_string(body, "accountIdentifier", errors, required=True, pattern=IDENT_RE)
    return customer or "", account or ""


@dataclass
class LineSpec:
    item: Item
    amount_cents: int
    delivery_method: str
    recipient: dict[str, Any] | None
    etid: str | None
    email_subject: str | None
    message: str | None
    note: str | None


def _person(value: Any, path: str, errors: list[FieldError]) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        errors.append(FieldError(path, E.FIELD_TYPE, "must be an object", plain(value), "Type"))
        return None
    out: dict[str, Any] = {}
    for key in ("firstName", "lastName"):
        text = check_string(value, key, errors, path=f"{path}.", max_len=100)
        if text is not None:
            out[key] = text
    email = check_string(
        value, "email", errors, path=f"{path}.", pattern=EMAIL_RE, key_pattern=E.BAD_EMAIL
    )
    if email is not None:
        out["email"] = email
    if "mobileNumber" in value:
        mobile = check_string(value, "mobileNumber", errors, path=f"{path}.", pattern=MOBILE_RE)
        if mobile is not None:
            out["mobileNumber"] = mobile
    address = value.get("address")
    if address is not None:
        if isinstance(address, dict):
            out["address"] = {str(k): plain(v) for k, v in address.items() if v is not None}
        else:
            errors.append(
                FieldError(
                    f"{path}.address", E.FIELD_TYPE, "must be an object", plain(address), "Type"
                )
            )
    return out


def check_sender(body: dict[str, Any], errors: list[FieldError]) -> dict[str, Any] | None:
    return _person(body.get("sender"), "sender", errors)


def check_line_fields(
    body: dict[str, Any], errors: list[FieldError], path: str = ""
) -> dict[str, Any]:
    """Shape checks of one reward; returns the pieces for check_line_rules."""
    utid = check_string(
        body, "utid", errors, path=path, required=True, pattern=UTID_RE, key_pattern=E.UTID_PATTERN
    )
    amount = body.get("amount")
    cents: int | None = None
    if amount is None:
        errors.append(
            FieldError(f"{path}amount", E.FIELD_REQUIRED, "may not be null", None, "NotNull")
        )
    elif isinstance(amount, bool) or not isinstance(amount, int | Decimal):
        errors.append(
            FieldError(f"{path}amount", E.FIELD_TYPE, "must be a number", plain(amount), "Type")
        )
    else:
        value = Decimal(amount)
        if value < 0:
            errors.append(
                FieldError(f"{path}amount", E.AMOUNT_RANGE, "must be >= 0", plain(amount), "Min")
            )
        elif value.normalize().as_tuple().exponent < -2:  # type: ignore[operator]
            errors.append(
                FieldError(
                    f"{path}amount",
                    E.AMOUNT_DECIMALS,
                    "at most 2 decimal places",
                    plain(amount),
                    "Digits",
                )
            )
        elif value >= 1_000_000:
            errors.append(
                FieldError(
                    f"{path}amount",
                    E.AMOUNT_DIGITS,
                    "at most 6 integer digits",
                    plain(amount),
                    "Digits",
                )
            )
        else:
            cents = to_cents(value)
    method = body.get("deliveryMethod")
    if method is not None and method not in CREATE_DELIVERY_METHODS:
        errors.append(
            FieldError(
                f"{path}deliveryMethod",
                E.FIELD_ENUM,
                f"must be one of {', '.join(CREATE_DELIVERY_METHODS)}",
                plain(method),
                "Enum",
            )
        )
    recipient = _person(body.get("recipient"), f"{path}recipient", errors)
    etid = check_string(
        body, "etid", errors, path=path, pattern=ETID_RE, key_pattern=E.INVALID_ETID
    )
    subject = check_string(body, "emailSubject", errors, path=path, max_len=200)
    message = check_string(body, "message", errors, path=path, max_len=1024)
    note = check_string(body, "lineItemNote", errors, path=path, max_len=150)
    send_email = body.get("sendEmail")
    if send_email is not None and not isinstance(send_email, bool):
        errors.append(
            FieldError(f"{path}sendEmail", E.FIELD_TYPE, "must be a boolean", plain(send_email))
        )
    if method is None:
        # §4.1: a recipient address means ADDRESS; else the deprecated sendEmail decides
        # (true = EMAIL, false = NONE); deliveryMethod, when present, always wins.
        if recipient and recipient.get("address"):
            method = "ADDRESS"
        else:
            method = "NONE" if send_email is False else "EMAIL"
    return {
        "utid": utid,
        "cents": cents,
        "method": method,
        "recipient": recipient,
        "etid": etid,
        "subject": subject,
        "message": message,
        "note": note,
    }


def check_line_rules(parts: dict[str, Any]) -> LineSpec:
    """Business rules of one reward -> 422 ApiError."""
    utid, cents, method = parts["utid"], parts["cents"], parts["method"]
    recipient: dict[str, Any] = parts["recipient"] or {}
    item = find_item(utid)
    if item is None:
        raise ApiError(
            422,
            E.INVALID_UTID,
            f"The utid '{utid}' is not valid for this platform",
            [FieldError("utid", E.INVALID_UTID, "unknown utid", utid)],
            [utid],
        )
    if item.status != "active":
        raise ApiError(
            422, E.ITEM_INACTIVE, f"The item '{item.utid}' is not active", [], [item.utid]
        )
    if item.face_value is not None:
        if cents != to_cents(item.face_value):
            raise ApiError(
                422,
                E.AMOUNT_FIXED,
                f"The amount must be {item.face_value:.2f} for this fixed-value item",
                [],
                [f"{item.face_value:.2f}"],
            )
    elif not to_cents(item.min_value or 0) <= cents <= to_cents(item.max_value or 0):
        raise ApiError(
            422,
            E.AMOUNT_RANGE,
            f"The amount must be between {item.min_value} and {item.max_value}",
            [],
            [str(item.min_value), str(item.max_value)],
        )
    address = recipient.get("address")
    if item.physical:
        if method != "ADDRESS" or not address:
            raise ApiError(
                422, E.ADDRESS_REQUIRED, "A recipient address is required for physical items"
            )
        missing = [key for key in ADDRESS_REQUIRED if not address.get(key)]
        if missing:
            raise ApiError(
                422,
                E.ADDRESS_REQUIRED,
                f"The recipient address is incomplete: {', '.join(missing)}",
            )
        if not recipient.get("firstName") or not recipient.get("lastName"):
            raise ApiError(
                422,
                E.RECIPIENT_INCOMPLETE,
                "Recipient firstName and lastName are required for physical delivery",
            )
    else:
        if address or method == "ADDRESS":
            raise ApiError(
                422, E.ADDRESS_NOT_ALLOWED, "A recipient address is not allowed for digital items"
            )
        channel = CHANNEL.get(method)
        if channel is not None and channel not in item.attributes:
            raise ApiError(
                422,
                E.DELIVERY_UNSUPPORTED,
                f"The item '{item.utid}' does not support delivery method {method}",
                [],
                [item.utid, method],
            )
        if method == "EMAIL" and not recipient.get("email"):
            raise ApiError(422, E.RECIPIENT_EMAIL, "Recipient email is required for EMAIL")
        if method in ("PHONE", "WHATSAPP") and not recipient.get("mobileNumber"):
            raise ApiError(
                422, E.RECIPIENT_INCOMPLETE, f"Recipient mobileNumber is required for {method}"
            )
        if method in ("EMAIL", "PHONE", "WHATSAPP") and not recipient.get("firstName"):
            raise ApiError(422, E.RECIPIENT_INCOMPLETE, "Recipient firstName is required")
    return LineSpec(
        item=item,
        amount_cents=cents,
        delivery_method=method,
        recipient=parts["recipient"],
        etid=parts["etid"],
        email_subject=parts["subject"],
        message=parts["message"],
        note=parts["note"],
    )
