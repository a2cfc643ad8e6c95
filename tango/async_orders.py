"""Tango's async (bulk, multi-line) orders: POST /asyncOrders and the paged summary (§7.7).

The half of TangoClient for orders of many lines. Tango pages the summary's line items
(`pagination.nextCursor`); `get_async_order` follows the pages, so a caller always sees every
line, and `follow_async_pages` is the one place that knows how (tango.testing.FakeTango uses it
too). Same rules as client.py: frozen dataclasses out, typed errors, no retries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from .transport import TangoTransport, quote_segment
from .types import AsyncOrderAccepted, AsyncOrderDetail, Sender

logger = logging.getLogger(__name__)


class AsyncOrderEndpoints(TangoTransport):
    """POST /asyncOrders and the async order summary, read page by page."""

    def create_async_order(
        self,
        *,
        customer_identifier: str,
        account_identifier: str,
        external_ref_id: str,
        line_items: Sequence[Mapping[str, Any]],
        sender: Sender | None = None,
        campaign: str | None = None,
        purchase_order_number: str | None = None,
        notes: str | None = None,
    ) -> AsyncOrderAccepted:
        """POST /asyncOrders. ``line_items`` are mappings with snake_case keys
        (``external_ref_line_item_id``, ``utid``, ``amount``, ``recipient``...)."""
        body = {
            "external_ref_id": external_ref_id,
            "customer_identifier": customer_identifier,
            "account_identifier": account_identifier,
            "line_items": list(line_items),
            "sender": sender,
            "campaign": campaign,
            "purchase_order_number": purchase_order_number,
            "notes": notes,
        }
        _, data = self._post("/asyncOrders", body)
        return AsyncOrderAccepted.from_json(self._object(data))

    def get_async_order(
        self,
        *,
        customer_identifier: str,
        account_identifier: str,
        external_ref_id: str,
        max_results: int | None = None,
    ) -> AsyncOrderDetail:
        """The async order summary with EVERY line item: follows `pagination.nextCursor`.

        ``max_results`` is the page size (Tango's default 100, at most 500)."""
        return follow_async_pages(
            lambda cursor: self.get_async_order_page(
                customer_identifier=customer_identifier,
                account_identifier=account_identifier,
                external_ref_id=external_ref_id,
                cursor=cursor,
                max_results=max_results,
            )
        )

    def get_async_order_page(
        self,
        *,
        customer_identifier: str,
        account_identifier: str,
        external_ref_id: str,
        cursor: str | None = None,
        max_results: int | None = None,
    ) -> AsyncOrderDetail:
        """GET /asyncOrders/customers/{c}/accounts/{a}/{externalRefID}: one page of its lines
        (from `cursor`, a previous page's `next_cursor`)."""
        path = (
            f"/asyncOrders/customers/{quote_segment(customer_identifier)}"
            f"/accounts/{quote_segment(account_identifier)}/{quote_segment(external_ref_id)}"
        )
        data = self._get(path, next_cursor=cursor, max_results=max_results)
        return AsyncOrderDetail.from_json(self._object(data))


def follow_async_pages(fetch_page: Callable[[str | None], AsyncOrderDetail]) -> AsyncOrderDetail:
    """The first page of an async order summary with the lines of every following page.

    `fetch_page(cursor)` reads one page (None: the first). A cursor seen twice (a server that
    does not advance) ends the reading with a warning instead of looping.
    """
    first = fetch_page(None)
    lines = list(first.line_items)
    cursor = first.next_cursor
    seen: set[str] = set()
    while cursor:
        if cursor in seen:
            logger.warning(
                "tango: async order %s repeated a page cursor; stopping", first.external_ref_id
            )
            break
        seen.add(cursor)
        page = fetch_page(cursor)
        lines.extend(page.line_items)
        cursor = page.next_cursor
    return replace(first, line_items=tuple(lines), next_cursor=None)
