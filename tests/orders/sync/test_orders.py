"""GET /orders windows (orders/sync/orders.py): bulk updates with one timeline row per status,
no writes for unchanged data, windows split below Tango's result cap.
"""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Account, Order, OrderEvent
from orders.statuses import PlacementState
from orders.sync import orders as sync_orders
from orders.sync.line_items import sync_line_items
from orders.sync.orders import sync_orders_window
from tango.testing import T0, WINDOW, FakeTango
from tests.factories import OrderFactory


@pytest.mark.parametrize("count", [1, 100, 250])
def test_pass_over_unchanged_data_writes_nothing(
    fake_tango: FakeTango, account: Account, count: int, writes
) -> None:
    fake_tango.seed(count)
    sync_orders_window(**WINDOW)
    sync_line_items(**WINDOW)  # line items fully known too (reference ids, email status...)
    fake_tango.calls.clear()

    with CaptureQueriesContext(connection) as ctx:
        report = sync_orders_window(**WINDOW)
        line_report = sync_line_items(**WINDOW)

    assert writes(ctx) == []
    assert (report.updated, report.created, report.events) == (0, 0, 0)
    assert (line_report.updated, line_report.created, line_report.events) == (0, 0, 0)
    assert fake_tango.count("list_orders") <= math.ceil(count / 100)
    assert fake_tango.count("list_line_items") <= math.ceil(count / 100)
    assert Order.objects.filter(last_synced_at__isnull=False).count() == count


def test_status_changes_are_bulk_updated_with_one_event_each(
    fake_tango: FakeTango, account: Account
) -> None:
    refs = fake_tango.seed(120, status="PENDING", line_status="PENDING")
    sync_orders_window(**WINDOW)

    def change(subset: list[str]) -> int:
        for ref in subset:
            fake_tango.set_status(ref, "COMPLETE", "COMPLETE")
        with CaptureQueriesContext(connection) as ctx:
            report = sync_orders_window(**WINDOW)
        assert report.updated == len(subset)
        return len(ctx.captured_queries)

    # Both passes change rows on both pages (newest first: refs[119] is on page 0).
    few = change([refs[0], refs[119]])
    many = change(refs[1:45] + refs[75:119])
    # 88 changed rows cost what 2 do, give or take one batch: SQLite caps the parameters of
    # one statement (999), so Django splits a big INSERT in two. Never a query per row.
    assert few <= many <= few + 2, (few, many)

    order = Order.objects.get(reference_order_id=refs[0])
    assert order.tango_status == "COMPLETE"
    assert order.line_items.get().status == "COMPLETE"
    event = order.events.get(kind=OrderEvent.Kind.STATUS_CHANGED)
    assert (event.old_status, event.new_status, event.source) == ("PENDING", "COMPLETE", "sync")
    line_event = order.events.get(kind=OrderEvent.Kind.LINE_ITEM_CHANGED)
    assert (line_event.old_status, line_event.new_status) == ("PENDING", "COMPLETE")
    assert OrderEvent.objects.filter(kind=OrderEvent.Kind.STATUS_CHANGED).count() == 90
    assert Order.objects.filter(tango_status="PENDING").count() == 30
    assert Order.objects.filter(tango_status="PENDING", reference_order_id=refs[50]).exists()


def test_big_windows_are_split_below_the_result_cap(
    fake_tango: FakeTango, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync_orders, "MAX_RESULT_WINDOW", 300)
    fake_tango.max_result_window = 300  # a page past it is refused, as Tango does (400.021)
    fake_tango.seed(1000, step=timedelta(minutes=3))

    report = sync_orders_window(**WINDOW)

    assert Order.objects.count() == 1000
    assert report.windows >= 4
    spans = [
        (c["start_date"], c["end_date"]) for name, c in fake_tango.calls if name == "list_orders"
    ]
    assert len(set(spans)) > 1


def test_our_placed_order_gets_its_reference_and_unplaced_ones_are_left_alone(
    fake_tango: FakeTango, account: Account
) -> None:
    placed = OrderFactory(state=PlacementState.PLACED, is_bulk=True, line_item=None)
    placing = OrderFactory(state=PlacementState.PLACING)
    fake_tango.add("RA261102-1-11", created=T0, external_ref=placed.external_ref_id, source="AA")
    fake_tango.add("RA261102-2-11", created=T0, external_ref=placing.external_ref_id)

    report = sync_orders_window(**WINDOW)

    placed.refresh_from_db()
    placing.refresh_from_db()
    assert placed.reference_order_id == "RA261102-1-11" and placed.tango_status == "COMPLETE"
    assert placing.reference_order_id is None and placing.state == PlacementState.PLACING
    assert report.skipped == 1 and report.created == 0
    assert Order.objects.count() == 2
