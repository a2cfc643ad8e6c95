"""Typed errors raised by the Tango client.

Callers decide retry vs. final failure by class, never by status code:

* ``TangoUnavailable`` (connection error, timeout, 5xx, 429, 409 still-processing): retryable,
  with ``retry_after`` seconds when Tango told us how long to wait.
* ``TangoRejected`` (other 4xx): final; carries Tango's ``i18nKey``/``message``/``errors`` so
  staff can see exactly what Tango objected to.
* ``TangoAuthError`` (401, or a client configuration problem): nothing will work until an
  operator fixes the settings.

The envelope fields follow Tango's ErrorInfo (shared/TANGO_API.md §10).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

__all__ = [
    "TangoActionRefused",
    "TangoActionWindowClosed",
    "TangoAlreadyExists",
    "TangoAuthError",
    "TangoError",
    "TangoFieldError",
    "TangoInFlight",
    "TangoInsufficientFunds",
    "TangoNotChoiceProduct",
    "TangoNotFound",
    "TangoRateLimited",
    "TangoReissueLimit",
    "TangoRejected",
    "TangoRewardStatusRefused",
    "TangoThrottled",
    "TangoUnavailable",
    "error_for_response",
]


@dataclass(frozen=True)
class TangoFieldError:
    """One item of the envelope's ``errors[]`` (a field validation failure).

    ``invalid_value`` is kept for debugging but left out of ``repr``/``str``: it is whatever the
    request carried, e.g. a recipient's email address.
    """

    path: str | None
    i18n_key: str | None
    message: str
    constraint: str | None = None
    invalid_value: Any = field(default=None, repr=False)

    def __str__(self) -> str:
        key = f" [{self.i18n_key}]" if self.i18n_key else ""
        where = f"{self.path}: " if self.path else ""
        return f"{where}{self.message}{key}"


class TangoError(Exception):
    """Base class: any failed call to Tango."""

    headline = "Tango call failed"

    def __init__(
        self,
        message: str = "",
        *,
        status_code: int | None = None,
        i18n_key: str | None = None,
        errors: tuple[TangoFieldError, ...] = (),
        request_id: str | None = None,
        path: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.i18n_key = i18n_key
        self.errors = tuple(errors)
        self.request_id = request_id
        self.path = path
        self.retry_after = retry_after

    def __str__(self) -> str:
        # Staff read this in the order timeline: lead with what happened, then Tango's own words.
        parts = [self.headline]
        if self.i18n_key:
            parts.append(f"[{self.i18n_key}]")
        text = " ".join(parts)
        detail = self.message or ""
        if self.errors:
            fields = "; ".join(str(err) for err in self.errors)
            detail = f"{detail} ({fields})" if detail else fields
        if detail:
            text = f"{text}: {detail}"
        context = []
        if self.status_code is not None:
            context.append(f"HTTP {self.status_code}")
        if self.path:
            context.append(self.path)
        if self.request_id:
            context.append(f"request {self.request_id}")
        if self.retry_after is not None:
            context.append(f"retry after {self.retry_after:g}s")
        if context:
            text = f"{text} ({', '.join(context)})"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code!r}, "
            f"i18n_key={self.i18n_key!r}, message={self.message!r}, "
            f"request_id={self.request_id!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only __init__ breaks default exception pickling (Celery may pickle errors).
        return (_restore_error, (type(self), dict(self.__dict__)))


def _restore_error(cls: type[TangoError], state: dict[str, Any]) -> TangoError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error


class TangoUnavailable(TangoError):
    """Retryable: connection error, timeout, 5xx, 429, or 409 still-processing.

    A timeout on POST /orders may still have created the order: retry with the same
    externalRefID (Tango answers 200 with the original order) or look it up.
    """

    headline = "Tango is unavailable, try again later"


class TangoRateLimited(TangoUnavailable):
    """HTTP 429: over Tango's TPS limit (1 TPS on POST /orders)."""

    headline = "Tango rate limit reached"


class TangoInFlight(TangoUnavailable):
    """HTTP 409 ``409.002``: an order with this externalRefID is still being processed."""

    headline = "Tango is still processing an order with this externalRefID"


