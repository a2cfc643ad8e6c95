"""Orders we never saw placed, that Tango has: the sync adopts them (issue: lost POST answers).

A POST whose answer was lost and that staff then held, a retry still QUEUED, or a 409.024
"already exists" taken as a final rejection: the order is at Tango under our externalRefID, but
locally it waits or failed. The recent-orders pass finds it by externalRefID on the same account
and moves it to PLACED with Tango's data, through the placement state machine.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from orders.models import Account, LineItem, Order, OrderEvent
from orders.state import transition_state
from orders.statuses import HoldReason, PlacementState
from orders.sync import orders as sync_orders
from orders.sync.line_items import sync_line_items
from orders.sync.orders import sync_orders_window
from tango.testing import T0, WINDOW, FakeTango
from tests.factories import AccountFactory, OrderFactory

REF = "RA261102-500-11"


ADOPTABLE = {
    "held after a lost answer": {
        "state": PlacementState.HELD,
        "placement_attempts": 1,
        "hold_reason": HoldReason.STAFF,
        "hold_note": "checking with finance",
    },
    "queued for a retry": {"state": PlacementState.QUEUED, "placement_attempts": 2},
    "409.024 taken as final": {
        "state": PlacementState.PLACEMENT_FAILED,
        "placement_attempts": 1,
        "placement_error_key": "409.024",
        "placement_error": "An order with the external reference ID already exists",
    },
}


@pytest.mark.parametrize("case", list(ADOPTABLE))
def test_an_order_tango_has_is_adopted(
    fake_tango: FakeTango, account: Account, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    order = OrderFactory(account=account, **ADOPTABLE[case])
    old_state = order.state
    fake_tango.add(REF, created=T0, external_ref=order.external_ref_id, status="COMPLETE")

    with caplog.at_level(logging.WARNING, logger="orders.sync.orders"):
        report = sync_orders_window(**WINDOW)

    order.refresh_from_db()
    assert (order.state, order.reference_order_id, order.tango_status) == (
        PlacementState.PLACED,
        REF,
        "COMPLETE",
    )
    assert order.placed_at == T0 and order.tango_created_at == T0
    assert (order.hold_reason, order.placement_error_key, order.placement_error) == ("", "", "")
    assert order.amount_charged_total is not None
    assert order.line_items.get().status == "COMPLETE"
    assert Order.objects.count() == 1  # adopted, not imported a second time
    assert (report.adopted, report.created) == (1, 0)
    adopted = order.events.get(kind=OrderEvent.Kind.STATE_CHANGED)
    assert adopted.message == "Found at Tango: adopted"
    assert (adopted.source, adopted.old_status, adopted.new_status) == (
        "sync",
        old_state,
        PlacementState.PLACED,
    )
    assert order.events.get(kind=OrderEvent.Kind.STATUS_CHANGED).new_status == "COMPLETE"
    assert any(
        r.levelno == logging.WARNING and "adopted" in r.getMessage() and REF in r.getMessage()
        for r in caplog.records
    )

    # The line-item pass then finds the line (by its order and line number) and completes it.
    sync_line_items(**WINDOW)
    line = LineItem.objects.get(order=order)
    assert (line.reference_line_item_id, line.reward_status) == (f"{REF}-1", "ACTIVE")

    # And the next pass has nothing left to do.
    again = sync_orders_window(**WINDOW)
    assert (again.adopted, again.updated, again.events, again.skipped) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    "fields",
    [
        {"state": PlacementState.QUEUED, "placement_attempts": 0},  # never sent: placement's
        {"state": PlacementState.PLACING, "placement_attempts": 1},  # being sent right now
        {"state": PlacementState.DRAFT},
        {"state": PlacementState.WITHDRAWN},
    ],
    ids=lambda f: f"{f['state']}-{f.get('placement_attempts', 0)}",
)
def test_orders_placement_still_owns_are_left_alone(
    fake_tango: FakeTango, account: Account, fields: dict[str, Any]
) -> None:
    order = OrderFactory(account=account, **fields)
    fake_tango.add(REF, created=T0, external_ref=order.external_ref_id)

    report = sync_orders_window(**WINDOW)

    order.refresh_from_db()
    assert order.state == fields["state"] and order.reference_order_id is None
    assert order.tango_status == "" and not order.events.exists()
    assert (report.adopted, report.skipped, Order.objects.count()) == (0, 1, 1)


def test_the_same_external_ref_on_another_account_is_not_ours(
    fake_tango: FakeTango, account: Account
) -> None:
    other = AccountFactory(identifier="acme-usd-02", customer=account.customer)
    order = OrderFactory(account=account, state=PlacementState.HELD, placement_attempts=1)
    fake_tango.add(REF, created=T0, external_ref=order.external_ref_id, account=other.identifier)

    report = sync_orders_window(**WINDOW)

    order.refresh_from_db()
    assert order.state == PlacementState.HELD and order.reference_order_id is None
    assert report.adopted == 0
    # Tango's order belongs to the other account: imported as its own row, under a unique id.
    imported = Order.objects.get(reference_order_id=REF)
    assert imported.account == other and imported.external_ref_id == f"tango-{REF}"


def test_an_order_that_moved_meanwhile_is_not_adopted(
    fake_tango: FakeTango, account: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = OrderFactory(account=account, state=PlacementState.QUEUED, placement_attempts=1)
    fake_tango.add(REF, created=T0, external_ref=order.external_ref_id)

    def claimed_first(**kwargs: Any) -> bool:
        # The placement worker claims the order between the sync's read and its adoption.
        Order.objects.filter(pk=order.pk).update(state=PlacementState.PLACING)
        return transition_state(**kwargs)

    monkeypatch.setattr(sync_orders, "transition_state", claimed_first)

    report = sync_orders_window(**WINDOW)

    order.refresh_from_db()
    assert order.state == PlacementState.PLACING and order.reference_order_id is None
    assert order.tango_status == "" and not order.events.exists()
    assert report.adopted == 0 and report.updated == 0
