"""Fixtures of the re-order and reissue tests: failed orders to re-order."""

from __future__ import annotations

import pytest

from orders.models import Order
from tests.factories import LineItemFactory, OrderFactory


@pytest.fixture
def failed_order(db) -> Order:
    """A placed order Tango FAILED: its one line FAILED, with a recipient."""
    return OrderFactory(
        placed=True,
        tango_status="FAILED",
        amount="40.00",
        campaign="Survey thanks",
        line_item__status="FAILED",
        line_item__recipient_email="jane@example.com",
    )


@pytest.fixture
def partial_order(db) -> Order:
    """A bulk order Tango finished PARTIAL: line 1 COMPLETE, lines 2 and 3 FAILED."""
    order = OrderFactory(
        placed=True, tango_status="PARTIAL", is_bulk=True, amount="60.00", line_item=None
    )
    for number, status in ((1, "COMPLETE"), (2, "FAILED"), (3, "FAILED")):
        LineItemFactory(
            order=order,
            line_number=number,
            status=status,
            amount="20.00",
            recipient_first_name=f"Person{number}",
            recipient_email=f"p{number}@example.com",
        )
    return order
