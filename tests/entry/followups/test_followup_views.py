"""The re-order and reissue pages, and their controls on the order page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from tests.factories import CatalogItemFactory, placed_line_item

pytestmark = pytest.mark.django_db


def _page(client, order) -> str:
    return client.get(reverse("orders:detail", args=[order.pk])).content.decode()


def test_the_failed_order_page_offers_the_reorder_to_permitted_roles(
    client, make_user, failed_order
):
    client.force_login(make_user("Support"))
    html = _page(client, failed_order)
    assert "Re-order failed rewards…" in html
    assert reverse("entry:reorder", args=[failed_order.pk]) in html

    client.force_login(make_user("Finance"))
    html = _page(client, failed_order)
    assert reverse("entry:reorder", args=[failed_order.pk]) not in html
    assert "Needs the Support role." in html  # disabled, with the reason


def test_a_complete_order_has_no_reorder_control(client, make_user, fake_tango):
    line = placed_line_item()
    client.force_login(make_user("Support"))
    assert "Re-order failed rewards" not in _page(client, line.order)


def test_the_reorder_page_shows_contact_data_masked(client, make_user, failed_order):
    client.force_login(make_user("Support"))
    html = client.get(reverse("entry:reorder", args=[failed_order.pk])).content.decode()
    assert "j***@example.com" in html
    assert "jane@example.com" not in html
    assert 'value="40.00"' in html


def test_posting_the_reorder_creates_one_order_and_links_both_pages(
    client, make_user, failed_order
):
    client.force_login(make_user("Support"))
    line = failed_order.line_items.get()
    url = reverse("entry:reorder", args=[failed_order.pk])
    data = {f"li{line.pk}-include": "on", f"li{line.pk}-amount": "40.00"}

    response = client.post(url, data, follow=True)

    new = Order.objects.get(reorder_of=line)
    assert response.redirect_chain[-1][0] == reverse("orders:detail", args=[failed_order.pk])
    html = response.content.decode()
    assert "1 failed reward re-ordered. Queued for placement" in html
    assert reverse("orders:detail", args=[new.pk]) in html  # "re-ordered as order ..."
    assert "Line 1 re-ordered as" in html
    assert new.line_items.get().recipient_email == "jane@example.com"  # kept, never shown
    assert "Re-order of line 1 of" in _page(client, new)

    # A second tab's POST of the same form creates nothing and says why.
    again = client.post(url, data, follow=True)
    assert Order.objects.filter(reorder_of=line).count() == 1
    assert "already re-ordered as order" in again.content.decode()


def test_an_invalid_reorder_shows_each_problem_on_its_field(client, make_user, failed_order):
    client.force_login(make_user("Support"))
    line = failed_order.line_items.get()
    response = client.post(
        reverse("entry:reorder", args=[failed_order.pk]),
        {
            f"li{line.pk}-include": "on",
            f"li{line.pk}-amount": "0",
            f"li{line.pk}-recipient_email": "",
        },
    )
    assert response.status_code == 422
    assert "Amount must be greater than zero." in response.content.decode()
    assert not Order.objects.filter(reorder_of=line).exists()


def test_the_reissue_page_and_its_control(client, make_user, fake_tango):
    line = placed_line_item(
        status="COMPLETE", reward_status="ACTIVE", can_cancel=True, date_issued=timezone.now()
    )
    client.force_login(make_user("Manager"))
    url = reverse("entry:reissue", args=[line.pk])
    assert url in _page(client, line.order)
    assert "Reason" in client.get(url).content.decode()

    invalid = client.post(url, {"reason_code": "OTHER"})
    assert invalid.status_code == 422
    assert "Describe the reason when choosing Other." in invalid.content.decode()

    response = client.post(
        url, {"reason_code": "RECIPIENT", "recipient_email": "new@example.com"}, follow=True
    )
    new = Order.objects.get(reissue_of=line)
    assert response.redirect_chain[-1][0] == reverse("orders:detail", args=[new.pk])
    assert "Reissue of line 1 of" in response.content.decode()
    assert fake_tango.count("reissue_line_item") == 1

    client.force_login(make_user("Support"))
    assert url not in _page(client, line.order)  # done: no control at all any more


def _physical(order):
    """The failed order's reward made a physical one (mailed: ADDRESS delivery allowed)."""
    item = CatalogItemFactory(physical=True)
    order.line_items.update(catalog_item=item, utid=item.utid)
    return order.line_items.get()


def _address_post(line, **address):
    data = {
        f"li{line.pk}-include": "on",
        f"li{line.pk}-amount": "40.00",
        f"li{line.pk}-delivery_method": "ADDRESS",
        f"li{line.pk}-recipient_last_name": "Doe",
    }
    data.update({f"li{line.pk}-address_{key}": value for key, value in address.items()})
    return data


def test_the_reorder_form_changes_the_delivery_method_and_postal_address(
    client, make_user, failed_order
):
    client.force_login(make_user("Support"))
    line = _physical(failed_order)
    url = reverse("entry:reorder", args=[failed_order.pk])
    page = client.get(url).content.decode()
    assert f'name="li{line.pk}-delivery_method"' in page
    assert f'name="li{line.pk}-address_street1"' in page

    response = client.post(
        url,
        _address_post(
            line,
            street1="1 Main St",
            city="Springfield",
            state="IL",
            postal_code="62701",
            country="US",
        ),
    )

    assert response.status_code == 302, [r["form"].errors for r in response.context["rows"]]
    new = Order.objects.get(reorder_of=line)
    assert new.delivery_method == "ADDRESS"
    new_line = new.line_items.get()
    assert new_line.delivery_method == "ADDRESS"
    assert (new_line.address_street1, new_line.address_city) == ("1 Main St", "Springfield")
    assert (new_line.address_state, new_line.address_country) == ("IL", "US")


def test_an_incomplete_postal_address_is_shown_field_by_field_and_nothing_is_written(
    client, make_user, failed_order
):
    client.force_login(make_user("Support"))
    line = _physical(failed_order)
    before = Order.objects.count()

    response = client.post(
        reverse("entry:reorder", args=[failed_order.pk]),
        _address_post(line, street1="1 Main St", country="US"),
    )

    assert response.status_code == 422
    html = response.content.decode()
    for field in ("address_city", "address_state", "address_postal_code"):
        # each problem is rendered in its own field's block
        block = html.split(f'name="li{line.pk}-{field}"')[1].split("</div>")[0]
        assert 'class="field-error"' in block, field
    assert Order.objects.count() == before
    assert not Order.objects.filter(reorder_of=line).exists()
