"""A role without the resend permission: no way to resend in the page, and 403 when it tries
anyway with a valid session and CSRF token."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from orders.actions.resend import resend_blocker
from orders.models import LineItem, OrderEvent
from orders.statuses import LineItemStatus


def resendable_line_item() -> LineItem:
    """A delivered digital reward that Support could resend (so only the role stops Finance)."""
    candidates = LineItem.objects.select_related("order").filter(
        status=LineItemStatus.COMPLETE, delivery_method="EMAIL"
    )
    return next(li for li in candidates.order_by("pk") if resend_blocker(li) is None)


def test_finance_cannot_resend_in_the_page_or_by_direct_post(page: Page, login, demo):
    line_item = resendable_line_item()
    order = line_item.order

    login("finance")
    page.get_by_role("searchbox", name="Search").fill(order.reference_order_id)
    expect(page.get_by_text("of 1 order")).to_be_visible()
    page.get_by_role("link", name=order.reference_order_id).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {order.reference_order_id}")
    article = page.get_by_role("article").filter(
        has=page.get_by_role("heading", name=f"#{line_item.line_number}")
    )
    expect(article).to_have_count(1)
    # No resend control at all for a role that may never resend.
    expect(page.get_by_role("button", name=re.compile(r"^Resend"))).to_have_count(0)
    expect(page.get_by_role("button", name="Confirm resend")).to_have_count(0)

    # A hand-made POST with the session cookie and a valid CSRF token is still refused.
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"{demo.url}/line-items/{line_item.pk}/resend/",
        form={"destination": "same", "reason_code": "NOT_RECEIVED", "reason": "try it"},
        headers={"X-CSRFToken": csrf, "Referer": page.url},
        max_redirects=0,
    )
    assert response.status == 403
    # Refused by the role check, not by CSRF or a login redirect.
    assert "Needs the Support role." in response.text()
    assert not OrderEvent.objects.filter(
        line_item=line_item, kind=OrderEvent.Kind.RESEND_REQUESTED
    ).exists()
    line_item.refresh_from_db()
    assert line_item.resend_requested_at is None

    order_level = page.request.post(
        f"{demo.url}/orders/{order.pk}/resend/",
        form={"destination": "same", "reason_code": "NOT_RECEIVED"},
        headers={"X-CSRFToken": csrf},
        max_redirects=0,
    )
    assert order_level.status == 403
