"""In the browser: a search by email finds the order while the address never appears in the
location bar (history, Referer), and Finance is told it cannot search by email (issue 8,
items 5 and 16)."""

from __future__ import annotations

from urllib.parse import quote

from playwright.sync_api import Page, expect

from orders.models import LineItem


def test_an_email_search_keeps_the_address_out_of_the_location_bar(page: Page, login, demo):
    line_item = LineItem.objects.exclude(recipient_email="").order_by("pk").first()
    email = line_item.recipient_email
    login("support")
    page.get_by_role("searchbox", name="Search").fill(email)
    expect(page.locator(f'a.row-link[href="/orders/{line_item.order_id}/"]')).to_be_visible()
    assert "qt=" in page.url, page.url
    assert email not in page.url and quote(email) not in page.url
    page.screenshot(path="/tmp/hl/email-search.png", full_page=False)
    # Leaving the box submits the form once more ("change"): the POST answers with an
    # HX-Location that htmx then loads and pushes. Wait for that load, or it can land after
    # the sort below and replace the sorted URL (wait_for_load_state("networkidle") returns at
    # once here, the page's first load having reached it long ago).
    with page.expect_response(
        lambda r: r.request.method == "GET" and "qt=" in r.url and "sort=" not in r.url
    ):
        page.get_by_role("searchbox", name="Search").blur()
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    assert "qt=" in page.url and email not in page.url
    # Sorting keeps the search (by its token) and still no address.
    page.get_by_role("link", name="Amount").click()
    page.wait_for_url(lambda url: "sort=" in url)
    expect(page.locator(f'a.row-link[href="/orders/{line_item.order_id}/"]')).to_be_visible()
    assert "sort=" in page.url and "qt=" in page.url and email not in page.url
    # Back to the unsorted list: the same search, restored from the history entry.
    page.go_back()
    page.wait_for_url(lambda url: "sort=" not in url)
    expect(page.locator(f'a.row-link[href="/orders/{line_item.order_id}/"]')).to_be_visible()
    assert "sort=" not in page.url and email not in page.url


def test_finance_is_told_it_cannot_search_by_email(page: Page, login, demo):
    email = LineItem.objects.exclude(recipient_email="").values_list("recipient_email", flat=True)[
        0
    ]
    login("finance")
    page.get_by_role("searchbox", name="Search").fill(email)
    expect(page.get_by_text("Your role cannot search by recipient email").first).to_be_visible()
    assert email not in page.url
    page.screenshot(path="/tmp/hl/finance-email.png", full_page=False)
