"""Tango's statuses never go back (orders/sync/status.py): a read older than the row, from a
window, GET /lineItems or the async summary, does not reopen an order or undo a line.
"""

from __future__ import annotations

import pytest

from orders.models import Account, LineItem, Order
from orders.statuses import FINAL_ORDER_STATUSES
from orders.sync import async_orders
from orders.sync.line_items import sync_line_items as sync_line_items_window
from orders.sync.orders import sync_orders_window
from tango.testing import WINDOW, FakeTango
from tango.types import AsyncOrderDetail
from tests.factories import LineItemFactory, OrderFactory


@pytest.mark.parametrize("final", sorted(FINAL_ORDER_STATUSES))
def test_a_stale_list_read_does_not_reopen_a_final_order(
    fake_tango: FakeTango, account: Account, final: str, status_events
) -> None:
    (ref,) = fake_tango.seed(1, status="PENDING", line_status="PENDING")
    sync_orders_window(**WINDOW)
    # A refresh (or the open-orders pass) already saw the order settle...
    Order.objects.filter(reference_order_id=ref).update(tango_status=final)
    LineItem.objects.filter(order__reference_order_id=ref).update(status="COMPLETE")
    events_before = status_events(ref)

    # ...and a window read that started earlier still carries PENDING.
    report = sync_orders_window(**WINDOW)

    order = Order.objects.get(reference_order_id=ref)
    assert order.tango_status == final
    assert order.line_items.get().status == "COMPLETE"
    assert status_events(ref) == events_before
    assert report.updated == 0 and report.events == 0


def test_final_to_final_changes_are_still_applied(
    fake_tango: FakeTango, account: Account, status_events
) -> None:
    (ref,) = fake_tango.seed(1)
    sync_orders_window(**WINDOW)
    # A COMPLETE line item cancelled at Tango (TANGO_API.md §9.8: COMPLETE -> CANCELLED).
    fake_tango.set_status(ref, "CANCELLED", "CANCELLED")

    sync_orders_window(**WINDOW)

    order = Order.objects.get(reference_order_id=ref)
    assert (order.tango_status, order.line_items.get().status) == ("CANCELLED", "CANCELLED")
    assert status_events(ref)[-1] == ("COMPLETE", "CANCELLED")


def test_a_stale_line_item_read_does_not_undo_completion(
    fake_tango: FakeTango, account: Account
) -> None:
    (ref,) = fake_tango.seed(1)
    sync_orders_window(**WINDOW)
    sync_line_items_window(**WINDOW)
    line = LineItem.objects.get(reference_line_item_id=f"{ref}-1")
    assert (line.status, line.reward_status) == ("COMPLETE", "ACTIVE")
    # A GET /lineItems page read before the line completed: no reward status yet.
    fake_tango.lines[f"{ref}-1"].update(
        status="PENDING", rewardStatus=None, emailStatus="PENDING", canCancel=False
    )

    report = sync_line_items_window(**WINDOW)

    line.refresh_from_db()
    assert (line.status, line.reward_status, line.email_status, line.can_cancel) == (
        "COMPLETE",
        "ACTIVE",
        "SENT",
        True,
    )
    assert report.updated == 0 and report.events == 0


def test_the_bulk_mirror_does_not_reopen_lines_or_the_order(db) -> None:
    order = OrderFactory(
        placed=True, is_bulk=True, reference_order_id="AA1-11", tango_status="PARTIAL"
    )
    order.line_items.all().delete()
    for n, status in ((1, "COMPLETE"), (2, "FAILED")):
        LineItemFactory(
            order=order,
            line_number=n,
            status=status,
            external_ref_line_item_id=f"{order.external_ref_id}-{n}",
        )
    stale = AsyncOrderDetail.from_json(
        {
            "referenceOrderID": "AA1-11",
            "externalRefID": order.external_ref_id,
            "orderStatus": "PENDING",
            "lineItems": [
                {
                    "referenceLineItemId": f"AA1-11-{n}",
                    "lineItemStatus": "PENDING",
                    "externalRefLineItemID": f"{order.external_ref_id}-{n}",
                }
                for n in (1, 2)
            ],
        }
    )

    async_orders.apply_async_detail(order, stale)

    order.refresh_from_db()
    assert order.tango_status == "PARTIAL"
    assert list(order.line_items.values_list("status", flat=True)) == ["COMPLETE", "FAILED"]
    assert not order.events.exists()
