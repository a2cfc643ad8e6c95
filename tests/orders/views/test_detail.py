"""The order page: what it shows, masking and unmasking, notes, credential reveal."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from orders.models import OrderEvent
from orders.statuses import ORDER_STATUS_DESCRIPTIONS, ORDER_STATUS_NEXT_STEPS
from tango.testing import FakeTango
from tests.factories import LineItemFactory, OrderEventFactory, OrderFactory, at_tango

# Also run on the embedded SQLite default in CI's smoke lane.
pytestmark = pytest.mark.smoke

HTMX = {"HX-Request": "true"}


@pytest.fixture
def tango(fake_tango: FakeTango) -> FakeTango:
    return fake_tango


def login(client, make_user, role):
    user = make_user(role)
    client.force_login(user)
    return user


def detail(order):
    return reverse("orders:detail", args=[order.pk])


def test_page_explains_the_status_and_the_next_step(client, make_user):
    login(client, make_user, "Finance")
    order = OrderFactory(placed=True, tango_status="ON_HOLD")
    html = client.get(detail(order)).content.decode()
    assert ORDER_STATUS_DESCRIPTIONS["ON_HOLD"][:60] in html
    assert ORDER_STATUS_NEXT_STEPS["ON_HOLD"].replace("'", "&#x27;")[:40] in html
    assert "fund the account" in html


def test_page_shows_line_items_with_all_statuses_and_the_timeline(client, make_user):
    login(client, make_user, "Support")
    order = OrderFactory(placed=True, tango_status="PARTIAL")
    LineItemFactory(
        order=order,
        line_number=2,
        status="FAILED",
        errors=[{"code": "RG-1002", "message": "Email domain blocked"}],
    )
    order.line_items.filter(line_number=1).update(
        email_status="BOUNCE", delivery_status="FAILED", reward_status="ACTIVE"
    )
    OrderEventFactory(order=order, kind="note", source="staff", message="Called the recipient")
    html = client.get(detail(order)).content.decode()
    for text in ["Email: Bounced", "Delivery: Failed", "Reward: Active", "Failed", "RG-1002"]:
        assert text in html
    assert "Called the recipient" in html


def test_held_order_shows_why(client, make_user):
    login(client, make_user, "Support")
    order = OrderFactory(state="held", hold_reason="insufficient_funds", hold_note="402 from Tango")
    html = client.get(detail(order)).content.decode()
    assert "On hold: Insufficient funds." in html and "402 from Tango" in html
    assert "Fund account acme-usd-01" in html


def test_htmx_gets_the_detail_fragment(client, make_user):
    login(client, make_user, "Support")
    order = OrderFactory()
    fragment = client.get(detail(order), headers=HTMX)
    assert b'id="order-detail"' in fragment.content and b"<html" not in fragment.content
    assert b"<html" in client.get(detail(order)).content


def test_contact_data_is_masked_until_unmasked_and_unmasking_is_audited(client, make_user):
    user = login(client, make_user, "Support")
    order = OrderFactory(
        line_item__recipient_email="jane.doe@example.com",
        line_item__recipient_mobile="+15551231234",
    )
    page = client.get(detail(order)).content.decode()
    assert "j***@example.com" in page and "***34" in page
    assert "jane.doe@example.com" not in page and "+15551231234" not in page

    shown = client.post(reverse("orders:unmask", args=[order.pk]))
    html = shown.content.decode()
    assert "jane.doe@example.com" in html and "+15551231234" in html
    assert "no-store" in shown["Cache-Control"] or "no-cache" in shown["Cache-Control"]
    audit = AuditEntry.objects.get(action="recipient.unmask")
    assert (audit.actor, audit.object_id, audit.ip_address) == (user, str(order.pk), "127.0.0.1")


def test_finance_sees_masked_data_and_no_unmask_button(client, make_user):
    login(client, make_user, "Finance")
    order = OrderFactory()
    html = client.get(detail(order)).content.decode()
    assert "Show contact data" not in html and "Contact data masked for your role" in html


def test_disabled_actions_say_why(client, make_user):
    login(client, make_user, "Support")
    order = OrderFactory(placed=True)
    html = client.get(detail(order)).content.decode()
    line_item = order.line_items.get()
    assert f'id="why-reveal-{line_item.pk}">Needs the Manager role.<' in html
    assert "Resend…" in html  # Support may resend: an enabled button
    # What the order allows comes first: nobody may hold an order Tango already has.
    assert 'id="why-hold">Only orders not yet placed at Tango can be held' in html

    unplaced = OrderFactory()
    html = client.get(detail(unplaced)).content.decode()
    assert 'id="why-hold">Needs the Manager role.<' in html


def test_note_form_posts_redirects_and_shows_on_the_timeline(client, make_user):
    login(client, make_user, "Support")
    order = OrderFactory()
    url = reverse("orders:add-note", args=[order.pk])
    response = client.post(url, {"text": "Recipient on vacation"})
    assert response.status_code == 302 and response["Location"] == detail(order)
    page = client.get(response["Location"]).content.decode()
    assert "Recipient on vacation" in page and "Note added." in page


def test_note_via_htmx_gets_the_fragment_with_the_message(client, make_user):
    login(client, make_user, "Support")
    order = OrderFactory()
    url = reverse("orders:add-note", args=[order.pk])
    response = client.post(url, {"text": "hx note"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and 'id="order-detail"' in html
    assert "Note added." in html and "hx note" in html and "<html" not in html


def test_empty_note_is_shown_again_with_an_error(client, make_user):
    login(client, make_user, "Support")
    order = OrderFactory()
    response = client.post(reverse("orders:add-note", args=[order.pk]), {"text": ""}, headers=HTMX)
    assert response.status_code == 422
    assert b"This field is required." in response.content
    assert not OrderEvent.objects.filter(kind="note").exists()


def test_reveal_shows_the_credential_once_without_caching(client, make_user, tango):
    login(client, make_user, "Manager")
    order = at_tango(OrderFactory(placed=True))
    line_item = order.line_items.get()
    response = client.post(
        reverse("orders:reveal", args=[line_item.pk]), {"reason": "ticket 7"}, headers=HTMX
    )
    html = response.content.decode()
    assert "9876-5432" in html and "https://rewards.example/r/XYZ-123" in html
    assert 'hx-history="false"' in html
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    assert tango.names() == ["get_order"]
    # The next page view does not show it again: it was never stored.
    assert "9876-5432" not in client.get(detail(order)).content.decode()


def test_reveal_without_a_reason_asks_for_one(client, make_user, tango):
    login(client, make_user, "Manager")
    line_item = OrderFactory(placed=True).line_items.get()
    response = client.post(reverse("orders:reveal", args=[line_item.pk]), {"reason": ""})
    assert response.status_code == 422 and tango.calls == []


def test_credentials_never_appear_in_the_list(client, make_user, tango):
    login(client, make_user, "Manager")
    OrderFactory(placed=True)
    assert b"9876-5432" not in client.get("/").content
    assert tango.calls == []


def test_unknown_order_is_a_404(client, make_user):
    login(client, make_user, "Support")
    assert client.get(reverse("orders:detail", args=[999999])).status_code == 404
