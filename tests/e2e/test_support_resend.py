"""Support's golden path: find PARTIAL orders with FAILED line items, open one, resend a
reward to a corrected email and watch the real worker's answer from Tango land on the timeline.
"""

from __future__ import annotations

import re

import requests
from playwright.sync_api import Locator, Page, expect

from orders.models import LineItem, Order
from orders.statuses import LineItemStatus, OrderStatus

CORRECTED_EMAIL = "jane.corrected@example.net"


def column_index(table: Locator, name: str) -> int:
    """Position of a column by its header text (the bulk checkbox column comes and goes)."""
    headers = [text.strip() for text in table.get_by_role("columnheader").all_text_contents()]
    return next(i for i, text in enumerate(headers) if text.startswith(name))


def body_rows(table: Locator) -> Locator:
    return table.locator("tbody").get_by_role("row")


def test_support_filters_partial_orders_with_failed_lines_and_resends_to_corrected_email(
    page: Page, login, demo, worker, e2e_sim
):
    expected = set(
        Order.objects.filter(tango_status=OrderStatus.PARTIAL)
        .filter(line_items__status=LineItemStatus.FAILED)
        .values_list("reference_order_id", flat=True)
    )
    # The demo data must offer something to filter out, or this test could not fail.
    assert expected
    assert Order.objects.exclude(reference_order_id__in=expected).count() > 10

    login("support")
    table = page.get_by_role("table")
    unfiltered = body_rows(table).count()
    assert unfiltered > len(expected)

    filters = page.get_by_role("search", name="Filter orders")
    filters.get_by_role("group", name="Order status").get_by_label("Partial").check()
    expect(page).to_have_url(re.compile(r"[?&]status=PARTIAL"))
    filters.get_by_role("group", name="Line-item status").get_by_label("Failed").check()
    expect(page).to_have_url(re.compile(r"[?&]li_status=FAILED"))

    n = len(expected)
    expect(page.get_by_text(f"of {n} orders")).to_be_visible()
    rows = body_rows(table)
    expect(rows).to_have_count(n)
    status_col = column_index(table, "Order status")
    lines_col = column_index(table, "Line items")
    shown = set()
    for row in rows.all():
        cells = row.get_by_role("cell")
        expect(cells.nth(status_col)).to_contain_text("Partial")
        expect(cells.nth(lines_col).get_by_text("Failed", exact=True).first).to_be_visible()
        shown.add(row.get_by_role("link").first.text_content().strip())
    assert shown == expected

    # Open one of them and resend one of its delivered digital rewards to a corrected email.
    rows.first.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Order ")
    reference = page.get_by_role("heading", level=1).text_content().split()[-1]
    assert reference in expected
    resendable = page.get_by_role("article").filter(
        has=page.get_by_role("button", name="Resend…", exact=True)
    )
    article = resendable.first
    expect(article.get_by_title("Line-item status")).to_have_text("Complete")
    line_number = int(article.get_by_role("heading").text_content().split()[0].lstrip("#"))
    line_item = LineItem.objects.get(order__reference_order_id=reference, line_number=line_number)
    assert line_item.status == LineItemStatus.COMPLETE
    assert line_item.recipient_email != CORRECTED_EMAIL

    article.get_by_role("button", name="Resend…", exact=True).click()
    article.get_by_role("radio", name="Corrected email").check()
    article.get_by_role("textbox", name="Corrected email").fill(CORRECTED_EMAIL)
    article.get_by_label("I confirmed this is the same person").check()
    article.get_by_role("textbox", name="Details").fill("Typo in the address, per ticket 4711")
    article.get_by_role("button", name="Confirm resend").click()

    expect(page.get_by_text(f"Resend queued for line {line_number}")).to_be_visible()
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline.get_by_text("Resend requested")).to_be_visible()
    # The page polls while the resend is in flight; the worker asks the simulator meanwhile.
    resent = timeline.get_by_role("listitem").filter(has_text="Reward resent")
    expect(resent).to_be_visible(timeout=20_000)
    expect(resent).to_contain_text(f"Tango resent line {line_number} to corrected email j***@")
    expect(resent).to_contain_text("support")
    expect(page.get_by_text("Resend in progress")).to_have_count(0)
    # Contact data stays masked for support until asked for.
    expect(page.get_by_text(CORRECTED_EMAIL)).to_have_count(0)

    line_item.refresh_from_db()
    assert line_item.resend_count == 1
    assert line_item.resend_requested_at is None
    # And the simulator really got the corrected address from the worker.
    answer = requests.get(
        f"{e2e_sim.base_url}/lineItems/{line_item.reference_line_item_id}",
        auth=e2e_sim.auth,
        timeout=5,
    )
    answer.raise_for_status()
    history = answer.json().get("resendHistory") or []
    assert [entry["recipient"]["email"] for entry in history] == [CORRECTED_EMAIL]
