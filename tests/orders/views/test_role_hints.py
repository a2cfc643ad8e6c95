"""What the console tells each role fits that role (issue 8, item 16): next steps a role
cannot take are not offered to it, the "Admin" link only for who may enter /admin/, and a
search the role may not run says so instead of "No orders match"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import OrderFactory

HTMX = {"HX-Request": "true"}
RESEND_STEP = "Resend a digital reward if needed."


@pytest.mark.parametrize(
    ("role", "offered"), [("Support", True), ("Manager", True), ("Finance", False)]
)
def test_the_next_step_of_a_complete_order_fits_the_role(client, make_user, role, offered):
    client.force_login(make_user(role))
    order = OrderFactory(placed=True, tango_status="COMPLETE")
    html = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert (
        "Check each line item&#x27;s delivery." in html
        or "Check each line item's delivery." in html
    )
    assert (RESEND_STEP in html) is offered
    if not offered:
        assert "Support or a Manager can resend it" in html


@pytest.mark.parametrize(
    ("role", "superuser", "link"),
    [
        ("Support", False, False),
        ("Finance", False, False),
        ("Manager", False, False),
        ("Admin", False, True),
        (None, True, True),
    ],
)
def test_the_admin_link_is_shown_to_exactly_who_may_enter_admin(
    client, make_user, role, superuser, link
):
    user = make_user(role, is_superuser=superuser)
    client.force_login(user)
    html = client.get("/").content.decode()
    assert ('href="/admin/"' in html) is link
    admin_index = client.get("/admin/")
    assert (admin_index.status_code == 200) is link


def test_a_finance_email_search_says_the_role_cannot_search_by_email(client, make_user):
    client.force_login(make_user("Finance"))
    wanted = OrderFactory(line_item__recipient_email="riley.chen2@example.com")
    for query in ("riley.chen2@example.com", "riley.chen2@"):
        html = client.get("/", {"q": query}, headers=HTMX, follow=True).content.decode()
        assert f'href="/orders/{wanted.pk}/"' not in html
        assert "Your role cannot search by recipient email" in html, query
    # A search it may run that matches nothing says only that.
    html = client.get("/", {"q": "nobody-by-that-name"}, headers=HTMX).content.decode()
    assert "No orders match" in html and "cannot search by recipient email" not in html


def test_support_searching_by_email_gets_no_such_hint(client, make_user):
    client.force_login(make_user("Support"))
    response = client.get("/", {"q": "nobody@example.com"}, headers=HTMX, follow=True)
    html = response.content.decode()
    assert "No orders match" in html and "cannot search by recipient email" not in html
