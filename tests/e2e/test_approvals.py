"""Maker-checker in the browser: an order above the policy's threshold entered by support
waits with its rule; support has no approve control and a CSRF-valid direct POST is 403; a
manager approves it, the real worker places it at the simulator exactly once and the order
page shows COMPLETE. A manager's own order shows that manager no approve control.

Support enters the first order through the new-order form and reads, on the page it lands on,
that it waits and which rule it hit; the manager's own order is entered through the actions.
"""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import Page, expect

from approvals.actions.policies import save_policy
from approvals.actions.submit import submit_orders
from core.actor import Actor
from orders.actions.entry import create_order
from orders.models import Account, Order
from orders.statuses import PlacementState
from tests.e2e.conftest import reload_until_visible

RULE = "amount 600.00 USD is above the 500.00 USD per-order limit"


def enter(username: str, amount: str) -> Order:
    from django.contrib.auth import get_user_model

    actor = Actor.for_user(get_user_model().objects.get(username=username))
    order = create_order(
        account=Account.objects.get(identifier="acme-usd-01"),
        utid="U100001",
        amount=Decimal(amount),
        delivery_method="EMAIL",
        recipient_first_name="Avery",
        recipient_last_name="Stone",
        recipient_email="avery.stone@example.com",
        actor=actor,
        submit=False,
    )
    outcome = submit_orders([order], actor=actor)
    assert outcome.orders[0].waiting
    return order


def test_maker_checker_from_waiting_to_complete(
    page: Page, login, demo, worker, e2e_sim, order_form
):
    from django.contrib.auth import get_user_model

    save_policy(
        actor=Actor.for_user(get_user_model().objects.get(username="admin")),
        per_order_limits="USD 500",
        note="e2e",
    )
    own = enter("manager", "700.00")
    panel = page.get_by_role("region", name=re.compile(r"^Approval"))

    login("support")
    order = order_form("600.00", screenshot="/tmp/approvals-e2e-form.png")
    detail = f"{demo.url}/orders/{order.pk}/"
    assert page.url == detail
    expect(
        page.get_by_text(f"Order #{order.pk} created. Waiting for approval: {RULE}")
    ).to_be_visible()
    assert order.created_by.get_username() == "support"
    expect(page.get_by_title("Placement (our side)")).to_have_text("Awaiting approval")
    expect(panel).to_contain_text(RULE)
    expect(panel.get_by_role("button", name="Approve")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile(r"^Reject"))).to_have_count(0)
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    forged = page.request.post(
        f"{demo.url}/approvals/orders/{order.pk}/decide/",
        form={"decision": "approve", "csrfmiddlewaretoken": token},
        headers={"X-CSRFToken": token, "Origin": demo.url, "Referer": detail},
    )
    assert forged.status == 403
    assert "Needs the Manager role." in forged.text()  # the role refused, not the token
    order.refresh_from_db()
    assert order.state == PlacementState.AWAITING_APPROVAL
    page.get_by_role("button", name="Log out").click()

    login("manager")
    page.goto(f"{demo.url}/orders/{own.pk}/")
    expect(panel).to_contain_text("amount 700.00 USD is above the 500.00 USD per-order limit")
    expect(panel.get_by_role("button", name="Approve")).to_have_count(0)
    expect(panel).to_contain_text("You created this order")

    page.goto(f"{demo.url}/approvals/")
    expect(page.get_by_role("link", name=re.compile(r"^Approvals"))).to_contain_text("1")
    row = page.get_by_role("row").filter(has_text=f"#{order.pk}")
    expect(row).to_contain_text(RULE)
    row.get_by_role("link", name=f"#{order.pk}").click()

    panel.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Approved by manager; queued for placement.")).to_be_visible()
    heading = page.get_by_role("heading", level=1, name=re.compile(r"^Order RA\d"))
    reload_until_visible(page, heading, timeout=40)
    expect(page.get_by_title("Tango order status")).to_have_text("Complete")
    expect(page.get_by_title("Placement (our side)")).to_have_text("Placed")
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline.get_by_role("listitem").filter(has_text="Approved by manager")).to_have_count(1)
    order.refresh_from_db()
    assert order.state == PlacementState.PLACED
    assert e2e_sim.stats()["orders_by_external_ref"][order.external_ref_id] == 1
    page.screenshot(path="/tmp/approvals-e2e-detail.png", full_page=True)
