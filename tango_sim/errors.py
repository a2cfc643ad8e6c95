"""Tango's error envelope (TANGO_API.md §10) and the i18n keys the simulator uses.

Keys marked [INF] are not in Tango's published catalog; they are simulator choices.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any


@dataclass
class FieldError:
    path: str
    i18n_key: str
    message: str
    invalid_value: Any = None
    constraint: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "i18nKey": self.i18n_key,
            "message": self.message,
            "invalidValue": self.invalid_value,
            "constraint": self.constraint,
        }


@dataclass
class ApiError(Exception):
    """Raised by handlers; rendered as Tango's ErrorInfo envelope."""

    http_code: int
    i18n_key: str | None
    message: str
    errors: list[FieldError] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.http_code} {self.i18n_key}: {self.message}"


def envelope(
    err: ApiError, *, path: str, request_id: str, now: datetime | None = None
) -> dict[str, Any]:
    """Tango's error envelope; `now` is the simulated clock, so a throttle message's "last sent
    at" and the envelope's timestamp agree after the clock was advanced."""
    now = now or datetime.now(UTC)
    body: dict[str, Any] = {
        "timestamp": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestId": request_id,
        "path": path,
        "httpCode": err.http_code,
        "httpPhrase": HTTPStatus(err.http_code).phrase,
        "i18nKey": err.i18n_key,
        "message": err.message,
    }
    if err.tokens:
        body["i18nTokenReplacements"] = err.tokens
    if err.errors:
        body["errors"] = [e.to_json() for e in err.errors]
    return body


def new_request_id() -> str:
    return str(uuid.uuid4())


def field_errors(errors: list[FieldError]) -> ApiError:
    """Field validation failures: HTTP 400 with `errors[]` (keys may be 422.*, as at Tango)."""
    return ApiError(400, "400.500", "Validation failed", errors=errors)


def not_found_order(ref: str) -> ApiError:
    return ApiError(404, "404.017", f"Order '{ref}' not found under this platform")


def not_found_line_item(ref: str) -> ApiError:
    return ApiError(404, "404.017", f"Line item '{ref}' not found under this platform")


def not_found(what: str) -> ApiError:
    return ApiError(404, "404.001", f"{what} not found")  # [INF]


# Keys used in several modules.
MALFORMED_JSON = "400.009"
MAX_RESULT_WINDOW = "400.021"
MISSING_AUTH = "401.001"
BAD_AUTH = "401.002"
INSUFFICIENT_FUNDS = "402.001"
RESEND_NOT_ALLOWED = "403.003"  # sendEmail=false / NONE orders
RESEND_THROTTLED = "403.005"
ACTION_BAD_STATUS = "403.010"  # "cannot {action} reward with status {0}"
RESEND_BAD_STATUS = "403.011"  # [INF] only COMPLETE rewards can be resent
ACTION_NOT_CHOICE = "403.018"  # [INF] only Choice Products
ACTION_WINDOW_PASSED = "403.019"  # [INF] 5 calendar days passed
RESEND_PHYSICAL = "403.020"  # [INF] physical rewards cannot be resent
CUSTOMER_NOT_FOUND = "404.089"
ACCOUNT_NOT_FOUND = "404.096"
IN_FLIGHT = "409.002"
INVALID_UTID = "422.024"
AMOUNT_RANGE = "422.025"
AMOUNT_FIXED = "422.027"
RECIPIENT_INCOMPLETE = "422.028"
RECIPIENT_EMAIL = "422.029"
ITEM_INACTIVE = "422.030"
INVALID_ETID = "422.031"
END_BEFORE_START = "422.041"
PAGE_SIZE = "422.042"
BAD_DATE = "422.044"
ACCOUNT_INACTIVE = "422.053"
AMOUNT_DIGITS = "422.105"
EXTERNAL_REF_LENGTH = "422.110"
BAD_EMAIL = "422.134"
AMOUNT_DECIMALS = "422.140"
UTID_PATTERN = "422.147"
ADDRESS_REQUIRED = "422.167"
ADDRESS_NOT_ALLOWED = "422.168"
DELIVERY_UNSUPPORTED = "422.170"  # [INF] utid does not support the delivery method
FIELD_REQUIRED = "422.001"  # [INF] may not be null / empty
FIELD_PATTERN = "422.002"  # [INF] must match pattern
FIELD_ENUM = "422.003"  # [INF] not one of the allowed values
FIELD_TYPE = "422.004"  # [INF] wrong JSON type
RATE_LIMITED = "429.001"
INTERNAL = "500.001"
UNAVAILABLE = "503.502"
