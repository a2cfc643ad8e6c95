"""Re-order and reissue in the browser, with the real worker and the simulator.

Support re-orders the FAILED line of a PARTIAL demo order with a corrected email (and the
cents set to .00, the simulator's "success"): the page says it was queued, both orders link
to each other, the worker places it once, and a second POST of the same form (a stale second
tab) creates no second order.

A reissue at a higher amount goes through the approval policy: an admin reissues a COMPLETE
Reward Link (support has no reissue permission), the original's page says a reissue is
awaiting approval and links the waiting order; a manager approves it in the queue, the worker
posts POST /lineItems/{id}/reissue once (never POST /orders) and the original's page shows
the reward cancelled and reissued as the new order.
"""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import Page, expect

from approvals.actions.policies import save_policy
from core.actor import Actor
from orders.models import LineItem, Order
from orders.statuses import LineItemStatus, OrderStatus, PlacementState
from tests.e2e.conftest import reload_until_visible

CORRECTED_EMAIL = "team.member.fixed@example.net"
SLOW = 15_000  # ms: a form POST that writes and redirects, on a shared 2-core machine


def policy(limit: str) -> None:
    from django.contrib.auth import get_user_model

    save_policy(
        actor=Actor.for_user(get_user_model().objects.get(username="admin")),
        per_order_limits=f"USD {limit}",
        note="e2e follow-ups",
    )


def test_support_reorders_a_failed_line_once_with_a_corrected_email(
    page: Page, login, demo, worker, e2e_sim
):
    policy("500")
    original = Order.objects.get(external_ref_id="demo-bulk-2")  # lines at 20.17 and 20.00
    assert original.tango_status == OrderStatus.PARTIAL
    [failed] = original.line_items.filter(status=LineItemStatus.FAILED)
    assert failed.amount == Decimal("20.17") and failed.recipient_email != CORRECTED_EMAIL
    before = set(Order.objects.values_list("pk", flat=True))

    login("support")
    page.goto(f"{demo.url}/orders/{original.pk}/")
    panel = page.get_by_role("region", name="Re-orders and reissues")
    expect(panel).to_contain_text("1 of 1 failed reward can be re-ordered.")
    panel.get_by_role("link", name="Re-order failed rewards…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Re-order failed rewards")
    reorder_url = page.url
    assert reorder_url == f"{demo.url}/orders/{original.pk}/reorder/"

    # A second tab with the same form, filled in too: its POST comes after the first one's.
    stale = page.context.new_page()
    stale.goto(reorder_url)
    for tab in (page, stale):
        line = tab.locator(f"#reorder-line-{failed.pk}")
        expect(line.get_by_label("Re-order this reward")).to_be_checked()
        expect(line.get_by_label("Amount")).to_have_value("20.17")
        line.get_by_label("Amount").fill("20.00")
        line.get_by_label("Email").fill(CORRECTED_EMAIL)

    page.get_by_role("button", name="Re-order").click()
    page.wait_for_url(f"{demo.url}/orders/{original.pk}/")
    expect(
        page.get_by_text(
            "1 failed reward re-ordered. Queued for placement: no approval rule applies."
        )
    ).to_be_visible(timeout=SLOW)
    [new] = Order.objects.exclude(pk__in=before)
    assert new.reorder_of_id == failed.pk and new.created_by.get_username() == "support"
    new_line = new.line_items.get()
    assert new_line.recipient_email == CORRECTED_EMAIL and new_line.amount == Decimal("20.00")
    assert new_line.utid == failed.utid and new.campaign == original.campaign

    # The original names the new order, which links back to the original.
    item = panel.get_by_role("listitem").filter(has_text=f"Line {failed.line_number} re-ordered as")
    link = item.get_by_role("link", name=re.compile(rf"^order #{new.pk}\b"))
    expect(link).to_be_visible()
    expect(panel).not_to_contain_text("can be re-ordered.")
    link.click()
    page.wait_for_url(f"{demo.url}/orders/{new.pk}/")
    back = page.get_by_role("region", name="Re-orders and reissues")
    expect(back).to_contain_text(
        f"Re-order of line {failed.line_number} of order #{original.pk}", timeout=SLOW
    )
    expect(back).to_contain_text("which failed.")
    page.screenshot(path="/tmp/followups-reorder-new.png", full_page=True)

    # The stale tab's POST of the same re-order: refused, no second order.
    stale.get_by_role("button", name="Re-order").click()
    stale.wait_for_url(f"{demo.url}/orders/{original.pk}/")
    expect(stale.get_by_role("alert")).to_contain_text(
        re.compile(rf"Line {failed.line_number} was already re-ordered as order {new.pk} \("),
        timeout=SLOW,
    )
    stale.close()
    assert Order.objects.filter(reorder_of=failed).count() == 1
    assert set(Order.objects.exclude(pk__in=before).values_list("pk", flat=True)) == {new.pk}

    # The worker places the re-order at the simulator once, with the corrected email.
    heading = page.get_by_role("heading", level=1, name=re.compile(r"^Order RA\d"))
    reload_until_visible(page, heading, timeout=40)
    expect(page.get_by_title("Tango order status")).to_have_text("Complete")
    new.refresh_from_db()
    assert new.state == PlacementState.PLACED
    assert e2e_sim.stats()["orders_by_external_ref"][new.external_ref_id] == 1
    from tango.client import get_client

    assert get_client().get_order(new.reference_order_id).recipient.email == CORRECTED_EMAIL
    assert Order.objects.filter(reorder_of=failed).count() == 1


