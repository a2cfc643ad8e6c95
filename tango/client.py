"""A thin HTTP client for Tango's RaaS API v2 (shared/TANGO_API.md).

One ``TangoClient`` per process (``get_client()``) on one ``requests.Session`` (see
transport.py for auth, timeouts and the one-log-line-per-call rule).

Every answer becomes a frozen dataclass from ``tango.types``; every failure becomes a
typed error from ``tango.errors``. The client never retries by itself: a retried
POST /orders is only safe with the same externalRefID, and that decision belongs to the caller.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from .async_orders import AsyncOrderEndpoints
from .platform import PlatformEndpoints
from .transport import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    encode_body,
    quote_segment,
)
from .types import (
    CreateOrderResult,
    LineItemPage,
    OrderPage,
    Recipient,
    ReissueResult,
    ResendResult,
    Sender,
    TangoLineItem,
    TangoOrder,
)

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_READ_TIMEOUT",
    "TangoClient",
    "get_client",
    "install_client",
    "reset_client",
]

MAX_PAGE_SIZE = 100  # GET /orders rejects elementsPerBlock > 100 (422.042)


class TangoClient(AsyncOrderEndpoints, PlatformEndpoints):
    """Tango RaaS v2 over HTTP. Methods mirror the endpoints; see TANGO_API.md §3.

    ``TangoClient(base_url=..., platform_name=..., platform_key=..., connect_timeout=3.05,
    read_timeout=20.0, session=None)``; the transport half lives in ``transport.py``, the
    platform endpoints (accounts, customers, catalog, webhooks) in ``platform.py``, the async
    (bulk) orders in ``async_orders.py``.
    """

    def create_order(
        self,
        *,
        customer_identifier: str,
        account_identifier: str,
        utid: str,
        amount: Decimal | int | str,
        delivery_method: str = "EMAIL",
        external_ref_id: str | None = None,
        recipient: Recipient | None = None,
        sender: Sender | None = None,
        email_subject: str | None = None,
        message: str | None = None,
        etid: str | None = None,
        campaign: str | None = None,
        notes: str | None = None,
        purchase_order_number: str | None = None,
        ptid: str | None = None,
        expiration_date: str | date | None = None,
        custom_fields: Mapping[str, str] | None = None,
    ) -> CreateOrderResult:
        """POST /orders. 201 → created=True; 200 (known externalRefID) → the original order."""
        body = {
            "customer_identifier": customer_identifier,
            "account_identifier": account_identifier,
            "utid": utid,
            "amount": Decimal(str(amount)),
            "delivery_method": delivery_method,
            "external_ref_id": external_ref_id,
            "recipient": recipient,
            "sender": sender,
            "email_subject": email_subject,
            "message": message,
            "etid": etid,
            "campaign": campaign,
            "notes": notes,
            "purchase_order_number": purchase_order_number,
            "ptid": ptid,
            "expiration_date": expiration_date,
        }
        payload = encode_body(body)
        if custom_fields:
            # Keys are the account's own custom-field names: send them untouched.
            payload["customFields"] = {str(k): v for k, v in custom_fields.items()}
        status, data = self._call("POST", "/orders", body=payload)
        return CreateOrderResult(
            order=TangoOrder.from_json(self._object(data)), created=status == 201
        )

    def get_order(self, reference_order_id: str) -> TangoOrder:
        """GET /orders/{referenceOrderID}: the verbose order, with reward credentials."""
        return TangoOrder.from_json(
            self._object(self._get(f"/orders/{quote_segment(reference_order_id)}"))
        )

    def list_orders(
        self, *, page: int = 0, elements_per_block: int = MAX_PAGE_SIZE, **filters: Any
    ) -> OrderPage:
        """GET /orders, one zero-based page. Filters are snake_case (``start_date=datetime``)."""
        data = self._get("/orders", page=page, elements_per_block=elements_per_block, **filters)
        return OrderPage.from_json(self._object(data))

    def iter_orders(self, **filters: Any) -> Iterator[TangoOrder]:
        """Every order matching the filters, page by page (Tango caps reachable results at 10k)."""
        size = int(filters.pop("elements_per_block", MAX_PAGE_SIZE))
        page = int(filters.pop("page", 0))
        seen = 0
        while True:
            result = self.list_orders(page=page, elements_per_block=size, **filters)
            yield from result.orders
            seen += len(result.orders)
            if len(result.orders) < size or (result.total_count and seen >= result.total_count):
                return
            page += 1

    def find_order_by_external_ref(
        self, *, external_ref_id: str, account_identifier: str
    ) -> TangoOrder | None:
        """The order placed with this externalRefID on this account, or None (no credentials).

        Used to resolve a create whose answer was lost: idempotency is per account (§11).
        """
        result = self.list_orders(
            external_ref_id=external_ref_id, account_identifier=account_identifier
        )
        for order in result.orders:
            # Compare exactly: a filter implementation that matched by prefix must not hand
            # us somebody else's order.
            if order.external_ref_id == external_ref_id and order.account_identifier in (
                None,
                account_identifier,
            ):
                return order
        return None

    def resend_order(
        self,
        reference_order_id: str,
        *,
        new_email: str | None = None,
        new_mobile: str | None = None,
        new_delivery_method: str | None = None,
    ) -> ResendResult:
        """POST /orders/{id}/resends (§8.1). 403.005 within 30 s → TangoThrottled."""
        body = {
            "new_email": new_email,
            "new_mobile": new_mobile,
            "new_delivery_method": new_delivery_method,
        }
        _, data = self._post(f"/orders/{quote_segment(reference_order_id)}/resends", body)
        return ResendResult.from_json(self._object(data))

    # --- line items (§7) ---------------------------------------------------------------------

    def list_line_items(
        self,
        *,
        page_keys: Sequence[str] | None = None,
        elements_per_block: int = MAX_PAGE_SIZE,
        **filters: Any,
    ) -> LineItemPage:
        """GET /lineItems, one keyset page; pass ``next_page_keys`` back as ``page_keys``."""
        data = self._get(
            "/lineItems",
            page_keys=list(page_keys) if page_keys else None,
            elements_per_block=elements_per_block,
            **filters,
        )
        return LineItemPage.from_json(self._object(data))

    def iter_line_items(self, **filters: Any) -> Iterator[TangoLineItem]:
        """Every line item matching the filters, following ``nextPageKeys`` until empty."""
        keys: tuple[str, ...] | None = tuple(filters.pop("page_keys", None) or ()) or None
        size = int(filters.pop("elements_per_block", MAX_PAGE_SIZE))
        seen_keys: set[tuple[str, ...]] = set()
        while True:
            result = self.list_line_items(page_keys=keys, elements_per_block=size, **filters)
            yield from result.line_items
            keys = result.next_page_keys
            # A short page is the last one; repeated keys would loop forever on a buggy server.
            if not keys or len(result.line_items) < size or keys in seen_keys:
                return
            seen_keys.add(keys)

    def get_line_item(self, reference_line_item_id: str) -> TangoLineItem:
        """GET /lineItems/{id}: the verbose line item, with reward credentials."""
        data = self._get(f"/lineItems/{quote_segment(reference_line_item_id)}")
        return TangoLineItem.from_json(self._object(data))

    def resend_line_item(
        self,
        reference_line_item_id: str,
        *,
        new_email: str | None = None,
        new_mobile_number: str | None = None,
        new_delivery_method: str | None = None,
        reason_code: str | None = None,
        other_reason: str | None = None,
    ) -> ResendResult:
        """POST /lineItems/{id}/resends (§7.4)."""
        body = {
            "new_email": new_email,
            "new_mobile_number": new_mobile_number,
            "new_delivery_method": new_delivery_method,
            "reason_code": reason_code,
            "other_reason": other_reason,
        }
        _, data = self._post(f"/lineItems/{quote_segment(reference_line_item_id)}/resends", body)
        return ResendResult.from_json(self._object(data))

    def get_line_item_reason_codes(self) -> dict[str, dict[str, str]]:
        """GET /lineItems/reasonCodes (§7.5): {action: {code: description}}, the action in
        lower case with underscores ("cancel", "freeze", "unfreeze", "cancel_and_reissue")."""
        return parse_reason_codes(self._get("/lineItems/reasonCodes"))

    def _line_item_action(
        self, action: str, reference_line_item_id: str, reason_code: str, other_reason: str | None
    ) -> None:
        # 202 "Accepted" means queued, not done: re-read the line item to see the effect (§7.3).
        self._call(
            "POST",
            f"/lineItems/{quote_segment(reference_line_item_id)}/{action}",
            body=encode_body({"reason_code": reason_code, "other_reason": other_reason}),
            decode=False,
        )

    def reissue_line_item(
        self,
        reference_line_item_id: str,
        *,
        reason_code: str,
        other_reason: str | None = None,
        amount: Decimal | int | str | None = None,
        delivery_method: str | None = None,
        recipient: Mapping[str, str] | None = None,
        notes: str | None = None,
    ) -> ReissueResult:
        """POST /lineItems/{id}/reissue (§7.3): cancels the reward, creates a new order.

        ``recipient`` keys: first_name, last_name, email, mobile_number (merged by Tango over
        the original recipient). 201 -> the new order. Refusals: TangoReissueLimit (403.022,
        5 reissues), TangoActionWindowClosed (403.019), TangoNotChoiceProduct (403.018),
        TangoRewardStatusRefused (403.010), TangoInsufficientFunds (402), TangoRejected (400,
        422). Not idempotent: after a lost answer, read the original line item
        (``reissued_to``) instead of posting again.
        """
        body = {
            "reason_code": reason_code,
            "other_reason": other_reason,
            "amount": None if amount is None else Decimal(str(amount)),
            "delivery_method": delivery_method,
            "recipient": dict(recipient) if recipient else None,
            "notes": notes,
        }
        path = f"/lineItems/{quote_segment(reference_line_item_id)}/reissue"
        _, data = self._post(path, body)
        return ReissueResult(
            order=TangoOrder.from_json(self._object(data)), reissued_from=reference_line_item_id
        )

    def cancel_line_item(
        self, reference_line_item_id: str, *, reason_code: str, other_reason: str | None = None
    ) -> None:
        """POST /lineItems/{id}/cancel: Choice Products only, unredeemed, within the program's
        window (5 days unless customised; the line item's ``canCancel`` says)."""
        self._line_item_action("cancel", reference_line_item_id, reason_code, other_reason)

    def freeze_line_item(
        self, reference_line_item_id: str, *, reason_code: str, other_reason: str | None = None
    ) -> None:
        """POST /lineItems/{id}/freeze (auto-unfreezes after 48 h at Tango)."""
        self._line_item_action("freeze", reference_line_item_id, reason_code, other_reason)

    def unfreeze_line_item(
        self, reference_line_item_id: str, *, reason_code: str, other_reason: str | None = None
    ) -> None:
        """POST /lineItems/{id}/unfreeze."""
        self._line_item_action("unfreeze", reference_line_item_id, reason_code, other_reason)


def parse_reason_codes(data: Any) -> dict[str, dict[str, str]]:
    """Tango's {"FREEZE": {code: description}, ...} as {"freeze": {code: description}}; any
    action or code Tango adds is kept, anything that is not a string table is left out."""
    tables: dict[str, dict[str, str]] = {}
    for action, codes in (data or {}).items() if isinstance(data, Mapping) else ():
        if isinstance(codes, Mapping):
            tables[str(action).lower().replace("-", "_")] = {
                str(code): str(text or code) for code, text in codes.items()
            }
    return tables


# --- one client per process: THE seam (tests install tango.testing.FakeTango through it) ------

_client: TangoClient | None = None
_client_pid: int | None = None
_installed: Any = None
_client_lock = threading.Lock()


def get_client() -> TangoClient:
    """The process-wide client, built on first use from Django settings.

    Rebuilt after a fork (Celery prefork children): a pooled connection inherited from the
    parent would be shared by two processes. A client set by install_client() wins.
    """
    global _client, _client_pid
    if _installed is not None:
        return _installed
    client = _client
    if client is None or _client_pid != os.getpid():
        with _client_lock:
            client = _client
            if client is None or _client_pid != os.getpid():
                # Imported here, not at the top: the client itself works without Django
                # (bench scripts, contract tests); only this per-process default reads settings.
                from django.conf import settings

                client = TangoClient(
                    base_url=settings.TANGO_BASE_URL,
                    platform_name=settings.TANGO_PLATFORM_NAME,
                    platform_key=settings.TANGO_PLATFORM_KEY,
                    connect_timeout=settings.TANGO_CONNECT_TIMEOUT,
                    read_timeout=settings.TANGO_READ_TIMEOUT,
                )
                _client, _client_pid = client, os.getpid()
    return client


def install_client(client: Any) -> None:
    """Make get_client() answer `client` (any object with the client's methods, e.g.
    tango.testing.FakeTango) in every thread of this process until reset_client()."""
    global _installed
    with _client_lock:
        _installed = client


def reset_client() -> None:
    """Forget the process-wide client and any installed one (tests, or after changing settings)."""
    global _client, _client_pid, _installed
    with _client_lock:
        if _client is not None and _client_pid == os.getpid():
            _client.close()
        _client = None
        _client_pid = None
        _installed = None
