"""A manager releases the order held by staff; the real worker places it at the simulator."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from orders.models import Order
from orders.statuses import HoldReason, PlacementState
from tests.e2e.conftest import reload_until_visible


def test_manager_releases_held_order_and_worker_places_it(page: Page, login, demo, worker):
    held = Order.objects.get(state=PlacementState.HELD, hold_reason=HoldReason.STAFF)
    assert not held.reference_order_id

    login("manager")
    row = page.get_by_role("row").filter(has_text="Held by staff")
    expect(row).to_have_count(1)
    row.get_by_role("link", name="Not placed").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Order (not placed yet)")
    expect(page.get_by_role("status").filter(has_text="On hold")).to_contain_text(
        "Waiting for the budget owner's sign-off"
    )
    page.get_by_role("button", name="Release…").click()
    page.get_by_role("textbox", name=re.compile(r"^Note")).fill("Budget owner signed off")
    page.get_by_role("button", name="Confirm release").click()
    expect(page.get_by_text("Order released: queued for placement.")).to_be_visible()
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline.get_by_role("listitem").filter(has_text="Released")).to_contain_text("manager")

    heading = page.get_by_role("heading", level=1, name=re.compile(r"^Order RA\d"))
    reload_until_visible(page, heading)
    held.refresh_from_db()
    assert held.state == PlacementState.PLACED
    expect(heading).to_have_text(f"Order {held.reference_order_id}")
    expect(page.get_by_title("Tango order status")).to_have_text("Complete")
    expect(page.get_by_title("Placement (our side)")).to_have_text("Placed")
    expect(page.get_by_role("status").filter(has_text="On hold")).to_have_count(0)
    expect(timeline.get_by_role("listitem").filter(has_text="Placement attempt")).not_to_have_count(
        0
    )
