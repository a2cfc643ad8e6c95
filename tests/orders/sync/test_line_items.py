"""GET /lineItems (orders/sync/line_items.py): changes written with timeline rows, unknown lines
of known orders created.
"""

from __future__ import annotations

from orders.models import Account, LineItem, OrderEvent
from orders.sync.line_items import sync_line_items
from orders.sync.orders import sync_orders_window
from tango.testing import T0, WINDOW, FakeTango, tango_line_json
from tests.factories import OrderFactory


def test_line_item_changes_are_written_with_events(fake_tango: FakeTango, account: Account) -> None:
    refs = fake_tango.seed(5)
    sync_orders_window(**WINDOW)
    sync_line_items(**WINDOW)
    line_ref = f"{refs[2]}-1"
    fake_tango.lines[line_ref].update(emailStatus="BOUNCE", rewardStatus="FROZEN", canCancel=False)

    report = sync_line_items(**WINDOW)

    assert report.updated == 1 and report.events == 1
    line = LineItem.objects.get(reference_line_item_id=line_ref)
    assert (line.email_status, line.reward_status, line.can_cancel) == ("BOUNCE", "FROZEN", False)
    # The latest event (the first line-item pass also recorded email status "" -> SENT).
    event = OrderEvent.objects.filter(kind=OrderEvent.Kind.LINE_ITEM_CHANGED, line_item=line)[0]
    assert (event.old_status, event.new_status) == ("SENT", "BOUNCE")
    assert "reward status ACTIVE → FROZEN" in event.message


def test_unknown_line_of_a_known_order_is_created(fake_tango: FakeTango, account: Account) -> None:
    order = OrderFactory(placed=True, is_bulk=True, line_item=None)
    tango = fake_tango.add(order.reference_order_id, created=T0, with_line=False)
    for n in (1, 2):
        line = tango_line_json(
            tango,
            referenceLineItemID=f"{order.reference_order_id}-{n}",
            lineNumber=n,
            status="FAILED" if n == 2 else "COMPLETE",
        )
        fake_tango.lines[line["referenceLineItemID"]] = line

    report = sync_line_items(**WINDOW)

    assert report.created == 2
    assert list(order.line_items.values_list("line_number", "status")) == [
        (1, "COMPLETE"),
        (2, "FAILED"),
    ]