class TangoRejected(TangoError):
    """Final: Tango refused the request (4xx). Fix the request; do not retry it unchanged."""

    headline = "Tango rejected the request"


class TangoAlreadyExists(TangoRejected):
    """HTTP 409 ``409.024``: an order with this externalRefID already exists.

    Final for the create call, yet the order is at Tango: look it up by externalRefID and adopt
    it rather than marking the placement failed.
    """

    headline = "Tango already has an order with this externalRefID"


class TangoInsufficientFunds(TangoRejected):
    """HTTP 402: the account balance does not cover the order."""

    headline = "Insufficient funds in the Tango account"


class TangoNotFound(TangoRejected):
    """HTTP 404: no such order / line item / account under this platform."""

    headline = "Not found at Tango"


class TangoThrottled(TangoRejected):
    """HTTP 403 ``403.005``: resend throttle (once every 30 seconds per reward).

    ``retry_after`` is when another resend will be accepted, in seconds.
    """

    headline = "Tango resend throttle: sent too recently"


class TangoActionRefused(TangoRejected):
    """HTTP 403 on a line-item action (cancel, freeze, unfreeze, reissue, §7.3): final."""

    headline = "Tango does not allow this for the reward"


class TangoRewardStatusRefused(TangoActionRefused):
    """``403.010``: not in the reward's current status (e.g. already cancelled or redeemed)."""

    headline = "Tango does not allow this in the reward's current status"


class TangoNotChoiceProduct(TangoActionRefused):
    """``403.018``: cancel / freeze / reissue exist for Choice Products only."""

    headline = "Tango allows this for Choice products only"


class TangoActionWindowClosed(TangoActionRefused):
    """``403.019``: the window after issue (5 calendar days) has passed."""

    headline = "Tango's window for changing this reward has passed"


class TangoReissueLimit(TangoActionRefused):
    """``403.022``: the reward was reissued 5 times already (counted along the chain)."""

    headline = "Tango's limit of 5 reissues per reward is reached"


class TangoAuthError(TangoError):
    """HTTP 401, or a client configuration problem (bad base URL, redirect)."""

    headline = "Tango refused our credentials or configuration"


# --- HTTP response → error (Tango's ErrorInfo envelope, TANGO_API.md §10) ------------------

IN_FLIGHT_KEY = "409.002"  # same externalRefID still being processed (§11)
ALREADY_EXISTS_KEY = "409.024"  # an order with this externalRefID already exists (§11)
RESEND_THROTTLE_KEY = "403.005"  # "Cannot send more than once every {0} seconds. Last sent at {1}"
IN_FLIGHT_RETRY_SECONDS = 2.0  # Tango: wait at least 2 s before retrying (§4.3)
RATE_LIMIT_RETRY_SECONDS = 1.0  # Tango: on a 429 wait 1 s and retry (§12)
RESEND_THROTTLE_SECONDS = 30.0  # one resend per reward every 30 s (§8.1)

# Line-item action refusals (§7.3), by i18nKey.
ACTION_REFUSALS: dict[str, type[TangoActionRefused]] = {
    "403.010": TangoRewardStatusRefused,
    "403.018": TangoNotChoiceProduct,
    "403.019": TangoActionWindowClosed,
    "403.022": TangoReissueLimit,
}

_WINDOW = re.compile(r"every\s+(\d+(?:\.\d+)?)\s*sec", re.IGNORECASE)
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
_MAX_TEXT = 300


