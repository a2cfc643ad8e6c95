"""The orders list filters over HTMX, keeps the filter in the URL, and the browser's back and
forward buttons bring earlier filters back."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Page, expect

from orders.models import Order
from orders.statuses import OrderStatus


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_htmx_filters_live_in_the_url_and_back_restores_them(page: Page, login, demo):
    failed = Order.objects.filter(tango_status=OrderStatus.FAILED).count()
    cancelled = Order.objects.filter(tango_status=OrderStatus.CANCELLED).count()
    total = Order.objects.count()
    assert failed > 0 and cancelled > 0 and failed + cancelled < total

    login("support")
    table = page.get_by_role("table")
    rows = table.locator("tbody").get_by_role("row")
    everything = page.get_by_text(f"of {total} orders")
    expect(everything).to_be_visible()
    # Survives only if filtering swaps the table in place instead of loading a new page.
    page.evaluate("window.e2eMarker = 'same page'")

    order_status = page.get_by_role("group", name="Order status")
    failed_box = order_status.get_by_label("Failed")
    cancelled_box = order_status.get_by_label("Cancelled")

    failed_box.check()
    expect(page).to_have_url(re.compile(r"\?status=FAILED$"))
    expect(rows).to_have_count(failed)
    expect(rows.filter(has_not_text="Failed")).to_have_count(0)

    cancelled_box.check()
    expect(page).to_have_url(re.compile(r"status=CANCELLED"))
    assert sorted(query(page)["status"]) == ["CANCELLED", "FAILED"]
    expect(rows).to_have_count(failed + cancelled)
    assert page.evaluate("window.e2eMarker") == "same page"

    page.go_back()
    expect(page).to_have_url(re.compile(r"\?status=FAILED$"))
    expect(failed_box).to_be_checked()
    expect(cancelled_box).not_to_be_checked()
    expect(rows).to_have_count(failed)
    expect(rows.filter(has_not_text="Failed")).to_have_count(0)

    page.go_back()
    expect(page).to_have_url(f"{demo.url}/")
    expect(failed_box).not_to_be_checked()
    expect(everything).to_be_visible()

    page.go_forward()
    expect(page).to_have_url(re.compile(r"\?status=FAILED$"))
    expect(failed_box).to_be_checked()
    expect(rows).to_have_count(failed)
