"""HTTP transport for the Tango client: session, auth, timeouts, logging, error mapping.

One ``requests.Session`` per client, built lazily; Basic auth with the platform name/key; a
(connect, read) timeout on every call; exactly one log line per call: method, path (never the
query string: it can carry recipient emails), HTTP status, duration and Tango's X-REQUEST-ID.
Bodies are never logged (reward credentials, recipients). Request bodies and query strings are
written in Tango's JSON names from snake_case keywords (``json_name``).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from urllib.parse import quote

import requests
from requests.auth import HTTPBasicAuth

from .errors import TangoAuthError, TangoUnavailable, error_for_response
from .types import Recipient, Sender

logger = logging.getLogger("tango.client")

DEFAULT_CONNECT_TIMEOUT = 3.05  # just over a TCP retransmission window (requests' advice)
DEFAULT_READ_TIMEOUT = 20.0

# snake_case keyword → Tango's JSON name where plain camelCase gets the "ID" wrong.
_JSON_NAMES = {
    "external_ref_id": "externalRefID",
    "reference_order_id": "referenceOrderID",
    "reference_line_item_id": "referenceLineItemID",
    "external_ref_line_item_id": "externalRefLineItemID",
}
_CONFIG_ERRORS = (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                  requests.exceptions.InvalidSchema)  # fmt: skip


def json_name(name: str) -> str:
    """``account_identifier`` → ``accountIdentifier``; ``external_ref_id`` → ``externalRefID``."""
    if name in _JSON_NAMES:
        return _JSON_NAMES[name]
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def rfc3339(moment: datetime) -> str:
    """UTC RFC 3339 as list filters expect (``2026-01-01T00:00:00Z``); naive means UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _query_value(value: Any) -> Any:
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | set | frozenset):
        return [_query_value(item) for item in value]  # requests repeats the parameter
    return str(value)


def encode_query(filters: Mapping[str, Any]) -> dict[str, Any]:
    return {json_name(k): _query_value(v) for k, v in filters.items() if v is not None}


def encode_body(value: Any) -> Any:
    """Request body value → JSON-ready: snake_case keys to Tango's names, None dropped."""
    if isinstance(value, Recipient | Sender):
        return value.to_json()
    if isinstance(value, Mapping):
        return {json_name(str(k)): encode_body(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [encode_body(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        # Tango wants a JSON number; amounts have <= 2 decimals so the float is exact enough
        # to print back as the same literal.
        return float(value)
    if isinstance(value, datetime):
        return rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def quote_segment(segment: str) -> str:
    return quote(str(segment), safe="")


class TangoTransport:
    """The HTTP half of ``TangoClient``: one call in, JSON or a typed error out."""

    def __init__(
        self,
        *,
        base_url: str,
        platform_name: str,
        platform_key: str,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.platform_name = platform_name
        self._auth = HTTPBasicAuth(platform_name, platform_key)
        self.timeout = (connect_timeout, read_timeout)
        self._session = session
        self._session_lock = threading.Lock()

    def __repr__(self) -> str:
        # Never the key: this repr may end up in logs or tracebacks.
        name = type(self).__name__
        return f"{name}(base_url={self.base_url!r}, platform_name={self.platform_name!r})"

    @property
    def session(self) -> requests.Session:
        # Built on first use so that importing/constructing never opens a connection, and so
        # that a Celery prefork child builds its own pool instead of sharing its parent's.
        if self._session is None:
            with self._session_lock:
                if self._session is None:
                    session = requests.Session()
                    session.headers["User-Agent"] = "rewards-ops (+requests)"
                    self._session = session
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    # --- transport ---------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        decode: bool = True,
    ) -> tuple[int, Any]:
        """One HTTP call → (status, decoded JSON); raises a TangoError subclass on failure.

        ``body`` is already in Tango's JSON shape (see ``encode_body``).
        """
        url = f"{self.base_url}{path}"
        started = time.monotonic()
        outcome: int | str = "-"
        request_id: str | None = None
        try:
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    data=None if body is None else json.dumps(body),
                    headers={"Accept": "application/json", "Content-Type": "application/json"},
                    auth=self._auth,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.Timeout as exc:
                outcome = "timeout"
                raise TangoUnavailable(
                    f"no answer within {self.timeout[0]:g}s connect / {self.timeout[1]:g}s read",
                    path=path,
                ) from exc
            except requests.ConnectionError as exc:
                outcome = "connection-error"
                raise TangoUnavailable(f"cannot connect to {self.base_url}", path=path) from exc
            except _CONFIG_ERRORS as exc:
                outcome = "bad-url"
                raise TangoAuthError(
                    f"invalid Tango URL {url!r}; check TANGO_BASE_URL", path=path
                ) from exc
            except requests.RequestException as exc:  # e.g. a body cut off mid-way
                outcome = type(exc).__name__
                raise TangoUnavailable(
                    f"broken response ({type(exc).__name__})", path=path
                ) from exc
            outcome = response.status_code
            request_id = response.headers.get("X-REQUEST-ID")
            data = None
            parse_error: ValueError | None = None
            if response.content and (decode or response.status_code >= 300):
                try:
                    # Decimal straight from the JSON text: money never passes through float.
                    data = json.loads(response.content, parse_float=Decimal)
                except ValueError as exc:  # text/plain or HTML (a proxy, an auth server...)
                    parse_error = exc
            if response.status_code >= 300:
                error = error_for_response(
                    response.status_code,
                    response.headers,
                    data,
                    path=path,
                    text=response.text if parse_error else "",
                )
                request_id = request_id or error.request_id
                raise error
            if parse_error is not None:
                raise TangoUnavailable(
                    "Tango answered with a body that is not JSON",
                    status_code=response.status_code,
                    request_id=request_id,
                    path=path,
                ) from parse_error
            return response.status_code, data
        finally:
            elapsed_ms = (time.monotonic() - started) * 1000
            failed = not isinstance(outcome, int) or outcome >= 300
            logger.log(
                logging.WARNING if failed else logging.INFO,
                "tango %s %s -> %s in %.0f ms (X-REQUEST-ID %s)",
                method,
                path,
                outcome,
                elapsed_ms,
                request_id or "-",
            )

    def _get(self, path: str, **params: Any) -> Any:
        return self._call("GET", path, params=encode_query(params))[1]

    def _post(self, path: str, fields: Mapping[str, Any]) -> tuple[int, Any]:
        return self._call("POST", path, body=encode_body(fields))

    @staticmethod
    def _object(data: Any) -> Mapping[str, Any]:
        if not isinstance(data, Mapping):
            raise TangoUnavailable("Tango answered with an unexpected JSON shape")
        return data
