"""The new-order form in Chromium: support enters an order below the policy's threshold, it
is queued and the real worker places it at the simulator exactly once (COMPLETE on the detail
page); a cross-currency reward is priced with Tango's exchange rate; a bad field is refused
next to itself and nothing is written."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from approvals.actions.policies import save_policy
from core.actor import Actor
from orders.models import Account, Order
from orders.statuses import PlacementState


def test_a_queued_order_from_the_form_is_placed_once(
    page: Page, login, demo, worker, e2e_sim, order_form
):
    from django.contrib.auth import get_user_model

    save_policy(
        actor=Actor.for_user(get_user_model().objects.get(username="admin")),
        per_order_limits="USD 500",
        note="e2e",
    )
    login("support")
    order = order_form(
        "25.00",
        search="starbucks",
        reward="Starbucks Card $25",
        screenshot="/tmp/order-entry-form.png",
    )
    expect(
        page.get_by_text(
            f"Order #{order.pk} created. Queued for placement: no approval rule applies."
        )
    ).to_be_visible()
    heading = page.get_by_role("heading", level=1, name=re.compile(r"^Order RA\d"))
    deadline = time.monotonic() + 40
    while not heading.is_visible():
        assert time.monotonic() < deadline, "the order was not placed"
        time.sleep(0.5)
        page.reload()
    expect(page.get_by_title("Tango order status")).to_have_text("Complete")
    order.refresh_from_db()
    assert order.state == PlacementState.PLACED and order.amount == 25
    assert order.campaign == "e2e" and order.created_by.get_username() == "support"
    assert e2e_sim.stats()["orders_by_external_ref"][order.external_ref_id] == 1


def test_cross_currency_preview_and_field_errors(page: Page, login, demo):
    login("support")
    page.goto(f"{demo.url}/orders/new/")
    page.get_by_label("Pay from account").select_option(
        str(Account.objects.get(identifier="acme-usd-01").pk)
    )
    page.get_by_label("Find a reward").fill("zalando")
    page.get_by_role("button", name=re.compile(r"^Zalando Gutschein Zalando")).first.click()
    expect(page.locator("#picked-reward")).to_contain_text("EUR")
    page.get_by_label("Amount").fill("100")
    page.get_by_label("Recipient first name").fill("Mia")
    page.get_by_role("button", name="Preview cost").click()
    preview = page.locator("#preview")
    expect(preview).to_contain_text("1 EUR = 1.087 USD")
    expect(preview).to_contain_text("108.70 USD")
    page.screenshot(path="/tmp/order-entry-preview.png", full_page=True)

    before = Order.objects.count()
    page.get_by_label("Recipient email").fill("not-an-email")
    page.get_by_role("button", name="Submit order").click()
    field = page.locator(".field.has-error").filter(has=page.get_by_label("Recipient email"))
    expect(field).to_contain_text("The recipient's email address is not valid.")
    assert Order.objects.count() == before
    page.screenshot(path="/tmp/order-entry-errors.png", full_page=True)

    # The delivery method decides the recipient fields; Tango texts only +1 numbers.
    page.get_by_label("Find a reward").fill("reward link")
    page.get_by_role("button", name=re.compile(r"^Reward Link Reward Link")).first.click()
    expect(page.locator("#picked-reward")).to_contain_text("U100001")
    # The swapped-in select reacts once htmx has processed it (right after the swap settles); a
    # person is never that quick, Playwright is.
    page.wait_for_function(
        "!!document.querySelector('select[name=delivery_method]')['htmx-internal-data']"
    )
    page.get_by_label("Delivery method").select_option("PHONE")
    expect(page.get_by_label("Recipient mobile")).to_be_visible()
    expect(page.get_by_label("Recipient email")).to_have_count(0)
    page.get_by_label("Amount").fill("20")
    page.get_by_label("Recipient mobile").fill("+44 7911 123456")
    page.get_by_role("button", name="Submit order").click()
    mobile = page.locator(".field.has-error").filter(has=page.get_by_label("Recipient mobile"))
    expect(mobile).to_contain_text("Tango texts rewards only to +1 numbers")
    assert Order.objects.count() == before

    page.get_by_label("Find a reward").fill("physical visa")
    page.get_by_role("button", name=re.compile(r"^Physical Visa Prepaid Card")).click()
    expect(page.get_by_label("Delivery method").locator("option")).to_have_text(["Physical mail"])
    expect(page.get_by_label("Street line 1")).to_be_visible()
    expect(page.get_by_label("Recipient mobile")).to_have_count(0)
    page.screenshot(path="/tmp/order-entry-mailed.png", full_page=True)