def issued_reward_link() -> LineItem:
    """A COMPLETE Reward Link of the demo that Tango lets us reissue now (canCancel)."""
    candidates = LineItem.objects.filter(
        utid="U100001",
        status=LineItemStatus.COMPLETE,
        can_cancel=True,
        reissue_requested_at__isnull=True,
        order__tango_status=OrderStatus.COMPLETE,
        order__account__identifier="acme-usd-01",
        currency="USD",
    ).order_by("order__is_bulk", "pk")  # a one-reward order first
    line = candidates.select_related("order").first()
    assert line is not None and line.reference_line_item_id
    return line


def test_a_higher_reissue_waits_for_a_manager_then_is_reissued_once(
    page: Page, login, demo, worker, e2e_sim
):
    from tango.client import get_client

    line = issued_reward_link()
    original = line.order
    higher = line.amount + 25
    policy(str(line.amount))  # the reward's own amount passes, the higher one does not
    rule = f"amount {higher} USD is above the {line.amount} USD per-order limit"
    before = set(Order.objects.values_list("pk", flat=True))
    assert e2e_sim.stats()["counters"].get("reissues", 0) == 0
    reissue_link = page.get_by_role("group", name=f"Actions for line {line.line_number}")

    # Support sees why it cannot reissue; the admin can.
    login("support")
    page.goto(f"{demo.url}/orders/{original.pk}/")
    expect(reissue_link.get_by_role("button", name="Reissue")).to_be_disabled()
    expect(reissue_link).to_contain_text("Manager")  # the role it needs, in words
    page.get_by_role("button", name="Log out").click()

    login("admin")
    page.goto(f"{demo.url}/orders/{original.pk}/")
    reissue_link.get_by_role("link", name="Reissue…").click()
    page.wait_for_url(f"{demo.url}/orders/line-items/{line.pk}/reissue/")
    page.get_by_label("Amount").fill(str(higher))
    page.get_by_label("Reason", exact=True).select_option("REWARD_AMOUNT")
    page.get_by_role("button", name="Reissue at Tango").click()

    # The waiting order's page: held with its rule, linked to the reward it replaces.
    page.wait_for_url(re.compile(r".*/orders/\d+/$"))
    [waiting] = Order.objects.exclude(pk__in=before)
    assert page.url == f"{demo.url}/orders/{waiting.pk}/"
    assert waiting.reissue_of_id == line.pk and waiting.amount == higher
    expect(page.locator("#messages")).to_have_text(f"Waiting for approval: {rule}", timeout=SLOW)
    expect(page.get_by_title("Placement (our side)")).to_have_text("Awaiting approval")
    panel = page.get_by_role("region", name="Re-orders and reissues")
    expect(panel).to_contain_text(f"Reissue of line {line.line_number} of order #{original.pk}")
    approval = page.get_by_role("region", name=re.compile(r"^Approval"))
    expect(approval).to_contain_text(rule)
    expect(approval.get_by_role("button", name="Approve")).to_have_count(0)  # the admin's own

    # The original says a reissue is awaiting approval, links it, and offers no second one.
    page.goto(f"{demo.url}/orders/{original.pk}/")
    item = panel.get_by_role("listitem").filter(has_text=f"Line {line.line_number}:")
    expect(item).to_contain_text("a reissue is awaiting approval as")
    expect(item.get_by_role("link", name=f"order #{waiting.pk}")).to_be_visible()
    expect(reissue_link.get_by_role("button", name="Reissue")).to_be_disabled()
    expect(reissue_link).to_contain_text(f"awaiting approval or being sent: order {waiting.pk}")
    page.screenshot(path="/tmp/followups-reissue-waiting.png", full_page=True)
    assert e2e_sim.stats()["counters"].get("reissues", 0) == 0  # nothing sent before approval
    page.get_by_role("button", name="Log out").click()

    login("manager")
    page.goto(f"{demo.url}/approvals/")
    row = page.get_by_role("row").filter(has_text=f"#{waiting.pk}")
    expect(row).to_contain_text(rule)
    expect(row).to_contain_text("admin")
    row.get_by_label(f"Select order #{waiting.pk}").check()
    with page.expect_response(re.compile(r"/approvals/decide/$")) as decided:
        page.get_by_role("button", name="Approve selected").click()
    assert decided.value.status in (200, 302)
    expect(page.get_by_text(re.compile(rf"^Order #{waiting.pk}: Approved"))).to_be_visible(
        timeout=SLOW
    )

    # The worker reissues once; the original's page shows the reward replaced. The link is
    # written first, then both orders are re-read from Tango (the cancel): wait for the last.
    page.goto(f"{demo.url}/orders/{original.pk}/")
    status = page.locator(f"#line-item-{line.pk}").get_by_title("Line-item status")
    reload_until_visible(page, status.filter(has_text="Cancelled"), timeout=40)
    expect(page.locator(f"#line-item-{line.pk}").get_by_title("Reward status")).to_have_text(
        "Reward: Cancelled"
    )
    done = panel.get_by_role("listitem").filter(has_text=f"Line {line.line_number} reissued as")
    waiting.refresh_from_db()
    assert waiting.state == PlacementState.PLACED and waiting.reference_order_id
    expect(done.get_by_role("link", name=re.compile(rf"^order #{waiting.pk} "))).to_contain_text(
        waiting.reference_order_id
    )
    expect(reissue_link.get_by_role("link", name="Reissue…")).to_have_count(0)
    page.screenshot(path="/tmp/followups-reissue-done.png", full_page=True)

    stats = e2e_sim.stats()
    assert stats["counters"]["reissues"] == 1
    # Never POST /orders: the waiting order's externalRefID never reached Tango.
    assert waiting.external_ref_id not in stats["orders_by_external_ref"]
    client = get_client()
    at_tango = client.get_line_item(line.reference_line_item_id)
    assert at_tango.status == "CANCELLED" and at_tango.reissued_to
    fresh = client.get_line_item(at_tango.reissued_to)
    assert fresh.reissued_from == line.reference_line_item_id
    assert fresh.amount_issued.value == higher
    assert fresh.reference_order_id == waiting.reference_order_id
    assert waiting.line_items.get().reference_line_item_id == at_tango.reissued_to
    assert Order.objects.filter(reissue_of=line).count() == 1
    assert set(Order.objects.exclude(pk__in=before).values_list("pk", flat=True)) == {waiting.pk}

    done.get_by_role("link", name=re.compile(rf"^order #{waiting.pk} ")).click()
    page.wait_for_url(f"{demo.url}/orders/{waiting.pk}/")
    expect(page.get_by_title("Placement (our side)")).to_have_text("Placed")
    expect(panel).to_contain_text(f"Reissue of line {line.line_number} of order #{original.pk}")
