"""Read one date range from Tango in windows that stay under its 10,000-result cap.

GET /orders reaches at most 10,000 results per query (TANGO_API.md §5.1) and 100 days per
period: like the order sync (orders/sync/orders.py, whose limits this reuses) a range is cut
into periods of MAX_WINDOW, and a period whose first page counts more than the cap is halved
until each half fits. Each window's line items come from GET /lineItems over the same dates
(keyset pages, no cap). HTTP only: nothing is written here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from orders.sync import orders as order_sync
from tango.client import TangoClient
from tango.types import TangoLineItem, TangoOrder

logger = logging.getLogger(__name__)


@dataclass
class Window:
    start: datetime
    end: datetime
    orders: list[TangoOrder]
    line_items: list[TangoLineItem]
    calls: int


def tango_windows(client: TangoClient, start: datetime, end: datetime) -> Iterator[Window]:
    """Every window of [start, end], with Tango's orders and line items in it."""
    chunk = start
    while chunk < end:
        chunk_end = min(chunk + order_sync.MAX_WINDOW, end)
        yield from _split(client, chunk, chunk_end)
        chunk = chunk_end


def _list(client: TangoClient, start: datetime, end: datetime, page: int):
    return client.list_orders(
        page=page, elements_per_block=order_sync.ORDER_PAGE_SIZE, start_date=start, end_date=end
    )


def _split(client: TangoClient, start: datetime, end: datetime) -> Iterator[Window]:
    page = _list(client, start, end, 0)
    cap = order_sync.MAX_RESULT_WINDOW  # read at call time: tests lower it
    if page.total_count > cap and end - start > order_sync.MIN_WINDOW:
        middle = start + (end - start) / 2
        yield from _split(client, start, middle)
        yield from _split(client, middle, end)
        return
    if page.total_count > cap:
        logger.warning(
            "recon: %d orders in %s..%s exceed Tango's cap", page.total_count, start, end
        )
    orders, calls = list(page.orders), 1
    reachable = min(page.total_count, cap)
    while page.orders and len(orders) < reachable:
        page = _list(client, start, end, page.number + 1)
        orders += page.orders
        calls += 1
    lines = list(client.iter_line_items(start_date=start, end_date=end))  # pages of 100
    yield Window(start=start, end=end, orders=orders, line_items=lines, calls=calls)