def error_for_response(
    status_code: int,
    headers: Mapping[str, str],
    body: Any,
    *,
    path: str,
    text: str = "",
) -> TangoError:
    """Build the typed error for a non-2xx answer.

    ``body`` is the decoded JSON (any shape, or None when it was not JSON); ``text`` is the raw
    body, used when Tango (or a proxy in front of it) answered text/plain or HTML.
    """
    envelope: Mapping[str, Any] = body if isinstance(body, Mapping) else {}
    errors = tuple(
        _field_error(item) for item in envelope.get("errors") or () if isinstance(item, Mapping)
    )
    i18n_key = _text(envelope.get("i18nKey")) or next(
        (err.i18n_key for err in errors if err.i18n_key), None
    )
    message = _text(envelope.get("message")) or _text(envelope.get("error_description"))
    if not message and not errors:
        message = _plain(text) or _text(envelope.get("httpPhrase")) or f"HTTP {status_code}"
    fields: dict[str, Any] = {
        "status_code": status_code,
        "i18n_key": i18n_key,
        "errors": errors,
        "request_id": _text(envelope.get("requestId")) or headers.get("X-REQUEST-ID"),
        "path": _text(envelope.get("path")) or path,
    }
    message = message or ""
    if 300 <= status_code < 400:
        # Tango never redirects (§10); a 3xx means TANGO_BASE_URL points at the wrong place.
        where = headers.get("Location", "elsewhere")
        return TangoAuthError(
            f"Tango answered with a redirect to {where}; check TANGO_BASE_URL", **fields
        )
    if status_code >= 500:
        return TangoUnavailable(message, retry_after=_retry_after(headers), **fields)
    if status_code == 429:
        wait = _retry_after(headers)
        return TangoRateLimited(
            message, retry_after=RATE_LIMIT_RETRY_SECONDS if wait is None else wait, **fields
        )
    if status_code == 409 and i18n_key == IN_FLIGHT_KEY:
        return TangoInFlight(message, retry_after=IN_FLIGHT_RETRY_SECONDS, **fields)
    if status_code == 409 and i18n_key == ALREADY_EXISTS_KEY:
        return TangoAlreadyExists(message, **fields)
    if status_code == 402:
        return TangoInsufficientFunds(message, **fields)
    if status_code == 404:
        return TangoNotFound(message, **fields)
    if status_code == 401:
        return TangoAuthError(message, **fields)
    if status_code == 403 and i18n_key == RESEND_THROTTLE_KEY:
        wait = _resend_wait(message, envelope, headers)
        return TangoThrottled(message, retry_after=wait, **fields)
    if status_code == 403 and i18n_key in ACTION_REFUSALS:
        return ACTION_REFUSALS[i18n_key](message, **fields)
    # Other 403s on actions mean "not allowed", i.e. final.
    return TangoRejected(message, **fields)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _plain(text: str) -> str:
    collapsed = " ".join(text.split())
    return collapsed if len(collapsed) <= _MAX_TEXT else f"{collapsed[:_MAX_TEXT]}..."


def _field_error(item: Mapping[str, Any]) -> TangoFieldError:
    return TangoFieldError(
        path=_text(item.get("path") or item.get("field")),
        i18n_key=_text(item.get("i18nKey")),
        message=_text(item.get("message")) or "invalid",
        constraint=_text(item.get("constraint")),
        invalid_value=item.get("invalidValue"),
    )


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date), None if absent/invalid."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = re.sub(r"(\.\d{6})\d+", r"\1", value.strip())
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _resend_wait(message: str, envelope: Mapping[str, Any], headers: Mapping[str, str]) -> float:
    """Seconds until the next resend is allowed, from the 403.005 message (or its tokens).

    The remaining wait is measured against the server's own clock (the envelope timestamp or
    the Date header), not ours: a skewed local clock must not shorten or lengthen the wait.
    """
    tokens = [str(t) for t in envelope.get("i18nTokenReplacements") or ()]
    window: float | None = None
    match = _WINDOW.search(message)
    if match:
        window = float(match.group(1))
    elif tokens and re.fullmatch(r"\d+(?:\.\d+)?", tokens[0]):
        window = float(tokens[0])
    stamp = _TIMESTAMP.search(message)
    last_sent = _parse_time(stamp.group(0) if stamp else (tokens[1] if len(tokens) > 1 else None))
    window = RESEND_THROTTLE_SECONDS if window is None else window
    if last_sent is None:
        return window
    now = (
        _parse_time(envelope.get("timestamp"))
        or _parse_time(headers.get("Date"))
        or datetime.now(UTC)
    )
    remaining = window - (now - last_sent).total_seconds()
    # Throttled means some wait remains; never suggest an immediate retry or more than a window.
    return round(min(window, max(1.0, remaining)), 3)
